using AgentMem.Common.Text;
using AgentMem.MemoryCore.Validation;
using System.Text;

namespace AgentMem.Agents.Blocks;

/// <summary>
/// Core memory blocks (as in Letta/MemGPT): named, size-limited texts, such as what the agent is
/// (<c>persona</c>) and who the user is (<c>human</c>), that are always in the model's context and
/// that the model edits itself. Each block is an ordinary plaintext memory of the user's cube, tagged
/// <see cref="BlockTag"/> and <c>core-block:NAME</c> and scoped to the acting user and agent, so it is
/// listed, versioned, audited and exported like any memory; every edit is a new version.
/// </summary>
public sealed class CoreMemoryBlocks
{
    /// <summary>Tag carried by every block memory.</summary>
    public const string BlockTag = "core-block";

    private readonly MemoryOS memory;
    private readonly CoreBlockOptions options;

    /// <summary>Creates the blocks over <paramref name="memory"/>, which the caller keeps owning.</summary>
    public CoreMemoryBlocks(MemoryOS memory, CoreBlockOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        this.options = options ?? new CoreBlockOptions();
        this.options.Validate();
        this.memory = memory;
    }

    /// <summary>The block names that may be written, in display order.</summary>
    public IReadOnlyList<string> Names => [.. options.Names];

    /// <summary>Most characters one block may hold.</summary>
    public int Limit => options.Limit;

    /// <summary>The tag that marks the block named <paramref name="name"/>.</summary>
    public static string NameTag(string name) => BlockTag + ":" + name;

