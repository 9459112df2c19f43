using AgentMem.Agents.Activation;
using AgentMem.ModelHost.Compression;

namespace AgentMem.Cli.Commands;

/// <summary><c>model cartridge inspect|compress|promote</c>: look into a cartridge, compress one to a budget, promote a cube's memories.</summary>
internal static class CartridgeCommands
{
    public static Command Inspect(Verbs verbs)
    {
        var cartridge = new Option<string>("--cartridge") { Description = "Cartridge file.", Required = true };
        return verbs.Create("inspect", "Show a cartridge's header: version, entries, positions, chain ids, model fingerprint (reads no payload).", [cartridge], (ctx, parse, ct) =>
        {
            string path = parse.GetValue(cartridge)!;
            var h = KvCartridge.Inspect(path);
            bool contiguous = h.Count == 0 || h.Positions[^1] - h.Positions[0] == h.Count - 1;
            int first = h.Count == 0 ? 0 : h.Positions[0];
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new
                {
                    cartridge = path, version = h.Version, entries = h.Count, firstPosition = first, nextPosition = h.NextPosition, contiguous,
                    id = h.Id, baseId = h.IsRoot ? null : h.BaseId, root = h.IsRoot, detached = h.IsDetached, compressed = h.IsCompressed, layers = h.Layers, kvHeads = h.KvHeads, headSize = h.HeadSize,
                    rope = RopeText(h), fingerprint = h.Fingerprint, bytes = h.FileBytes, trained = h.IsTrained, recipe = h.IsTrained ? h.Recipe : null,
                });
            }
            else
            {
                var o = ctx.Output.Out;
                var inv = CultureInfo.InvariantCulture;
                o.WriteLine(string.Create(inv, $"version      {h.Version}"));
                o.WriteLine(string.Create(inv, $"entries      {h.Count} (positions {first} .. {h.NextPosition - 1}, {(contiguous ? "contiguous" : "compressed: gaps")})"));
                o.WriteLine($"id           {h.Id ?? "(version 1: not stored)"}");
                o.WriteLine(ChainText(h));
                o.WriteLine(string.Create(inv, $"shape        {h.Layers} layers, {h.KvHeads} kv heads × {h.HeadSize}"));
                o.WriteLine($"rope         {RopeText(h)}");
                o.WriteLine($"model        {h.Fingerprint}");
                o.WriteLine(string.Create(inv, $"bytes        {h.FileBytes}"));
                if (h.IsTrained)
                {
                    o.WriteLine("trained      yes (self-study); recipe:");
                    foreach (var (key, value) in h.Recipe)
                    {
                        o.WriteLine($"  {key} = {value}");
                    }
                }

                o.Flush();
            }

            return Task.FromResult(0);
        });
    }

    public static Command Compress(Verbs verbs)
    {
        var modelFlags = new ModelFlags();
        var textFile = new Option<string>("--text-file") { Description = "UTF-8 text to prefill from BOS (read whole, used verbatim).", Required = true };
        var output = new Option<string?>("--out") { Description = "Compressed cartridge file to write (optional: without it only the quality is measured)." };
        var defaults = new KvCompressionOptions();
        var budget = new Option<int>("--budget") { Description = "Cache entries to keep.", Required = true };
        var method = new Option<string>("--method") { Description = "snapkv (attention of the last prompt tokens, pooled) or h2o (attention accumulated over the whole prefill).", DefaultValueFactory = _ => "snapkv" };
        var sinks = new Option<int>("--sinks") { Description = "Leading entries always kept.", DefaultValueFactory = _ => defaults.Sinks };
        var window = new Option<int>("--window") { Description = "Trailing entries always kept.", DefaultValueFactory = _ => defaults.RecentWindow };
        var evalSteps = new Option<int>("--eval-steps") { Description = "Greedy continuation tokens over which to compare the compressed cache with the full one (0: skip).", DefaultValueFactory = _ => 64 };
        return verbs.Create("compress", "Prefill a text, keep a budget of KV entries (sinks + recent window + most attended), save them as a cartridge and report the quality cost.", [
            modelFlags.Model, modelFlags.Tokenizer, modelFlags.Backend, modelFlags.Context, textFile, output, budget, method, sinks, window, evalSteps,
        ], async (ctx, parse, ct) =>
        {
            var options = new KvCompressionOptions
            {
                Budget = parse.GetValue(budget),
                Sinks = parse.GetValue(sinks),
                RecentWindow = parse.GetValue(window),
                Method = parse.GetValue(method)?.ToLowerInvariant() switch
                {
                    "snapkv" => KvCompressionMethod.SnapKv,
                    "h2o" => KvCompressionMethod.H2O,
                    var other => throw new MemoryValidationException($"unknown --method '{other}'; use snapkv or h2o."),
                },
            };
            int steps = parse.GetValue(evalSteps);
            if (steps < 0)
            {
                throw new MemoryValidationException("--eval-steps must be ≥ 0.");
            }

            KvCompressor compressor = null!;
            Verb.Validate(() => compressor = new KvCompressor(options));
            string? path = parse.GetValue(output) is { } given ? Parsing.OutputFile(ctx, given, "--out", [.. modelFlags.Inputs(parse), (textFile.Name, parse.GetValue(textFile))]) : null;
            string text = await File.ReadAllTextAsync(parse.GetValue(textFile)!, ct);
            var generator = modelFlags.Load(parse, ctx.Output.Err);
            var llama = generator.Model;
            int[] tokens = generator.Tokenizer.EncodeToIds(text, bos: true);
            if (tokens.Length > llama.Config.SeqLen || tokens.Length < 2)
            {
                throw new MemoryValidationException($"the text is {tokens.Length} tokens; it needs 2 .. {llama.Config.SeqLen}.");
            }

            var cache = llama.CreateCache();
            int[] kept = compressor.PrefillAndCompress(llama, tokens, cache, ct);
            var cart = KvCartridge.Export(llama, cache, [.. kept.Select(s => tokens[s])]);
            if (path is not null)
            {
                cart.Save(path);
            }

            ContinuationQuality? quality = null;
            if (steps > 0)
            {
                // Measured on the cartridge written, as `cartridge run` decodes it: its entries imported and the last token fed
                // again at its own position (rewriting its entry, so the context is the other kept entries), against the whole
                // text but that token. A second compression of all but the last token kept another set (its vote window moved by
                // one, one entry more). Compare decodes as many steps as the context leaves room for, at least that first one.
                quality = CacheComparison.Compare(
                    llama,
                    () =>
                    {
                        var c = llama.CreateCache();
                        for (int p = 0; p < tokens.Length - 1; p++)
                        {
                            llama.Forward(tokens[p], p, c);
                        }

                        return c;
                    },
                    () =>
                    {
                        var c = llama.CreateCache();
                        cart.ImportInto(llama, c);
                        return c;
                    },
                    tokens[^1],
                    tokens.Length - 1,
                    steps);
            }

            long fullBytes = KvCartridge.FileBytesFor(llama.Config, tokens.Length);
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { cartridge = path, tokens = tokens.Length, kept = kept.Length, bytes = cart.FileBytes, fullBytes, method = options.Method.ToString(), quality });
            }
            else
            {
                var o = ctx.Output.Out;
                var inv = CultureInfo.InvariantCulture;
                o.WriteLine(string.Create(inv, $"kept {kept.Length} of {tokens.Length} entries ({options.Method}, sinks {options.Sinks}, window {options.RecentWindow}): {cart.FileBytes} bytes vs {fullBytes}{(path is null ? string.Empty : $", wrote {path}")}"));
                if (quality is { } q)
                {
                    o.WriteLine(string.Create(inv, $"vs full cache over {q.Steps} greedy tokens: top-1 agreement {q.Top1Agreement:P1}, mean KL {q.MeanKl:F4} nats, perplexity {q.CandidatePerplexity:F3} (full {q.ReferencePerplexity:F3}), free-running greedy: {q.GreedyMatches:P1} same, first {q.GreedyCommonPrefix} identical"));
                }

                o.Flush();
            }

            return 0;
        });
    }

    public static Command Promote(Verbs verbs)
    {
        var modelFlags = new ModelFlags();
        var defaults = new ActivationSchedulerOptions();
        var top = new Option<int>("--top") { Description = "Plaintext memories to promote (by recall count, then strength, then recency).", DefaultValueFactory = _ => defaults.TopN };
        var folder = new Option<string>("--dir") { Description = "Folder for cartridge files (default: cartridges in the database's payload folder, DB.payloads beside a SQLite file; a purge deletes no cartridge outside that folder).", DefaultValueFactory = _ => defaults.Folder };
        var reserve = new Option<int>("--reserve") { Description = "Context positions left free after the cartridge.", DefaultValueFactory = _ => defaults.ReserveTokens };
        return verbs.Create("promote", "Encode the --cube cube's most recalled memories as a cartridge activation memory; archives a stale one (a source changed) and rebuilds.", [
            modelFlags.Model, modelFlags.Tokenizer, modelFlags.Backend, modelFlags.Context, top, folder, reserve,
        ], async (ctx, parse, ct) =>
        {
            var options = new ActivationSchedulerOptions { TopN = parse.GetValue(top), Folder = Parsing.PayloadDir(parse, folder), ReserveTokens = parse.GetValue(reserve) };
            Verb.Validate(options.Validate);
            var generator = modelFlags.Load(parse, ctx.Output.Err);
            await using var memory = ctx.OpenMemory();
            var cube = await memory.OpenCubeAsync(ctx.Scope, ctx.Cube, ct);
            var scheduler = new ActivationMemoryScheduler(memory, generator, options);
            var result = await scheduler.PromoteAsync(ctx.Scope, cube.Id, ct);
            string? id = result.Cartridge?.Id.ToString();
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new
                {
                    id, built = result.Built, tokens = result.Tokens, file = result.Cartridge?.Payload?.Uri, reason = result.Cartridge?.StateReason,
                    sources = result.Sources.Select(s => new { id = s.Id.ToString(), version = s.Version }),
                    invalidated = result.Invalidated.Select(i => new { id = i.Id.ToString(), reason = i.StateReason }),
                });
            }
            else
            {
                var o = ctx.Output.Out;
                foreach (var i in result.Invalidated)
                {
                    o.WriteLine($"archived {i.Id}: {TerminalText.Safe(i.StateReason ?? string.Empty)}");
                }

                o.WriteLine(id is null
                    ? "no plaintext memory fits the model's context; nothing promoted"
                    : string.Create(CultureInfo.InvariantCulture, $"{id} {(result.Built ? "built" : "still valid")}: {result.Sources.Count} memories, {result.Tokens} tokens, {result.Cartridge!.Payload!.Uri} ({TerminalText.Safe(result.Cartridge.StateReason ?? string.Empty)})"));
                o.Flush();
            }

            return 0;
        });
    }

    // Where the entries come from, and whether decoding after them is exact.
    private static string ChainText(KvCartridgeHeader h)
    {
        const string Dropped = ", compressed (entries dropped: runs are approximate)";
        return h.IsDetached ? "chain        detached (re-based or composed approximately)"
            : h.IsRoot ? (h.IsCompressed ? $"chain        root{Dropped}" : "chain        root (computed from BOS)")
            : $"chain        link on {h.BaseId}{(h.IsCompressed ? Dropped : string.Empty)}";
    }

    // The RoPE the keys were rotated with, in words.
    private static string RopeText(KvCartridgeHeader h) =>
        (h.RopeStyle == RopeStyle.Half ? "halves (Hugging Face)" : "adjacent pairs (llama2.c)")
        + (h.RopeScaling is { } s ? string.Create(CultureInfo.InvariantCulture, $", llama3 scaling ×{s.Factor} from {s.OriginalContext}") : string.Empty);
}
