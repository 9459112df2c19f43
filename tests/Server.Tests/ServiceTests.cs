using System.Net;

namespace AgentMem.Server.Tests;

public sealed class ServiceTests
{
    [Fact]
    public async Task Health_needs_no_key()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client(key: null);
        var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (await TestApp.ReadJsonAsync(response)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task OpenApi_document_lists_the_v1_routes()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client(key: null);
        var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = (await TestApp.ReadJsonAsync(response)).GetProperty("paths");
        string[] expected = ["/v1/cubes", "/v1/memories", "/v1/memories/batch", "/v1/memories/{id}", "/v1/memories/{id}/history", "/v1/search", "/v1/context", "/health"];
        foreach (string path in expected)
        {
            Assert.True(paths.TryGetProperty(path, out _), $"missing {path}");
        }

        var item = paths.GetProperty("/v1/memories/{id}");
        Assert.True(item.TryGetProperty("get", out _));
        Assert.True(item.TryGetProperty("patch", out _));
        Assert.True(item.TryGetProperty("delete", out _));
        Assert.True(paths.GetProperty("/v1/memories").TryGetProperty("patch", out _), "no batch update on /v1/memories");
    }

    [Fact]
    public void Key_hash_is_lowercase_sha256_hex_and_the_key_file_parses()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Auth.ApiKeyHasher.Hash("abc"));
        string key = Auth.ApiKeyHasher.NewKey();
        Assert.StartsWith("am_", key, StringComparison.Ordinal);
        Assert.True(key.Length > 40);

        var entries = Auth.ApiKeyHasher.ParseKeyFile(["# comment", "", $"acme:{Auth.ApiKeyHasher.Hash(key)}"]);
        Assert.Equal("acme", Assert.Single(entries).Tenant);
        var error = Assert.Throws<FormatException>(() => Auth.ApiKeyHasher.ParseKeyFile(["acme:nothex"]));
        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_keys_only_loopback_is_allowed()
    {
        var options = new ServerOptions { RequireAuth = false };
        options.Urls.Clear();
        options.Urls.Add("http://127.0.0.1:0");
        options.Validate();

        options.Urls.Add("http://0.0.0.0:5080");
        Assert.Throws<ArgumentException>(options.Validate);

        var keyless = new ServerOptions();
        Assert.Throws<ArgumentException>(keyless.Validate);
    }
}
