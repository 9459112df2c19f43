namespace AgentMem.Campaign.Bench;

/// <summary>
/// (2) SIGKILL under load: each round runs the mixed load against the service, kills it at a seeded random moment,
/// checks <c>integrity_check</c> on a copy of the files as the kill left them, restarts the service on the same database
/// (which recovers the original) and reads back every write the round acknowledged. After the last round the service is
/// stopped, every write of every round is read back once more, and the database is checked again.
/// </summary>
internal static class KillPhase
{
    public static async Task<KillOutcome> RunAsync(CampaignOptions options)
    {
        var workspace = new ServiceWorkspace(Path.Combine(options.WorkDirectory, "kill"), options.CliDll);
        var random = new Random(options.Seed);
        var all = new List<KeyValuePair<string, AcknowledgedWrites.Acked>>();
        int survived = 0, lost = 0, badIntegrity = 0, loadErrors = 0;
        var service = await workspace.StartAsync();
        try
        {
            for (int round = 1; round <= options.Kills; round++)
            {
                var acknowledged = new AcknowledgedWrites();
                var recorder = new LatencyRecorder();
                bool killed = false;
                var load = new MixedLoad(service.BaseAddress, workspace.Key, options.Clients, options.Seed + round, acknowledged, recorder);
                using var stop = new CancellationTokenSource();
                var running = load.RunAsync(() => Volatile.Read(ref killed), stop.Token);
                var killAfter = TimeSpan.FromMilliseconds(random.Next((int)options.KillWindow.Min.TotalMilliseconds, (int)options.KillWindow.Max.TotalMilliseconds));
                await Task.Delay(killAfter);
                Volatile.Write(ref killed, true);
                stop.Cancel();
                service.Kill();
                await running;
                service.Dispose();
                loadErrors += recorder.TotalErrors;

                string integrity = IntegrityCheck.RunOnCopy(workspace.Database, Path.Combine(workspace.Folder, "copy"));
                badIntegrity += integrity == "ok" ? 0 : 1;

                service = await workspace.StartAsync();
                var writes = acknowledged.Snapshot();
                int missing = await CountLostAsync(service, workspace.Key, writes);
                lost += missing;
                all.AddRange(writes);
                survived += missing == 0 && integrity == "ok" ? 1 : 0;
                Console.WriteLine($"  kill {round}/{options.Kills} after {killAfter.TotalSeconds:0.00} s: {writes.Count} acknowledged writes, {missing} lost, integrity {integrity}");
            }

            int lostAtEnd = await CountLostAsync(service, workspace.Key, all);
            await service.StopAsync(TimeSpan.FromSeconds(40));
            string finalIntegrity = IntegrityCheck.Run(workspace.Database);
            return new KillOutcome(options.Kills, survived, all.Count, lost, lostAtEnd, badIntegrity, finalIntegrity, loadErrors);
        }
        finally
        {
            service.Dispose();
        }
    }

    private static async Task<int> CountLostAsync(ServiceProcess service, ApiKey key, IReadOnlyCollection<KeyValuePair<string, AcknowledgedWrites.Acked>> writes)
    {
        int lost = 0;
        using var api = new ApiClient(service.BaseAddress, key);
        await Parallel.ForEachAsync(writes, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (write, _) =>
        {
            if (!AcknowledgedWrites.Holds(write.Value, await api.GetAsync(write.Key)))
            {
                Interlocked.Increment(ref lost);
                Console.WriteLine($"  LOST: {write.Key} acknowledged at version {write.Value.Version}");
            }
        });
        return lost;
    }
}

internal sealed record KillOutcome(int Rounds, int Survived, int AcknowledgedWrites, int LostAfterRestart, int LostAtEnd, int BadIntegrityAfterKill, string FinalIntegrity, int LoadErrors);
