using AgentMem.MemoryCore.Errors;
using System.Text.Json;
using AgentMem.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentMem.Server.Tests;

/// <summary>Typed errors the campaign (bench/Campaign) provokes map to clean statuses, not a 500.</summary>
public sealed class ProblemMappingTests
{
    [Fact]
    public void A_full_disk_is_507_insufficient_storage()
    {
        Assert.Equal((507, "Insufficient storage"), ProblemMapping.Map(new StorageFullException("The disk is full.")));
    }

    [Fact]
    public async Task A_full_disk_answer_names_no_server_path()
    {
        // The store's message names the database file (SQLite) or server and database (PostgreSQL): the 507 handed it to
        // every client. The answer now says what happened and what to do; the path stays in the server log.
        const string secret = "/srv/agentmem/tenant-data/agentmem.db";
        var middleware = new ErrorMiddleware(
            _ => throw new StorageFullException($"The disk holding the database '{secret}' is full; the write was not made. Free space and retry. (SQLite Error 13: 'database or disk is full'.)"),
            new ServerOptions(),
            NullLogger<ErrorMiddleware>.Instance);
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();

        await middleware.InvokeAsync(context);

        Assert.Equal(507, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        string detail = JsonDocument.Parse(context.Response.Body).RootElement.GetProperty("detail").GetString()!;
        Assert.DoesNotContain(secret, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("SQLite", detail, StringComparison.Ordinal);
        Assert.Contains("storage is full", detail, StringComparison.Ordinal);
        Assert.Contains("nothing from this request was written", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_an_embedder_refuses_is_400_invalid_request()
    {
        // An OpenAI-compatible embedder refused a blank query with a type the mapping did not know: a 500.
        Assert.Equal((400, "Invalid request"), ProblemMapping.Map(new AgentMem.Retrieval.Embeddings.EmbeddingInputException("Input 0 is empty or whitespace; there is nothing to embed.")));
    }
}
