using AgentMem.Common.Traces;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>forget --user U --yes [--verify TOKEN]</c>: forgets a user in every cube of the tenant
/// (<see cref="MemoryOS.ForgetUserAsync"/>), then, with <c>--verify</c>, scans every file of the data directory for a
/// token and exits <see cref="TraceExitCode"/> when any still holds it. <c>--verify</c> without <c>--yes</c> only scans.
/// </summary>
internal static class ForgetCommand
{
    /// <summary>Exit code when <c>--verify</c> finds the token in a file, or cannot read one.</summary>
    public const int TraceExitCode = 3;

    public static Command Create(Verbs verbs)
    {
        var yes = new Option<bool>("--yes") { Description = "Confirm: the user's memories and everything derived from them are removed in every cube, for good." };
        var verify = new Option<string?>("--verify") { Description = $"After forgetting (or alone, without --yes), scan every file of the data directory (database, write-ahead log, index folders) for this text as UTF-8 and UTF-16; exit {TraceExitCode} if any file holds it." };
        return verbs.Create("forget", "Forget the user named by --user: their memories, versions, links, embeddings and index entries, and the memories derived from them, in every cube (needs --yes).", [yes, verify], async (ctx, parse, ct) =>
        {
            string? token = parse.GetValue(verify);
            if (token is not null && string.IsNullOrWhiteSpace(token))
            {
                throw new MemoryValidationException("--verify needs the text to look for.");
            }

            bool forgetting = parse.GetValue(yes);
            if (!forgetting && token is null)
            {
                throw new MemoryValidationException("Forgetting a user removes their memories and what was derived from them for good; add --yes to confirm ('agentmem export' keeps a copy).");
            }

            object? forgot = null;
            if (forgetting)
            {
                string user = ctx.Scope.User ?? throw new MemoryValidationException("Name the user to forget with --user.");
                await using var memory = ctx.OpenMemory();
                var result = await memory.ForgetUserAsync(ctx.Scope, user, ct);
                forgot = new { user = result.User, written = result.Written, derived = result.Derived, cubes = result.Cubes, cartridges = result.PayloadFiles };
                if (token is null)
                {
                    ctx.Output.Result(forgot, $"Forgot user [bold]{Markup.Escape(user)}[/]: {result.Written} memories written, {result.Derived} derived, in {result.Cubes} cube(s); {result.PayloadFiles} cartridge or adapter file(s) deleted.");
                    return 0;
                }
            }

            // The store is closed before the scan, so what is read is what stays on disk.
            var found = TraceScan.Find(DataFiles(ctx), token!);
            var hits = found.Where(h => !h.Unreadable).ToList();
            var unread = found.Where(h => h.Unreadable).Select(h => h.Path).ToList();
            ctx.Output.Result(new { forgot, verify = new { traces = hits.Select(h => new { path = h.Path, encoding = h.Encoding }), unreadable = unread } }, console =>
            {
                if (forgot is not null)
                {
                    console.MarkupLine($"Forgot user [bold]{Markup.Escape(ctx.Scope.User!)}[/].");
                }

                foreach (var hit in hits)
                {
                    console.MarkupLine($"trace: {Markup.Escape(hit.Path)} ({hit.Encoding})");
                }

                foreach (string path in unread)
                {
                    console.MarkupLine($"[yellow]not read:[/] {Markup.Escape(path)}");
                }

                console.MarkupLine(hits.Count > 0 ? $"[red]{hits.Count} file(s) still hold the token.[/]"
                    : unread.Count > 0 ? $"[yellow]No trace in the files read, but {unread.Count} could not be read: the check is incomplete.[/]"
                    : "No trace of the token in any file of the data directory.");
            });
            return hits.Count == 0 && unread.Count == 0 ? 0 : TraceExitCode;
        });
    }

    // The folder holding the SQLite file (the database, its -wal and -shm, and by default the index folder beside it), and
    // the index folder wherever --index-dir put it. A PostgreSQL server's files are not this process's to read.
    private static List<string> DataFiles(CliContext ctx)
    {
        if (ctx.Db is not SqliteLocation sqlite)
        {
            throw new MemoryValidationException("--verify scans the files of an embedded SQLite database; a PostgreSQL server's files are out of its reach.");
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(sqlite.Path))!;
        return [folder, ctx.IndexDirectoryFor(ctx.Db)];
    }
}
