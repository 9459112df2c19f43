// Activation-memory quality harness on stories260K: what cache compression (SnapKV / H2O at 25/50/75% budgets) and composing
// independently made cartridges cost, against a full prefill of the same tokens, and a check that chained cartridges cost nothing.
// Usage: dotnet run -c Release --project bench/Activation [-- --steps 64 --model M --tokenizer T]
//        ... -- --self-study [--train-steps 300 --lr 0.02 --init first|spaced ...]: trained cartridges vs compression (SelfStudyBench.cs)
using System.Globalization;
using AgentMem.ModelHost;
using AgentMem.ModelHost.Compression;

var inv = CultureInfo.InvariantCulture;
string root = FindRoot();
string modelPath = ArgValue("--model", Path.Combine(root, "..", "shared", "models", "stories260K", "stories260K.bin"));
string tokenizerPath = ArgValue("--tokenizer", Path.Combine(root, "..", "shared", "models", "stories260K", "tok512.bin"));
int steps = int.Parse(ArgValue("--steps", "64"), inv);
var model = LlamaModel.Load(modelPath);
var tokenizer = SentencePieceBpeTokenizer.Load(tokenizerPath, model.Config.VocabSize);
var generator = new Generator(model, tokenizer);

// Hand-written stories in the style of TinyStories (the model's training data), not taken from it.
string[] stories =
[
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her big red ball. One day, she saw a small cat under a tree. The cat was sad because it was lost. Lily gave the cat some milk and a hug, and they became best friends.",
    "Tom had a blue boat. He liked to sail it on the pond near his house. One morning the wind was very strong and the boat went far away. Tom ran along the water and called for help. A kind old man with a long stick helped him get the boat back. Tom said thank you and went home happy.",
    "Sue and her mom went to the store to buy apples. Sue wanted the biggest apple, but it was too high. She asked a tall man to help her. The man smiled and gave her the apple. Sue shared the apple with her mom on the way home, and it was sweet and juicy.",
    "Ben was a brave little dog. He lived in a small house with a girl named Mia. One night there was a loud noise outside. Ben barked and barked until Mia's dad came. It was only a big box that fell down in the wind. Mia hugged Ben and said he was a good dog.",
    "Anna found a shiny stone in the garden. She showed it to her brother Max. Max said it was a magic stone. They made a wish together and ran to the window. They saw a rainbow in the sky. Anna and Max laughed and put the stone in a special box.",
    "The sun was hot and the bird was thirsty. It flew over the trees to look for water. It found a little pond, but a big frog sat next to it. The bird was scared, but the frog was friendly. The frog said, you can drink here. The bird drank the water and sang a happy song.",
];

if (args.Contains("--self-study"))
{
    return SelfStudyBench.Run(model, tokenizer, stories, args);
}

Console.WriteLine(string.Create(inv, $"stories260K (dim {model.Config.Dim}, {model.Config.Layers} layers, seq_len {model.Config.SeqLen}); {steps} greedy continuation tokens per case; means over cases."));
Console.WriteLine();

