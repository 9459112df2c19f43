using AgentMem.Agents.Parametric;
using AgentMem.Common.Text;
using AgentMem.ModelHost.Training;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>model adapter train</c>: trains a LoRA adapter (<see cref="LoraAdapterTrainer"/>) on a text file, or on the active
/// plaintext memories of the <c>--cube</c> cube, which it then registers as a parametric memory
/// (<see cref="ParametricMemories.RegisterAsync"/>, sources = those memories at their versions).
/// </summary>
internal static class AdapterTrainCommand
{
    public static Command Create(Verbs verbs)
    {
        var defaults = new LoraTrainingOptions();
        var inv = CultureInfo.InvariantCulture;
        var modelFlags = new ModelFlags();
        var textFile = new Option<string?>("--text-file") { Description = "UTF-8 text to train on (read whole). Without it, trains on the --cube cube's active plaintext memories and registers a parametric memory." };
        var output = new Option<string?>("--out") { Description = "Adapter file (.amlora) to write; required with --text-file. With --cube the memory's own file goes in --dir, and --out, when given, gets a copy." };
        var folder = new Option<string>("--dir") { Description = "With --cube: folder for the parametric memory's adapter file (default: adapters in the database's payload folder, DB.payloads beside a SQLite file; a purge deletes no adapter outside that folder).", DefaultValueFactory = _ => new ParametricMemoryOptions().Folder };
        var rank = new Option<int>("--rank") { Description = "LoRA rank. Memory grows with rank × targets: pairs whose gradients and optimiser state would not fit are refused before training.", DefaultValueFactory = _ => defaults.Rank };
        var alpha = new Option<float>("--alpha") { Description = "LoRA alpha (the update is scaled by alpha / rank).", DefaultValueFactory = _ => defaults.Alpha };
        var targets = new Option<string>("--targets") { Description = "Projections to adapt, comma-separated: q, k, v, o, w1, w2, w3.", DefaultValueFactory = _ => string.Join(',', defaults.Targets).ToLowerInvariant() };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps.", DefaultValueFactory = _ => defaults.Optimizer.Steps };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate (linear warm-up, cosine decay); one too large makes the training diverge, which is refused naming the step.", DefaultValueFactory = _ => defaults.Optimizer.LearningRate };
        var seed = new Option<int>("--seed") { Description = "Seed of the initialisation and of the data order.", DefaultValueFactory = _ => defaults.Seed };
        var seqLen = new Option<int>("--seq-len")
        {
            Description = string.Create(inv, $"Tokens per training window (longer texts are cut into windows); 0: the model's context, at most {LoraTrainingOptions.DefaultMaxSequenceLength}. Memory grows with its square; a window that would not fit is refused."),
            DefaultValueFactory = _ => defaults.SequenceLength,
        };
        return verbs.Create("train", "Train a LoRA adapter on a text file, or on a cube's active plaintext memories (then registered as a parametric memory); prints progress on stderr.", [
            modelFlags.Model, modelFlags.Tokenizer, modelFlags.Context, textFile, output, folder, rank, alpha, targets, steps, lr, seed, seqLen,
        ], async (ctx, parse, ct) =>
        {
            string? file = parse.GetValue(textFile);
            string? outPath = parse.GetValue(output);
            if (file is not null && outPath is null)
            {
                throw new MemoryValidationException("--out FILE is required with --text-file.");
            }

            if (outPath is not null)
            {
                // Before training: from a cube, a copy that failed at the end made a run whose memory was registered exit 1.
                Parsing.OutputFile(ctx, outPath, "--out", [.. modelFlags.Inputs(parse), (textFile.Name, file)]);
            }

            int n = parse.GetValue(steps);
            int window = parse.GetValue(seqLen);
            if (window is < 0 or 1)
            {
                throw new MemoryValidationException(string.Create(inv, $"--seq-len must be 0 (the model's context, at most {LoraTrainingOptions.DefaultMaxSequenceLength}) or at least 2 tokens; got {window}."));
            }

            var options = new LoraTrainingOptions
            {
                Rank = parse.GetValue(rank),
                Alpha = parse.GetValue(alpha),
                Targets = ParseTargets(parse.GetValue(targets)!),
                Optimizer = defaults.Optimizer with
                {
                    Steps = n,
                    LearningRate = parse.GetValue(lr),
                    WarmupSteps = Math.Min(defaults.Optimizer.WarmupSteps, n / 10),
                },
                Seed = parse.GetValue(seed),
                SequenceLength = window,
            };
            Verb.Validate(options.Validate);

            // The data is read before the model loads, so a bad file fails fast.
            string? text = null;
            if (file is not null)
            {
                text = await File.ReadAllTextAsync(file, ct).ConfigureAwait(false);
                if (string.IsNullOrWhiteSpace(text))
                {
                    throw new MemoryValidationException($"--text-file {file}: the text is empty.");
                }
            }

            if (text is not null)
            {
                var generator = modelFlags.Load(parse, ctx.Output.Err);
                var adapter = Train(generator, [generator.Tokenizer.EncodeToIds(text, bos: true)], options, new ProgressLines(ctx.Output.Err), ct);
                LoraAdapterFile.Save(adapter, outPath!);
                Report(ctx, adapter, outPath!, null);
                return 0;
            }

            // The cube is checked before the model loads and trains: a read-only grantee trained for minutes (or hours)
            // and was refused at the end.
            await using var memory = ctx.OpenMemory();
            CubeAccessPolicy.Demand(await memory.OpenCubeAsync(ctx.Scope, ctx.Cube, ct).ConfigureAwait(false), ctx.Scope, CubeAccess.Write);
            var sources = new List<MemoryItem>();
            await foreach (var item in memory.ListAsync(ctx.Scope, ctx.Cube, new MemoryFilter { Kind = MemoryKind.Plaintext, States = [LifecycleState.Active] }, ct).ConfigureAwait(false))
            {
                if (!string.IsNullOrWhiteSpace(item.Text))
                {
                    sources.Add(item);
                }
            }

            if (sources.Count == 0)
            {
                throw new MemoryValidationException($"cube {ctx.Cube} has no active plaintext memory to train on.");
            }

            // One sequence per memory, each from BOS: memories are independent texts, not one document.
            var model = modelFlags.Load(parse, ctx.Output.Err);
            var trained = Train(model, [.. sources.Select(s => model.Tokenizer.EncodeText(s.Text, bos: true))], options, new ProgressLines(ctx.Output.Err), ct);
            var registered = await new ParametricMemories(memory, new ParametricMemoryOptions { Folder = Parsing.PayloadDir(parse, folder) })
                .RegisterAsync(ctx.Scope, ctx.Cube, trained, sources, $"trained on request (adapter train) from the cube's {sources.Count} active plaintext memories", ct)
                .ConfigureAwait(false);
            if (outPath is not null)
            {
                LoraAdapterFile.Save(ParametricMemories.LoadAdapter(registered, model.Model), outPath);
            }

            Report(ctx, trained, registered.Payload!.Uri, registered);
            return 0;
        });

