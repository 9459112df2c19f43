using AgentMem.Stores;

namespace AgentMem.Cli.Output;

/// <summary>
/// Says on standard error which schema steps an existing database goes through while it opens, and how long each took:
/// a step may rewrite a whole table, and a command that sits silent for a minute looks hung. A new database's steps
/// (instant, on every first run) are not shown.
/// </summary>
internal sealed class SchemaUpgradeNotices(CliOutput output) : IProgress<SchemaStepProgress>
{
    /// <inheritdoc/>
    public void Report(SchemaStepProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.FromVersion == 0)
        {
            return;
        }

        string step = string.Create(CultureInfo.InvariantCulture, $"schema step {value.Version} of {value.LatestVersion}");
        output.Notice(value.Elapsed is { } took
            ? string.Create(CultureInfo.InvariantCulture, $"[grey]{step} done in {took.TotalSeconds:0.0} s[/]")
            : $"[grey]upgrading {TerminalText.Escape(value.Location)} from schema {value.FromVersion}: {step}, {TerminalText.Escape(value.Name)}[/]");
    }
}
