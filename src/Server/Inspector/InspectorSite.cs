using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace AgentMem.Server.Inspector;

/// <summary>
/// The web memory inspector at <c>/ui</c>: plain HTML, CSS and JavaScript embedded in this assembly (no CDN, no build step).
/// The files carry no data and need no key; the page asks the user for an API key and sends it on every <c>/v1</c> call,
/// with the user its User field names (a key not bound to a user reads a user's cubes only as that user), so the inspector
/// sees exactly what any other client with that key, naming that user, sees.
/// </summary>
internal static class InspectorSite
{
    /// <summary>The path the inspector is served under.</summary>
    public const string PathBase = "/ui";

    // MSBuild names embedded resources after the root namespace and the folders (Inspector/Site/js/app.js ->
    // AgentMem.Server.Inspector.Site.js.app.js); EmbeddedFileProvider maps request paths back to those names.
    private const string ResourceNamespace = "AgentMem.Server.Inspector.Site";

    // Only same-origin scripts, styles and calls; nothing inline, nothing framed. The SVG graph is built with DOM calls.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>The embedded files, by request path below <see cref="PathBase"/> (e.g. <c>/js/app.js</c>).</summary>
    public static IFileProvider Files { get; } = new EmbeddedFileProvider(typeof(InspectorSite).Assembly, ResourceNamespace);

    /// <summary>Serves <c>/ui</c> (redirected to <c>/ui/</c>, so the page's relative asset paths resolve), <c>/ui/</c> and its assets.</summary>
    public static void UseInspector(this WebApplication app)
    {
        // Default files also answers /ui with a redirect to /ui/ (RedirectToAppendTrailingSlash).
        app.UseDefaultFiles(new DefaultFilesOptions { RequestPath = PathBase, FileProvider = Files, DefaultFileNames = ["index.html"] });
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = PathBase,
            FileProvider = Files,
            ContentTypeProvider = ContentTypes(),
            OnPrepareResponse = static file => Harden(file.Context.Response),
        });
    }

    private static FileExtensionContentTypeProvider ContentTypes()
    {
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        types.Mappings[".css"] = "text/css; charset=utf-8";
        types.Mappings[".html"] = "text/html; charset=utf-8";
        types.Mappings[".svg"] = "image/svg+xml";
        return types;
    }

    private static void Harden(HttpResponse response)
    {
        // The names carry no content hash, so a browser must revalidate (ETag, Last-Modified) to see a new release's files;
        // an unchanged file costs a 304.
        response.Headers.CacheControl = "no-cache";
        response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
    }
}
