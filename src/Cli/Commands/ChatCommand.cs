using System.Runtime.InteropServices;
using AgentMem.Agents;
using AgentMem.Agents.Blocks;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>chat</c>: talk to an agent that remembers, over an OpenAI-compatible endpoint or the local model host. Each user has a
/// cube (<c>chat-USER</c> unless <c>--cube</c> names one); <see cref="MemoryAgent"/> recalls from it into the prompt and writes
/// each completed turn back. Interactive by default (replies stream as they arrive; Ctrl-C stops a reply, not the chat), or
/// one turn with <c>--message</c>.
/// </summary>
internal static class ChatCommand
{
    /// <summary>The user chatting when <c>--user</c> is not given.</summary>
    public const string DefaultUser = "me";

    private const string MessageFlag = "--message";

    public static Command Create(Verbs verbs)
    {
        var modelFlags = new ChatModelFlags();
        var message = new Option<string?>(MessageFlag, "-m") { Description = "Send this one message, print the reply, and exit (no prompt)." };
        var tokenizer = TokenizerOption.Create("the recalled context's token budget");
        var command = new Command("chat", "Chat with an agent that remembers you across runs: recalls from your cube into the prompt, edits its core memory blocks, writes each turn back. Slash commands: " + ChatSlashCommands.Help + ".") { message, tokenizer };
        foreach (var option in modelFlags.All)
        {
            command.Options.Add(option);
        }

        return verbs.Bind(command, async (ctx, parse, ct) =>
        {
            string userId = ctx.Scope.User ?? DefaultUser;
            var scope = new Scope(ctx.Scope.Tenant, userId, ctx.Scope.Agent);
            bool named = parse.GetResult(verbs.Global.Cube) is { Implicit: false };
            string cube = named ? ctx.Cube : ChatCubeName(userId);
            var counter = ResolveCounter(parse.GetValue(tokenizer));
            var model = modelFlags.Create(parse);
            using var chat = model.Client;
            await using var memory = (ctx with { BuildAnnInBackground = true }).OpenMemory(); // a session lives on
            var options = AgentOptions(scope, cube, model);
            options.TokenCounter = counter;

            // An agent name no author can have ("..") is the user's error, in one line, not an unexpected one.
            Verb.Validate(options.Validate, (nameof(MemoryAgentOptions.AgentName), "--agent"));
            if (!named)
            {
                await DemandOwnChatCubeAsync(memory, scope, cube, ct);
            }

            var agent = new MemoryAgent(chat, memory, options);
            // Each run is its own conversation; the memories, not the process, carry what was said before.
            string conversation = "chat-" + DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var session = new ChatSession(agent, userId, conversation, model.Endpoint);

            if (parse.GetValue(message) is { } text)
            {
                return await OneTurnAsync(ctx, session, text, counter.Name, model.ChatTemplate, ct);
            }

            var commands = new ChatSlashCommands(memory, new CoreMemoryBlocks(memory), scope, cube, ctx.Output.Out);
            return await InteractiveAsync(ctx, session, commands, $"{userId} in cube {cube}", ct);
        });
    }

    /// <summary>
    /// The user's own chat cube, <c>chat-USER</c>, shortened with a hash of the id when too long, as the agent shortens its
    /// private cube's name (<see cref="CubeNames.Derived"/>). (Not the agent's <c>user-USER</c>: existing chat cubes keep their name.)
    /// </summary>
    private static string ChatCubeName(string user) => CubeNames.Derived("chat-", user);

    /// <summary>
    /// The agent's owner check for its private cube, which it skips for a cube it is given by name (as the CLI gives this
    /// one): another user who made <c>chat-USER</c> and granted the user access would read every turn and fact, and put
    /// its own memories into the user's prompt. The same user under another agent name, or a cube with no owning user, is
    /// not someone else.
    /// </summary>
    private static async Task DemandOwnChatCubeAsync(MemoryOS memory, Scope scope, string cube, CancellationToken ct)
    {
        MemCube found;
        try
        {
            found = await memory.OpenCubeAsync(scope, cube, ct);
        }
        catch (CubeNotFoundException)
        {
            return; // the agent makes it, owned by the user, at the first turn (after checking the user's name)
        }

        if (found.Owner.User is { } owner && owner != scope.User)
        {
            throw new AccessDeniedException($"The cube '{found.Name}' chat keeps for user '{scope.User}' belongs to {found.Owner}; chat will not use a cube of that name someone else owns (name one with --cube to use a shared cube).");
        }
    }

