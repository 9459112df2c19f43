using System.Diagnostics;
using System.Globalization;
using AgentMem.Bench;
using AgentMem.Benchmarks.Datasets;
using AgentMem.Benchmarks.Datasets.Synthetic;
using AgentMem.Retrieval.Embeddings.Onnx;

// Embeds the same texts under several encoder settings, one after the other in one process, and prints texts per second,
// tokens per second and one query's latency for each. The reference row is one thread at the old batch size (what ONNX
// Runtime's own default ran on the 2-core VM); the default row is OnnxEmbedderOptions as it ships. Then a question with its
// topic, a query during background embedding, and long texts (speed and resident memory, one process per setting).
if (args is ["--long-child", var settingName, var corpusFile])
{
    return LongChild(settingName, corpusFile);
}

int count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1024;
string locomo = args.Length > 1 ? args[1] : "../shared/datasets/locomo/locomo10.json";
if (count < 128 || !File.Exists(locomo))
{
    Console.Error.WriteLine("usage: AgentMem.Embedding.Bench [TEXTS (at least 128, default 1024)] [LOCOMO_JSON (default ../shared/datasets/locomo/locomo10.json)]");
    return 2;
}

var corpora = new (string Name, List<string> Texts)[]
{
    ("LoCoMo turns", Sample(DatasetLoader.Load("locomo", locomo).Conversations.SelectMany(c => c.Sessions).SelectMany(s => s.Turns).Select(t => t.Text), count)),
    ("longchat passages (300 characters)", Sample(LongChatGenerator.Generate(new LongChatOptions()).Conversations.SelectMany(c => c.Sessions).SelectMany(s => s.Turns).SelectMany(t => Cut(t.Text, 300)), count)),
};

var defaults = new OnnxEmbedderOptions();
var settings = new (string Name, int Threads, int Batch, bool MemoryPattern)[]
{
    ("1 thread, batch 32 (reference)", 1, 32, false),
    ($"{Environment.ProcessorCount} threads, batch 32", Environment.ProcessorCount, 32, false),
    ($"{Environment.ProcessorCount} threads, batch 8", Environment.ProcessorCount, 8, false),
    ($"default with ONNX Runtime's memory pattern (before)", 0, defaults.BatchSize, true),
    ($"default: {Environment.ProcessorCount} threads, batch {defaults.BatchSize}", 0, defaults.BatchSize, false),
};

HarnessReport.PrintHeader("Sentence-model throughput by threads and batch size", "Embedding", args);
Console.WriteLine($"- model: arctic-embed-xs (packaged), {count} texts per corpus, handed over 64 at a time as the background embedder does; query: the first 80 characters of 200 of the texts");
Console.WriteLine();
Console.WriteLine("| corpus | setting | texts/s | tokens/s | × reference | query ms |");
Console.WriteLine("|---|---|---:|---:|---:|---:|");
foreach (var (corpus, texts) in corpora)
{
    double reference = 0;
    foreach (var (name, threads, batch, memoryPattern) in settings)
    {
        using var embedder = OnnxSentenceEmbedder.LoadPackaged("arctic", new OnnxEmbedderOptions { Threads = threads, BatchSize = batch, MemoryPattern = memoryPattern });
        long tokens = texts.Sum(t => (long)embedder.CountTokens(t));
        embedder.Embed(texts.GetRange(0, 64)); // warm-up
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < texts.Count; start += 64)
        {
            embedder.Embed(texts.GetRange(start, Math.Min(64, texts.Count - start)));
        }

        double seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        for (int i = 0; i < 200; i++)
        {
            string t = texts[i % texts.Count];
            embedder.Embed([t.Length > 80 ? t[..80] : t], query: true);
        }

        double queryMs = clock.Elapsed.TotalMilliseconds / 200;
        double perSecond = texts.Count / seconds;
        reference = reference == 0 ? perSecond : reference;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {corpus} | {name} | {perSecond:0.0} | {tokens / seconds:0} | {perSecond / reference:0.00} | {queryMs:0.00} |"));
    }
}

// A search that reranks embeds the question and its topic (the question without the names it mentions): one encoder run
// for both (HybridRetriever asks for them together; it asked twice before). Three rounds of 300 each, default settings.
Console.WriteLine();
Console.WriteLine("| query and topic (default settings) | two calls ms | one call of two ms | one query alone ms |");
Console.WriteLine("|---|---:|---:|---:|");
using (var embedder = OnnxSentenceEmbedder.LoadPackaged("arctic"))
{
    string[] pair = ["What did Caroline research after the support group meeting?", "What did research after the support group meeting?"];
    for (int i = 0; i < 50; i++)
    {
        embedder.Embed(pair, query: true);
    }

    for (int round = 1; round <= 3; round++)
    {
        double two = TimeMs(() => { embedder.Embed([pair[0]], query: true); embedder.Embed([pair[1]], query: true); });
        double one = TimeMs(() => embedder.Embed(pair, query: true));
        double alone = TimeMs(() => embedder.Embed([pair[0]], query: true));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| round {round} | {two:0.00} | {one:0.00} | {alone:0.00} |"));
    }
}

