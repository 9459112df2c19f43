using AgentMem.MemoryCore.Import;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>demo</c>: imports the sample conversation (shipped inside the tool, from examples/) into a
/// temporary database, runs a few searches and shows the counts.
/// </summary>
internal static class DemoCommand
{
    private const string SampleResource = "AgentMem.Cli.sample-conversation.json";

    private static readonly string[] Queries =
    [
        "Where is Maya moving for her new job?",
        "Is Biscuit cleared to fly?",
        "When is Leo running his half marathon?",

        // Paraphrases: no content word in common with the turn that answers them; the sentence model finds it.
        "What does the puppy do by the ocean on weekends?",
        "Which injection did the animal receive?",
    ];

    /// <summary>
    /// The demo's embedder unless the user picks one: the packaged arctic-embed-xs model, so the first run shows search by
    /// meaning offline (the README's measurements: +2.2 points LoCoMo R@10 over hashing, 1.7 s against 0.5 s for the demo).
    /// </summary>
    public static EmbedderSpec DemoEmbedder { get; } = new("arctic", null, null);

    public static Command Create(Verbs verbs)
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the temporary database and print its path." };
        return verbs.Create("demo", "Import the sample conversation into a temporary database and search it.", [keep], async (ctx, parse, ct) =>
        {
            string dir = Path.Combine(Path.GetTempPath(), "agentmem-demo-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dir);
            var demo = ctx with { Db = new Stores.Locations.SqliteLocation(Path.Combine(dir, "demo.db")), IndexDirectory = null, Embedder = ctx.EmbedderChosen ? ctx.Embedder : DemoEmbedder };
            try
            {
                ConversationDocument document;
                await using (var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream(SampleResource)
                    ?? throw new InvalidOperationException($"The sample conversation resource '{SampleResource}' is missing from the build."))
                {
                    document = await ConversationReader.ReadAsync(stream, "examples/conversations/sample-conversation.json", ct);
                }

                if (parse.GetResult(verbs.Global.Db) is { Implicit: false })
                {
                    // Said, not refused: the demo works the same whatever --db holds, and a user who named a file must not
                    // believe the sample went into it.
                    demo.Output.Notice("[yellow]--db is not used by demo:[/] it always imports into a temporary database (--keep keeps it).");
                }

                await using var memory = demo.OpenMemory();
                demo.Output.Notice($"[grey]demo database: {TerminalText.Escape(demo.Db.Display)}[/]");
                var summary = await ImportCommand.RunAsync(memory, demo, document, 16, MemoryCore.Import.OversizePolicy.Skip, ct);
                if (demo.Output.IsJson)
                {
                    demo.Output.WriteJson(summary);
                }
                else
                {
                    demo.Output.Heading($"[bold]Imported {summary.Turns} turns of '{TerminalText.Escape(document.Title ?? document.Id)}'[/]");
                }

                foreach (string query in Queries)
                {
                    if (!demo.Output.IsJson)
                    {
                        demo.Output.Heading($"search: [italic]{TerminalText.Escape(query)}[/]");
                    }

                    var hits = await memory.SearchAsync(demo.Scope, demo.Cube, query, 3, cancellationToken: ct);
                    SearchCommand.Write(demo.Output, memory.DefaultRetrieverName, query, hits);
                }

                var stats = await memory.GetStatsAsync(demo.Scope, demo.Cube, ct);
                if (!demo.Output.IsJson)
                {
                    string next = parse.GetValue(keep)
                        ? $"Explore it: {TerminalText.Escape(ExploreCommand(demo))}"
                        : "Run 'agentmem demo --keep' to keep the database and explore it.";
                    demo.Output.Console.MarkupLine($"[green]Done.[/] {stats.ByState.Values.Sum()} memories in the cube, {stats.AuditRecords} audit records. {next}");
                }

                return 0;
            }
            finally
            {
                if (parse.GetValue(keep))
                {
                    demo.Output.Notice($"kept {TerminalText.Escape(demo.Db.Display)}");
                }
                else
                {
                    TryDelete(dir);
                }
            }
        });
    }

    // The command line that searches the kept database as the demo wrote it: the tenant, user, agent and cube it imported
    // into and the embedder it used (without them the search looked in the default cube and failed).
    private static string ExploreCommand(CliContext demo)
    {
        var words = new List<string> { "agentmem", "--db", demo.Db.Display };
        void Add(string option, string? value, string? unless = null)
        {
            if (value is not null && value != unless)
            {
                words.AddRange([option, value]);
            }
        }

        Add("--tenant", demo.Scope.Tenant, unless: MemoryCore.Model.Scope.DefaultTenant);
        Add("--user", demo.Scope.User);
        Add("--agent", demo.Scope.Agent);
        Add("--cube", demo.Cube, unless: "default");
        Add("--embedder", demo.Embedder.Kind);
        Add("--embedder-model", demo.Embedder.Model);
        Add("--embedder-url", demo.Embedder.Url);
        words.AddRange(["search", "Biscuit"]);
        return string.Join(' ', words.Select(ShellWord));
    }

    // A word as a POSIX shell reads it back: plain when it holds nothing the shell treats specially, else single-quoted.
    private static string ShellWord(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '/' or ':' or '-' or '=' or '@' or '+' or ',')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static void TryDelete(string dir)
    {
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; the OS cleans it.
        }
    }
}
