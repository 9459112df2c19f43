using System.Net;
using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.Embeddings.Http;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>The HTTP embedder against a scripted loopback server (127.0.0.1 only; nothing leaves the machine).</summary>
public sealed class OpenAICompatibleEmbeddingGeneratorTests
{
    private static OpenAICompatibleEmbeddingGenerator Client(ScriptedHttpServer server, int batchSize = 64, int maxRetries = 3, int? dimensions = null, double timeoutSeconds = 5) =>
        new(new OpenAICompatibleEmbeddingOptions
        {
            BaseUrl = server.BaseUrl,
            Model = "test-embed",
            ApiKey = "sk-test",
            BatchSize = batchSize,
            MaxRetries = maxRetries,
            Dimensions = dimensions,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
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
    [InlineData("not json", "not JSON")]
    [InlineData("""{"data":[]}""", "0 embeddings for 1 inputs")]
    [InlineData("""{"data":[{"index":3,"embedding":[1,2]}]}""", "index 3")]
    [InlineData("""{"data":[{"index":0,"embedding":"AAAA"}]}""", "base64")]
    [InlineData("""{"data":[{"index":0,"embedding":[1,"x"]}]}""", "non-number")]
    [InlineData("""{"error":"x"}""", "no 'data' array")]
    public async Task Unusable_answers_are_errors(string body, string expectedText)
    {
        await using var server = new ScriptedHttpServer((_, _) => Task.FromResult(new ScriptedResponse(200, body)));
        using var client = Client(server);
        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => client.GenerateAsync(["hello"]));
        Assert.Contains(expectedText, ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Calls);
    }

    [Fact]
    public async Task Empty_input_fails_before_any_request_and_cancellation_is_honoured()
    {
        await using var server = new ScriptedHttpServer((_, r) => Ok(r));
        using var client = Client(server);
        await Assert.ThrowsAsync<EmbeddingInputException>(() => client.GenerateAsync(["ok", " "]));
        Assert.Equal(0, server.Calls);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GenerateAsync(["ok"], cancellationToken: cts.Token));
        Assert.Empty(await client.GenerateAsync([]));
    }

    [Fact]
    public async Task Unreachable_server_is_a_service_error_after_retries()
    {
        var server = new ScriptedHttpServer((_, r) => Ok(r));
        Uri url = server.BaseUrl;
        await server.DisposeAsync(); // nothing listens on the port any more
        using var client = new OpenAICompatibleEmbeddingGenerator(new OpenAICompatibleEmbeddingOptions
        {
            BaseUrl = url, Model = "m", MaxRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        });
        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => client.GenerateAsync(["hello"]));
        Assert.Contains("could not be reached", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.StatusCode);
    }
}
