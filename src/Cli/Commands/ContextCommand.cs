using AgentMem.Retrieval.Context;

namespace AgentMem.Cli.Commands;

/// <summary><c>context QUERY --budget N [--tokenizer o200k|cl100k|heuristic|FOLDER]</c>: the token-budgeted context a reader model would get.</summary>
internal static class ContextCommand
{
    public static Command Create(Verbs verbs)
    {
        var query = new Argument<string>("query") { Description = "What the context is for." };
        var budget = new Option<int>("--budget") { Description = "Token budget.", DefaultValueFactory = _ => 2000 };
        var mode = RetrieverOption.Create("when the cube does not fit");
        var tokenizer = TokenizerOption.Create();
        return verbs.Create("context", "Build a token-budgeted context: the whole cube if it fits, else the best memories, by session and time (controls shown as \\xNN; --json gives the exact text).", [query, budget, mode, tokenizer], async (ctx, parse, ct) =>
        {
            var options = new ContextOptions { TokenBudget = parse.GetValue(budget), Retriever = parse.GetValue(mode), TokenCounter = TokenizerOption.Resolve(parse.GetValue(tokenizer)) };
            Verb.Validate(options.Validate, (nameof(ContextOptions.TokenBudget), "--budget"));
            await using var memory = ctx.Compose(ctx.OpenStore(), null, out var state);

            var built = await memory.BuildContextAsync(ctx.Scope, ctx.Cube, parse.GetValue(query) ?? string.Empty, options, ct);
            SearchCommand.AnnNotice(ctx, state, await memory.OpenCubeAsync(ctx.Scope, ctx.Cube, ct));
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { tokens = built.Tokens, tokenizer = options.TokenCounter.Name, complete = built.IsComplete, memories = built.Memories.Count, cubeMemories = built.CubeMemories, text = built.Text, ids = built.Memories.Select(m => m.Id.ToString()) });
                return;
            }

            // For people, as every other verb's text: --json carries the text exactly as a reader model gets it.
            ctx.Output.Out.Write(TerminalText.Safe(built.Text));
            ctx.Output.Notice($"[grey]{built.Tokens} tokens by {TerminalText.Escape(options.TokenCounter.Name)}, {built.Memories.Count} of {built.CubeMemories} memories{(built.IsComplete ? ", the whole cube" : string.Empty)}[/]");
        });
    }
}
