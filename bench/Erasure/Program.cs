using AgentMem.Bench;

// Erasure cost on a grown tenant. Every erasure scrubs what the rest of the tenant says of the erased memories (links in
// snapshots, reasons, audit details), so its cost depends on the tenant's size and on how many memories go at once: this
// prints both, per backend, for one purge, a forget of a user and a delete of a cube of the same size.
if (HarnessArguments.ParseOrReport(() => ErasureOptions.Parse(args)) is not { } options)
{
    return 2;
}

HarnessReport.PrintHeader("Erasure on a grown tenant", "Erasure", args);
Console.WriteLine($"- tenant: {options.Background:N0} memories of another user in the cube, plus the erased ones (each updated once; one in ten linked from a neighbour whose reason names it)");
Console.WriteLine();
Console.WriteLine("| backend | erased at once | operation | seconds | ms per erased memory |");
Console.WriteLine("|---|---:|---|---:|---:|");

foreach (int count in options.Counts)
{
    string folder = Directory.CreateTempSubdirectory("agentmem-erasure-").FullName;
    try
    {
        foreach (var (operation, seconds, erased) in await Tenant.MeasureAsync(() => Task.FromResult(BenchMemory.Sqlite(Path.Combine(folder, $"{Guid.NewGuid():N}.db"))), options.Background, count).ConfigureAwait(false))
        {
            Console.WriteLine($"| sqlite | {erased:N0} | {operation} | {seconds:F2} | {seconds * 1000 / erased:F2} |");
        }
    }
    finally
    {
        Directory.Delete(folder, recursive: true);
    }

    if (options.Postgres is { } uri)
    {
        foreach (var (operation, seconds, erased) in await Tenant.MeasureAsync(() => BenchMemory.PostgresAsync(uri), options.Background, count).ConfigureAwait(false))
        {
            Console.WriteLine($"| postgres | {erased:N0} | {operation} | {seconds:F2} | {seconds * 1000 / erased:F2} |");
        }
    }
}

HarnessReport.PrintFooter();
return 0;
