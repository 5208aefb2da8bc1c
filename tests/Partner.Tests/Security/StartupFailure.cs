using Partner.Tests.Api;

namespace Partner.Tests.Security;

internal static class StartupFailure
{
    /// <summary>Starts the API and returns why it refused to start (the messages of the exception and its inner ones).</summary>
    public static string Of(PartnerApiFactory factory)
    {
        var error = Record.Exception(() => factory.Server);
        Assert.NotNull(error);
        var messages = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(" | ", messages);
    }
}
