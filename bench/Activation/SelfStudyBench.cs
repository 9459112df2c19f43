using System.Globalization;
using AgentMem.ModelHost;
using AgentMem.ModelHost.Compression;
using AgentMem.ModelHost.Training;

/// <summary>
/// The <c>--self-study</c> mode: a corpus of hand-written stories in context, and at cache sizes of 10/25/50% of its tokens what
/// a self-study trained cartridge, SnapKV, H2O and first-P truncation cost against the whole corpus in context, on held-out
/// prompts the training never saw.
/// </summary>
internal static class SelfStudyBench
{
    // Held-out prompts: about the corpus's characters, but none of its text and not among the training sequences (which start
    // with corpus chunks). Each is fed after the cache, then the full-context model's greedy continuation is compared.
    private static readonly string[] HeldOut =
    [
        "The next day, Lily",
        "Tom and his boat",
        "Sue asked her mom",
        "The cat was happy because",
        "Lily and Tom",
        "When the wind came back,",
        "The old man said",
        "After the apple, Sue",
    ];

    public static int Run(LlamaModel model, SentencePieceBpeTokenizer tokenizer, string[] stories, string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        int steps = int.Parse(Arg(args, "--steps", "32"), inv);
        int corpusStories = int.Parse(Arg(args, "--corpus-stories", "3"), inv);
        int[] corpus = tokenizer.Encode(string.Join(" ", stories.Take(corpusStories)));
        int n = corpus.Length;
        var options = new Func<int, SelfStudyOptions>(p => new SelfStudyOptions
        {
            PrefixTokens = p,
            Optimizer = SelfStudyOptions.DefaultOptimizer with
            {
                Steps = int.Parse(Arg(args, "--train-steps", "300"), inv),
                LearningRate = float.Parse(Arg(args, "--lr", "0.02"), inv),
                WarmupSteps = int.Parse(Arg(args, "--warmup", "20"), inv),
            },
            SequenceLength = int.Parse(Arg(args, "--seq-len", "48"), inv),
            SequencesPerStep = int.Parse(Arg(args, "--seqs-per-step", "4"), inv),
            SyntheticSequences = int.Parse(Arg(args, "--synthetic", "256"), inv),
            ChunkSize = int.Parse(Arg(args, "--chunk", "16"), inv),
            Initialization = Arg(args, "--init", "spaced") == "first" ? SelfStudyInitialization.FirstTokens : SelfStudyInitialization.EvenlySpaced,
            Seed = ulong.Parse(Arg(args, "--seed", "1"), inv),
        });
        var sample = options(2);
        Console.WriteLine(string.Create(inv, $"Self-study on stories260K: corpus = stories 1..{corpusStories} of Program.cs through tok512 ({n} tokens, BOS first); {HeldOut.Length} held-out prompts, {steps} greedy continuation tokens each, teacher-forced."));
        Console.WriteLine(string.Create(inv, $"Training: {sample.Optimizer.Steps} steps, lr {sample.Optimizer.LearningRate} (warm-up {sample.Optimizer.WarmupSteps}, cosine), {sample.SequencesPerStep} sequences/step from {sample.SyntheticSequences} synthetic sequences of {sample.SequenceLength} tokens (corpus chunk {sample.ChunkSize} + sampled at T {sample.Temperature}), init {sample.Initialization}, seed {sample.Seed}."));
        Console.WriteLine();
        Console.WriteLine("| method | P (entries) | mean KL to full context (nats) | top-1 agreement | training time |");
        Console.WriteLine("|---|---|---|---|---|");

        using var full = model.CreateCache();
        model.Prefill(corpus, 0, full);
        foreach (int percent in new[] { 10, 25, 50 })
        {
            int p = (int)Math.Round(n * percent / 100.0);
            var trainer = new SelfStudyTrainer(model, options(p));
            var result = trainer.Train(corpus);
            Row($"trained (self-study)", p, percent, Measure(model, full, () => result.CreateCache(model), steps), $"{result.Elapsed.TotalSeconds:F1} s (loss {result.Losses[0]:F3} → {result.Losses[^1]:F3})");

            // The same entries before training: what the training itself adds.
            int[] slots = [.. result.Prefix.Positions];
            Row($"its initialisation, untrained", p, percent, Measure(model, full, () => Kept(model, full, slots), steps), "");
            foreach (var method in new[] { KvCompressionMethod.SnapKv, KvCompressionMethod.H2O })
            {
                var compressor = new KvCompressor(new KvCompressionOptions { Budget = p, Method = method, Sinks = Math.Min(4, p / 4), RecentWindow = Math.Min(16, p / 2) });
                Row(method == KvCompressionMethod.SnapKv ? "SnapKV" : "H2O", p, percent, Measure(model, full, () =>
                {
                    var c = model.CreateCache();
                    compressor.PrefillAndCompress(model, corpus, c);
                    return c;
                }, steps), "");
            }

            Row("first-P truncation", p, percent, Measure(model, full, () => Kept(model, full, [.. Enumerable.Range(0, p)]), steps), "");
        }

        return 0;

        void Row(string name, int p, int percent, (double Kl, double Top1) m, string time) =>
            Console.WriteLine(string.Create(inv, $"| {name} | {percent}% ({p}) | {m.Kl:F4} | {m.Top1:P1} | {time} |"));

        (double Kl, double Top1) Measure(LlamaModel model, KvCache reference, Func<KvCache> candidate, int steps)
        {
            var rows = new List<ContinuationQuality>();
            foreach (string prompt in HeldOut)
            {
                int[] tokens = tokenizer.Encode(prompt, bos: false);
                rows.Add(CacheComparison.Compare(model, () => Extend(model, Copy(model, reference), tokens[..^1]), () => Extend(model, candidate(), tokens[..^1]), tokens[^1], steps));
            }

            return (rows.Average(r => r.MeanKl), rows.Average(r => r.Top1Agreement));
        }
    }

    // The prompt (but its last token, which CacheComparison feeds) after the cache, at the cache's own next positions.
    private static KvCache Extend(LlamaModel model, KvCache cache, int[] tokens)
    {
        model.PrefillAt(tokens, cache.NextPosition, cache.Length, cache);
        return cache;
    }

    private static KvCache Copy(LlamaModel model, KvCache cache)
    {
        var c = model.CreateCache();
        cache.CopyTo(c);
        return c;
    }

    private static KvCache Kept(LlamaModel model, KvCache cache, int[] slots)
    {
        var c = Copy(model, cache);
        c.Compact(slots);
        return c;
    }

    private static string Arg(string[] args, string flag, string fallback)
    {
        int i = Array.IndexOf(args, flag);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
