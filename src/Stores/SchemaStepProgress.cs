namespace AgentMem.Stores;

/// <summary>
/// One schema step of a store being applied while the store opens: reported when the step starts (<see cref="Elapsed"/>
/// null) and again when it has committed. A step can rewrite a whole table (PostgreSQL's step 5 took 1.7 s per 50,000
/// memories), so hosts show it rather than sit silent.
/// </summary>
/// <param name="Location">The database, as messages show it (never with a password).</param>
/// <param name="FromVersion">The schema version the database had when it was opened (0 for a new one).</param>
/// <param name="Version">The version this step produces.</param>
/// <param name="LatestVersion">The version this build brings the database to.</param>
/// <param name="Name">What the step does, as recorded in <c>schema_migrations</c>.</param>
/// <param name="Elapsed">How long the step took, once committed; null when it starts.</param>
public sealed record SchemaStepProgress(string Location, int FromVersion, int Version, int LatestVersion, string Name, TimeSpan? Elapsed)
{
    /// <summary>Whether the step has committed.</summary>
    public bool Done => Elapsed is not null;
}