        void Report(CliContext ctx, LoraAdapter adapter, string path, MemoryItem? registered)
        {
            var m = adapter.Metadata;
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new
                {
                    adapter = path, id = registered?.Id.ToString(), metadata = m,
                    sources = registered is null ? null : registered.Provenance.SourceRef,
                });
            }
            else
            {
                string memoryNote = registered is null ? string.Empty : $"; parametric memory {registered.Id} from {registered.Provenance.SourceRef}";
                ctx.Output.Out.WriteLine(string.Create(inv, $"wrote {path} (rank {adapter.Rank}, {m["targets"]}, {m["steps"]} steps on {m["tokens"]} tokens, final loss {m["final_loss"]}){memoryNote}"));
                ctx.Output.Out.Flush();
            }
        }
    }

    private static LoraAdapter Train(Generator generator, IReadOnlyList<int>[] sequences, LoraTrainingOptions options, IProgress<TrainingProgress> progress, CancellationToken ct)
    {
        try
        {
            return LoraAdapterTrainer.Train(generator.Model, sequences, options, progress: progress, cancellationToken: ct);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            throw new MemoryValidationException(ex.Message, ex);
        }
        catch (TrainingDivergedException ex)
        {
            // The user's learning rate or alpha, not a bug: the step, and what to change.
            throw new MemoryValidationException(string.Create(CultureInfo.InvariantCulture, $"{ex.Message.TrimEnd('.')}; lower --lr ({options.Optimizer.LearningRate}) or --alpha ({options.Alpha}) and train again."), ex);
        }
    }

    private static LoraTarget[] ParseTargets(string list)
    {
        var result = new List<LoraTarget>();
        foreach (string name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!EnumNames.TryParse<LoraTarget>(name, out var t))
            {
                throw new MemoryValidationException($"--targets: unknown target '{name}' (use q, k, v, o, w1, w2, w3).");
            }

            result.Add(t);
        }

        return [.. result];
    }

    /// <summary>
    /// A progress line on stderr about every tenth of the steps (and the last), then of the final-loss pass's windows, which on
    /// a large cube takes longer than the steps; written on the training thread.
    /// </summary>
    private sealed class ProgressLines(TextWriter err) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.Step % Math.Max(1, p.TotalSteps / 10) == 0 || p.Step == p.TotalSteps)
            {
                err.WriteLine(p.Phase == TrainingPhase.FinalLoss
                    ? string.Create(CultureInfo.InvariantCulture, $"final loss: window {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  {p.Elapsed.TotalSeconds:F1} s")
                    : string.Create(CultureInfo.InvariantCulture, $"step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  lr {p.LearningRate:G3}  {p.Elapsed.TotalSeconds:F1} s"));
                err.Flush();
            }
        }
    }
}
