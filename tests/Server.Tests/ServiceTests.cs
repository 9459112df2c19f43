using System.Net;
using System.Net.Http.Json;
using AgentMem.MemoryCore;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
    public async Task Health_says_that_the_background_embedder_stopped_but_not_what_its_error_said()
    {
        // /health needs no key, and it showed the failure's message: an endpoint's address and whatever its answer held.
        using var state = NewFailingState(out var options);
        await using var app = await StartWithQueuedVectorAsync(state, options, log: null);
        using var client = app.GetTestClient();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (state.BackgroundEmbeddingError is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the background embedder never failed");
            await Task.Delay(20);
        }

        string body = await (await client.GetAsync("/health")).Content.ReadAsStringAsync();
        Assert.Contains("stopped (HttpRequestException)", body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-host", body, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-XYZ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_background_batch_is_logged_when_it_fails_without_anyone_asking_health()
    {
        // Only /health wrote the failure to the log: a service nobody polled stopped embedding without a word.
        using var state = NewFailingState(out var options);
        var logged = new CapturedErrors();
        await using var app = await StartWithQueuedVectorAsync(state, options, logged);

        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (logged.Errors.IsEmpty)
        {
            Assert.True(DateTime.UtcNow < deadline, "the failed batch was never logged");
            await Task.Delay(20);
        }

        Assert.Contains(logged.Errors, e => e is HttpRequestException && e.Message.Contains("secret-host", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_counts_the_memories_the_embedder_refused()
    {
        // A memory refused as bad input is searched by its words only and no longer counts as pending or as an error:
        // /health showed nothing of it, so an operator could not tell that some memories will never have a vector.
        using var state = NewFailingState(out var options, refuse: true);
        await using var app = await StartWithQueuedVectorAsync(state, options, log: null);
        using var client = app.GetTestClient();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (state.RefusedEmbeddings == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the embedder's refusal was never recorded");
            await Task.Delay(20);
        }

        var embeddings = (await TestApp.ReadJsonAsync(await client.GetAsync("/health"))).GetProperty("embeddings");
        Assert.Equal(1, embeddings.GetProperty("refused").GetInt64());
        Assert.Equal(0, embeddings.GetProperty("pending").GetInt64());
    }

    // A state over a fresh database whose embedder fails every memory (the background's work), or refuses it as bad input,
    // and embeds queries.
    private static RetrievalState NewFailingState(out ServerOptions options, bool refuse = false)
    {
        options = TestApp.Options(TestApp.NewFolder());
        var store = Stores.Locations.StoreLocation.Parse(options.Db).Open();
        return new RetrievalState(store, new FailingEmbedder(refuse), new RetrievalStateOptions { InlineEmbedLimit = 0 });
    }

    // The service over that state (logging to log, or nowhere), once a memory is added and searched so its vector is queued.
    private static async Task<WebApplication> StartWithQueuedVectorAsync(RetrievalState state, ServerOptions options, ILoggerProvider? log)
    {
        var composition = new ServerComposition(new MemoryOS(state.Store, new HybridRetriever(state)), state);
        var app = AgentMemServer.Build(options, b =>
        {
            b.WebHost.UseTestServer();
            b.Logging.ClearProviders();
            if (log is not null)
            {
                b.Logging.AddProvider(log);
            }

            b.Services.AddSingleton(composition);
        });
        await app.StartAsync();
        using var client = app.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestApp.KeyA);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/memories", new { cube = "notes", text = "Alice likes tea" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/search", new { cube = "notes", query = "tea" })).StatusCode); // queues the vector
        return app;
    }

    private sealed class FailingEmbedder(bool refuse) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly EmbeddingGeneratorMetadata metadata = new("test-failing", null, "failing-v1", 8);

        // Queries embed; memories (the background's work) fail.
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToList();
            return texts.Any(t => t.Contains("Alice", StringComparison.Ordinal))
                ? throw (refuse ? new Retrieval.Embeddings.EmbeddingInputException("too long for this model") : (Exception)new HttpRequestException("http://secret-host:9999/v1/embeddings answered 401: invalid key sk-XYZ"))
                : Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(texts.Select(_ => new Embedding<float>(new float[] { 1, 0, 0, 0, 0, 0, 0, 0 }))));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(metadata) ? metadata : null;

        public void Dispose()
        {
        }
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
    [Fact]
    public async Task Without_keys_a_request_that_names_no_user_acts_as_the_local_user_and_one_that_names_a_user_as_that_user()
    {
        // The keyless identity was the tenant alone: the service `agentmem --user alice serve` runs answered alice's own
        // cubes with 403 and listed none of them.
        await using var app = await TestApp.StartAsync(configure: options =>
        {
            options.ApiKeys.Clear();
            options.RequireAuth = false;
            options.LocalUser = "alice";
            options.LocalAgent = "notebook";
        });
        using var client = app.Client(key: null);
        string id = await TestApp.AddAsync(client, "alice likes green tea");
        var cube = Assert.Single((await TestApp.ReadJsonAsync(await client.GetAsync("/v1/cubes"))).EnumerateArray());
        Assert.Equal("alice", cube.GetProperty("ownerUser").GetString());
        Assert.Equal("notebook", cube.GetProperty("ownerAgent").GetString());
        var memory = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}?user="));
        Assert.Equal("alice", memory.GetProperty("user").GetString());

        // Unlike a key's binding, it is a default: a request naming bob acts as bob, who may not read alice's cube.
        Assert.Equal(0, (await TestApp.ReadJsonAsync(await client.GetAsync("/v1/cubes?user=bob"))).GetArrayLength());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/v1/memories/{id}?user=bob")).StatusCode);
    }

    [Theory]
    [InlineData(nameof(ServerOptions.LocalUser))]
    [InlineData(nameof(ServerOptions.LocalAgent))]
    public void With_keys_a_local_user_or_agent_is_refused(string member)
    {
        // With keys it was ignored: every call acted as its key's binding or the request's user.
        var options = new ServerOptions { LocalUser = member == nameof(ServerOptions.LocalUser) ? "alice" : null, LocalAgent = member == nameof(ServerOptions.LocalAgent) ? "notebook" : null };
        options.ApiKeys.Add(new Auth.ApiKeyEntry("acme", Auth.ApiKeyHasher.Hash("k")));
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(member, error.ParamName);
        Assert.Contains("only without API keys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_keys_a_local_user_no_scope_takes_is_refused()
    {
        var options = new ServerOptions { RequireAuth = false, LocalUser = "bad\u0007name" };
        options.Urls.Clear();
        options.Urls.Add("http://127.0.0.1:0");
        Assert.Equal(nameof(ServerOptions.LocalUser), Assert.Throws<ArgumentException>(options.Validate).ParamName);
    }

    [Fact]
    public void Every_address_must_be_one_kestrel_can_bind_with_an_http_scheme()
    {
        // 'host:port' passed validation and failed the host's start with a stack trace (with keys), or was refused as not
        // loopback (without).
        var options = new ServerOptions { Db = "unused.db" };
        options.ApiKeys.Add(new Auth.ApiKeyEntry("acme", Auth.ApiKeyHasher.Hash("k")));
        foreach (string bad in new[] { "127.0.0.1:5080", "localhost:5080", "ftp://127.0.0.1:21", "http//127.0.0.1:5080" })
        {
            options.Urls.Clear();
            options.Urls.Add(bad);
            var error = Assert.Throws<ArgumentException>(options.Validate);
            Assert.Equal(nameof(ServerOptions.Urls), error.ParamName);
            Assert.Contains($"'{bad}' is not an http(s) address", error.Message, StringComparison.Ordinal);
        }

        // What Kestrel binds stays allowed: every interface by wildcard, IPv6, https.
        foreach (string good in new[] { "http://*:5080", "http://+:5080", "http://[::]:5080", "https://localhost:5443", "HTTP://127.0.0.1:0" })
        {
            options.Urls.Clear();
            options.Urls.Add(good);
            options.Validate();
        }

        var keyless = new ServerOptions { RequireAuth = false };
        keyless.Urls.Clear();
        keyless.Urls.Add("localhost:5080");
        Assert.Contains("not an http(s) address", Assert.Throws<ArgumentException>(keyless.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_keys_a_request_naming_another_host_or_coming_from_another_site_is_refused()
    {
        // Bound to loopback, the keyless service still answered any Host: a page whose DNS name was rebound to 127.0.0.1 is
        // same-origin with its own script, which could then read and purge the local memories without a key.
        await using var app = await TestApp.StartAsync(configure: options =>
        {
            options.ApiKeys.Clear();
            options.RequireAuth = false;
        });
        using var client = app.Client(key: null);
        string id = await TestApp.AddAsync(client, "my bank PIN is 4321");

        foreach (string host in new[] { "attacker.example:5080", "attacker.example", "localhost.attacker.example", "127.0.0.1.nip.io:5080" })
        {
            var read = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://{host}/v1/memories?cube=notes"));
            Assert.Equal(HttpStatusCode.BadRequest, read.StatusCode);
            Assert.Equal("application/problem+json", read.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("4321", await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"http://{host}/v1/memories/{id}?purge=true"))).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://{host}/ui/"))).StatusCode);
        }

        // A page of another site posting to the loopback address itself (a form needs no preflight) names it as its Origin.
        foreach (string origin in new[] { "http://attacker.example", "null", "http://127.0.0.1.nip.io:5080" })
        {
            var forget = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:5080/v1/users/default/forget");
            forget.Headers.Add("Origin", origin);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(forget)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/memories/{id}")).StatusCode);
        foreach (string host in new[] { "localhost", "LOCALHOST:5080", "127.0.0.1:5080", "127.0.0.1", "[::1]:5080", "[::1]" })
        {
            var read = new HttpRequestMessage(HttpMethod.Get, $"http://{host}/v1/memories/{id}");
            read.Headers.Add("Origin", $"http://{host}");
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(read)).StatusCode);
        }

        // With keys, the key is what admits a request, whatever names the host (a proxy in front of the service may).
        await using var keyed = await TestApp.StartAsync();
        using var withKey = keyed.Client();
        string other = await TestApp.AddAsync(withKey, "behind a proxy");
        Assert.Equal(HttpStatusCode.OK, (await withKey.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://memory.example.com/v1/memories/{other}"))).StatusCode);
    }
}
