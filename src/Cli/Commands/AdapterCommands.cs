namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>model adapter info</c>, and the <c>--adapter</c> flag of <c>model generate</c>: LoRA adapter files (<c>.amlora</c>).
/// There is no <c>adapter merge</c> verb: merging changes the weights in memory (<c>LlamaModel.Merge</c>) and AgentMem has no
/// checkpoint writer to save merged weights with; <c>--adapter</c> applies an adapter without merging.
/// </summary>
internal static class AdapterCommands
{
    /// <summary>The repeatable <c>--adapter FILE</c> option.</summary>
    public static Option<string[]> AdapterOption() => new("--adapter")
    {
        Description = "LoRA adapter file (.amlora) to apply without merging (repeatable: the adapters' updates are summed). Each must have been trained on this model.",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>
    /// <paramref name="generator"/> with the adapter files in <paramref name="files"/> attached (itself when there are none).
    /// </summary>
    /// <exception cref="Common.ModelFormatException">A file is malformed, corrupt, or for another model.</exception>
    /// <exception cref="MemoryValidationException">The model's backend cannot apply adapters.</exception>
    public static Generator Attach(Generator generator, IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            return generator;
        }

        var adapters = files.Select(LoraAdapterFile.Load).ToList();
        try
        {
            return new Generator(generator.Model.WithAdapters(adapters), generator.Tokenizer);
        }
        catch (NotSupportedException e)
        {
            throw new MemoryValidationException($"--adapter: {e.Message}");
        }
    }

    public static Command Info(Verbs verbs)
    {
        var file = new Argument<string>("FILE") { Description = "LoRA adapter file (.amlora)." };
        return verbs.Create("info", "Show a LoRA adapter's header (rank, alpha, targets, shape, base-model fingerprint), training metadata and sources, after checking the whole file (checksum).", [file], (ctx, parse, ct) =>
        {
            string path = parse.GetValue(file)!;
            var adapter = LoraAdapterFile.Load(path);
            var h = LoraAdapterFile.Inspect(path);
            string targets = string.Join(",", h.Targets).ToLowerInvariant();
            string id = Convert.ToHexStringLower(adapter.ComputeId());
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new
                {
                    adapter = path, version = h.Version, rank = h.Rank, alpha = h.Alpha, scale = h.Scale, targets = h.Targets.Select(t => t.ToString().ToLowerInvariant()).ToArray(),
                    layers = h.Layers, dim = h.Dim, kvDim = h.KvDim, hiddenDim = h.HiddenDim, fingerprint = h.Fingerprint, id,
                    metadata = h.Metadata, sources = h.Sources, bytes = h.FileBytes,
                });
            }
            else
            {
                var o = ctx.Output.Out;
                var inv = CultureInfo.InvariantCulture;
                o.WriteLine(string.Create(inv, $"version      {h.Version}"));
                o.WriteLine(string.Create(inv, $"rank         {h.Rank} (alpha {h.Alpha}, scale {h.Scale})"));
                o.WriteLine($"targets      {targets}");
                o.WriteLine(string.Create(inv, $"shape        {h.Layers} layers, dim {h.Dim}, kv dim {h.KvDim}, hidden {h.HiddenDim}"));
                o.WriteLine($"model        {h.Fingerprint}");
                o.WriteLine($"id           {id}");
                o.WriteLine(string.Create(inv, $"bytes        {h.FileBytes}"));
                foreach (var (key, value) in h.Metadata)
                {
                    o.WriteLine($"meta         {key} = {value}");
                }

                o.WriteLine(h.Sources.Count == 0 ? "sources      (none)" : $"sources      {string.Join(", ", h.Sources)}");
                o.Flush();
            }

            return Task.FromResult(0);
        });
    }
}
