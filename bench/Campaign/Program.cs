using AgentMem.Bench;
using AgentMem.Campaign.Bench;

// The failure and load campaign against agentmem serve (loopback only): load, SIGKILL under load, fuzzing, disk full.
if (HarnessArguments.ParseOrReport(() => CampaignOptions.Parse(args)) is not { } options)
{
    return 2;
}

var report = new CampaignReport(args, options);
Directory.CreateDirectory(options.WorkDirectory);
try
{
    if (options.Parts.Contains("load"))
    {
        Console.WriteLine($"== (1) load: {options.Clients} clients for {options.LoadDuration.TotalSeconds:0} s");
        report.Load = await LoadPhase.RunAsync(options);
    }

    if (options.Parts.Contains("kill"))
    {
        Console.WriteLine($"== (2) SIGKILL under load, {options.Kills} rounds");
        report.Kill = await KillPhase.RunAsync(options);
    }

    if (options.Parts.Contains("rest-fuzz"))
    {
        Console.WriteLine($"== (3a) REST fuzzing, {options.RestCasesPerRoute} cases per route");
        report.RestFuzz = await RestFuzzPhase.RunAsync(options);
    }

    if (options.Parts.Contains("file-fuzz"))
    {
        Console.WriteLine($"== (3b) file format fuzzing, {options.FileCasesPerFormat} cases per format");
        report.FileFuzz = FileFuzzPhase.Run(options);
    }

    if (options.Parts.Contains("disk-full"))
    {
        Console.WriteLine("== (4) disk full");
        report.DiskFull = await DiskFullPhase.RunAsync(options);
    }
}
finally
{
    Directory.Delete(options.WorkDirectory, recursive: true);
}

string table = report.Render();
Console.WriteLine();
Console.WriteLine(table);
if (options.ReadmePath is { } readme)
{
    CampaignReport.WriteInto(readme, table);
    Console.WriteLine($"results written into {readme}");
}

return report.Clean ? 0 : 1;
