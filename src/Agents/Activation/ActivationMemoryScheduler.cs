using System.Collections.Concurrent;

using AgentMem.Agents.Blocks;
using AgentMem.Common;
using AgentMem.MemoryCore.Links;
using AgentMem.ModelHost;

namespace AgentMem.Agents.Activation;

/// <summary>
/// Keeps a cube's most recalled plaintext memories as activation memory: renders the top memories (by recall count, then
/// strength, then recency) as text, prefills it into a KV cartridge file, and records an <see cref="MemoryKind.Activation"/>
/// memory whose payload is the file and whose provenance lists the source memories with their versions. When a source changes
/// (new version, deleted, archived) the cartridge memory is archived with the reason and rebuilt on the next promotion.
/// </summary>
/// <remarks>
/// Register the scheduler with <see cref="MemoryOS.AddChangeListener"/> to learn cheaply which cubes changed
/// (<see cref="IsDirty"/>); <see cref="RefreshAsync"/> does the actual version comparison, so it is also correct without the hint
/// (a separate process, or a restart, that missed the notifications). The scheduler's own writes mark the cube too. Archived
/// cartridge memories keep their files, so their history still points at what they encoded.
/// </remarks>
public sealed class ActivationMemoryScheduler : IMemoryChangeListener
{
    /// <summary>Tag carried by every activation memory this scheduler writes.</summary>
    public const string Tag = "activation-cartridge";

    /// <summary>Link type from an activation memory to each plaintext memory it encodes.</summary>
    public const string EncodesLink = LinkTypes.Encodes;

    /// <summary>Separator between rendered memories.</summary>
    public const string Separator = "\n";

    /// <summary>How this class's memories are listed, checked and named in errors.</summary>
    internal static readonly DerivedKind Cartridges = new(MemoryKind.Activation, Tag, "activation memory", "cartridge", "KV cartridge", "promote the cube again to rebuild it");

    private readonly MemoryOS memory;
    private readonly Generator generator;
    private readonly ConcurrentDictionary<(string Tenant, string Cube), bool> dirty = new();

    /// <summary>Creates a scheduler over <paramref name="memory"/> that makes cartridges with <paramref name="generator"/>.</summary>
    public ActivationMemoryScheduler(MemoryOS memory, Generator generator, ActivationSchedulerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(generator);
        Options = options ?? new ActivationSchedulerOptions();
        Options.Validate();
        this.memory = memory;
        this.generator = generator;
    }

    /// <summary>The settings.</summary>
    public ActivationSchedulerOptions Options { get; }

    /// <inheritdoc />
    public void OnMemoriesChanged(string tenant, string cubeId) => dirty[(tenant, cubeId)] = true;

    /// <summary>True when the cube changed since its last refresh in this process (a hint; <see cref="RefreshAsync"/> decides).</summary>
    public bool IsDirty(string tenant, string cubeId) => dirty.ContainsKey((tenant, cubeId));

    /// <summary>
    /// The plaintext memories that would be promoted (recalled at least <see cref="ActivationSchedulerOptions.MinRecallCount"/>
    /// times; core memory blocks never), best first (before fitting them into the context).
    /// </summary>
    public async Task<IReadOnlyList<MemoryItem>> RankAsync(Scope actor, string cube, CancellationToken cancellationToken = default)
    {
        var all = new List<MemoryItem>();
        await foreach (var item in memory.ListAsync(actor, cube, new MemoryFilter { Kind = MemoryKind.Plaintext }, cancellationToken).ConfigureAwait(false))
        {
            all.Add(item);
        }

        // Recall count first (what agents actually use), then strength of the forgetting curve, then recency. Core blocks are
        // left out: each is in its user's prompt already, and a cartridge of a shared cube is loaded for every user of it.
        return [.. all
            .Where(m => m.RecallCount >= Options.MinRecallCount && !CoreMemoryBlocks.IsBlock(m))
            .OrderByDescending(m => m.RecallCount)
            .ThenByDescending(m => m.Strength)
            .ThenByDescending(m => m.LastRecalledAt ?? DateTimeOffset.MinValue)
            .ThenByDescending(m => m.UpdatedAt)
            .ThenByDescending(m => m.Id.ToString(), StringComparer.Ordinal)
            .Take(Options.TopN)];
    }

