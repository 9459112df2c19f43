using AgentMem.MemoryCore.Export;
using AgentMem.MemoryCore.Import;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>import conversation FILE</c>: one memory per turn, committed in batches. With <c>--json</c> it
/// prints one JSON line per committed batch (with its ids) and a final summary line, so a caller
/// always knows exactly what is stored, even if the import is interrupted. <c>import cube</c> shows its progress the
/// same way (<see cref="ProgressDisplay"/>): <c>read</c> and <c>written</c> events, nothing committed before the result.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(Verbs verbs)
    {
        var file = new Argument<FileInfo>("file") { Description = "A conversation file in the agentmem.conversation.v1 format (see docs/conversation-format.md)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Turns per transaction.", DefaultValueFactory = _ => 100 };
        // Read as text and parsed by name: as an enum, System.CommandLine took '7' and 'skip,split' (and stored oversized
        // turns in parts) and refused a typo naming the CLR type.
        var oversize = new Option<string>("--oversize")
        {
            Description = "What to do with a turn over the content limit (4 MiB by default): skip (it is left out and reported) or split (stored in parts cut at paragraph boundaries).",
            DefaultValueFactory = _ => "skip",
        };
        var conversation = verbs.Create("conversation", "Import a conversation: one memory per turn.", [file, batchSize, oversize], async (ctx, parse, ct) =>
        {
            int size = parse.GetValue(batchSize);
            if (size < 1)
            {
                throw new MemoryCore.Errors.MemoryValidationException("--batch-size must be at least 1.");
            }

            var policy = Parsing.Oversize(parse.GetValue(oversize));

            var document = await ConversationReader.ReadFileAsync(parse.GetValue(file)!.FullName, ct);
            await using var memory = ctx.OpenMemory();
            var summary = await RunAsync(memory, ctx, document, size, policy, ct);
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(summary);
            }
            else
            {
                ctx.Output.Console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"Imported [bold]{summary.Turns:N0}[/] turns of '{TerminalText.Escape(summary.Conversation)}' into cube '{TerminalText.Escape(summary.Cube)}': {summary.Created:N0} new, {summary.Duplicates:N0} already known, in {summary.Seconds:0.00} s."));
                foreach (var turn in summary.Oversized)
                {
                    ctx.Output.Console.MarkupLine(turn.Parts == 0
                        ? string.Create(CultureInfo.InvariantCulture, $"[yellow]Skipped[/] turn '{TerminalText.Escape(turn.TurnId)}': {turn.Bytes:N0} bytes, over the {memory.Options.MaxContentBytes:N0}-byte content limit (--oversize split stores it in parts).")
                        : string.Create(CultureInfo.InvariantCulture, $"Split turn '{TerminalText.Escape(turn.TurnId)}' ({turn.Bytes:N0} bytes) into {turn.Parts} memories."));
                }
            }
        });
        return new Command("import", "Import data.") { conversation, CreateCube(verbs), CreateMem0(verbs) };
    }

    /// <summary><c>import cube FILE [--cube NEW_NAME]</c>: restores an <c>agentmem export</c> file exactly, all or nothing.</summary>
    private static Command CreateCube(Verbs verbs)
    {
        var file = new Argument<FileInfo>("file") { Description = "A file written by 'agentmem export' (format agentmem.cube, see docs/formats.md)." };
        return verbs.Create("cube", "Restore an exported cube (ids, versions, timestamps kept) into a new cube; --cube renames it. Nothing is written if any line is refused. The cube and its memories are --user's and --agent's: an archive naming another user or agent is refused, and only an import with neither keeps the archive's users and agents. Progress goes to standard error (with --json, 'read' and 'written' events before the result).", [file], async (ctx, parse, ct) =>
        {
            // A large archive takes minutes to read and to restore: both show how far they are, as a conversation import does.
            var archive = await ProgressDisplay.RunAsync(ctx.Output, progress => CubeArchiveReader.ReadFileAsync(parse.GetValue(file)!.FullName, ctx.Scope.Tenant, ProgressDisplay.Phase(progress, "read", "memories"), ct));

            if (parse.GetResult(verbs.Global.Cube) is { Implicit: false })
            {
                archive = archive.Renamed(ctx.Cube);
            }
            else if (archive.Cube.Name is "." or "..")
            {
                // Kept from before the rule: restored so, the cube could not be reached over REST (a URL path drops it).
                throw new MemoryCore.Errors.MemoryValidationException($"The archive's cube is named '{archive.Cube.Name}', which a URL path cannot carry; restore it under another name with --cube NEW_NAME.");
            }

            archive = archive.ImportedBy(ctx.Scope); // written as its caller, as every import is: refused before anything is written

            var store = ctx.OpenStore();
            await using var memory = ctx.Compose(store, null, out var state);

            // The archive names its cartridge and adapter files, not their bytes: restored as they were, both databases named
            // one file, and a purge in either deleted what the other's memory needed. They become this database's own copies.
            var payloads = await ArchivePayloads.CopyIntoAsync(archive, memory.Options.PayloadFolder!, ct);
            archive = payloads.Archive;
            string detail = string.Create(CultureInfo.InvariantCulture, $"agentmem.cube v{CubeArchive.FormatVersion}; {payloads.Files} payload file(s) copied, {payloads.Stale} missing or altered");
            var audit = new AuditRecord(memory.TimeProvider.GetUtcNow(), ctx.Scope.Tenant, ctx.Scope.User, ctx.Scope.Agent, "import", archive.Cube.Id, null, null, detail);
            try
            {
                // The embeddings in the same transaction: a restore that fails leaves nothing, so it can be run again as it was.
                await ProgressDisplay.RunAsync(ctx.Output, progress => store.RestoreCubeAsync(archive.Cube, archive.Memories, audit, archive.Embeddings, ProgressDisplay.Phase(progress, "written", "memories"), ct));
            }
            catch
            {
                payloads.DeleteMade(); // nothing names them
                throw;
            }

            int embedded = archive.Embeddings?.Vectors.Count ?? 0;

            int versions = archive.Memories.Sum(h => h.Count);
            string copied = payloads.Files == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", {payloads.Files:N0} payload files copied into {TerminalText.Escape(memory.Options.PayloadFolder!)}");
            string stale = payloads.Stale == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" {payloads.Stale:N0} payload file(s) missing or altered: their memories are stale, and their scheduler builds them again.");
            ctx.Output.Result(
                new { cube = archive.Cube.Name, id = archive.Cube.Id, memories = archive.Memories.Count, versions, embeddings = embedded, payloadFiles = payloads.Files, stalePayloads = payloads.Stale },
                console => console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"Restored cube '{TerminalText.Escape(archive.Cube.Name)}': [bold]{archive.Memories.Count:N0}[/] memories, {versions:N0} versions, {embedded:N0} embeddings{copied}.{stale}")));
        });
    }

    /// <summary><c>import mem0 FILE --cube C</c>: memories exported from Mem0, in one transaction.</summary>
    private static Command CreateMem0(Verbs verbs)
    {
        var file = new Argument<FileInfo>("file") { Description = "Mem0 memories as JSON (get_all/export: a list, or {\"results\": [...]})." };
        return verbs.Create("mem0", "Import memories exported from Mem0 into the --cube cube (session from run ids, the Mem0 id kept as provenance; they are --user's and --agent's, a file naming another user or agent refused, and only an import with neither keeps the file's user and agent ids); a de-duplicating cube keeps identical content once, so importing a file again adds nothing.", [file], async (ctx, parse, ct) =>
        {
            await using var memory = ctx.OpenMemory();
            string path = parse.GetValue(file)!.FullName;

            // Read and checked once before the cube is made on first write (the import reads it again into that cube): a
            // missing or refused file must leave no empty cube behind.
            _ = Mem0Reader.ReadFile(path, ctx.Scope, "-", memory.Options.MaxContentBytes, memory.Options.MaxLabels);
            var cube = await CubeCommands.OpenForWriteAsync(memory, ctx, ct);
            var outcomes = await memory.ImportMem0Async(ctx.Scope, cube.Id, path, ct);
            // ids: the memory holding each Mem0 memory, in file order (an existing one where the cube de-duplicated it).
            int created = outcomes.Count(o => o.Created);
            ctx.Output.Result(
                new { cube = cube.Name, imported = outcomes.Count, created, duplicates = outcomes.Count - created, ids = outcomes.Select(o => o.Id.ToString()) },
                console => console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"Imported [bold]{outcomes.Count:N0}[/] Mem0 memories into cube '{TerminalText.Escape(cube.Name)}': {created:N0} new, {outcomes.Count - created:N0} already known.")));
        });
    }

    /// <summary>Imports with progress (a bar for people, NDJSON events with --json).</summary>
    public static async Task<ImportSummary> RunAsync(MemoryOS memory, CliContext ctx, ConversationDocument document, int batchSize, OversizePolicy oversize, CancellationToken ct)
    {
        ConversationImporter.Validate(memory, ctx.Scope, document, oversize); // before the cube: a refused file leaves no empty cube
        var cube = await CubeCommands.OpenForWriteAsync(memory, ctx, ct);
        var watch = Stopwatch.StartNew();
        // Each committed batch's own event (with --json) carries its ids, so a caller always knows what is stored.
        var outcomes = await ProgressDisplay.RunAsync(ctx.Output, progress => ConversationImporter.ImportAsync(memory, ctx.Scope, cube.Id, document, batchSize, (batch, _) =>
        {
            progress.Report(new ProgressStep("imported", batch.TurnsDone, batch.TurnsTotal, "turns", new
            {
                @event = "batch",
                batch = batch.BatchIndex,
                done = batch.TurnsDone,
                total = batch.TurnsTotal,
                ids = batch.Outcomes.Select(o => o.Id.ToString()),
            }));
            return Task.CompletedTask;
        }, oversize, ct));

        int created = outcomes.Outcomes.Count(o => o.Created);
        return new ImportSummary("done", document.Id, cube.Name, outcomes.Outcomes.Count, created, outcomes.Outcomes.Count - created, watch.Elapsed.TotalSeconds)
        {
            Oversized = outcomes.Oversized,
        };
    }

    /// <summary>The final line of an import: <see cref="Turns"/> counts memories written (a split turn counts each part).</summary>
    internal sealed record ImportSummary(string Event, string Conversation, string Cube, int Turns, int Created, int Duplicates, double Seconds)
    {
        /// <summary>Turns over the content limit, skipped or split.</summary>
        public IReadOnlyList<OversizedTurn> Oversized { get; init; } = [];
    }
}
