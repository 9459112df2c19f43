using System.Net;
using System.Text.RegularExpressions;

namespace AgentMem.Server.Tests;

/// <summary>The inspector's static files without a browser: served from the assembly, typed, cached carefully, self-contained.</summary>
public sealed partial class InspectorSiteTests
{
    // The one absolute URL the files may hold: the SVG namespace name, which createElementNS needs and nothing loads.
    private const string SvgNamespace = "http://www.w3.org/2000/svg";

    private static string SiteFolder => RepoPaths.File("src", "Server", "Inspector", "Site");

    /// <summary>Every file of the site, as a path below <c>/ui/</c>.</summary>
    public static TheoryData<string> SiteFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.EnumerateFiles(SiteFolder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(SiteFolder, file).Replace('\\', '/'));
        }

        return data;
    }

    [Fact]
    public async Task Ui_redirects_to_the_folder_and_serves_the_page_without_a_key()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client(key: null);

        var bare = await client.GetAsync("/ui");
        Assert.True(bare.StatusCode is HttpStatusCode.Moved or HttpStatusCode.Found or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect, bare.StatusCode.ToString());
        Assert.Equal("/ui/", bare.Headers.Location is { IsAbsoluteUri: true } absolute ? absolute.AbsolutePath : bare.Headers.Location?.OriginalString);

        var page = await client.GetAsync("/ui/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", page.Content.Headers.ContentType?.CharSet);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"key-dialog\"", html, StringComparison.Ordinal);
        Assert.Contains("<script type=\"module\" src=\"js/app.js\">", html, StringComparison.Ordinal);
        Assert.Equal("no-cache", page.Headers.CacheControl?.ToString());
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/ui/js/missing.js")).StatusCode);

        // The page itself holds no data: the API behind it still wants the key.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/cubes")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(SiteFiles))]
    public async Task Every_file_is_embedded_and_served_byte_for_byte_with_its_content_type(string path)
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client(key: null);

        var response = await client.GetAsync("/ui/" + path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string expected = Path.GetExtension(path) switch
        {
            ".html" => "text/html",
            ".js" => "text/javascript",
            ".css" => "text/css",
            var other => throw new InvalidOperationException($"no expected content type for {other}: add it to the test and to InspectorSite"),
        };
        Assert.Equal(expected, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(SiteFolder, path)), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());

        // Revalidation is cheap: the ETag answers 304.
        using var again = new HttpRequestMessage(HttpMethod.Get, "/ui/" + path);
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
    }

    [Fact]
    public void No_file_refers_to_another_host()
    {
        var offenders = new List<string>();
        foreach (string file in Directory.EnumerateFiles(SiteFolder, "*", SearchOption.AllDirectories))
        {
            string text = File.ReadAllText(file).Replace(SvgNamespace, string.Empty, StringComparison.Ordinal);
            offenders.AddRange(AbsoluteUrl().Matches(text).Select(m => $"{Path.GetFileName(file)}: {m.Value}"));
            offenders.AddRange(ProtocolRelativeUrl().Matches(text).Select(m => $"{Path.GetFileName(file)}: {m.Value}"));
        }

        Assert.Empty(offenders);
        Assert.True(Directory.EnumerateFiles(SiteFolder, "*", SearchOption.AllDirectories).Count() >= 5, "the site folder is nearly empty");
    }

    [GeneratedRegex(@"https?://[^\s'""<>)]*", RegexOptions.IgnoreCase)]
    private static partial Regex AbsoluteUrl();

    // src="//cdn.example" and url(//...) load from another host too.
    [GeneratedRegex(@"(?:src|href)\s*=\s*[""']//|url\(\s*[""']?//", RegexOptions.IgnoreCase)]
    private static partial Regex ProtocolRelativeUrl();
}
