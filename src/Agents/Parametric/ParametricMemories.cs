using System.Security.Cryptography;

using AgentMem.Agents.Activation;
using AgentMem.Common;
using AgentMem.ModelHost;

namespace AgentMem.Agents.Parametric;

/// <summary>
/// Parametric memory: a LoRA adapter trained from some of a cube's memories, kept as an <c>.amlora</c> file and recorded as a
/// <see cref="MemoryKind.Parametric"/> memory whose payload is the file and whose provenance lists the source memories with
/// their versions (the same <c>encodes:ID@VERSION,…</c> reference and <c>encodes</c> links as activation memories). Training is
/// not done here: <see cref="RegisterAsync"/> takes an adapter already trained.
/// </summary>
/// <remarks>
/// <para>
/// Staleness is the activation memories' (<c>DerivedPayloads</c>): a source with a new version (edited, deleted, archived), a
/// purged source, or a missing or altered file. <see cref="RefreshAsync"/> archives a stale adapter memory with the reason.
/// </para>
/// <para>
/// An adapter holds what it was trained from, so it must not outlive a purged source. Its memory <c>encodes</c> each source,
/// so <see cref="MemoryOS.PurgeAsync(Scope, MemoryId, CancellationToken)"/> purges it with the source and deletes its file
/// (the file still holding the bytes its payload records) in the same call, listener or not; <see cref="RefreshAsync"/>
/// deletes that file too when it finds a source gone. Forgetting a user (<see cref="MemoryOS.ForgetUserAsync"/>) removes the
/// adapter memories derived from the user's memories with their files. Registered as a change listener
/// (<see cref="MemoryOS.AddChangeListener"/>), this class deletes a deleted cube's adapter files with it.
/// </para>
/// </remarks>
public sealed class ParametricMemories : IMemoryChangeListener
{
    /// <summary>Tag carried by every parametric memory this class writes.</summary>
    public const string Tag = "lora-adapter";

    /// <summary>Link type from a parametric memory to each memory it was trained from (what forgetting a user follows).</summary>
    public const string EncodesLink = ActivationMemoryScheduler.EncodesLink;

    /// <summary>How this class's memories are listed, checked and named in errors.</summary>
    internal static readonly DerivedKind Adapters = new(MemoryKind.Parametric, Tag, "parametric memory", "adapter", "LoRA adapter", "train and register a new adapter");

    private readonly MemoryOS memory;

    /// <summary>Creates the helper over <paramref name="memory"/>.</summary>
    public ParametricMemories(MemoryOS memory, ParametricMemoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        Options = options ?? new ParametricMemoryOptions();
        Options.Validate();
        this.memory = memory;
    }

    /// <summary>The settings.</summary>
    public ParametricMemoryOptions Options { get; }

    /// <summary>
    /// Saves <paramref name="adapter"/> (trained from <paramref name="sources"/>, at the versions given) as an adapter file whose
    /// header lists the sources as <c>ID@VERSION</c>, and records a parametric memory in <paramref name="cube"/> pointing at it.
    /// Returns the new memory (or, for the same adapter file registered before, that memory, restored when it was archived);
    /// <paramref name="reason"/>, when given, is why it was made (its state reason).
    /// </summary>
    /// <remarks>
    /// The newest adapter covers its sources: the cube's other active parametric memories written by the same
    /// <see cref="ParametricMemoryOptions.Actor"/> for the same base model that were trained on any of the same memories are
    /// archived, with a reason naming the new one (another model's adapter is still right for that model). They are not stale (their sources did not change), and attached together two adapters trained on
    /// the same text sum their updates, which wrecks what each one alone recalls. Another writer's adapters are left to
    /// that writer; <see cref="Scheduling.LocalMemoryLoader"/> attaches only the newest of adapters that share a source.
    /// </remarks>
    /// <exception cref="MemoryValidationException">No sources, or a source that is not a memory of <paramref name="cube"/>.</exception>
    /// <exception cref="MemoryNotFoundException">A source does not exist (or the actor cannot read it).</exception>
    public async Task<MemoryItem> RegisterAsync(
        Scope actor, string cube, LoraAdapter adapter, IReadOnlyList<MemoryItem> sources, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0)
        {
            throw new MemoryValidationException("A parametric memory needs the memories its adapter was trained from.");
        }

