namespace AgentMem.Agents;

/// <summary>How a <see cref="MemoryAgent"/> scopes, recalls and writes memories.</summary>
public sealed class MemoryAgentOptions
{
    /// <summary>Tenant every user of this agent belongs to (a hard partition).</summary>
    public string Tenant { get; set; } = Scope.DefaultTenant;

    /// <summary>Name of the agent, recorded in the acting scope; optional.</summary>
    public string? AgentName { get; set; }

    /// <summary>
    /// The cube to use for every user, created on first use; null (the default) gives each user a
    /// private cube named <c>user-{userId}</c> (the id trimmed; an id over 123 characters, for which that name would pass the
    /// 128-character limit, gives its start followed by '-' and 16 hex digits of the SHA-256 of the id, 128 characters in
    /// all). A shared cube belongs to the first user who touched it,
    /// so others need grants to read and write it (<see cref="MemoryCore.Cubes.CubeAccess.ReadWrite"/>): every turn recalls from
    /// the cube and writes the exchange back, and a user without both is refused before the model is called.
    /// </summary>
    public string? Cube { get; set; }

    /// <summary>Instructions placed before the recalled memories in the system message.</summary>
    public string Instructions { get; set; } =
        "You are a helpful assistant with long-term memory. Use what you remember about the user when it helps, and do not invent memories.";

    /// <summary>Token budget of the recalled context (default 2,000).</summary>
    public int ContextTokenBudget { get; set; } = 2000;

    /// <summary>
    /// Counts the recalled context's tokens against <see cref="ContextTokenBudget"/>; null (the default) uses the context
    /// builder's default, o200k_base (see <see cref="Retrieval.Context.ContextOptions.TokenCounter"/>).
    /// </summary>
    public MemoryCore.Ports.ITokenCounter? TokenCounter { get; set; }

    /// <summary>Whether the model may call the memory tools during the turn (default true).</summary>
    public bool EnableTools { get; set; } = true;

    /// <summary>Most model round trips per turn when tools are enabled (default 5).</summary>
    public int MaxToolIterations { get; set; } = 5;

    /// <summary>
    /// Model used to extract durable facts from each exchange as a JSON list; null stores the user's
    /// message itself as the fact (the offline default). A reply that holds no valid JSON array yields no
    /// facts, and an entry of the list that is not a string, or is blank or over 1,000 characters once cleaned, is left out
    /// (a fact is one sentence; the exchange itself is stored as the turn); a failing call to the model throws, after the
    /// turn itself has been stored.
    /// </summary>
    public IChatClient? ExtractionClient { get; set; }

    /// <summary>Most facts kept from one exchange (default 10); extra ones are dropped.</summary>
    public int MaxFactsPerTurn { get; set; } = 10;

    /// <summary>
    /// Whether extracted facts are compared with the stored facts before they are written (default true):
    /// ADD / UPDATE / DELETE / NOOP, so a changed fact supersedes the old one instead of contradicting it
    /// (see <see cref="MemoryCore.Facts.FactResolver"/>). Off, facts are simply added.
    /// </summary>
    public bool ResolveFactConflicts { get; set; } = true;

    /// <summary>
    /// Model that classifies a new fact against the stored ones (<see cref="Lifecycle.LlmFactClassifier"/>);
    /// null (the default) uses the offline rules (<see cref="MemoryCore.Facts.RuleFactClassifier"/>).
    /// </summary>
    public IChatClient? ConflictClient { get; set; }

    /// <summary>
    /// Whether each answer leaves a "thought" memory (Think-in-Memory, default true): the question and the
    /// answer the agent drew from its recalled memories, tagged <see cref="MemoryAgent.ThoughtTag"/> and
    /// linked to those memories, so later turns recall the conclusion instead of re-deriving it. Written
    /// only when some recalled memory fed the answer.
    /// </summary>
    public bool RecordThoughts { get; set; } = true;

    /// <summary>
    /// Whether the recalled memories an answer drew on are reinforced on the forgetting curve (default true);
    /// see <see cref="MemoryOS.RecordRecallAsync"/>.
    /// </summary>
    public bool ReinforceRecalled { get; set; } = true;

    /// <summary>Most recalled memories a thought links to, best-supporting first (default 5).</summary>
    public int MaxThoughtSources { get; set; } = 5;

    /// <summary>
    /// The core memory blocks shown in every system message and edited by the model through
    /// <c>core_memory_append</c> and <c>core_memory_replace</c> (default: <c>persona</c> and <c>human</c>,
    /// 2,000 characters each); null disables blocks and their tools. See <see cref="CoreMemoryBlocks"/>.
    /// </summary>
    public CoreBlockOptions? CoreBlocks { get; set; } = new();

    /// <summary>
    /// Whether, over a local model (<see cref="ModelHost.LocalChatClient"/>), the cube's activation and parametric memories are
    /// loaded into the model and their sources left out of the pasted context (default true). Ignored over other clients.
    /// </summary>
    public bool LoadLocalMemory { get; set; } = true;

    /// <summary>
    /// Where the memory and core block tools log what is for the operator and not for the model: the local paths of files a
    /// committed purge could not delete (the model is told their count), and in full an error inside the host, such as the
    /// store's (the model is told only which tool failed: <see cref="Tools.ToolErrors"/>). Default none: those are then
    /// recorded nowhere.
    /// </summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; set; }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> for settings that cannot work: among them a <see cref="Tenant"/> or
    /// <see cref="AgentName"/> no scope can have (over 128 characters, a control or surrogate character; an agent "." or "..")
    /// and a <see cref="ContextTokenBudget"/> outside 16 to <see cref="Retrieval.Context.ContextOptions.MaxTokenBudget"/>.
    /// </summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Tenant, nameof(Tenant));
        RequireName(() => new Scope(Tenant), nameof(Tenant));
        RequireName(() => new Scope(Scope.DefaultTenant, agent: AgentName), nameof(AgentName));
        if (AgentName?.Trim() is "." or "..")
        {
            // Write-back refuses such an author; a URL path cannot carry the name.
            throw new ArgumentException($"The agent name '{AgentName.Trim()}' cannot be used: a URL path cannot carry '.' or '..' as a segment.", nameof(AgentName));
        }

        ArgumentNullException.ThrowIfNull(Instructions, nameof(Instructions));
        ArgumentOutOfRangeException.ThrowIfLessThan(ContextTokenBudget, 16, nameof(ContextTokenBudget));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ContextTokenBudget, Retrieval.Context.ContextOptions.MaxTokenBudget, nameof(ContextTokenBudget));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxToolIterations, 1, nameof(MaxToolIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFactsPerTurn, 0, nameof(MaxFactsPerTurn));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxThoughtSources, 1, nameof(MaxThoughtSources));
        CoreBlocks?.Validate();
    }

    // Checked here by the scope's own rules, so a name every turn would refuse fails the agent's construction instead.
    private static void RequireName(Func<Scope> scope, string paramName)
    {
        try
        {
            _ = scope();
        }
        catch (MemoryValidationException ex)
        {
            throw new ArgumentException(ex.Message, paramName, ex);
        }
    }
}
