using AgentMem.ModelHost.Training;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>model cartridge train</c>: a self-study cartridge (<see cref="SelfStudyTrainer"/>) of P entries that stands in for a whole
/// text, saved marked trained with its recipe; <c>cartridge run</c> loads it like any other.
/// </summary>
internal static class CartridgeTrainCommand
{
    public static Command Create(Verbs verbs)
    {
        var modelFlags = new ModelFlags();
        var defaults = new SelfStudyOptions();
        var textFile = new Option<string>("--text-file") { Description = "UTF-8 corpus to stand in for (read whole, from BOS; corpus plus --seq-len must fit the context).", Required = true };
        var output = new Option<string>("--out") { Description = "Trained cartridge file to write.", Required = true };
        var tokens = new Option<int>("--tokens") { Description = "Entries of the cartridge (P), fewer than the corpus's tokens.", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps.", DefaultValueFactory = _ => defaults.Optimizer.Steps };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the synthetic data (same seed, text and model: same cartridge).", DefaultValueFactory = _ => defaults.Seed };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate (AdamW, cosine schedule).", DefaultValueFactory = _ => defaults.Optimizer.LearningRate };
        var seqLen = new Option<int>("--seq-len") { Description = "Tokens per synthetic training sequence.", DefaultValueFactory = _ => defaults.SequenceLength };
        return verbs.Create("train", "Train a KV cartridge of --tokens entries by self-study: the model writes sequences about the text and the cartridge learns to predict them as the whole text in context does (KL).", [
            modelFlags.Model, modelFlags.Tokenizer, modelFlags.Context, textFile, output, tokens, steps, seed, lr, seqLen,
        ], async (ctx, parse, ct) =>
        {
            int stepCount = parse.GetValue(steps);
            var options = new SelfStudyOptions
            {
                PrefixTokens = parse.GetValue(tokens),
                Optimizer = defaults.Optimizer with
                {
                    Steps = stepCount,
                    WarmupSteps = Math.Min(defaults.Optimizer.WarmupSteps, stepCount / 10),
                    LearningRate = parse.GetValue(lr),
                },
                Seed = parse.GetValue(seed),
                SequenceLength = parse.GetValue(seqLen),
                ChunkSize = Math.Min(defaults.ChunkSize, parse.GetValue(seqLen) / 3),
            };
            Verb.Validate(options.Validate);
            string path = Parsing.OutputFile(ctx, parse.GetValue(output), "--out", [.. modelFlags.Inputs(parse), (textFile.Name, parse.GetValue(textFile))]);
            string text = await File.ReadAllTextAsync(parse.GetValue(textFile)!, ct).ConfigureAwait(false);
            var generator = modelFlags.Load(parse, ctx.Output.Err);
            var llama = generator.Model;
            int[] corpus = generator.Tokenizer.EncodeToIds(text, bos: true);
            SelfStudyTrainer trainer = null!;
            Verb.Validate(() => trainer = new SelfStudyTrainer(llama, options));
            var progress = new Reporter(p =>
            {
                // About ten lines whatever the step count.
                if (p.Step == p.TotalSteps || p.Step % Math.Max(1, p.TotalSteps / 10) == 0)
                {
                    ctx.Output.Notice(string.Create(CultureInfo.InvariantCulture, $"[grey]step {p.Step}/{p.TotalSteps}: KL {p.Loss:F4}, lr {p.LearningRate:G3}, {p.Elapsed.TotalSeconds:F1} s[/]"));
                }
            });
            SelfStudyResult result = null!;
            try
            {
                result = trainer.Train(corpus, progress, ct);
            }
            catch (ArgumentException ex)
            {
                throw new MemoryValidationException(ex.Message);
            }
            catch (TrainingDivergedException ex)
            {
                // The user's learning rate, not a bug: the step, and what to change.
                throw new MemoryValidationException(string.Create(CultureInfo.InvariantCulture, $"{ex.Message.TrimEnd('.')}; lower --lr ({options.Optimizer.LearningRate}) and train again."), ex);
            }

            var cart = result.ToCartridge(llama);
            cart.Save(path);
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new
                {
                    cartridge = path, entries = cart.Count, corpusTokens = corpus.Length, trained = true, firstLoss = result.Losses[0], finalLoss = result.Losses[^1],
                    seconds = result.Elapsed.TotalSeconds, bytes = cart.FileBytes, recipe = cart.Recipe,
                });
            }
            else
            {
                ctx.Output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {path} (trained, {cart.Count} entries for {corpus.Length} corpus tokens; KL {result.Losses[0]:F4} → {result.Losses[^1]:F4} in {result.Elapsed.TotalSeconds:F1} s)"));
                ctx.Output.Out.Flush();
            }

            return 0;
        });
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
