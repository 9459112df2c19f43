using System.Runtime.CompilerServices;
using System.Text;
using AgentMem.Agents.Activation;
using AgentMem.Agents.Lifecycle;
using AgentMem.Agents.Parametric;
using AgentMem.Agents.Scheduling;
using AgentMem.Agents.Tools;
using AgentMem.Common.Text;
using AgentMem.MemoryCore.Import;
using AgentMem.MemoryCore.Validation;
using AgentMem.ModelHost;
using AgentMem.Retrieval.Context;
using Microsoft.Extensions.Logging;

namespace AgentMem.Agents;

/// <summary>
/// A chat agent with long-term memory over any <see cref="IChatClient"/>. Each turn it recalls a
/// token-budgeted context from the user's cube into the system message, after the user's core memory
/// blocks (see <see cref="CoreMemoryBlocks"/>), lets the model call the memory and block tools, and
/// writes the exchange (and the facts extracted from it) back as memories.
/// The memories are the conversation state: the agent keeps nothing between turns itself.
/// </summary>
/// <remarks>
/// Over a local model (a client that is, or exposes through <see cref="IChatClient.GetService"/>, a <see cref="LocalChatClient"/>)
/// the cube's live activation memories (KV cartridges) and parametric memories (LoRA adapters) are loaded into the model before
/// the prompt (<see cref="LocalMemoryLoader"/>), and the plaintext memories they encode, and the derived memories' own
/// descriptions, are left out of the pasted context: the model already has them. A cartridge that leaves too little of the
/// model's context for the prompt and a reply of <see cref="LocalChatClient.DefaultMaxOutputTokens"/> tokens (the agent asks for
/// no other length) is not loaded, and its sources are pasted instead. Over any other client (a remote
/// OpenAI-compatible model) the context is pasted as plaintext, as always. <see cref="MemoryAgentOptions.LoadLocalMemory"/> turns
/// the local path off.
/// </remarks>
public sealed partial class MemoryAgent
{
    /// <summary>Speaker recorded on the user's messages.</summary>
    public const string UserSpeaker = "user";

    /// <summary>Speaker recorded on the assistant's replies.</summary>
    public const string AssistantSpeaker = "assistant";

    /// <summary>Tag of the thought memories recorded after answers (Think-in-Memory).</summary>
    public const string ThoughtTag = "thought";

    /// <summary>Tag of the facts extracted from exchanges.</summary>
    public const string FactTag = "fact";

    private readonly IChatClient chatClient;
    private readonly MemoryOS memory;
    private readonly MemoryAgentOptions options;
    private readonly TimeProvider time;
    private readonly CoreMemoryBlocks? coreBlocks;

    /// <summary>Creates the agent. It does not own <paramref name="chatClient"/> or <paramref name="memory"/>; the caller disposes them.</summary>
    public MemoryAgent(IChatClient chatClient, MemoryOS memory, MemoryAgentOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        ArgumentNullException.ThrowIfNull(memory);
        this.options = options ?? new MemoryAgentOptions();
        this.options.Validate();
        this.chatClient = chatClient;
        this.memory = memory;
        time = timeProvider ?? TimeProvider.System;
        coreBlocks = this.options.CoreBlocks is null ? null : new CoreMemoryBlocks(memory, this.options.CoreBlocks);
    }

