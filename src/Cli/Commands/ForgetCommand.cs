using AgentMem.Common.Traces;
using AgentMem.MemoryCore.Forgetting;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>forget --user U --yes [--verify TOKEN]</c>: forgets a user in every cube of the tenant
/// (<see cref="MemoryOS.ForgetUserAsync"/>), then, with <c>--verify</c>, scans the database's files, its index folder and the
/// cartridge folders beside it for a token and exits <see cref="TraceExitCode"/> when any still holds it. <c>--verify</c> without <c>--yes</c> only scans.
/// </summary>
internal static class ForgetCommand
{
    /// <summary>Exit code when <c>--verify</c> finds the token in a file, or cannot read one.</summary>
    public const int TraceExitCode = 3;

    public static Command Create(Verbs verbs)
    {
        var yes = new Option<bool>("--yes") { Description = "Confirm: the user's memories and everything derived from them are removed in every cube, for good." };
        var verify = new Option<string?>("--verify") { Description = $"After forgetting (or alone, without --yes), scan the SQLite database's files (the database, its write-ahead log, shared-memory and journal files), its index folder and the cartridges/ and derived/ folders beside it for this text as UTF-8 and UTF-16; exit {TraceExitCode} if any file holds it. With --json the findings are a 'verify' object beside the forget's counts." };
        return verbs.Create("forget", "Forget the user named by --user: their memories, versions, links, embeddings and index entries, and the memories derived from them, in every cube (needs --yes); drops the grants to them and lists (does not delete) the cubes they own. It acts as that user, whatever the cubes' grants say; with --agent, as that agent acting for the user: if it may not read and write a cube that holds the user's memories, it is refused and nothing is forgotten.", [yes, verify], async (ctx, parse, ct) =>
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

            // Where a scan would read is settled before anything is forgotten (a --verify the store cannot honour, refused
            // after the erasure, reported a failure for work that was done and lost its counts); which of those files exist is
            // seen at the scan, so a write-ahead log the forget itself made is read too.
            var files = token is null ? null : DataFiles(ctx);
            UserForgetResult? forgot = null;
            string owned = string.Empty;
            if (forgetting)
            {
                string user = ctx.Scope.User ?? throw new MemoryValidationException("Name the user to forget with --user.");
                await using var memory = ctx.OpenMemory();
                var result = await memory.ForgetUserAsync(ctx.Scope, user, ct);
                forgot = result;
                owned = OwnedCubesLine(result);
                if (token is null)
                {
                    ctx.Output.Result(Json(result, verify: null), $"Forgot user [bold]{TerminalText.Escape(user)}[/]: {result.Written} memories written, {result.Derived} derived, in {result.Cubes} cube(s); {result.PayloadFiles} cartridge or adapter file(s) deleted; {result.GrantsDropped} grant(s) to them dropped.{owned}");
                    return 0;
                }
            }

            // The store is closed before the scan, so what is read is what stays on disk.
            var found = TraceScan.Find([.. files!.Where(p => File.Exists(p) || Directory.Exists(p))], token!);
            var hits = found.Where(h => !h.Unreadable).ToList();
            var unread = found.Where(h => h.Unreadable).Select(h => h.Path).ToList();
            var verified = new { traces = hits.Select(h => new { path = h.Path, encoding = h.Encoding }), unreadable = unread };
            ctx.Output.Result(forgot is null ? new { verify = verified } : Json(forgot, verified), console =>
            {
                if (forgot is not null)
                {
                    console.MarkupLine($"Forgot user [bold]{TerminalText.Escape(ctx.Scope.User!)}[/].{owned}");
                }

                foreach (var hit in hits)
                {
                    console.MarkupLine($"trace: {TerminalText.Escape(hit.Path)} ({hit.Encoding})");
                }

                foreach (string path in unread)
                {
                    console.MarkupLine($"[yellow]not read:[/] {TerminalText.Escape(path)}");
                }

                console.MarkupLine(hits.Count > 0 ? $"[red]{hits.Count} file(s) still hold the token.[/]"
                    : unread.Count > 0 ? $"[yellow]No trace in the files read, but {unread.Count} could not be read: the check is incomplete.[/]"
                    : "No trace of the token in the database's files, its index folder or its cartridge folders.");
            });
            return hits.Count == 0 && unread.Count == 0 ? 0 : TraceExitCode;
        });
    }

    // The counts at the top level, --verify's findings beside them only when it was given (a null is not written): with
    // --verify the counts moved under "forgot", and a script reading .written got nothing once --verify was added.
    private static object Json(UserForgetResult result, object? verify) => new
    {
        user = result.User, written = result.Written, derived = result.Derived, cubes = result.Cubes, cartridges = result.PayloadFiles,
        grantsDropped = result.GrantsDropped, ownedCubes = result.OwnedCubes, verify,
    };

    // The user's own cubes stay (with what others wrote there): named by id, so the operator can finish the erasure.
    private static string OwnedCubesLine(UserForgetResult result) => result.OwnedCubes.Count == 0 ? string.Empty
        : $" Kept the {result.OwnedCubes.Count} cube(s) they own, with what others wrote there; 'agentmem cube delete ID --yes' as their owner deletes one: {TerminalText.Escape(string.Join(", ", result.OwnedCubes))}.";

    // The SQLite file with the files SQLite keeps beside it, the index folder wherever it is, the payload folder (cartridge
    // and adapter files), and the folders beside the database that such files went to by default before it. Not the whole folder around the database: by default that
    // is the working directory, and the scan read a project tree (or a home folder) and reported its files.
    // A PostgreSQL server's files are not this process's to read.
    private static List<string> DataFiles(CliContext ctx)
    {
        if (ctx.Db is not SqliteLocation sqlite)
        {
            throw new MemoryValidationException("--verify scans the files of an embedded SQLite database; a PostgreSQL server's files are out of its reach.");
        }

        string database = sqlite.Path;
        if (!File.Exists(database))
        {
            // Nothing to scan is no proof of erasure: a mistyped --db answered "No trace" and exit 0.
            throw new MemoryValidationException($"There is no database at '{database}' to scan; check --db (or AGENTMEM_DB).");
        }

        string folder = Path.GetDirectoryName(database)!;
        return [.. sqlite.Files, ctx.IndexDirectoryFor(ctx.Db), sqlite.PayloadDirectory, Path.Combine(folder, "cartridges"), Path.Combine(folder, "derived")];
    }
}
