using Microsoft.AspNetCore.Routing;

namespace Partner.Api.Hosting;

/// <summary>
/// The web client: <c>wwwroot/index.html</c> and the bundle that the build makes from <c>../web</c> into <c>wwwroot/app</c>,
/// with the client's own paths (a link such as <c>/matches/{id}</c> opened directly) answered by the same page.
/// </summary>
public static class WebClient
{
    private static readonly string[] ClientPaths = ["/rooms/{**path}", "/random/{**path}", "/matches/{**path}", "/alarms", "/me", "/sign-in"];

    public static WebApplication UseWebClientFiles(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        return app;
    }

    public static WebApplication MapWebClient(this WebApplication app)
    {
        foreach (var path in ClientPaths)
        {
            app.MapFallbackToFile(path, "index.html").WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
        }

        return app;
    }
}
