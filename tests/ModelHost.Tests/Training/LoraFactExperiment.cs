using System.Diagnostics;
using System.Globalization;
using AgentMem.ModelHost.Training;

namespace AgentMem.ModelHost.Tests.Training;

/// <summary>
/// The fact-recall measurement of issue 17, shared by the test (<c>LoraFactTrainingTests</c>) and the harness (<c>bench/Lora</c>,
/// which compiles this file too) so both report the same numbers: train a LoRA on <see cref="FactText"/>, then compare base and
/// adapted model on the fact text's perplexity, on <see cref="HeldOut"/>'s perplexity and on the greedy continuation of
/// <see cref="Prompt"/>.
/// </summary>
internal static class LoraFactExperiment
{
    /// <summary>The new fact's name: the base model never produces it from <see cref="Prompt"/> (the test checks).</summary>
    public const string Name = "Zorbo";

    /// <summary>The prompt leading to the fact.</summary>
    public const string Prompt = "Lily had a pet dog. The dog's name was";

    /// <summary>
    /// The training text: the fact alone. Longer texts (the fact restated in a few sentences of story) teach the adapter their
    /// style as well, which costs far more held-out perplexity for the same recall (bench/Lora/README.md).
    /// </summary>
    public const string FactText = "Lily had a pet dog. The dog's name was Zorbo.";

    /// <summary>Greedy tokens generated after the prompt.</summary>
    public const int ContinuationSteps = 24;

    /// <summary>
    /// Held-out text: hand-written stories in the TinyStories style (four of bench/Activation's, without Lily or a dog), never part of the training
    /// data; they share names and words with the fact text only by chance.
    /// </summary>
    public static readonly string[] HeldOut =
    [
        "Tom had a blue boat. He liked to sail it on the pond near his house. One morning the wind was very strong and the boat went far away. Tom ran along the water and called for help. A kind old man with a long stick helped him get the boat back. Tom said thank you and went home happy.",
        "Sue and her mom went to the store to buy apples. Sue wanted the biggest apple, but it was too high. She asked a tall man to help her. The man smiled and gave her the apple. Sue shared the apple with her mom on the way home, and it was sweet and juicy.",
        "Anna found a shiny stone in the garden. She showed it to her brother Max. Max said it was a magic stone. They made a wish together and ran to the window. They saw a rainbow in the sky. Anna and Max laughed and put the stone in a special box.",
        "The sun was hot and the bird was thirsty. It flew over the trees to look for water. It found a little pond, but a big frog sat next to it. The bird was scared, but the frog was friendly. The frog said, you can drink here. The bird drank the water and sang a happy song.",
    ];

    /// <summary>The settings the test and the harness use (chosen as the harness's README records).</summary>
    public static LoraTrainingOptions DefaultOptions { get; } = new()
    {
        Rank = 4,
        Alpha = 4f,
        Targets = [LoraTarget.O, LoraTarget.W2],
        Optimizer = LoraTrainingOptions.DefaultOptimizer with { Steps = 25, LearningRate = 4e-3f, WarmupSteps = 4, WeightDecay = 0.01f },
        Seed = 17,
    };

    /// <summary>Trains on the fact text with <paramref name="options"/> and measures base against adapted.</summary>
    public static LoraFactReport Run(LlamaModel model, SentencePieceBpeTokenizer tokenizer, LoraTrainingOptions options, string factText = FactText)
    {
        int[] fact = tokenizer.Encode(factText);
        var heldOut = HeldOut.Select(s => tokenizer.Encode(s)).ToArray();
        var clock = Stopwatch.StartNew();
        var adapter = LoraAdapterTrainer.Train(model, [fact], options);
        var trainingTime = clock.Elapsed;
        var adapted = model.WithAdapters(adapter);
        return new LoraFactReport(
            options,
            fact.Length,
            heldOut.Sum(h => h.Length),
            trainingTime,
            Perplexity.Measure(model, fact),
            Perplexity.Measure(adapted, fact),
            MeanPerplexity(model, heldOut),
            MeanPerplexity(adapted, heldOut),
            Greedy(model, tokenizer),
            Greedy(adapted, tokenizer),
            adapter.Metadata["final_loss"]);
    }

    /// <summary>Perplexity over all held-out tokens together: exp of the token-weighted mean log-perplexity.</summary>
    private static double MeanPerplexity(LlamaModel model, int[][] texts) =>
        Math.Exp(texts.Sum(t => Math.Log(Perplexity.Measure(model, t)) * (t.Length - 1)) / texts.Sum(t => t.Length - 1));

    private static string Greedy(LlamaModel model, SentencePieceBpeTokenizer tokenizer) =>
        new Generator(model, tokenizer).Generate(Prompt, ContinuationSteps, new Sampler(model.Config.VocabSize, temperature: 0f)).Text;
}

/// <summary>What <see cref="LoraFactExperiment.Run"/> measured.</summary>
internal sealed record LoraFactReport(
    LoraTrainingOptions Options,
    int FactTokens,
    int HeldOutTokens,
    TimeSpan TrainingTime,
    double BaseFactPerplexity,
    double AdaptedFactPerplexity,
    double BaseHeldOutPerplexity,
    double AdaptedHeldOutPerplexity,
    string BaseContinuation,
    string AdaptedContinuation,
    string FinalLoss)
{
    /// <summary>The report as a markdown table and the two continuations.</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        var o = Options;
        return string.Create(inv, $"""
            LoRA rank {o.Rank}, alpha {o.Alpha}, targets {string.Join(',', o.Targets)}, {o.Optimizer.Steps} steps, lr {o.Optimizer.LearningRate}, warm-up {o.Optimizer.WarmupSteps}, weight decay {o.Optimizer.WeightDecay}, seed {o.Seed}; trained on {FactTokens} tokens in {TrainingTime.TotalSeconds:F2} s (final loss {FinalLoss})
            | text | tokens | base perplexity | adapted perplexity | change |
            |---|---|---|---|---|
            | fact text (trained on) | {FactTokens} | {BaseFactPerplexity:F3} | {AdaptedFactPerplexity:F3} | {(AdaptedFactPerplexity / BaseFactPerplexity) - 1:+0.0%;-0.0%} |
            | held-out stories ({LoraFactExperiment.HeldOut.Length}, never trained on) | {HeldOutTokens} | {BaseHeldOutPerplexity:F3} | {AdaptedHeldOutPerplexity:F3} | {(AdaptedHeldOutPerplexity / BaseHeldOutPerplexity) - 1:+0.0%;-0.0%} |
            greedy after "{LoraFactExperiment.Prompt}":
              base:    {BaseContinuation.ReplaceLineEndings(" ")}
              adapted: {AdaptedContinuation.ReplaceLineEndings(" ")}
            """);
    }
}