// Compression: each case is two stories joined (a few hundred tokens), everything but the last token cached.
var prompts = Enumerable.Range(0, stories.Length).Select(i => tokenizer.Encode(stories[i] + " " + stories[(i + 1) % stories.Length])).ToList();
Console.WriteLine(string.Create(inv, $"Cache compression: {prompts.Count} prompts of {prompts.Min(p => p.Length)}..{prompts.Max(p => p.Length)} tokens, sinks 4, recent window 16 (SnapKV: observation window 16, pool 7)."));
Console.WriteLine();
Console.WriteLine("| method | budget | kept entries (mean) | top-1 agreement | mean KL (nats) | perplexity compressed / full | greedy tokens same | identical greedy prefix (mean) |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach (var method in new[] { KvCompressionMethod.SnapKv, KvCompressionMethod.H2O })
{
    foreach (int percent in new[] { 25, 50, 75, 100 })
    {
        var rows = new List<ContinuationQuality>();
        double kept = 0;
        foreach (int[] tokens in prompts)
        {
            int cached = tokens.Length - 1;
            var compressor = new KvCompressor(new KvCompressionOptions { Budget = Math.Max(20, cached * percent / 100), Method = method });
            rows.Add(CacheComparison.Compare(
                model,
                () => Prefill(tokens[..^1]),
                () =>
                {
                    var c = model.CreateCache();
                    compressor.PrefillAndCompress(model, tokens[..^1], c);
                    return c;
                },
                tokens[^1],
                steps));
            kept += Math.Min(cached, compressor.Options.Budget);
        }

        Console.WriteLine(Row(method == KvCompressionMethod.SnapKv ? "SnapKV" : "H2O", $"{percent}%", kept / prompts.Count, rows));
    }
}

// Composition: story i then story i+1. Reference: one prefill of both token sequences.
Console.WriteLine();
Console.WriteLine(string.Create(inv, $"Composition: {stories.Length} pairs (story i, story i+1)."));
Console.WriteLine();
Console.WriteLine("| composition | entries (mean) | top-1 agreement | mean KL (nats) | perplexity composed / prefill | greedy tokens same | identical greedy prefix (mean) |");
Console.WriteLine("|---|---|---|---|---|---|---|");
var chained = new List<ContinuationQuality>();
var independent = new List<ContinuationQuality>();
double chainedEntries = 0, independentEntries = 0;
for (int i = 0; i < stories.Length; i++)
{
    string a = stories[i], b = stories[(i + 1) % stories.Length];
    var rootA = generator.CreateCartridge(a, model.CreateCache());

    // Exact: B made as a link on A. Reference: A's tokens (BOS first) then B's (no BOS), prefilled in one go.
    var link = generator.CreateCartridge(b, [rootA], model.CreateCache());
    var chain = KvCartridge.Compose(rootA, link);
    chained.Add(CompareComposed(chain));
    chainedEntries += chain.Count;

    // Approximate: B made independently (its own BOS), re-based after A. Reference: the same tokens (A, BOS, B) prefilled in one go.
    var rootB = generator.CreateCartridge(b, model.CreateCache());
    var rebased = KvCartridge.Compose(rootA, rootB);
    independent.Add(CompareComposed(rebased));
    independentEntries += rebased.Count;
}

Console.WriteLine(Row("chain (link made with --base)", null, chainedEntries / stories.Length, chained));
Console.WriteLine(Row("independent, re-based", null, independentEntries / stories.Length, independent));
return 0;

ContinuationQuality CompareComposed(KvCartridge composed)
{
    int[] tokens = [.. composed.Tokens];
    return CacheComparison.Compare(
        model,
        () => Prefill(tokens[..^1]),
        () =>
        {
            // Everything but the last entry, which is fed first as in the reference.
            var c = model.CreateCache();
            composed.ImportInto(model, c);
            c.Compact([.. Enumerable.Range(0, c.Length - 1)]);
            return c;
        },
        tokens[^1],
        steps);
}

KvCache Prefill(int[] tokens)
{
    var c = model.CreateCache();
    for (int p = 0; p < tokens.Length; p++)
    {
        model.Forward(tokens[p], p, c);
    }

    return c;
}

string Row(string name, string? budget, double entries, List<ContinuationQuality> rows)
{
    string cells = string.Create(
        inv,
        $"{entries:F0} | {rows.Average(r => r.Top1Agreement):P1} | {rows.Average(r => r.MeanKl):F4} | {rows.Average(r => r.CandidatePerplexity / r.ReferencePerplexity):F3} | {rows.Average(r => r.GreedyMatches):P1} | {rows.Average(r => r.GreedyCommonPrefix):F1} |");
    return budget is null ? $"| {name} | {cells}" : $"| {name} | {budget} | {cells}";
}

string ArgValue(string flag, string fallback)
{
    int i = Array.IndexOf(args, flag);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "AgentMem.sln")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
