using System.Net;
using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.OpenAICompatible;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.OpenAICompatible;

/// <summary>
/// The HTTP embedder (<see cref="OpenAICompatibleClients.CreateEmbeddingGenerator"/>: the OpenAI SDK behind M.E.AI, with
/// batching and checks around it) against a scripted loopback server (127.0.0.1 only; nothing leaves the machine).
/// </summary>
public sealed class EmbeddingGeneratorTests
{
    private static IEmbeddingGenerator<string, Embedding<float>> Client(ScriptedHttpServer server, int batchSize = 64, int maxRetries = 3, int? dimensions = null, double timeoutSeconds = 5) =>
        OpenAICompatibleClients.CreateEmbeddingGenerator(new OpenAICompatibleOptions
        {
            BaseUrl = server.BaseUrl,
            Model = "test-embed",
            ApiKey = "sk-test",
            BatchSize = batchSize,
            MaxRetries = maxRetries,
            Dimensions = dimensions,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            FirstRetryDelay = TimeSpan.FromMilliseconds(5),
        });

    private static Task<ScriptedResponse> Ok(ScriptedRequest r, bool reverse = false) => Task.FromResult(ScriptedHttpServer.Embeddings(r, reverse));

    [Fact]
    public async Task Batches_are_split_and_order_is_restored_by_index()
    {
        await using var server = new ScriptedHttpServer((_, r) => Ok(r, reverse: true));
        using var client = Client(server, batchSize: 2);
        string[] inputs = ["a", "bb", "ccc", "dddd", "eeeee"];
        GeneratedEmbeddings<Embedding<float>> result = await client.GenerateAsync(inputs);

        Assert.Equal(3, server.Calls);
        Assert.Equal([2, 2, 1], server.Requests.Select(r => r.Inputs.Length));
        Assert.All(server.Requests, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal("/v1/embeddings", r.Path);
            Assert.Equal("Bearer sk-test", r.Authorization);
            Assert.Equal("test-embed", r.Model);
        });
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(inputs[i].Length, result[i].Vector.Span[0]); // the server answered in reverse; index put it back
            Assert.Equal(inputs[i][0], result[i].Vector.Span[1]);
            Assert.Equal("test-embed", result[i].ModelId);
        }

        Assert.Equal(15, result.Usage!.InputTokenCount);

        // The SDK asks for base64 vectors (a quarter of the JSON) and reads either form; no dimensions unless configured.
        using var body = System.Text.Json.JsonDocument.Parse(server.Requests.First().Body);
        Assert.Equal("base64", body.RootElement.GetProperty("encoding_format").GetString());
        Assert.False(body.RootElement.TryGetProperty("dimensions", out _));
        Assert.Equal("test-embed", client.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(500)]
    public async Task Transient_failures_are_retried(int status)
    {
        await using var server = new ScriptedHttpServer((call, r) => call == 0
            ? Task.FromResult(new ScriptedResponse(status, """{"error":{"message":"busy"}}""", status == 429 ? 0 : null))
            : Ok(r));
        using var client = Client(server);
        var result = await client.GenerateAsync(["hello"]);
        Assert.Equal(2, server.Calls);
        Assert.Equal(5, result[0].Vector.Span[0]);
    }

    [Fact]
    public async Task Gives_up_after_max_retries_with_the_status()
    {
        await using var server = new ScriptedHttpServer((_, _) => Task.FromResult(new ScriptedResponse(503, "overloaded")));
        using var client = Client(server, maxRetries: 2);
        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => client.GenerateAsync(["hello"]));
        Assert.Equal(3, server.Calls);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Contains("3 attempts", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(400)]
    [InlineData(404)]
    public async Task Client_errors_are_not_retried(int status)
    {
        await using var server = new ScriptedHttpServer((_, _) => Task.FromResult(new ScriptedResponse(status, """{"error":{"message":"Incorrect API key provided"}}""")));
        using var client = Client(server);
        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => client.GenerateAsync(["hello"]));
        Assert.Equal(1, server.Calls);
        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Contains("Incorrect API key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeouts_are_retried()
    {
        await using var server = new ScriptedHttpServer(async (call, r) =>
        {
            if (call == 0)
            {
                await Task.Delay(1500);
            }

            return ScriptedHttpServer.Embeddings(r);
        });
        using var client = Client(server, timeoutSeconds: 0.3);
        var result = await client.GenerateAsync(["hello"]);
        Assert.Equal(2, server.Calls);
        Assert.Equal(5, result[0].Vector.Span[0]);
    }

    [Fact]
    public async Task Dimension_mismatch_is_an_error()
    {
        await using var server = new ScriptedHttpServer((_, r) => Ok(r));
        using var client = Client(server, dimensions: 4); // the server answers 3-dimensional vectors
        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => client.GenerateAsync(["hello"]));
        Assert.Contains("3-dimensional", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"dimensions\":4", server.Requests.Single().Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_changes_dimension_between_batches_is_an_error()
    {
        await using var server = new ScriptedHttpServer((call, r) => Task.FromResult(ScriptedHttpServer.Embeddings(r, extraDims: call)));
        using var client = Client(server, batchSize: 1);
        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => client.GenerateAsync(["a", "b"]));
        Assert.Contains("expected 3", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "answered something unusable: 'not json' is an invalid JSON literal")]
    [InlineData("""{"data":[]}""", "0 embeddings for 1 inputs")]
    [InlineData("""{"data":[{"index":3,"embedding":[1,2]}]}""", "index 3")]
    [InlineData("""{"data":[{"index":0,"embedding":"AAAA"}]}""", "not a valid Base64 string")]
    [InlineData("""{"data":[{"index":0,"embedding":[1,"x"]}]}""", "not a valid JSON array of float values")]
    [InlineData("""{"error":"x"}""", "answered 200 with an error: x.")]
    [InlineData("""{"error":{"message":"model not found","type":"invalid_request_error"}}""", "answered 200 with an error: model not found.")] // some proxies answer so
    [InlineData("""{"object":"list","data":[],"error":{"code":7}}""", "answered 200 with an error: {\"code\":7}.")]
    [InlineData("""{"data":[{"index":0,"embedding":[1,2]},{"index":0,"embedding":[3,4]}]}""", "2 embeddings for 1 inputs")]
    public async Task Unusable_answers_are_errors(string body, string expectedText)
    {
        await using var server = new ScriptedHttpServer((_, _) => Task.FromResult(new ScriptedResponse(200, body)));
        using var client = Client(server);
        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => client.GenerateAsync(["hello"]));
        Assert.Contains(expectedText, ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Calls);
    }

    [Fact]
    public async Task An_input_longer_than_MaxInputCharacters_is_sent_cut_without_splitting_a_surrogate_pair()
    {
        // Like OpenAI past the model's window: a 400 for the whole request, never a cut.
        await using var server = new ScriptedHttpServer((_, r) => r.Inputs.Any(i => i.Length > 100)
            ? Task.FromResult(new ScriptedResponse(400, """{"error":{"message":"maximum context length exceeded"}}"""))
            : Ok(r));
        using var client = OpenAICompatibleClients.CreateEmbeddingGenerator(new OpenAICompatibleOptions
        {
            BaseUrl = server.BaseUrl, Model = "m", MaxInputCharacters = 100, FirstRetryDelay = TimeSpan.FromMilliseconds(5),
        });
        string plain = "   " + new string('a', 500);
        string emoji = new string('b', 99) + "😀" + new string('c', 50); // the 100th character is the emoji's first half

        var result = await client.GenerateAsync([plain, "short", emoji]);

        Assert.Equal(3, result.Count);
        string[] sent = server.Requests.Single().Inputs;
        Assert.Equal(new string('a', 100), sent[0]); // leading blanks dropped before the cut, so the cut keeps text
        Assert.Equal("short", sent[1]);
        Assert.Equal(new string('b', 99), sent[2]);
        Assert.Equal([100, 5, 99], result.Select(e => (int)e.Vector.Span[0]));
    }

    [Fact]
    public async Task Empty_input_or_another_model_fails_before_any_request_and_cancellation_is_honoured()
    {
        await using var server = new ScriptedHttpServer((_, r) => Ok(r));
        using var client = Client(server);
        var empty = await Assert.ThrowsAsync<EmbeddingInputException>(() => client.GenerateAsync(["ok", " "]));
        Assert.IsAssignableFrom<AgentMem.MemoryCore.Errors.MemoryValidationException>(empty); // bad input, as the local embedders say it
        Assert.Equal(0, server.Calls);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GenerateAsync(["ok"], cancellationToken: cts.Token));
        await Assert.ThrowsAsync<NotSupportedException>(() => client.GenerateAsync(["ok"], new EmbeddingGenerationOptions { ModelId = "other" }));
        Assert.Equal(0, server.Calls);
        Assert.Empty(await client.GenerateAsync([]));
    }

    [Fact]
    public async Task Unreachable_server_is_a_service_error_after_retries()
    {
        var server = new ScriptedHttpServer((_, r) => Ok(r));
        Uri url = server.BaseUrl;
        await server.DisposeAsync(); // nothing listens on the port any more
        using var client = OpenAICompatibleClients.CreateEmbeddingGenerator(new OpenAICompatibleOptions
        {
            BaseUrl = url, Model = "m", MaxRetries = 1, FirstRetryDelay = TimeSpan.FromMilliseconds(1),
        });
        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => client.GenerateAsync(["hello"]));
        Assert.Contains("could not be reached", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.StatusCode);
    }

    [Fact]
    public async Task Base64_answers_are_decoded_and_a_repeated_index_is_an_error()
    {
        float[] expected = [0.5f, -2f, 3.25f];
        string base64 = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan()));
        await using var server = new ScriptedHttpServer((call, _) => Task.FromResult(call == 0
            ? new ScriptedResponse(200, $$"""{"data":[{"index":0,"embedding":"{{base64}}"}],"model":"m"}""")
            : new ScriptedResponse(200, """{"data":[{"index":1,"embedding":[1,2,3]},{"index":1,"embedding":[4,5,6]}],"model":"m"}""")));
        using var client = Client(server);
        Assert.Equal(expected, (await client.GenerateAsync(["hello"]))[0].Vector.ToArray());
        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => client.GenerateAsync(["a", "b"]));
        Assert.Contains("repeated index 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_key_no_authorization_header_is_sent_and_retry_after_is_waited()
    {
        await using var server = new ScriptedHttpServer((call, r) => call == 0
            ? Task.FromResult(new ScriptedResponse(429, """{"error":{"message":"slow down"}}""", RetryAfterSeconds: 1))
            : Ok(r));
        using var client = OpenAICompatibleClients.CreateEmbeddingGenerator(new OpenAICompatibleOptions
        {
            BaseUrl = server.BaseUrl, Model = "local", FirstRetryDelay = TimeSpan.FromMilliseconds(1),
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await client.GenerateAsync(["hello"]);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.Elapsed}, before the 1 s Retry-After");
        Assert.Equal(2, server.Calls);
        Assert.All(server.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public void Options_that_cannot_work_are_refused()
    {
        var good = new OpenAICompatibleOptions { BaseUrl = new Uri("http://127.0.0.1:1/v1"), Model = "m" };
        good.Validate();
        Assert.Throws<ArgumentException>(() => new OpenAICompatibleOptions { BaseUrl = new Uri("ftp://x/"), Model = "m" }.Validate());
        Assert.Throws<ArgumentException>(() => new OpenAICompatibleOptions { BaseUrl = good.BaseUrl, Model = " " }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenAICompatibleOptions { BaseUrl = good.BaseUrl, Model = "m", BatchSize = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenAICompatibleOptions { BaseUrl = good.BaseUrl, Model = "m", MaxRetries = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenAICompatibleOptions { BaseUrl = good.BaseUrl, Model = "m", Timeout = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenAICompatibleOptions { BaseUrl = good.BaseUrl, Model = "m", MaxInputCharacters = 1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => OpenAICompatibleClients.CreateEmbeddingGenerator(new OpenAICompatibleOptions { BaseUrl = good.BaseUrl, Model = "m", Dimensions = 0 }));
    }
}
