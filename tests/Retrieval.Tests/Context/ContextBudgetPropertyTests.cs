using System.Text;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Search;
using AgentMem.Retrieval.Context;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Lexical;
using AgentMem.Retrieval.Tokens;
using AgentMem.Stores.InMemory;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Retrieval.Tests.Context;

/// <summary>
/// The context never exceeds its budget under a real tokenizer: BPE counts are not always additive (o200k can join a line's
/// closing punctuation with a next line starting with "/"), so every seeded case checks the built text itself with the
/// counter, and that the reported count is that text's real count; the selection, which counts each line on its own, must
/// choose exactly what counting every attempt whole chooses. Texts mix CJK, emoji sequences, long unbroken words, whitespace runs and newlines; budgets run from
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
    [InlineData("o200k", 400)]
    [InlineData("cl100k", 200)]
    [InlineData("heuristic", 400)]
    [InlineData("whole-text", 200)]
    public void Selection_counted_piece_by_piece_equals_counting_every_attempt_whole(string spec, int cases)
    {
        // "whole-text" counts a text by its length in tens, so pieces never add up: every case goes the fallback way.
        var inner = spec == "whole-text" ? new LengthCounter() : TokenCounters.Create(spec);
        var counter = new CallCounter(inner);
        int trimmed = 0, recounted = 0, recountedWithoutSlash = 0;
        for (int seed = 0; seed < cases; seed++)
        {
            var random = new Random(seed);
            int budget = Budget(random);
            var hits = Enumerable.Range(0, random.Next(1, 40)).Select(i => new SearchHit(Item(random, i), 1.0 / (i + 1), new Dictionary<string, double>())).ToList();
            bool slash = random.Next(8) == 0;
            if (slash)
            {
                // A line that starts with "/" after one that ends in punctuation: o200k may join them into one piece.
                var late = Start.AddYears(2);
                hits.Add(new SearchHit(Plain(hits.Count, "Look at this!!!", late), 0.002, new Dictionary<string, double>()));
                hits.Add(new SearchHit(Plain(hits.Count, "/usr/bin and more", late.AddMinutes(1)), 0.001, new Dictionary<string, double>()));
            }

            var options = new ContextOptions { TokenBudget = budget, TokenCounter = counter };
            counter.Calls = 0;
            var piecewise = ContextBuilder.Select(hits, hits.Count, options, out bool countedWhole);
            int calls = counter.Calls;
            recounted += countedWhole ? 1 : 0;
            recountedWithoutSlash += countedWhole && !slash ? 1 : 0;
            var whole = ContextBuilder.SelectCountingWhole(hits, hits.Count, options);

            Assert.Equal(whole.Text, piecewise.Text);
            Assert.Equal(whole.Tokens, piecewise.Tokens);
            Assert.Equal(whole.Memories.Select(m => m.Id), piecewise.Memories.Select(m => m.Id));
            Assert.Equal(whole.IsComplete, piecewise.IsComplete);
            if (!countedWhole)
            {
                // One count per line and per session header change, one for the result: linear, not a recount per attempt.
                Assert.True(calls <= (2 * hits.Count) + 1, $"seed {seed}: {calls} counts for {hits.Count} candidates");
            }

            trimmed += piecewise.Memories.Count < hits.Count ? 1 : 0;
        }

        Assert.True(trimmed > cases / 4, $"only {trimmed} of {cases} cases had to leave memories out");
        switch (spec)
        {
            case "whole-text":
                Assert.True(recounted > cases / 2, $"{recounted} of {cases} cases recounted"); // the fallback ran and agreed
                break;
            case "o200k":
                // Pieces add up except where a "/" line follows punctuation; some of those cases really do not add up.
                Assert.Equal(0, recountedWithoutSlash);
                Assert.True(recounted > 0, "no case went the fallback way");
                break;
            default:
                Assert.Equal(0, recounted);
                break;
        }
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

    [Fact]
    public async Task A_cube_whose_lines_count_more_apart_than_together_is_returned_whole_when_its_text_fits()
    {
        // Each line counted on its own rounds up (by length in tens here; a BPE can join pieces across a newline too): the
        // lines' sum passes a budget the cube's text fits in, which only counting the text itself shows.
        var counter = new LengthCounter();
        var store = new InMemoryMemoryStore();
        await using var memory = new MemoryOS(store, new Bm25Retriever(store));
        var me = new Scope("acme");
        await memory.CreateCubeAsync(me, "c");
        await memory.AddBatchAsync(me, "c", [.. Enumerable.Range(10, 40).Select(i => new MemoryDraft($"Turn {i} ok"))]); // a dated line of 24 characters: 3 tokens apart, 2.4 together
        var whole = await memory.BuildContextAsync(me, "c", "zebra", new ContextOptions { TokenBudget = 100_000, TokenCounter = counter });
        Assert.True(whole.IsComplete);
        Assert.True(whole.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(line => counter.CountTokens(line + "\n")) > whole.Tokens, "the lines add up to no more than their text");

        var exact = await memory.BuildContextAsync(me, "c", "zebra", new ContextOptions { TokenBudget = whole.Tokens, TokenCounter = counter });

        Assert.True(exact.IsComplete);
        Assert.Equal(40, exact.Memories.Count);
        Assert.Equal(whole.Text, exact.Text);
        var under = await memory.BuildContextAsync(me, "c", "turn", new ContextOptions { TokenBudget = whole.Tokens - 1, TokenCounter = counter });
        Assert.False(under.IsComplete);
        Assert.True(counter.CountTokens(under.Text) <= whole.Tokens - 1);
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

    private static MemoryItem Plain(int index, string text, DateTimeOffset recordedAt) => new()
    {
        Id = MemoryId.NewId(Start.AddMinutes(index)),
        CubeId = "cube",
        Scope = new Scope("acme", session: "slash"),
        Text = text,
        ContentHash = text,
        Provenance = new Provenance(SourceKind.Conversation, null, null, recordedAt),
        UpdatedAt = Start,
    };

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

    /// <summary>Counts the calls made to the counter it wraps.</summary>
    private sealed class CallCounter(ITokenCounter inner) : ITokenCounter
    {
        public int Calls { get; set; }

        public string Name => inner.Name;

        public bool IsExact => inner.IsExact;

        public int CountTokens(string text)
        {
            Calls++;
            return inner.CountTokens(text);
        }
    }

    /// <summary>A counter whose counts do not add up over pieces: a text costs its length in tens, rounded up.</summary>
    private sealed class LengthCounter : ITokenCounter
    {
        public string Name => "length / 10";

        public bool IsExact => false;

        public int CountTokens(string text) => (text.Length + 9) / 10;
    }
}
