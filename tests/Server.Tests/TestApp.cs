using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentMem.Server;
using AgentMem.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace AgentMem.Server.Tests;

/// <summary>The service on the ASP.NET test host over a temporary database, with two tenants' keys.</summary>
internal sealed class TestApp : IAsyncDisposable
{
    public const string KeyA = "am_test_key_for_tenant_a";
    public const string KeyB = "am_test_key_for_tenant_b";

    private TestApp(WebApplication app, string folder)
    {
        App = app;
        Folder = folder;
    }

    public WebApplication App { get; }

    public string Folder { get; }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static ServerOptions Options(string folder, long maxBody = 1024 * 1024)
    {
        var options = new ServerOptions { Db = Path.Combine(folder, "server.db"), MaxRequestBodyBytes = maxBody };
        options.ApiKeys.Add(new ApiKeyEntry("tenant-a", ApiKeyHasher.Hash(KeyA)));
        options.ApiKeys.Add(new ApiKeyEntry("tenant-b", ApiKeyHasher.Hash(KeyB)));
        return options;
    }

    public static string NewFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-server-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static async Task<TestApp> StartAsync(long maxBody = 1024 * 1024, Action<ServerOptions>? configure = null)
    {
        string folder = NewFolder();
        var options = Options(folder, maxBody);
        configure?.Invoke(options);
        var app = AgentMemServer.Build(options, b =>
        {
            b.WebHost.UseTestServer();
            b.Logging.ClearProviders();
        });
        await app.StartAsync();
        return new TestApp(app, folder);
    }

    /// <summary>
    /// The service on real Kestrel at a loopback port the OS picks, over a fresh folder: <paramref name="body"/> gets the app
    /// and its base URL; the app is stopped and the folder removed afterwards.
    /// </summary>
    public static async Task WithKestrelAsync(Func<WebApplication, string, Task> body)
    {
        string folder = NewFolder();
        var options = Options(folder);
        options.Urls.Clear();
        options.Urls.Add("http://127.0.0.1:0");
        var app = AgentMemServer.Build(options, b => b.Logging.ClearProviders());
        try
        {
            await app.StartAsync();
            await body(app, Assert.Single(app.Urls));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A client for the test host; <paramref name="key"/> goes in as a bearer token when given.</summary>
    public HttpClient Client(string? key = KeyA)
    {
        var client = App.GetTestClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    public static async Task<string> AddAsync(HttpClient client, string text, string cube = "notes")
    {
        var response = await client.PostAsJsonAsync("/v1/memories", new { text, cube });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await ReadJsonAsync(response)).GetProperty("id").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
