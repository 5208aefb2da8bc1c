using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.FileProviders;

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
        // The content root is the working directory: started elsewhere than the project (a built DLL), serve the copy beside it.
        var besideBinary = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (!app.Environment.WebRootFileProvider.GetFileInfo("index.html").Exists && File.Exists(Path.Combine(besideBinary, "index.html")))
        {
            app.Environment.WebRootPath = besideBinary;
            app.Environment.WebRootFileProvider = new PhysicalFileProvider(besideBinary);
        }

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