    /// <summary>Whether <paramref name="item"/> is a block: it carries <see cref="BlockTag"/> or a <c>core-block:NAME</c> tag (any case).</summary>
    internal static bool IsBlock(MemoryItem item) =>
        item.Tags.Any(t => string.Equals(t, BlockTag, StringComparison.OrdinalIgnoreCase) || t.StartsWith(BlockTag + ":", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The existing blocks of <paramref name="actor"/> (its user and agent) in <paramref name="cube"/>, in the
    /// order of <see cref="CoreBlockOptions.Names"/>; blocks never written are left out, and none when the cube
    /// does not exist yet.
    /// </summary>
    public async Task<IReadOnlyList<CoreBlock>> ListAsync(Scope actor, string cube, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(cube);
        var found = new Dictionary<string, CoreBlock>(StringComparer.Ordinal);
        try
        {
            await foreach (var item in memory.ListAsync(actor, cube, BlockFilter(actor), cancellationToken).ConfigureAwait(false))
            {
                // The oldest memory of a name wins, should a race ever have created two.
                if (Owns(actor, item) && BlockName(item) is { } name && !found.ContainsKey(name))
                {
                    found[name] = ToBlock(name, item);
                }
            }
        }
        catch (CubeNotFoundException)
        {
            return [];
        }

        return [.. options.Names.Where(found.ContainsKey).Select(n => found[n])];
    }

    /// <summary>
    /// Appends <paramref name="text"/> as a new line of the block <paramref name="name"/>, creating the block
    /// (and the cube) if missing. Throws <see cref="MemoryValidationException"/> for an unknown name, empty
    /// text, or a result longer than the limit, and <see cref="MemoryFrozenException"/> for a frozen block.
    /// </summary>
    public async Task<CoreBlock> AppendAsync(Scope actor, string cube, string name, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(cube);
        string canonical = RequireName(name);
        if (ContentRules.IsBlank(text))
        {
            throw new MemoryValidationException($"Nothing to append to core block '{canonical}': the text is empty.");
        }

        string addition = text.Trim();

        // Before the cube is made on first write, so a refused append leaves none: no block can hold less than the addition.
        RequireWithinLimit(canonical, addition.Length);
        memory.ValidateDrafts(actor, [Draft(canonical, addition)]);
        string cubeId = (await memory.GetOrCreateCubeAsync(actor, cube, cancellationToken).ConfigureAwait(false)).Id;
        using var gate = await BlockGate.EnterAsync(actor, cubeId, canonical, cancellationToken).ConfigureAwait(false);
        return await EditAsync(actor, cube, canonical, async current =>
        {
            if (current is null)
            {
                return await CreateAsync(actor, cube, canonical, addition, cancellationToken).ConfigureAwait(false);
            }

            string next = current.Text.Length == 0 ? addition : current.Text + "\n" + addition;
            RequireWithinLimit(canonical, next.Length);
            return await WriteAsync(actor, current, next, "core block append", cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Edits of <paramref name="name"/> waiting for or holding its lock in this process (0 when none: the lock is gone).</summary>
    internal static int GateUsers(Scope actor, string cube, string name) => BlockGate.Users((actor.Tenant, actor.User, actor.Agent, cube, name));

    /// <summary>
    /// Replaces <paramref name="oldText"/> (ordinal match), which must occur exactly once in the block <paramref name="name"/>,
    /// with <paramref name="newText"/>, as a new version. An empty <paramref name="newText"/> deletes the
    /// passage; a block left empty is deleted (a tombstone version) and returned with empty text. Throws
    /// <see cref="MemoryValidationException"/> for an unknown name, text not found, text that occurs more than once (the
    /// caller quotes more of it), or a result over the limit and longer than
    /// the block was (a block over a lowered limit may still be shortened, step by step), and
    /// <see cref="MemoryFrozenException"/> for a frozen block.
    /// </summary>
    public async Task<CoreBlock> ReplaceAsync(Scope actor, string cube, string name, string oldText, string newText, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(cube);
        string canonical = RequireName(name);
        if (string.IsNullOrEmpty(oldText))
        {
            throw new MemoryValidationException($"Say which text of core block '{canonical}' to replace: the old text is empty.");
        }

        string cubeId = (await memory.OpenCubeAsync(actor, cube, cancellationToken).ConfigureAwait(false)).Id;
        using var gate = await BlockGate.EnterAsync(actor, cubeId, canonical, cancellationToken).ConfigureAwait(false);
        return await EditAsync(actor, cube, canonical, async current =>
        {
            if (current is null || !current.Text.Contains(oldText, StringComparison.Ordinal))
            {
                string where = current is null ? "the block is empty" : $"the block holds: \"{Clip(current.Text)}\"";
                throw new MemoryValidationException($"The text \"{Clip(oldText)}\" does not occur in core block '{canonical}' ({where}). Quote the old text exactly.");
            }

            // A short quote can match other lines too ("likes tea" in "Ann likes tea.\nBob likes tea."): replacing them all
            // would edit lines the caller never meant, and the new block alone would not show it. Overlapping matches count.
            int occurrences = CountOccurrences(current.Text, oldText);
            if (occurrences > 1)
            {
                throw new MemoryValidationException(
                    $"The text \"{Clip(oldText)}\" occurs {occurrences} times in core block '{canonical}'; quote more of the line around it so that it occurs once. The block is unchanged.");
            }

            string next = current.Text.Replace(oldText, newText ?? string.Empty, StringComparison.Ordinal).Trim();
            if (next.Length > current.Text.Length)
            {
                // Only growth is held to the limit: a block already over it (the limit lowered since it was written) must
                // still be shortened bit by bit, and every replace leaving it over was refused.
                RequireWithinLimit(canonical, next.Length);
            }

            if (next.Length == 0)
            {
                // A memory cannot hold empty text; an emptied block is a deleted one, and its history stays.
                var tombstone = await memory.DeleteAsync(actor, current.Id, "core block emptied", current.Version, cancellationToken).ConfigureAwait(false);
                return current with { Text = string.Empty, Version = tombstone.Version };
            }

            return await WriteAsync(actor, current, next, "core block replace", cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The system-prompt section showing <paramref name="blocks"/>: a heading, then each block between
    /// <c>&lt;name&gt;</c> markers with its size and limit; empty when there are no blocks.
    /// </summary>
    public static string Render(IReadOnlyList<CoreBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder("# Core memory\n");
        foreach (var block in blocks)
        {
            // The size tells the model how much room is left before an append is refused.
            text.Append(CultureInfo.InvariantCulture, $"<{block.Name} chars=\"{block.Text.Length}/{block.Limit}\">\n")
                .Append(block.Text)
                .Append(CultureInfo.InvariantCulture, $"\n</{block.Name}>\n");
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>Where <paramref name="value"/> occurs in <paramref name="text"/> (ordinal), overlapping matches included.</summary>
    private static int CountOccurrences(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private async Task<CoreBlock?> FindAsync(Scope actor, string cube, string name, CancellationToken cancellationToken)
    {
        var blocks = await ListAsync(actor, cube, cancellationToken).ConfigureAwait(false);
        return blocks.FirstOrDefault(b => b.Name == name);
    }

    private async Task<CoreBlock> CreateAsync(Scope actor, string cube, string name, string text, CancellationToken cancellationToken)
    {
        var target = await memory.GetOrCreateCubeAsync(actor, cube, cancellationToken).ConfigureAwait(false);
        var outcome = await memory.AddAsync(actor, target.Id, Draft(name, text), cancellationToken).ConfigureAwait(false);
        if (outcome.Created)
        {
            return ToBlock(name, await memory.GetAsync(actor, outcome.Id, cancellationToken).ConfigureAwait(false));
        }

        // The cube de-duplicated the text against another memory; a block needs its own memory.
        var own = await OwnMemory.AddAsync(memory, actor, target.Id, Draft(name, text), $"Core memory block '{name}' ({Guid.NewGuid():N})", "core block append", cancellationToken).ConfigureAwait(false);
        return ToBlock(name, own);
    }

    /// <summary>
    /// Reads the block and runs <paramref name="edit"/> on it; when another process wrote the block between the read and
    /// the write (the gate holds only in this process), the write is refused as made from an old version and the edit is
    /// made again from the block as it now is, up to <see cref="MaxEditAttempts"/> times.
    /// </summary>
    private async Task<CoreBlock> EditAsync(Scope actor, string cube, string name, Func<CoreBlock?, Task<CoreBlock>> edit, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            var current = await FindAsync(actor, cube, name, cancellationToken).ConfigureAwait(false);
            try
            {
                return await edit(current).ConfigureAwait(false);
            }
            catch (MemoryStateException) when (current is not null && attempt < MaxEditAttempts)
            {
                // Changed meanwhile: read it again.
            }
        }
    }

    private const int MaxEditAttempts = 3;

    private async Task<CoreBlock> WriteAsync(Scope actor, CoreBlock current, string text, string reason, CancellationToken cancellationToken)
    {
        var next = await memory.UpdateAsync(actor, current.Id, new MemoryChange { Text = text, Reason = reason, ExpectedVersion = current.Version }, cancellationToken).ConfigureAwait(false);
        return ToBlock(current.Name, next);
    }

    private static MemoryDraft Draft(string name, string text) => new(text)
    {
        Tags = [BlockTag, NameTag(name)],
        Source = SourceKind.Agent,
        Context = $"Core memory block '{name}'.",
    };

    private static MemoryFilter BlockFilter(Scope actor) => new() { AnyTags = [BlockTag], User = actor.User, Agent = actor.Agent };

    // The store filters by user and agent only when they are set; a scope without an agent must not see an agent's blocks.
    private static bool Owns(Scope actor, MemoryItem item) =>
        string.Equals(item.Scope.User, actor.User, StringComparison.Ordinal) && string.Equals(item.Scope.Agent, actor.Agent, StringComparison.Ordinal);

    private string? BlockName(MemoryItem item)
    {
        foreach (string tag in item.Tags)
        {
            if (tag.StartsWith(BlockTag + ":", StringComparison.Ordinal) && options.Names.Contains(tag[(BlockTag.Length + 1)..]))
            {
                return tag[(BlockTag.Length + 1)..];
            }
        }

        return null;
    }

    private CoreBlock ToBlock(string name, MemoryItem item) => new(name, item.Text, options.Limit, item.Id, item.Version);

    /// <summary>The block name <paramref name="name"/> stands for (case and spaces aside); throws <see cref="MemoryValidationException"/> for none.</summary>
    internal string RequireName(string? name)
    {
        string wanted = name?.Trim() ?? string.Empty;
        return options.Names.FirstOrDefault(n => string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase))
            ?? throw new MemoryValidationException($"There is no core block '{name}'; the blocks are {string.Join(", ", options.Names)}.");
    }

    private void RequireWithinLimit(string name, int length)
    {
        if (length > options.Limit)
        {
            throw new MemoryValidationException(string.Create(CultureInfo.InvariantCulture,
                $"Core block '{name}' would hold {length:N0} characters; its limit is {options.Limit:N0}. Shorten the text, or replace part of the block first."));
        }
    }

    private static string Clip(string text) => text.Length <= 200 ? text : string.Concat(TextClip.Prefix(text, 200), "…");

    /// <summary>
    /// One edit of a block at a time in this process: each reads the block, builds the new text from it and writes it whole,
    /// so two at once lost one (or, on a block not yet written, made two, of which only the oldest is seen). Keyed by the
    /// cube's id: a tool naming the cube by name and a host naming it by id edit one block. A lock lives while an edit waits
    /// for or holds it: kept for good, there was one per tenant, user, agent, cube and block ever edited.
    /// </summary>
    private sealed class BlockGate : IDisposable
    {
        private static readonly Dictionary<(string Tenant, string? User, string? Agent, string Cube, string Name), Entry> Gates = [];

        private readonly (string Tenant, string? User, string? Agent, string Cube, string Name) key;
        private readonly Entry entry;

        private BlockGate((string, string?, string?, string, string) key, Entry entry) => (this.key, this.entry) = (key, entry);

        public static async Task<BlockGate> EnterAsync(Scope actor, string cube, string name, CancellationToken cancellationToken)
        {
            var key = (actor.Tenant, actor.User, actor.Agent, cube, name);
            Entry? entry;
            lock (Gates)
            {
                if (!Gates.TryGetValue(key, out entry))
                {
                    entry = new Entry();
                    Gates[key] = entry;
                }

                entry.Users++;
            }

            try
            {
                await entry.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Leave(key, entry);
                throw;
            }

            return new BlockGate(key, entry);
        }

        public static int Users((string, string?, string?, string, string) key)
        {
            lock (Gates)
            {
                return Gates.TryGetValue(key, out var entry) ? entry.Users : 0;
            }
        }

        public void Dispose()
        {
            entry.Lock.Release();
            Leave(key, entry);
        }

        private static void Leave((string, string?, string?, string, string) key, Entry entry)
        {
            lock (Gates)
            {
                // The last edit out removes the lock; one arriving later makes a new one, as no edit holds this one.
                if (--entry.Users == 0)
                {
                    Gates.Remove(key);
                    entry.Lock.Dispose();
                }
            }
        }

        private sealed class Entry
        {
            public SemaphoreSlim Lock { get; } = new(1, 1);

            public int Users { get; set; }
        }
    }
}
