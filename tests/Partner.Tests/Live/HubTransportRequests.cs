using Microsoft.AspNetCore.Http;
using Partner.Api.Live;

namespace Partner.Tests.Live;

/// <summary>Which hub requests last as long as their connection (and so skip what only short requests need).</summary>
public sealed class HubTransportRequests
{
    [Theory]
    [InlineData("/hubs/partner", true)]
    [InlineData("/hubs/partner/", true)]
    [InlineData("/hubs/partner/negotiate", false)]
    [InlineData("/hubs", true)]
    [InlineData("/api/rooms", false)]
    [InlineData("/hubsx/partner", false)]
    [InlineData("/", false)]
    public void OnlyAHubsRequestsOtherThanNegotiateAreTransports(string path, bool transport)
    {
        var request = new DefaultHttpContext().Request;
        request.Path = path;

        Assert.Equal(transport, LiveSetup.IsHubTransport(request));
    }
}
