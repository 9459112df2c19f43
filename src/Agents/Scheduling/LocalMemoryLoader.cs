using AgentMem.Agents.Activation;
using AgentMem.Agents.Parametric;
using AgentMem.Common;
using AgentMem.ModelHost;

namespace AgentMem.Agents.Scheduling;

/// <summary>
/// Reads a cube's live activation memories (KV cartridges) and parametric memories (LoRA adapters) for a local model, so a
/// <see cref="LocalChatClient"/> can load them before the prompt instead of reading their source texts again.
/// </summary>
/// <remarks>
/// Only memories that are active, whose sources are unchanged (the staleness rule of <see cref="ActivationMemoryScheduler"/> and
/// <see cref="ParametricMemories"/>), whose files are intact and readable by this build and that were made for this model are
/// loaded: a stale cartridge would put old text in front of the prompt while its sources' new versions were left out of the
/// context. Adapters are loaded only for a model on the CPU backend, the one that can attach them, and of adapters trained on
/// a common memory only the newest: attached together their updates for it are summed, which wrecks what each one alone
/// recalls (<see cref="ParametricMemories.RegisterAsync"/> archives its own writer's older ones; other writers' can remain).
/// Skipped memories leave their sources in the pasted context, so nothing is lost, only not accelerated.
/// </remarks>
public static class LocalMemoryLoader
{
    /// <summary>Loads the usable activation and parametric memories of <paramref name="cube"/> for <paramref name="model"/>.</summary>
    public static async Task<LoadedMemoryState> LoadAsync(MemoryOS memory, Scope actor, string cube, LlamaModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(model);
        byte[] fingerprint = model.GetFingerprint();
        var cartridges = new List<KvCartridge>();
        var activation = new List<MemoryItem>();
        foreach (var item in await ListAsync(memory, actor, cube, ActivationMemoryScheduler.Cartridges, cancellationToken).ConfigureAwait(false))
        {
            if (!await IsCurrentAsync(memory, actor, item, ActivationMemoryScheduler.Cartridges, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            KvCartridge cartridge;
            try
            {
                cartridge = KvCartridge.Load(ActivationMemoryScheduler.ResolveCartridgeFile(item));
            }
            catch (Exception ex) when (ex is ModelFormatException or IOException)
            {
                // Of a newer format, corrupt, or deleted since it was checked (a purge in another process): unguarded, it
                // failed every turn. Its sources stay in the pasted context.
                continue;
            }

            // A link of a chain alone lacks the entries before it: its sources stay in the pasted context instead.
            if (cartridge.Fingerprint.SequenceEqual(fingerprint) && cartridge.Count < model.Config.SeqLen && (cartridge.IsRoot || cartridge.IsDetached))
            {
                cartridges.Add(cartridge);
                activation.Add(item);
            }
        }

        // One prefix only: independently made cartridges composed are an approximation, and the context is small.
        if (cartridges.Count > 1)
        {
            cartridges.RemoveRange(1, cartridges.Count - 1);
            activation.RemoveRange(1, activation.Count - 1);
        }

        var adapters = new List<LoraAdapter>();
        var parametric = new List<MemoryItem>();

        // Adapters attach on the CPU backend only (LlamaModel.WithAdapters): loaded for an ILGPU model they failed every turn in
        // LocalChatClient. Skipped, their sources stay in the pasted context.
        var adapterItems = model.Backend == ComputeBackendKind.Cpu
            ? await ListAsync(memory, actor, cube, ParametricMemories.Adapters, cancellationToken).ConfigureAwait(false)
            : [];
        // Newest first (ids grow with creation time), so an older adapter sharing a source with one loaded is the one left out.
        var attachedSources = new HashSet<MemoryId>();
        foreach (var item in Enumerable.Reverse(adapterItems))
        {
            var sources = ActivationSources.Of(item).Select(s => s.Id).ToList();
            if (sources.Any(attachedSources.Contains)
                || !await IsCurrentAsync(memory, actor, item, ParametricMemories.Adapters, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            try
            {
                adapters.Insert(0, ParametricMemories.LoadAdapter(item, model)); // kept oldest first, as listed
                parametric.Insert(0, item);
                attachedSources.UnionWith(sources);
            }
            catch (Exception ex) when (ex is ModelFormatException or IOException)
            {
                // Trained for another model, or deleted since it was checked: its sources stay in the pasted context.
            }
        }

        if (activation.Count == 0 && parametric.Count == 0)
        {
            return LoadedMemoryState.Empty;
        }

        return new LoadedMemoryState(new LocalMemoryState(cartridges, adapters), activation, parametric, SourcesOf(activation.Concat(parametric)));
    }

    /// <summary>
    /// <paramref name="loaded"/> without its cartridges, for a prompt they leave too little room: their sources go back into the
    /// pasted context, and the adapters' (which take no context) stay out.
    /// </summary>
    internal static LoadedMemoryState WithoutCartridges(LoadedMemoryState loaded) => loaded.Parametric.Count == 0
        ? LoadedMemoryState.Empty
        : new LoadedMemoryState(new LocalMemoryState([], loaded.State.Adapters), [], loaded.Parametric, SourcesOf(loaded.Parametric));

    private static HashSet<MemoryId> SourcesOf(IEnumerable<MemoryItem> derived) => derived.SelectMany(ActivationSources.Of).Select(s => s.Id).ToHashSet();

    private static async Task<List<MemoryItem>> ListAsync(MemoryOS memory, Scope actor, string cube, DerivedKind kind, CancellationToken cancellationToken)
    {
        var items = await DerivedPayloads.ListActiveAsync(memory, actor, cube, kind, cancellationToken).ConfigureAwait(false);

        // Oldest first, so the prefix a cube loads does not change order from turn to turn.
        return [.. items.OrderBy(m => m.Id.ToString(), StringComparer.Ordinal)];
    }

    private static async Task<bool> IsCurrentAsync(MemoryOS memory, Scope actor, MemoryItem item, DerivedKind kind, CancellationToken cancellationToken)
    {
        var (reason, _) = await DerivedPayloads.StaleReasonAsync(memory, actor, item, kind, cancellationToken).ConfigureAwait(false);
        return reason is null; // covers a missing or altered file too
    }
}
