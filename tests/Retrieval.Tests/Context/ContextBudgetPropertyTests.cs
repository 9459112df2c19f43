using System.Text;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Search;
using AgentMem.Retrieval.Context;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Tokens;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Retrieval.Tests.Context;

/// <summary>
/// The context never exceeds its budget under a real tokenizer: BPE counts are not additive (pieces merge across the line
/// joins and headers), so every seeded case checks the built text itself with the counter, and that the reported count is
/// that text's real count. Texts mix CJK, emoji sequences, long unbroken words, whitespace runs and newlines; budgets run from
/// the smallest allowed up.
/// </summary>
public sealed class ContextBudgetPropertyTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Words =
    [
        "the", "Ann", "booked", "flights", "to", "Tokyo", "and", "Ben", "waters", "plants", "I'd've", "don't", "3.14159", "2024-11-23",
        "東京", "日本語のテキスト", "한국어", "中文字符串", "🎉", "👍🏽", "👨‍👩‍👧", "💩💩", "ﬁ", "café", "cafe\u0301", "𝐀𝐁𝐂", "!!!", "...", "#tag", "@user",
        "   ", "\t\t", "\n", "\r\n", "\n\n\n", " \u00A0 ", "\u3000",
    ];

    [Theory]
    [InlineData("o200k", 400)]
    [InlineData("cl100k", 200)]
    public void Selected_contexts_never_exceed_the_budget_and_report_their_real_count(string spec, int cases)
    {
        var counter = TokenCounters.Create(spec);
        int trimmed = 0;
        for (int seed = 0; seed < cases; seed++)
        {
            var random = new Random(seed);
            int budget = Budget(random);
            var hits = Enumerable.Range(0, random.Next(1, 40)).Select(i => new SearchHit(Item(random, i), 1.0 / (i + 1), new Dictionary<string, double>())).ToList();
            var built = ContextBuilder.Select(hits, hits.Count, new ContextOptions { TokenBudget = budget, TokenCounter = counter });

            int real = counter.CountTokens(built.Text);
            Assert.True(real <= budget, $"seed {seed}: {real} tokens over a budget of {budget}");
            Assert.Equal(real, built.Tokens);
            Assert.Equal(built.Memories.Count == 0, built.Text.Length == 0);
            trimmed += built.Memories.Count < hits.Count ? 1 : 0;
        }

        Assert.True(trimmed > cases / 4, $"only {trimmed} of {cases} cases had to leave memories out"); // the budgets bite
    }

    [Theory]
    [InlineData("o200k")]
    [InlineData("cl100k")]
    public async Task Built_contexts_never_exceed_the_budget_whether_the_cube_fits_or_is_searched(string spec)
    {
        var counter = TokenCounters.Create(spec);
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-budget-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var store = SqliteMemoryStore.Open(Path.Combine(folder, "b.db"));
            await using var memory = new MemoryOS(store, new HybridRetriever(store));
            var me = new Scope("acme");
            var random = new Random(17);
            int complete = 0, searched = 0;
            for (int cube = 0; cube < 12; cube++)
            {
                string name = "c" + cube;
                await memory.CreateCubeAsync(me, name);
                var drafts = Enumerable.Range(0, random.Next(1, 25)).Select(i =>
                {
                    var item = Item(random, i);
                    return new MemoryDraft(item.Text) { Actor = item.Provenance.Actor, Session = item.Scope.Session, ValidFrom = item.ValidFrom };
                }).ToList();
                await memory.AddBatchAsync(me, name, drafts);
                foreach (int budget in new[] { 16, 40, Budget(random), 4000 })
                {
                    var built = await memory.BuildContextAsync(me, name, "Tokyo flights 東京 🎉", new ContextOptions { TokenBudget = budget, TokenCounter = counter });
                    int real = counter.CountTokens(built.Text);
                    Assert.True(real <= budget, $"cube {cube}, budget {budget}: {real} tokens");
                    Assert.Equal(real, built.Tokens);
                    (complete, searched) = built.IsComplete ? (complete + 1, searched) : (complete, searched + 1);
                }
            }

            Assert.True(complete > 0 && searched > 0, $"{complete} whole-cube and {searched} searched contexts"); // both paths ran
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int Budget(Random random) => random.Next(10) switch
    {
        < 5 => random.Next(16, 64),
        < 8 => random.Next(64, 600),
        _ => random.Next(600, 5000),
    };

    private static MemoryItem Item(Random random, int index)
    {
        string text = Text(random);
        return new MemoryItem
        {
            Id = MemoryId.NewId(Start.AddMinutes(index)),
            CubeId = "cube",
            Scope = new Scope("acme", session: random.Next(4) == 0 ? null : "s" + random.Next(5)),
            Text = text,
            ContentHash = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Provenance = new Provenance(SourceKind.Conversation, null, random.Next(3) == 0 ? null : random.Next(2) == 0 ? "Ann" : "李雷 🎉", Start),
            ValidFrom = random.Next(3) == 0 ? null : Start.AddDays(random.Next(300)),
            UpdatedAt = Start,
        };
    }

    private static string Text(Random random)
    {
        var sb = new StringBuilder();
        int kind = random.Next(10);
        if (kind == 0)
        {
            // A long unbroken word: letters, or base64-like noise that BPE cuts into many short pieces.
            const string Noise = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
            for (int n = random.Next(50, 3000); n > 0; n--)
            {
                sb.Append(random.Next(2) == 0 ? 'a' : Noise[random.Next(Noise.Length)]);
            }

            return sb.ToString();
        }

        for (int n = random.Next(1, kind < 8 ? 30 : 300); n > 0; n--)
        {
            sb.Append(Words[random.Next(Words.Length)]).Append(random.Next(4) == 0 ? string.Empty : " ");
        }

        string text = sb.ToString();
        return string.IsNullOrWhiteSpace(text) ? "x" : text;
    }
}
