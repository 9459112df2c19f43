using AgentMem.Stores;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Logs the schema steps an existing database goes through while the service opens it, and how long each took: a step
/// may rewrite a whole table, and a service that starts listening only minutes later should say why. A new database's
/// steps (instant) are not logged.
/// </summary>
internal sealed class SchemaUpgradeLog(ILogger log) : IProgress<SchemaStepProgress>
{
    /// <inheritdoc/>
    public void Report(SchemaStepProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.FromVersion == 0 || !log.IsEnabled(LogLevel.Information))
        {
            return;
        }

        if (value.Elapsed is { } took)
        {
            log.LogInformation("Schema step {Version} of {Latest} of {Location} done in {Seconds:0.0} s.", value.Version, value.LatestVersion, value.Location, took.TotalSeconds);
        }
        else
        {
            log.LogInformation("Upgrading {Location} from schema {From}: step {Version} of {Latest}, {Step}.", value.Location, value.FromVersion, value.Version, value.LatestVersion, value.Name);
        }
    }
}
