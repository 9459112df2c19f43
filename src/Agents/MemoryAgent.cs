using AgentMem.Agents.Lifecycle;
using AgentMem.Agents.Tools;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Facts;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Context;
using Microsoft.Extensions.AI;

namespace AgentMem.Agents;

/// <summary>
/// A chat agent with long-term memory over any <see cref="IChatClient"/>. Each turn it recalls a
/// token-budgeted context from the user's cube into the system message, lets the model call the
/// memory tools, and writes the exchange (and the facts extracted from it) back as memories.
/// The memories are the conversation state: the agent keeps nothing between turns itself.
/// </summary>
public sealed class MemoryAgent
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
    }

    /// <summary>
    /// Runs one turn for <paramref name="userId"/>: recall, respond (with tool calls if enabled), write back.
    /// <paramref name="conversationId"/> becomes the session of the memories written, so the context
    /// shows earlier turns grouped by conversation.
    /// </summary>
    public async Task<MemoryAgentTurn> ChatAsync(string userId, string message, string? conversationId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        var scope = new Scope(options.Tenant, userId, options.AgentName);
        var cube = await memory.GetOrCreateCubeAsync(scope, options.Cube ?? "user-" + userId, cancellationToken).ConfigureAwait(false);

        var context = await memory.BuildContextAsync(scope, cube.Id, message, new ContextOptions { TokenBudget = options.ContextTokenBudget }, cancellationToken).ConfigureAwait(false);
        List<ChatMessage> messages =
        [
            new(ChatRole.System, SystemMessage(context)),
            new(ChatRole.User, message),
        ];
        var response = await RespondAsync(messages, scope, cube.Name, cancellationToken).ConfigureAwait(false);

        var now = time.GetUtcNow();
        List<MemoryDraft> exchange = [Draft(message, UserSpeaker, conversationId, now, "turn")];
        string reply = response.Text;
        if (!string.IsNullOrWhiteSpace(reply))
        {
            exchange.Add(Draft(reply, AssistantSpeaker, conversationId, now, "turn"));
        }

        var turn = await memory.AddBatchAsync(scope, cube.Id, exchange, cancellationToken).ConfigureAwait(false);
        var (facts, resolutions) = await WriteFactsAsync(scope, cube.Id, message, reply, conversationId, now, turn, cancellationToken).ConfigureAwait(false);
        var evidence = ThoughtRecorder.Evidence(context.Memories, reply, options.MaxThoughtSources);
        MemoryId? thought = null;
        if (evidence.Count > 0)
        {
            if (options.ReinforceRecalled)
            {
                await memory.RecordRecallAsync(scope, [.. evidence.Select(e => e.Id)], cancellationToken).ConfigureAwait(false);
            }

            if (options.RecordThoughts && !string.IsNullOrWhiteSpace(reply))
            {
                var draft = ThoughtRecorder.Draft(message, reply, evidence, conversationId, now, turn[0].Id) with { Actor = AssistantSpeaker };
                thought = (await memory.AddAsync(scope, cube.Id, draft, cancellationToken).ConfigureAwait(false)).Id;
            }
        }

        return new MemoryAgentTurn(response, context, turn, facts) { Resolutions = resolutions, Thought = thought, Evidence = [.. evidence.Select(e => e.Id)] };
    }

    private async Task<ChatResponse> RespondAsync(List<ChatMessage> messages, Scope scope, string cube, CancellationToken cancellationToken)
    {
        if (!options.EnableTools)
        {
            return await chatClient.GetResponseAsync(messages, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var chatOptions = new ChatOptions { Tools = [.. MemoryTools.Create(memory, scope, cube)] };

        // Not disposed on purpose: disposing a delegating client disposes the caller's inner client.
#pragma warning disable CA2000
        var invoking = new FunctionInvokingChatClient(chatClient)
        {
            MaximumIterationsPerRequest = options.MaxToolIterations,

            // The tools' error messages say how to fix the call, so the model should see them.
            IncludeDetailedErrors = true,
        };
#pragma warning restore CA2000
        return await invoking.GetResponseAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(IReadOnlyList<AddOutcome> Facts, IReadOnlyList<FactResolution> Resolutions)> WriteFactsAsync(Scope scope, string cubeId, string message, string reply, string? conversationId, DateTimeOffset now, IReadOnlyList<AddOutcome> turn, CancellationToken cancellationToken)
    {
        if (options.MaxFactsPerTurn == 0)
        {
            return ([], []);
        }

        if (options.ExtractionClient is null)
        {
            // Offline, the user's own words are the fact; they are already stored as the turn's first memory.
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
            return (await memory.AddBatchAsync(scope, cubeId, drafts, cancellationToken).ConfigureAwait(false), []);
        }

        IFactClassifier classifier = options.ConflictClient is null ? new RuleFactClassifier() : new LlmFactClassifier(options.ConflictClient);
        var resolver = new FactResolver(memory, classifier, new FactResolverOptions { CandidateTags = [FactTag] });
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

    private string SystemMessage(BuiltContext context)
    {
        string recalled = string.IsNullOrWhiteSpace(context.Text) ? "(nothing yet)" : context.Text.TrimEnd();
        return $"{options.Instructions}\n\n# What you remember about this user\n{recalled}";
    }

    private static MemoryDraft Draft(string text, string speaker, string? session, DateTimeOffset now, string tag) =>
        new(text.Trim()) { Actor = speaker, Session = session, ValidFrom = now, Tags = [tag] };
}
