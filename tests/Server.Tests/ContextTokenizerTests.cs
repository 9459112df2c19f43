using System.Net.Http.Json;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Tokens;

namespace AgentMem.Server.Tests;

/// <summary><c>POST /v1/context</c> spends its budget in the tokens of <see cref="ServerOptions.TokenCounter"/>, and says which.</summary>
public sealed class ContextTokenizerTests
{
    private const int Budget = 100;

    [Theory]
    [InlineData("cl100k")]
    [InlineData(null)] // the default: o200k
    public async Task The_context_fits_the_budget_in_the_configured_counters_tokens(string? spec)
    {
        ITokenCounter counter = TokenCounters.Create(spec);
        await using var app = await TestApp.StartAsync(configure: spec is null ? null : o => o.TokenCounter = counter);
        using var client = app.Client();
        for (int i = 0; i < 12; i++)
        {
            await TestApp.AddAsync(client, $"Day {i}: Ann flew to 東京 and wrote 'नमस्ते दुनिया, आप कैसे हैं?' in travel log #{i} 🎉");
        }

        var context = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/context", new { query = "where did Ann fly", cube = "notes", budget = Budget }));
        Assert.Equal(counter.Name, context.GetProperty("tokenizer").GetString());
        Assert.False(context.GetProperty("complete").GetBoolean());
        string text = context.GetProperty("text").GetString()!;
        Assert.Equal(counter.CountTokens(text), context.GetProperty("tokens").GetInt32());
        Assert.InRange(context.GetProperty("tokens").GetInt32(), 1, Budget);

        // The other vocabulary counts this text differently: the configured one is the one that counted.
        var other = TokenCounters.Create(spec is null ? "cl100k" : "o200k");
        Assert.NotEqual(other.CountTokens(text), counter.CountTokens(text));
    }
}