    /// <summary>
    /// Whether this invocation handles Ctrl-C itself: an interactive chat stops the reply in progress instead of the program,
    /// so the parser's own handling (cancel everything, exit 130) must stay out of its way.
    /// </summary>
    public static bool HandlesCtrlC(ParseResult parse) => parse.CommandResult.Command.Name == "chat"
        && !parse.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>().Any(o => o.Option.Name == MessageFlag);

    /// <summary>
    /// The counter <c>--tokenizer</c> names. Before the local model's tokenizer became <c>--model-tokenizer</c> on this verb it
    /// was <c>--tokenizer</c>: a llama2.c <c>tokenizer.bin</c> given the old way is told where it goes.
    /// </summary>
    private static MemoryCore.Ports.ITokenCounter ResolveCounter(string? spec)
    {
        if (spec is not null && spec.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) && File.Exists(spec))
        {
            throw new MemoryCore.Errors.MemoryValidationException($"--tokenizer on chat counts the recalled context's tokens ({Retrieval.Tokens.TokenCounters.SpecHelp}); name the local model's tokenizer.bin with --model-tokenizer.");
        }

        return TokenizerOption.Resolve(spec);
    }

    private static MemoryAgentOptions AgentOptions(Scope scope, string cube, ChatModel model)
    {
        var options = new MemoryAgentOptions { Tenant = scope.Tenant, AgentName = scope.Agent, Cube = cube, Logger = Output.StandardErrorLogger.Instance };
        if (model.LocalContextTokens is { } context)
        {
            // The local host cannot call tools, and a small model's context must hold the prompt and the reply: a short
            // instruction and a recall budget of an eighth of the context leave most of it to the conversation.
            options.EnableTools = false;
            options.Instructions = "You remember the user.";
            options.ContextTokenBudget = Math.Max(16, context / 8);
        }

        return options;
    }

    private static async Task<int> OneTurnAsync(CliContext ctx, ChatSession session, string message, string tokenizer, string? chatTemplate, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            throw new MemoryCore.Errors.MemoryValidationException("--message needs some text.");
        }

        var turn = await session.TurnAsync(message, ctx.Output.IsJson ? null : ctx.Output.Out, ct);
        if (ctx.Output.IsJson)
        {
            ctx.Output.WriteJson(new
            {
                reply = turn.Text,
                conversation = session.ConversationId,
                memoriesWritten = turn.Turn.Select(o => o.Id),
                facts = turn.Facts.Select(o => o.Id),
                thought = turn.Thought,
                recalled = turn.Context.Memories.Count,
                recalledTokens = turn.Context.Tokens,
                tokenizer,
                chatTemplate,
            });
        }
        else
        {
            await ctx.Output.Out.WriteLineAsync();
            await ctx.Output.Out.FlushAsync(ct);
        }

        return 0;
    }

    private static async Task<int> InteractiveAsync(CliContext ctx, ChatSession session, ChatSlashCommands commands, string who, CancellationToken ct)
    {
        var output = ctx.Output.Out;
        var errors = ctx.Output.Err;
        CancellationTokenSource? reply = null;
        // Ctrl-C during a reply stops that reply; at the prompt it ends the program as usual (nothing is in flight then).
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal =>
        {
            if (Volatile.Read(ref reply) is { } running)
            {
                signal.Cancel = true;
                running.Cancel();
            }
        });

        await errors.WriteLineAsync($"chatting as {who}. {ChatSlashCommands.Help}");
        while (true)
        {
            await errors.WriteAsync("> ");
            await errors.FlushAsync(ct);
            string? line = await Console.In.ReadLineAsync(ct);
            if (line is null)
            {
                return 0;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (ChatSlashCommands.IsCommand(line))
            {
                if (!await commands.RunAsync(line, ct))
                {
                    return 0;
                }

                continue;
            }

            using var running = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Volatile.Write(ref reply, running);
            try
            {
                await session.TurnAsync(line, output, running.Token);
                await output.WriteLineAsync();
            }
            catch (OperationCanceledException) when (running.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                await errors.WriteLineAsync();
                await errors.WriteLineAsync("[reply stopped; nothing from this turn was stored]");
            }
            catch (Exception ex) when (ex is HttpRequestException or MemoryCore.Errors.AgentMemException)
            {
                // The endpoint may come back, and a shorter message may fit: say so and keep the chat open.
                await errors.WriteLineAsync($"error: {TerminalText.Safe(ex.Message)}");
            }
            finally
            {
                Volatile.Write(ref reply, null);
            }

            await output.FlushAsync(ct);
        }
    }
}
