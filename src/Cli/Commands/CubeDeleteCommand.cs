namespace AgentMem.Cli.Commands;

/// <summary><c>cube delete NAME --yes</c>: deletes a cube with all its memories, for good (owner only).</summary>
internal static class CubeDeleteCommand
{
    public static Command Create(Verbs verbs)
    {
        var name = new Argument<string>("name") { Description = "Cube (id or name)." };
        var yes = new Option<bool>("--yes") { Description = "Confirm: the cube, its memories, their history and embeddings are deleted and cannot be restored." };
        return verbs.Create("delete", "Delete a cube and everything in it, for good (owner only; needs --yes).", [name, yes], async (ctx, parse, ct) =>
        {
            string cube = parse.GetValue(name)!;
            if (!parse.GetValue(yes))
            {
                throw new MemoryValidationException($"Deleting cube '{cube}' removes all its memories and their history for good; add --yes to confirm ('agentmem export --cube {cube}' keeps a copy).");
            }

            await using var memory = ctx.OpenMemory();
            int removed = await memory.DeleteCubeAsync(ctx.Scope, cube, ct);
            ctx.Output.Result(new { cube, deleted = true, memories = removed }, $"Deleted cube [bold]{TerminalText.Escape(cube)}[/] and its {removed} memories.");
        });
    }
}
