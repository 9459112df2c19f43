using System.Net;
using System.Net.Http.Headers;
using AgentMem.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace AgentMem.Server.Tests;

/// <summary>
/// <see cref="ServerOptions.ApiKeyFile"/>: an edited key file takes effect without a restart (checked on every request
/// here, <see cref="ServerOptions.ApiKeyFileCheckInterval"/> zero), and a broken one never leaves the service without keys.
/// </summary>
public sealed class KeyFileReloadTests
{
    private const string Admin = "am_test_key_admin";
    private const string Bob = "am_test_key_bob";
    private const string Carol = "am_test_key_carol";

    [Fact]
    public async Task A_line_added_to_the_key_file_works_and_a_line_removed_is_revoked_without_a_restart()
    {
        // The file was read once at start: a new line was refused (401) until a restart, and a leaked key whose line was
        // removed kept full access.
        using var folder = new TempFolder("server");
        string file = folder.File("keys.txt");
        await File.WriteAllLinesAsync(file, [Line(Admin), Line(Bob, "bob")]);
        await using var app = await StartAsync(folder, file, TimeSpan.Zero);

        Assert.Equal(HttpStatusCode.OK, await CubesAsync(app, Bob));
        Assert.Equal(HttpStatusCode.Unauthorized, await CubesAsync(app, Carol));

        await File.WriteAllLinesAsync(file, [Line(Admin), Line(Carol, "carol")]);
        Assert.Equal(HttpStatusCode.Unauthorized, await CubesAsync(app, Bob));
        Assert.Equal(HttpStatusCode.OK, await CubesAsync(app, Carol));
        Assert.Equal(HttpStatusCode.OK, await CubesAsync(app, Admin));

        // Emptying the file revokes every key: refused, not let in without one.
        await File.WriteAllTextAsync(file, "# every key revoked\n");
        Assert.Equal(HttpStatusCode.Unauthorized, await CubesAsync(app, Admin));
        Assert.Equal(HttpStatusCode.Unauthorized, await CubesAsync(app, key: null));
    }

    [Fact]
    public async Task A_key_file_changed_into_one_that_does_not_parse_keeps_the_keys_in_force_and_logs_an_error()
    {
        using var folder = new TempFolder("server");
        string file = folder.File("keys.txt");
        await File.WriteAllLinesAsync(file, [Line(Admin), Line(Bob, "bob")]);
        var logged = new CapturedErrors();
        await using var app = await StartAsync(folder, file, TimeSpan.Zero, logged);

        // Half an edit: carol's line is bad, bob's is gone. Nothing of it applies, and it is said once.
        await File.WriteAllLinesAsync(file, [Line(Admin), $"acme:{ApiKeyHasher.Hash(Carol)[..20]}"]);
        Assert.Equal(HttpStatusCode.OK, await CubesAsync(app, Bob));
        Assert.Equal(HttpStatusCode.OK, await CubesAsync(app, Admin));
        var error = Assert.Single(logged.Errors);
        Assert.IsType<FormatException>(error);
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);

        // A key listed for two identities is no usable file either.
        await File.WriteAllLinesAsync(file, [Line(Admin), Line(Bob, "bob"), Line(Bob, "carol")]);
        Assert.Equal(HttpStatusCode.OK, await CubesAsync(app, Bob));
        Assert.Equal(2, logged.Errors.Count);

        // Fixed: the edit applies.
        await File.WriteAllLinesAsync(file, [Line(Admin), Line(Carol, "carol")]);
        Assert.Equal(HttpStatusCode.Unauthorized, await CubesAsync(app, Bob));
        Assert.Equal(HttpStatusCode.OK, await CubesAsync(app, Carol));
    }

    [Fact]
    public async Task A_key_file_that_is_gone_keeps_the_keys_in_force()
    {
        using var folder = new TempFolder("server");
        string file = folder.File("keys.txt");
        await File.WriteAllLinesAsync(file, [Line(Bob, "bob")]);
        var logged = new CapturedErrors();
        await using var app = await StartAsync(folder, file, TimeSpan.Zero, logged);

        // An editor that replaces the file removes it for a moment: no client is locked out meanwhile.
        File.Delete(file);
        Assert.Equal(HttpStatusCode.OK, await CubesAsync(app, Bob));
        Assert.Equal(HttpStatusCode.OK, await CubesAsync(app, Bob));
        Assert.IsAssignableFrom<IOException>(Assert.Single(logged.Errors));
    }

    [Fact]
    public async Task The_key_file_is_read_again_only_once_its_check_interval_has_passed()
    {
        using var folder = new TempFolder("server");
        string file = folder.File("keys.txt");
        await File.WriteAllLinesAsync(file, [Line(Bob, "bob")]);
        await using var app = await StartAsync(folder, file, TimeSpan.FromDays(1));

        await File.WriteAllLinesAsync(file, [Line(Carol, "carol")]);
        Assert.Equal(HttpStatusCode.OK, await CubesAsync(app, Bob));
        Assert.Equal(HttpStatusCode.Unauthorized, await CubesAsync(app, Carol));
    }

    [Theory]
    [InlineData("# no key yet\n", "holds no key")]
    [InlineData("acme:not-a-hash\n", "line 1")]
    public async Task A_key_file_that_cannot_be_used_at_start_stops_the_build(string content, string expected)
    {
        using var folder = new TempFolder("server");
        string file = folder.File("keys.txt");
        await File.WriteAllTextAsync(file, content);
        var options = new ServerOptions { Db = folder.File("server.db"), ApiKeyFile = file };
        var refused = Assert.Throws<FormatException>(() => AgentMemServer.Build(options, b => b.WebHost.UseTestServer()));
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_check_interval_is_refused()
    {
        var options = new ServerOptions { ApiKeyFile = "keys.txt", ApiKeyFileCheckInterval = TimeSpan.FromSeconds(-1) };
        Assert.Equal(nameof(ServerOptions.ApiKeyFileCheckInterval), Assert.Throws<ArgumentOutOfRangeException>(options.Validate).ParamName);
    }

    private static string Line(string key, string? user = null) =>
        $"acme:{ApiKeyHasher.Hash(key)}{(user is null ? string.Empty : $" user={user}")}";

    private static async Task<WebApplication> StartAsync(TempFolder folder, string file, TimeSpan interval, ILoggerProvider? log = null)
    {
        var options = new ServerOptions { Db = folder.File("server.db"), ApiKeyFile = file, ApiKeyFileCheckInterval = interval };
        var app = AgentMemServer.Build(options, b =>
        {
            b.WebHost.UseTestServer();
            b.Logging.ClearProviders();
            if (log is not null)
            {
                b.Logging.AddProvider(log);
            }
        });
        await app.StartAsync();
        return app;
    }

    private static async Task<HttpStatusCode> CubesAsync(WebApplication app, string? key)
    {
        using var client = app.GetTestClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return (await client.GetAsync("/v1/cubes")).StatusCode;
    }
}