// The price of every core: a query that arrives while the background embeds shares the encoder's threads with it.
Console.WriteLine();
Console.WriteLine("| while the background embeds LoCoMo turns | query p50 ms | query p95 ms | background texts/s |");
Console.WriteLine("|---|---:|---:|---:|");
var turns = corpora[0].Texts;
foreach (var (name, threads) in new[] { ("1 thread (AGENTMEM_EMBEDDER_THREADS=1)", 1), ($"default: {Environment.ProcessorCount} threads", 0) })
{
    using var embedder = OnnxSentenceEmbedder.LoadPackaged("arctic", new OnnxEmbedderOptions { Threads = threads });
    embedder.Embed(turns.GetRange(0, 64));
    using var stop = new CancellationTokenSource();
    long embedded = 0;
    var background = Task.Run(() =>
    {
        for (int start = 0; !stop.IsCancellationRequested; start = (start + 64) % (turns.Count - 64))
        {
            embedder.Embed(turns.GetRange(start, 64));
            Interlocked.Add(ref embedded, 64);
        }
    });

    Thread.Sleep(500);
    var latencies = new List<double>();
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < 200; i++)
    {
        var one = Stopwatch.StartNew();
        string t = turns[i % turns.Count];
        embedder.Embed([t.Length > 80 ? t[..80] : t], query: true);
        latencies.Add(one.Elapsed.TotalMilliseconds);
        Thread.Sleep(5); // searches arrive, not back to back
    }

    double rate = Interlocked.Read(ref embedded) / (clock.Elapsed.TotalSeconds + 0.5);
    stop.Cancel();
    background.Wait();
    latencies.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {latencies[100]:0.00} | {latencies[190]:0.00} | {rate:0} |"));
}

// Long texts: a long memory's own vector reads its first 512 tokens. Each setting runs in a process of its own, so its
// peak resident memory is its own (ONNX Runtime keeps a run's working memory for the next run).
Console.WriteLine();
Console.WriteLine("| 128 longchat messages over 1,500 characters, one process per setting | tokens per text | texts/s | peak resident MB | resident after MB |");
Console.WriteLine("|---|---:|---:|---:|---:|");
string longCorpus = Path.Combine(Path.GetTempPath(), $"agentmem-embedding-long-{Environment.ProcessId}.txt");
var longTexts = Sample(LongChatGenerator.Generate(new LongChatOptions()).Conversations.SelectMany(c => c.Sessions).SelectMany(s => s.Turns).Select(t => t.Text).Where(t => t.Length > 1500), 128);
File.WriteAllLines(longCorpus, longTexts.Select(t => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(t))));
try
{
    foreach (var (name, _) in LongSettings())
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        foreach (string a in new[] { Environment.GetCommandLineArgs()[0], "--long-child", name, longCorpus })
        {
            start.ArgumentList.Add(a);
        }

        using var child = Process.Start(start)!;
        string line = child.StandardOutput.ReadToEnd().Trim();
        child.WaitForExit();
        Console.WriteLine(child.ExitCode == 0 ? $"| {name} | {line} |" : $"| {name} | failed (exit {child.ExitCode}) | | | |");
    }
}
finally
{
    File.Delete(longCorpus);
}

HarnessReport.PrintFooter();
return 0;

static (string Name, OnnxEmbedderOptions Options)[] LongSettings() =>
[
    ("before: batch 16, no token cap, ONNX Runtime's memory pattern", new OnnxEmbedderOptions { MaxBatchTokens = int.MaxValue, MemoryPattern = true }),
    ("batch 16, no token cap", new OnnxEmbedderOptions { MaxBatchTokens = int.MaxValue }),
    ($"default: batch 16, at most {new OnnxEmbedderOptions().MaxBatchTokens} tokens per run", new OnnxEmbedderOptions()),
];

static int LongChild(string settingName, string corpusFile)
{
    var options = LongSettings().Single(s => s.Name == settingName).Options;
    var texts = File.ReadAllLines(corpusFile).Select(l => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(l))).ToList();
    using var embedder = OnnxSentenceEmbedder.LoadPackaged("arctic", options);
    embedder.Embed(texts.GetRange(0, 16)); // warm-up
    var clock = Stopwatch.StartNew();
    for (int start = 0; start < texts.Count; start += 64)
    {
        embedder.Embed(texts.GetRange(start, Math.Min(64, texts.Count - start)));
    }

    double perSecond = texts.Count / clock.Elapsed.TotalSeconds;
    double tokens = texts.Average(t => embedder.CountTokens(t));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{tokens:0} | {perSecond:0.0} | {StatusMb("VmHWM")} | {StatusMb("VmRSS")}"));
    return 0;
}

// Linux's own account of the process's resident memory (kB in /proc/self/status), in MB.
static long StatusMb(string field) =>
    long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;

static double TimeMs(Action search)
{
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < 300; i++)
    {
        search();
    }

    return clock.Elapsed.TotalMilliseconds / 300;
}

static List<string> Sample(IEnumerable<string> texts, int count)
{
    var all = texts.Where(t => !string.IsNullOrWhiteSpace(t)).ToList();
    var random = new Random(20261205);
    return [.. all.OrderBy(_ => random.Next()).Take(count)];
}

static IEnumerable<string> Cut(string text, int length)
{
    for (int i = 0; i < text.Length; i += length)
    {
        yield return text.Substring(i, Math.Min(length, text.Length - i));
    }
}
