using System.Diagnostics;

namespace AgentMem.Campaign.Bench;

/// <summary>(1) REST under load: the mixed load against one service for a fixed time, figures per route, zero errors expected.</summary>
internal static class LoadPhase
{
    public static async Task<LoadOutcome> RunAsync(CampaignOptions options)
    {
        var workspace = new ServiceWorkspace(Path.Combine(options.WorkDirectory, "load"), options.CliDll);
        using var service = await workspace.StartAsync();
        var recorder = new LatencyRecorder();
        var acknowledged = new AcknowledgedWrites();
        var load = new MixedLoad(service.BaseAddress, workspace.Key, options.Clients, options.Seed, acknowledged, recorder);
        using var stop = new CancellationTokenSource(options.LoadDuration);
        var watch = Stopwatch.StartNew();
        await load.RunAsync(() => false, stop.Token);
        var elapsed = watch.Elapsed;
        bool crashed = service.HasExited;
        await service.StopAsync(TimeSpan.FromSeconds(40));
        string integrity = IntegrityCheck.Run(workspace.Database);
        foreach (string sample in recorder.ErrorSamples)
        {
            Console.WriteLine($"  load error: {sample}");
        }

        return new LoadOutcome(recorder.Summarise(elapsed), elapsed, acknowledged.Count, recorder.TotalErrors, crashed, integrity);
    }
}

internal sealed record LoadOutcome(IReadOnlyList<RouteFigures> Routes, TimeSpan Elapsed, int MemoriesWritten, int Errors, bool Crashed, string Integrity);
