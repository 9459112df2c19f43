using AgentMem.Common.IO;
using AgentMem.MemoryCore.Export;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>export [--out FILE] [--embeddings]</c>: the <c>--cube</c> cube as <c>agentmem.cube</c> JSON Lines (docs/formats.md),
/// every memory with all its versions, to a file or standard output, showing how far it is as <c>import</c> does
/// (<see cref="ProgressDisplay"/>: <c>read</c> and <c>written</c> events with <c>--json</c> and <c>--out</c>).
/// </summary>
internal static class ExportCommand
{
    public static Command Create(Verbs verbs)
    {
        var output = new Option<string?>("--out") { Description = "File to write, its folder created if missing (standard output when omitted)." };
        var embeddings = new Option<bool>("--embeddings") { Description = "Also export the persisted embeddings of the configured embedder (base64 float32)." };
        return verbs.Create("export", "Export a cube (all memories, versions, links, tags, notes) as agentmem.cube JSON Lines. Progress goes to standard error (with --json and --out, 'read' and 'written' events before the result).", [output, embeddings], async (ctx, parse, ct) =>
        {
            // Checked (and its folder made) before the cube is read, as every --out is: not after the work.
            string? file = parse.GetResult(output) is { Implicit: false } ? Path.GetFullPath(Parsing.OutputFile(ctx, parse.GetValue(output))) : null;
            var store = ctx.OpenStore();
            await using var memory = ctx.Compose(store, null, out var state);
            var cube = await memory.OpenCubeAsync(ctx.Scope, ctx.Cube, ct);
            // Standard output carries the archive when there is no --out: no NDJSON event may go there then.
            bool events = file is not null;
            var archive = await ProgressDisplay.RunAsync(ctx.Output, progress => CubeArchiveWriter.ReadAsync(store, cube, parse.GetValue(embeddings) ? state.EmbedderId : null, ProgressDisplay.Phase(progress, "read", "memories"), ct), events);
            if (file is not null)
            {
                await ProgressDisplay.RunAsync(ctx.Output, progress => CrashSafeFile.WriteAsync(file, (stream, token) => CubeArchiveWriter.WriteAsync(archive, stream, ProgressDisplay.Phase(progress, "written", "memories"), token), ct));
                ctx.Output.Result(new { cube = cube.Name, file, memories = archive.Memories.Count, versions = archive.Memories.Sum(h => h.Count) }, console => console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"Exported [bold]{archive.Memories.Count:N0}[/] memories ({archive.Memories.Sum(h => h.Count):N0} versions) of cube '{TerminalText.Escape(cube.Name)}' to {TerminalText.Escape(file)}.")));
            }
            else
            {
                // Streamed in the writer's chunks: buffering it whole held it three times over and failed past 2 GB.
                await using var stdout = new TextWriterStream(ctx.Output.Out);
                await ProgressDisplay.RunAsync(ctx.Output, progress => CubeArchiveWriter.WriteAsync(archive, stdout, ProgressDisplay.Phase(progress, "written", "memories"), ct), events);
                await stdout.FlushAsync(ct);
            }
        });
    }
}