        // Files are named by the cube's id (what change notifications carry), not by the name the caller used.
        var cubeInfo = await memory.OpenCubeAsync(actor, cube, cancellationToken).ConfigureAwait(false);
        foreach (var source in sources)
        {
            // Existence and read access; the versions recorded are the ones the adapter was trained on, checked by RefreshAsync.
            var current = await memory.GetAsync(actor, source.Id, cancellationToken).ConfigureAwait(false);
            if (current.CubeId != cubeInfo.Id)
            {
                // The memory's text previews its sources to every reader of the cube, and a reader who cannot read a source
                // could not check the adapter's staleness.
                throw new MemoryValidationException($"Source memory {source.Id} is not in cube '{cubeInfo.Name}': an adapter is registered in the cube whose memories it was trained from.");
            }
        }

        // Checked before the file is written: a refused add left the adapter file behind, named by no memory.
        CubeAccessPolicy.Demand(cubeInfo, actor, CubeAccess.Write);
        string sourceRef = ActivationSources.Format(sources);
        var recorded = adapter.WithSources(sources.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Id}@{s.Version}")));
        var (payload, fresh) = Write(recorded, actor, cubeInfo.Id, sourceRef);
        string text = string.Join(" / ", sources.Select(s => s.Text.Trim()));
        string recipe = adapter.Metadata.Count == 0 ? string.Empty : "; " + string.Join(", ", adapter.Metadata.Select(kv => $"{kv.Key}={kv.Value}"));
        string described = $"LoRA adapter (rank {adapter.Rank}, {string.Join(",", adapter.Targets).ToLowerInvariant()}) trained on {sources.Count} memories: {DerivedPayloads.Preview(text)}";
        string context = string.Create(CultureInfo.InvariantCulture, $"base model fingerprint {Convert.ToHexStringLower(adapter.BaseFingerprint)[..16]}; alpha {adapter.Alpha}{recipe}");
        var draft = DerivedPayloads.Draft(Adapters, described, payload, sources, Options.Actor, context, reason);
        var registered = await DerivedPayloads.AddAsync(memory, actor, cube, Adapters, draft, fresh, cancellationToken).ConfigureAwait(false);
        if (registered.State == LifecycleState.Active)
        {
            await SupersedeAsync(actor, cube, registered, Convert.ToHexStringLower(adapter.BaseFingerprint), cancellationToken).ConfigureAwait(false);
        }