    /// <summary>
    /// Archives every active cartridge memory of the cube whose sources changed since it was made (a new version, deleted, archived
    /// or purged), with the reason. Returns the archived versions.
    /// </summary>
    public async Task<IReadOnlyList<MemoryItem>> RefreshAsync(Scope actor, string cube, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var invalidated = new List<MemoryItem>();
        foreach (var item in await ListCartridgesAsync(actor, cube, cancellationToken).ConfigureAwait(false))
        {
            dirty.TryRemove((actor.Tenant, item.CubeId), out _);
            var (reason, _) = await DerivedPayloads.StaleReasonAsync(memory, actor, item, Cartridges, cancellationToken).ConfigureAwait(false);
            if (reason is not null)
            {
                invalidated.Add(await memory.SetStateAsync(actor, item.Id, LifecycleState.Archived, reason, cancellationToken).ConfigureAwait(false));
            }
        }

        return invalidated;
    }

    /// <summary>
    /// Refreshes the cube, then makes sure its current top memories are in a valid cartridge: keeps the existing one when it encodes
    /// exactly the current selection at the current versions, otherwise archives it and builds a new one.
    /// </summary>
    /// <exception cref="ModelFormatException">The model and tokenizer cannot make a cartridge.</exception>
    public async Task<ActivationPromotion> PromoteAsync(Scope actor, string cube, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);

        // Checked before anything is prefilled: a read-only grantee's promotion saved a cartridge that its add then refused.
        var target = await memory.OpenCubeAsync(actor, cube, cancellationToken).ConfigureAwait(false);
        CubeAccessPolicy.Demand(target, actor, CubeAccess.Write);
        var invalidated = new List<MemoryItem>(await RefreshAsync(actor, cube, cancellationToken).ConfigureAwait(false));
        var (sources, text, tokens) = Fit(await RankAsync(actor, cube, cancellationToken).ConfigureAwait(false));
        string wanted = ActivationSources.Format(sources);
        string ours = ModelContext();
        MemoryItem? current = null;
        foreach (var item in await ListCartridgesAsync(actor, cube, cancellationToken).ConfigureAwait(false))
        {
            // Another model's cartridge of the current selection is still right for that model (the loader skips it for
            // this one): kept, and this model gets its own. Keeping it as this model's left every later promotion
            // answering "no change" while nothing could load it, after a switch of checkpoint or adapters.
            bool encodesSelection = sources.Count > 0 && item.Provenance.SourceRef == wanted && DerivedPayloads.IsIntact(item);
            if (encodesSelection && item.Context != ours)
            {
                continue;
            }

            if (encodesSelection && current is null)
            {
                current = item;
                continue;
            }

            string reason = sources.Count == 0 ? "no plaintext memory to encode any more" : "replaced: the cube's most recalled memories changed";
            invalidated.Add(await memory.SetStateAsync(actor, item.Id, LifecycleState.Archived, reason, cancellationToken).ConfigureAwait(false));
        }

        if (current is not null)
        {
            return new ActivationPromotion(current, false, sources, invalidated, tokens);
        }

        if (sources.Count == 0)
        {
            return new ActivationPromotion(null, false, sources, invalidated, 0);
        }

        KvCartridge cartridge;
        using (var cache = generator.Model.CreateCache()) // a device backend's copy is freed here, not whenever the GC runs
        {
            cartridge = generator.CreateCartridge(text, cache, cancellationToken);
        }