    /// <summary>
    /// Runs one turn for <paramref name="userId"/>: recall, respond (with tool calls if enabled), write back.
    /// <paramref name="conversationId"/> becomes the session of the memories written, so the context
    /// shows earlier turns grouped by conversation. A turn cancelled before the model has answered writes
    /// nothing back (see <see cref="ChatStreamingAsync"/> for the rule). A message longer than a search query may be
    /// (<see cref="MemoryOSOptions.MaxQueryBytes"/>) is recalled by its start and end; the model is given it whole, and it is
    /// stored whole.
    /// </summary>
    /// <exception cref="MemoryValidationException"><paramref name="userId"/> cannot be the author of a memory (over 128 characters,
    /// holding a control or surrogate character, or "." or ".."), <paramref name="conversationId"/> cannot be a session name (the
    /// same rules but the dots), or <paramref name="message"/> cannot be stored as a memory; thrown before the model is called.</exception>
    /// <exception cref="CubeAccessDeniedException">The cube exists and the user may not both read and write it (see
    /// <see cref="MemoryAgentOptions.Cube"/>); thrown before the model is called.</exception>
    public async Task<MemoryAgentTurn> ChatAsync(string userId, string message, string? conversationId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        RequireStorable(userId, message, conversationId);
        var prepared = await PrepareAsync(userId, message, cancellationToken).ConfigureAwait(false);
        var response = await prepared.Client.GetResponseAsync(prepared.Messages, prepared.Options, cancellationToken).ConfigureAwait(false);
        return await WriteBackAsync(prepared, message, conversationId, response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one turn like <see cref="ChatAsync"/>, yielding the reply's text as the model streams it, then one
    /// final update whose <see cref="MemoryAgentUpdate.Completed"/> is the turn as written back. Tool calls are
    /// run between the streamed pieces exactly as in <see cref="ChatAsync"/>, so both give the same memories.
    /// </summary>
    /// <remarks>
    /// Write-back (the user message, the reply, extracted facts and the thought) starts only after the stream
    /// has completed. <b>A cancelled turn writes nothing back</b>: when <paramref name="cancellationToken"/> is
    /// cancelled, or the caller stops enumerating, before the final text arrived, neither the user message nor
    /// the partial reply is stored. Tool calls the model already made (e.g. <c>memory_add</c> or
    /// <c>core_memory_append</c>) are its own actions and have taken effect. Cancelling during write-back stops
    /// it between steps: the exchange is stored in one transaction, then the facts, then the thought.
    /// </remarks>
    /// <exception cref="MemoryValidationException">The user, conversation or message cannot be stored (as for <see cref="ChatAsync"/>); thrown at the call.</exception>
    /// <exception cref="CubeAccessDeniedException">The cube exists and the user may not both read and write it; thrown at the
    /// first <c>MoveNext</c>, before the model is called.</exception>
    public IAsyncEnumerable<MemoryAgentUpdate> ChatStreamingAsync(string userId, string message, string? conversationId = null, CancellationToken cancellationToken = default)
    {
        // Checked here, not in the iterator, so bad arguments throw at the call rather than at the first MoveNext.
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        RequireStorable(userId, message, conversationId);
        return StreamAsync(userId, message, conversationId, cancellationToken);
    }

    // The user's message as write-back stores it, by its author (no user or agent "." or ".."), session and text, checked
    // before the model runs and before the cube is made: refused only at write-back, the model had answered and its tool calls
    // had taken effect, then the exchange was not stored (and a cube such as "user-.." was left behind).
    private void RequireStorable(string userId, string message, string? conversationId) =>
        memory.ValidateDrafts(new Scope(options.Tenant, userId, options.AgentName), [Draft(message, UserSpeaker, conversationId, time.GetUtcNow(), "turn")]);

    private async IAsyncEnumerable<MemoryAgentUpdate> StreamAsync(string userId, string message, string? conversationId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(userId, message, cancellationToken).ConfigureAwait(false);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in prepared.Client.GetStreamingResponseAsync(prepared.Messages, prepared.Options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            if (!string.IsNullOrEmpty(update.Text))
            {
                yield return new MemoryAgentUpdate(update.Text, null);
            }
        }

        // A client that ends its stream quietly on cancellation must not get a partial reply stored.
        cancellationToken.ThrowIfCancellationRequested();
        var turn = await WriteBackAsync(prepared, message, conversationId, updates.ToChatResponse(), cancellationToken).ConfigureAwait(false);
        yield return new MemoryAgentUpdate(null, turn);
    }

    private async Task<PreparedTurn> PrepareAsync(string userId, string message, CancellationToken cancellationToken)
    {
        var scope = new Scope(options.Tenant, userId, options.AgentName);
        string user = scope.User!; // as the store keeps it (trimmed): the cube's owner is compared with this, not the id as given
        // Read and write: a turn recalls from the cube and writes back to it. Opened for reading only, a read-only grantee's
        // turn ran (its tool calls took effect) and then its write-back was refused, the reply lost every turn.
        var cube = await memory.GetOrCreateCubeAsync(scope, options.Cube ?? PrivateCubeName(user), CubeAccess.ReadWrite, cancellationToken).ConfigureAwait(false);
        if (options.Cube is null && cube.Owner.User is { } owner && owner != user)
        {
            // A private cube is the user's own: another user who made one of that name and granted the user access would
            // read every turn and fact written to it, and put its own memories into the user's prompt. (The same user
            // under another agent name, or a host owning it with no user, is not someone else.)
            throw new AccessDeniedException($"The cube '{cube.Name}' the agent keeps for user '{user}' belongs to {cube.Owner}; the agent will not use a private cube someone else owns.");
        }

        var blocks = coreBlocks is null ? [] : await coreBlocks.ListAsync(scope, cube.Id, cancellationToken).ConfigureAwait(false);
        var local = options.LoadLocalMemory ? chatClient.GetService(typeof(LocalChatClient)) as LocalChatClient : null;
        var loaded = local is null ? LoadedMemoryState.Empty : await LocalMemoryLoader.LoadAsync(memory, scope, cube.Id, local.Model, cancellationToken).ConfigureAwait(false);
        var (context, messages) = await RecallAsync(scope, cube.Id, message, blocks, local is not null, loaded, cancellationToken).ConfigureAwait(false);
        if (local is not null && loaded.State.Cartridges.Count > 0 && !LeavesRoomForReply(local, loaded, messages))
        {
            // A cartridge takes context positions before the prompt: one the scheduler filled to all but its reserve left too few
            // for this prompt, and the model refused every turn (or had no room to answer). Its sources are pasted instead.
            if (options.Logger is { } logger)
            {
                int cartridgeTokens = loaded.State.Cartridges.Sum(c => c.Count);
                LogCartridgesSkipped(logger, cartridgeTokens, local.Model.Config.SeqLen, MinimumReplyTokens);
            }

            loaded = LocalMemoryLoader.WithoutCartridges(loaded);
            (context, messages) = await RecallAsync(scope, cube.Id, message, blocks, true, loaded, cancellationToken).ConfigureAwait(false);
        }

        // Per request, so one client can serve several users' cubes; FunctionInvokingChatClient passes the options through.
        var chatOptions = loaded.State.IsEmpty ? null : new ChatOptions { AdditionalProperties = new() { [LocalChatClient.MemoryStateKey] = loaded.State } };
        if (!options.EnableTools)
        {
            return new PreparedTurn(scope, cube.Id, context, messages, chatClient, chatOptions, loaded);
        }

        List<AITool> tools = [.. MemoryTools.Create(memory, scope, cube.Name, options.Logger)];
        if (coreBlocks is not null)
        {
            tools.AddRange(CoreBlockTools.Create(coreBlocks, scope, cube.Name, options.Logger));
        }

        // Not disposed on purpose: disposing a delegating client disposes the caller's inner client.
#pragma warning disable CA2000
        var invoking = new FunctionInvokingChatClient(chatClient)
        {
            MaximumIterationsPerRequest = options.MaxToolIterations,

            // The tools' errors say how to fix the call, so the model should see them. The tools throw only errors meant for the
            // model (ToolErrors): one inside the host (a store's, naming a path or a host) reaches it as a short error naming
            // the tool, and is logged in full to options.Logger.
            IncludeDetailedErrors = true,
        };
#pragma warning restore CA2000
        chatOptions ??= new ChatOptions();
        chatOptions.Tools = tools;
        return new PreparedTurn(scope, cube.Id, context, messages, invoking, chatOptions, loaded);
    }

    /// <summary>The recalled context, less what the model has loaded, and the messages of the turn that paste it.</summary>
    private async Task<(BuiltContext Context, List<ChatMessage> Messages)> RecallAsync(
        Scope scope, string cubeId, string message, IReadOnlyList<CoreBlock> blocks, bool local, LoadedMemoryState loaded, CancellationToken cancellationToken)
    {
        List<string> excludeTags = coreBlocks is null ? [] : [CoreMemoryBlocks.BlockTag]; // in the system message already
        if (local)
        {
            // A derived memory's text describes (and previews) what the model has loaded; pasting it would repeat the sources.
            excludeTags.AddRange([ActivationMemoryScheduler.Tag, ParametricMemories.Tag]);
        }

        var context = await memory.BuildContextAsync(scope, cubeId, RecallQuery(message), new ContextOptions
        {
            TokenBudget = options.ContextTokenBudget,
            TokenCounter = options.TokenCounter, // null: the builder's default
            ExcludeTags = excludeTags,
            ExcludeIds = [.. loaded.Sources], // the model has these as cache entries or adapter weights
        }, cancellationToken).ConfigureAwait(false);
        return (context, [new(ChatRole.System, SystemMessage(blocks, context)), new(ChatRole.User, message)]);
    }

    // Between the start and the end of a message too long to be a search query whole.
    private const string QueryGap = "\n…\n";

    // The message as a search query: whole when a search may take it, otherwise its start and end (where a pasted document's
    // request usually is) within MemoryOSOptions.MaxQueryBytes. The whole message was the query, so one over that limit, though
    // within MaxContentBytes and storable, was refused as a "query" every turn, after the user's cube had been made.
    private string RecallQuery(string message)
    {
        string text = message.Trim();
        int maxBytes = memory.Options.MaxQueryBytes;
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        // A UTF-16 character is at most 3 UTF-8 bytes (a surrogate pair, 2 characters, is 4), so this many always fit.
        int chars = (maxBytes - Encoding.UTF8.GetByteCount(QueryGap)) / 3;
        return string.Concat(TextClip.Prefix(text, chars - (chars / 2)), QueryGap, TextClip.Suffix(text, chars / 2));
    }

    // The client shortens a reply to the positions left after the cartridge and the prompt; a cartridge that leaves fewer
    // than this many is not worth a reply cut to a few words (the scheduler, not knowing the prompt, fills cartridges to
    // all but its own small reserve).
    private const int MinimumReplyTokens = 32;

    private static bool LeavesRoomForReply(LocalChatClient local, LoadedMemoryState loaded, List<ChatMessage> messages) =>
        loaded.State.Cartridges.Sum(c => c.Count) + local.CountPromptTokens(messages) + MinimumReplyTokens <= local.Model.Config.SeqLen;

    [LoggerMessage(Level = LogLevel.Information, Message = "Cartridges of {CartridgeTokens} tokens leave too little of the model's {Context}-token context for the prompt and a {MinimumReply}-token reply; their sources are pasted instead.")]
    private static partial void LogCartridgesSkipped(ILogger logger, int cartridgeTokens, int context, int minimumReply);

    private async Task<MemoryAgentTurn> WriteBackAsync(PreparedTurn prepared, string message, string? conversationId, ChatResponse response, CancellationToken cancellationToken)
    {
        var (scope, cubeId, context) = (prepared.Scope, prepared.CubeId, prepared.Context);
        var now = time.GetUtcNow();
        // Each turn is its own memory, matched only by its own source reference: de-duplicated by its words, as a fact is, a
        // "hi" or a stock reply said before (in another conversation or earlier in this one) was left out of this
        // conversation, and a reply repeating the user's words became the user's memory.
        string exchangeRef = "exchange:" + MemoryId.NewId(now);
        List<MemoryDraft> exchange = [Draft(message, UserSpeaker, conversationId, now, "turn") with { SourceRef = $"{exchangeRef}/{UserSpeaker}" }];
        // What the model said, as memories can hold it: a NUL decoded from a byte token would fail the whole turn's write, and
        // a reply over MemoryOSOptions.MaxContentBytes had the whole batch refused, the user's message with it, after the
        // model's tool calls had taken effect. A reply that long is stored in parts, as an import stores a long turn.
        string reply = ContentRules.ReplaceUnstorable(response.Text);
        if (!ContentRules.IsBlank(reply)) // a reply of a zero width space alone, stored, failed the whole turn's write
        {
            exchange.Add(Draft(reply, AssistantSpeaker, conversationId, now, "turn") with { SourceRef = $"{exchangeRef}/{AssistantSpeaker}" });
        }

        var fitted = ConversationImporter.FitToLimit(exchange, memory.Options.MaxContentBytes, OversizePolicy.Split).Drafts;
        var turn = await memory.AddTurnsAsync(scope, cubeId, fitted, cancellationToken).ConfigureAwait(false);
        var (facts, resolutions) = await WriteFactsAsync(scope, cubeId, message, reply, conversationId, now, turn, cancellationToken).ConfigureAwait(false);
        // What the model was given: the pasted context and the sources of the cartridges and adapters loaded in its place. Left
        // out, a promoted memory the replies drew on was never reinforced, and the forgetting job archived it.
        var given = context.Memories.Concat(await LoadedSourcesAsync(scope, prepared.Loaded, reply, cancellationToken).ConfigureAwait(false)).ToList();
        var evidence = await StillLiveAsync(scope, ThoughtRecorder.Evidence(given, reply, options.MaxThoughtSources), cancellationToken).ConfigureAwait(false);
        MemoryId? thought = null;
        if (evidence.Count > 0)
        {
            if (options.ReinforceRecalled)
            {
                await memory.RecordRecallAsync(scope, [.. evidence.Select(e => e.Id)], cancellationToken).ConfigureAwait(false);
            }

            if (options.RecordThoughts && !ContentRules.IsBlank(reply))
            {
                var draft = ThoughtRecorder.Draft(message, reply, evidence, conversationId, now, turn[0].Id) with { Actor = AssistantSpeaker };
                thought = (await memory.AddAsync(scope, cubeId, draft, cancellationToken).ConfigureAwait(false)).Id;
            }
        }

        return new MemoryAgentTurn(response, context, turn, facts)
        {
            Resolutions = resolutions,
            Thought = thought,
            Evidence = [.. evidence.Select(e => e.Id)],
            LoadedMemories = [.. prepared.Loaded.Activation.Concat(prepared.Loaded.Parametric).Select(m => m.Id)],
        };
    }

    // The memories the loaded cartridges and adapters encode, as they are now (the loader checked they are unchanged); one
    // purged since is left out, as StillLiveAsync leaves it out.
    private async Task<List<MemoryItem>> LoadedSourcesAsync(Scope scope, LoadedMemoryState loaded, string reply, CancellationToken cancellationToken)
    {
        var sources = new List<MemoryItem>(loaded.Sources.Count);
        if (ContentRules.IsBlank(reply))
        {
            return sources; // nothing can draw on them
        }

        foreach (var id in loaded.Sources)
        {
            try
            {
                sources.Add(await memory.GetAsync(scope, id, cancellationToken).ConfigureAwait(false));
            }
            catch (MemoryNotFoundException)
            {
            }
        }

        return sources;
    }

    // The context was read before the model ran, and its tools (or another request) may have deleted or purged a recalled
    // memory since: a recall of a purged one failed the turn, and a thought derived from it kept the erased words.
    private async Task<IReadOnlyList<(MemoryId Id, double Support)>> StillLiveAsync(Scope scope, IReadOnlyList<(MemoryId Id, double Support)> evidence, CancellationToken cancellationToken)
    {
        var live = new List<(MemoryId Id, double Support)>(evidence.Count);
        foreach (var e in evidence)
        {
            try
            {
                // A fact this turn's own resolution superseded is still what the reply drew on; a deleted one is not.
                var current = await memory.GetAsync(scope, e.Id, cancellationToken).ConfigureAwait(false);
                if (current.State != LifecycleState.Deleted)
                {
                    live.Add(e);
                }
            }
            catch (MemoryNotFoundException)
            {
            }
        }

        return live;
    }

    private async Task<(IReadOnlyList<AddOutcome> Facts, IReadOnlyList<FactResolution> Resolutions)> WriteFactsAsync(Scope scope, string cubeId, string message, string reply, string? conversationId, DateTimeOffset now, IReadOnlyList<AddOutcome> turn, CancellationToken cancellationToken)
    {
        if (options.MaxFactsPerTurn == 0)
        {
            return ([], []);
        }

        if (options.ExtractionClient is null)
        {
            // Offline, the user's own words are the fact; they are stored as the turn's first memory, a new live one each
            // turn, so words said again are remembered again even when an earlier copy was forgotten (archived).
            return ([turn[0]], []);
        }

        var facts = await FactExtractor.ExtractAsync(options.ExtractionClient, message, reply, options.MaxFactsPerTurn, cancellationToken).ConfigureAwait(false);
        if (facts.Count == 0)
        {
            return ([], []);
        }

        var drafts = facts.Select(f => Draft(f, UserSpeaker, conversationId, now, FactTag) with { Source = SourceKind.Agent, SourceRef = "turn:" + turn[0].Id }).ToList();
        if (!options.ResolveFactConflicts)
        {
            var added = await memory.AddBatchAsync(scope, cubeId, drafts, cancellationToken).ConfigureAwait(false);
            await memory.RestoreRestatedAsync(scope, added, cancellationToken).ConfigureAwait(false); // a fact told again is not forgotten
            return (added, []);
        }

        IFactClassifier classifier = options.ConflictClient is null ? new RuleFactClassifier() : new LlmFactClassifier(options.ConflictClient);
        var resolver = new FactResolver(memory, classifier, new FactResolverOptions { CandidateTags = [FactTag], ActingUsersOwn = true });
        var outcomes = new List<AddOutcome>();
        var resolutions = new List<FactResolution>();
        foreach (var draft in drafts)
        {
            var resolution = await resolver.ResolveAsync(scope, cubeId, draft, turn[0].Id, cancellationToken).ConfigureAwait(false);
            resolutions.Add(resolution);
            if (resolution.Stored is { } stored)
            {
                outcomes.Add(new AddOutcome(stored, resolution.Decision.Action is FactAction.Add or FactAction.Update));
            }
        }

        return (outcomes, resolutions);
    }

    private string SystemMessage(IReadOnlyList<CoreBlock> blocks, BuiltContext context)
    {
        string recalled = string.IsNullOrWhiteSpace(context.Text) ? "(nothing yet)" : context.Text.TrimEnd();
        return coreBlocks is null
            ? $"{options.Instructions}\n\n# What you remember about this user\n{recalled}"
            : $"{options.Instructions}\n\n{CoreSection(blocks)}\n\n# What you remember about this user\n{recalled}";
    }

    private string CoreSection(IReadOnlyList<CoreBlock> blocks) => CoreBlockTools.Render(coreBlocks!, blocks, hint: options.EnableTools);

    /// <summary>
    /// The private cube of <paramref name="user"/> (see <see cref="MemoryAgentOptions.Cube"/>): <c>user-{user}</c>, shortened
    /// with a hash of the id when too long (<see cref="CubeNames.Derived"/>). The owner check still applies: a cube of that
    /// name someone else made is refused.
    /// </summary>
    private static string PrivateCubeName(string user) => CubeNames.Derived("user-", user);

    /// <summary>What one turn needs between recall and write-back.</summary>
    private sealed record PreparedTurn(Scope Scope, string CubeId, BuiltContext Context, List<ChatMessage> Messages, IChatClient Client, ChatOptions? Options, LoadedMemoryState Loaded);

    private static MemoryDraft Draft(string text, string speaker, string? session, DateTimeOffset now, string tag) =>
        new(text.Trim()) { Actor = speaker, Session = session, ValidFrom = now, Tags = [tag] };
}