        return registered;
    }

    /// <summary>
    /// Archives every active parametric memory of the cube whose sources changed since its adapter was trained (a new version,
    /// deleted, archived or purged) or whose file is missing or altered, with the reason; an adapter with a purged source also
    /// loses its file (only a file that still holds the bytes its payload records: a reference naming any other file leaves
    /// that file alone). Returns the archived versions.
    /// </summary>
    public async Task<IReadOnlyList<MemoryItem>> RefreshAsync(Scope actor, string cube, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var archived = new List<MemoryItem>();
        foreach (var item in await ListAsync(actor, cube, cancellationToken).ConfigureAwait(false))
        {
            var (reason, purged) = await DerivedPayloads.StaleReasonAsync(memory, actor, item, Adapters, cancellationToken).ConfigureAwait(false);
            if (reason is null)
            {
                continue;
            }

            // Only the adapter's own file, still the bytes recorded: a reference is data (an imported archive carries it), and
            // one naming the database with a source that never existed made a refresh delete the database.
            // Nor one outside the payload folder, which may be another database's (restored from an archive of it).
            if (purged && item.Payload is { } payload && memory.OwnsPayloadFile(payload))
            {
                payload.DeleteIfIntactLocalFile();
            }

            archived.Add(await memory.SetStateAsync(actor, item.Id, LifecycleState.Archived, reason, cancellationToken).ConfigureAwait(false));
        }

        return archived;
    }

    /// <summary>
    /// The cube's active parametric memories written by this class, oldest first (call <see cref="RefreshAsync"/> first to drop
    /// stale ones); <see cref="LoadAdapter"/> turns each into an adapter for <see cref="LlamaModel.WithAdapters"/>.
    /// </summary>
    public async Task<IReadOnlyList<MemoryItem>> ListAsync(Scope actor, string cube, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return await DerivedPayloads.ListActiveAsync(memory, actor, cube, Adapters, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The local adapter file of parametric memory <paramref name="item"/>, after checking it is a live parametric memory and that
    /// the file's size and SHA-256 still match its payload reference.
    /// </summary>
    /// <exception cref="MemoryStateException">The memory is not an active parametric memory (for example archived as stale).</exception>
    /// <exception cref="ModelFormatException">The file is missing or no longer matches the reference.</exception>
    public static string ResolveAdapterFile(MemoryItem item) => DerivedPayloads.ResolveFile(item, Adapters);

    /// <summary>The adapter of parametric memory <paramref name="item"/>, checked against <paramref name="model"/>.</summary>
    /// <exception cref="MemoryStateException">The memory is not an active parametric memory.</exception>
    /// <exception cref="ModelFormatException">The file is missing, altered, corrupt, or for another model.</exception>
    public static LoraAdapter LoadAdapter(MemoryItem item, LlamaModel model) => LoraAdapterFile.Load(ResolveAdapterFile(item), model);

    /// <inheritdoc />
    public void OnMemoriesChanged(string tenant, string cubeId)
    {
        // Nothing to do at once: an edit or a delete writes a new version, which RefreshAsync compares.
    }

    /// <inheritdoc />
    public void OnMemoryPurged(string tenant, string cubeId, MemoryId id)
    {
        // Nothing to do: a parametric memory encodes its sources, so purging a source purges it too, and MemoryOS deletes its
        // adapter file in the same call (MemoryOS.PurgeAsync); scanning every adapter's header here would do that twice.
    }

    /// <inheritdoc />
    public void OnCubeDeleted(string tenant, string cubeId)
    {
        string prefix = $"{DerivedPayloads.FileSafe(tenant)}-{DerivedPayloads.FileSafe(cubeId)}-";
        foreach (string path in AdapterFiles())
        {
            // Exactly prefix + 24 hex digits: cube "b" must not take cube "b-c"'s files with it.
            string name = Path.GetFileNameWithoutExtension(path);
            if (name.StartsWith(prefix, StringComparison.Ordinal) && name.Length == prefix.Length + 24 && name[prefix.Length..].All(char.IsAsciiHexDigitLower))
            {
                File.Delete(path);
            }
        }
    }

    // Archives this writer's other active adapters of the cube for the same base model (fingerprint) trained on any memory the
    // new one was: after the add, so a failed registration supersedes nothing; a crash in between leaves both active, and the
    // loader attaches the newest only.
    private async Task SupersedeAsync(Scope actor, string cube, MemoryItem registered, string fingerprint, CancellationToken cancellationToken)
    {
        var covered = ActivationSources.Of(registered).Select(s => s.Id).ToHashSet();
        foreach (var item in await ListAsync(actor, cube, cancellationToken).ConfigureAwait(false))
        {
            if (item.Id == registered.Id || item.Provenance.Actor != Options.Actor || !ActivationSources.Of(item).Any(s => covered.Contains(s.Id))
                || BaseFingerprintOf(item) != fingerprint)
            {
                continue;
            }

            string reason = $"superseded by parametric memory {registered.Id}, trained on {covered.Count} memories including some this one was trained on";
            try
            {
                await memory.SetStateManyAsync(actor, [new MemoryStateChange(item.Id, LifecycleState.Archived, reason) { ExpectedVersion = item.Version }], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MemoryStateException or MemoryNotFoundException)
            {
                // Changed since it was listed (archived, deleted or purged by another writer): that writer's state stands.
            }
        }
    }

    // The base model an adapter memory's file was trained on (its header only), or null when the file cannot be read: such a
    // memory is stale, for RefreshAsync to archive.
    private static string? BaseFingerprintOf(MemoryItem item)
    {
        try
        {
            return item.Payload is { } payload ? LoraAdapterFile.Inspect(payload.LocalPath).Fingerprint : null;
        }
        catch (Exception ex) when (ex is ModelFormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string[] AdapterFiles()
    {
        string folder = DerivedPayloads.FolderFor(memory, Options.Folder);
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*" + LoraAdapterFile.Extension) : [];
    }

    private (PayloadRef Payload, bool Fresh) Write(LoraAdapter adapter, Scope actor, string cubeId, string sourceRef)
    {
        string folder = DerivedPayloads.FolderFor(memory, Options.Folder);
        Directory.CreateDirectory(folder);

        // Content and sources both name the file: the same weights registered from other memories are another memory.
        byte[] id = SHA256.HashData([.. adapter.ComputeId(), .. System.Text.Encoding.UTF8.GetBytes(sourceRef)]);
        string path = Path.Combine(folder, $"{DerivedPayloads.FileSafe(actor.Tenant)}-{DerivedPayloads.FileSafe(cubeId)}-{Convert.ToHexStringLower(id)[..24]}{LoraAdapterFile.Extension}");

        // Save writes beside the final name and renames, so a reader never sees half a file under the name a memory points at.
        return DerivedPayloads.Save(path, LoraAdapterFile.MediaType, p => LoraAdapterFile.Save(adapter, p));
    }
}
