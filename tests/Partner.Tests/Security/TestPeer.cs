using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Partner.Tests.Security;

/// <summary>
/// TestServer has no TCP peer: this filter sets the connection's remote address from <see cref="Header"/>
/// before the application's pipeline, and answers <c>GET /test/connection</c> with the address and scheme
/// the application ended up with.
/// </summary>
internal sealed class TestPeer : IStartupFilter
{
    public const string Header = "X-Test-Peer";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers[Header] is [{ } peer])
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
            }

            return nextMiddleware(context);
        });
        next(app);
        app.Map("/test/connection", connection => connection.Run(context =>
            context.Response.WriteAsJsonAsync(new ConnectionSeen(context.Connection.RemoteIpAddress?.ToString(), context.Request.Scheme))));
    };
}

public sealed record ConnectionSeen(string? RemoteIpAddress, string Scheme);