        var (payload, fresh) = Write(cartridge, actor, target.Id);
        string described = $"KV cartridge of {sources.Count} memories ({cartridge.Count} tokens): {DerivedPayloads.Preview(text)}";
        var draft = DerivedPayloads.Draft(Cartridges, described, payload, sources, Options.Actor, ours, PromotionReason(sources));
        var added = await DerivedPayloads.AddAsync(memory, actor, cube, Cartridges, draft, fresh, cancellationToken).ConfigureAwait(false);
        return new ActivationPromotion(added, true, sources, invalidated, cartridge.Count);
    }

    // The model a cartridge was built by, as its memory's context records it.
    private string ModelContext() => $"model fingerprint {Convert.ToHexStringLower(generator.Model.GetFingerprint())[..16]}";

    /// <summary>
    /// The local file of activation memory <paramref name="item"/>, after checking it is a live activation memory and that the
    /// file's size and SHA-256 still match its payload reference.
    /// </summary>
    /// <exception cref="MemoryStateException">The memory is not an active activation memory (for example archived as stale).</exception>
    /// <exception cref="ModelFormatException">The file is missing or no longer matches the reference.</exception>
    public static string ResolveCartridgeFile(MemoryItem item) => DerivedPayloads.ResolveFile(item, Cartridges);

    /// <summary>Why these memories were promoted: their place among the most recalled and their recall counts.</summary>
    private string PromotionReason(IReadOnlyList<MemoryItem> sources)
    {
        string counts = string.Join(", ", sources.Select(s => s.RecallCount.ToString(CultureInfo.InvariantCulture)));
        return Options.MinRecallCount > 0
            ? $"hot: recalled at least {Options.MinRecallCount} times ({counts})"
            : $"hot: the {sources.Count} most recalled memories that fit the context ({counts} recalls)";
    }

    private Task<List<MemoryItem>> ListCartridgesAsync(Scope actor, string cube, CancellationToken cancellationToken) =>
        DerivedPayloads.ListActiveAsync(memory, actor, cube, Cartridges, cancellationToken);

    /// <summary>The ranked memories that fit the context (best first, dropping any that overflow), rendered in creation order.</summary>
    private (IReadOnlyList<MemoryItem> Sources, string Text, int Tokens) Fit(IReadOnlyList<MemoryItem> ranked)
    {
        int limit = generator.Model.Config.SeqLen - Options.ReserveTokens;
        var chosen = new List<MemoryItem>();
        string text = string.Empty;
        int tokens = 0;
        foreach (var candidate in ranked)
        {
            var trial = chosen.Append(candidate).OrderBy(m => m.Id.ToString(), StringComparer.Ordinal).ToList();
            string rendered = string.Join(Separator, trial.Select(m => m.Text.Trim()));
            int count = generator.Tokenizer.EncodeText(rendered, bos: true).Length;
            if (count <= limit)
            {
                chosen = trial;
                text = rendered;
                tokens = count;
            }
        }

        return (chosen, text, tokens);
    }

    // Named by the cube's id, as adapters are: its name (up to 128 characters, beside a tenant of as many) made the file name,
    // with the temporary suffix, too long for the file system once the prefill was done, and the cube's name and its id gave
    // one cartridge two names. Files of earlier names still load: a memory's payload reference holds its path.
    private (PayloadRef Payload, bool Fresh) Write(KvCartridge cartridge, Scope actor, string cubeId)
    {
        string folder = DerivedPayloads.FolderFor(memory, Options.Folder);
        Directory.CreateDirectory(folder);
        string id = Convert.ToHexStringLower(cartridge.Id)[..24];
        string path = Path.Combine(folder, $"{DerivedPayloads.FileSafe(actor.Tenant)}-{DerivedPayloads.FileSafe(cubeId)}-{id}.amkv");

        // Save writes beside the final name and renames, so a reader never sees half a file under the name a memory points at.
        return DerivedPayloads.Save(path, KvCartridge.MediaType, cartridge.Save);
    }
}
