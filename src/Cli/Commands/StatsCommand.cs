using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace AgentMem.Cli.Commands;

/// <summary><c>stats</c>: counts for the tenant, or the cube given with <c>--cube</c>.</summary>
internal static class StatsCommand
{
    public static Command Create(GlobalOptions g, TextWriter stdout, TextWriter stderr)
    {
        var all = new Option<bool>("--all-cubes") { Description = "Count the whole tenant instead of the --cube cube." };
        var command = new Command("stats", "Show counts of memories, versions and audit records.") { all };
        Verb.Bind(command, g, stdout, stderr, async (ctx, parse, ct) =>
        {
            await using var memory = ctx.OpenMemory();
            var stats = await memory.GetStatsAsync(ctx.Scope, parse.GetValue(all) ? null : ctx.Cube, ct);
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { db = Path.GetFullPath(ctx.DbPath), tenant = ctx.Scope.Tenant, cube = parse.GetValue(all) ? null : ctx.Cube, stats });
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("measure", "value");
            table.AddRow("database", Markup.Escape(Path.GetFullPath(ctx.DbPath)));
            table.AddRow("cubes", stats.Cubes.ToString(CultureInfo.InvariantCulture));
            foreach (var (state, n) in stats.ByState.OrderBy(p => p.Key))
            {
                table.AddRow($"memories {state.ToString().ToLowerInvariant()}", n.ToString("N0", CultureInfo.InvariantCulture));
            }

            foreach (var (kind, n) in stats.ByKind.OrderBy(p => p.Key))
            {
                table.AddRow($"live {kind.ToString().ToLowerInvariant()}", n.ToString("N0", CultureInfo.InvariantCulture));
            }

            table.AddRow("superseded versions", stats.SupersededVersions.ToString("N0", CultureInfo.InvariantCulture));
            table.AddRow("audit records", stats.AuditRecords.ToString("N0", CultureInfo.InvariantCulture));
            if (stats.StorageBytes is { } bytes)
            {
                table.AddRow("file size", $"{bytes / 1024.0:N0} KiB");
            }

            ctx.Output.Console.Write(table);
            return 0;
        });
        return command;
    }
}
