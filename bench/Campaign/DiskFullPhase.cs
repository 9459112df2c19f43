using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentMem.Campaign.Bench;

/// <summary>
/// (4) Disk full: the database lives on an 8 MiB tmpfs (mounted here; the campaign runs as root) next to a 1 MiB
/// ballast file. Large memories are added until a write fails; the failure must be a 507 problem answer, reads must keep
/// working, a write must succeed once the ballast is deleted, and the database must pass <c>integrity_check</c>.
/// </summary>
internal static class DiskFullPhase
{
    public static async Task<DiskFullOutcome> RunAsync(CampaignOptions options)
    {
        string folder = Path.Combine(options.WorkDirectory, "disk-full");
        string mount = Path.Combine(folder, "tmpfs");
        Directory.CreateDirectory(mount);
        if (Shell("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount) is { } refused)
        {
            return DiskFullOutcome.NotRun($"mount refused ({refused})");
        }

        try
        {
            string ballast = Path.Combine(mount, "ballast");
            await File.WriteAllBytesAsync(ballast, new byte[1 << 20]);
            var workspace = new ServiceWorkspace(folder, options.CliDll, databaseFolder: mount);
            using var service = await workspace.StartAsync();
            using var api = new ApiClient(service.BaseAddress, workspace.Key);
            string filler = string.Join(' ', Enumerable.Range(0, 25_000).Select(i => $"w{i % 5000}"));
            var stored = new List<string>();
            int status = 0;
            string failure = "";
            for (int i = 0; i < 400; i++)
            {
                using var response = await api.Http.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { cube = "full", text = $"filler {i}: {filler}" });
                status = (int)response.StatusCode;
                string body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                {
                    string type = response.Content.Headers.ContentType?.MediaType ?? "none";
                    using var problem = type == "application/problem+json" ? JsonDocument.Parse(body) : null;
                    failure = problem is null ? $"{type}: {body[..Math.Min(200, body.Length)]}" : $"\"{problem.RootElement.GetProperty("title").GetString()}\": {problem.RootElement.GetProperty("detail").GetString()}";
                    failure = $"{status} {type} {failure}";
                    break;
                }

                stored.Add(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!);
            }

            bool getWorks = stored.Count > 0 && await api.GetAsync(stored[0]) is not null;
            int searchStatus = await api.SearchAsync("full", "filler w42");
            bool readsWork = getWorks && searchStatus == 200;
            if (!readsWork)
            {
                Console.WriteLine($"  reads while full: GET {(getWorks ? "ok" : "failed")}, search {searchStatus}");
                foreach (string line in service.Log.Split('\n').Where(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)).Take(6))
                {
                    Console.WriteLine($"  service log: {line}");
                }
            }
            File.Delete(ballast);
            var (afterId, afterStatus) = await api.AddAsync("full", "written after space was freed");
            bool recovered = afterId is not null && await api.GetAsync(afterId) is not null;
            bool crashed = service.HasExited;
            await service.StopAsync(TimeSpan.FromSeconds(40));
            string integrity = IntegrityCheck.Run(workspace.Database);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            return new DiskFullOutcome(true, "tmpfs size=8m", stored.Count, status, failure, readsWork, recovered, afterStatus, crashed, integrity);
        }
        finally
        {
            Shell("umount", mount);
        }
    }

    // Null when the command succeeded, otherwise what it said.
    private static string? Shell(string command, params string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        string output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : output.Trim();
    }
}

internal sealed record DiskFullOutcome(bool Ran, string FileSystem, int WritesBeforeFull, int FailureStatus, string Failure, bool ReadsWhileFull, bool WritesAfterFreeing, int StatusAfterFreeing, bool Crashed, string Integrity)
{
    public bool Clean => !Ran || (FailureStatus == 507 && ReadsWhileFull && WritesAfterFreeing && !Crashed && Integrity == "ok");

    public static DiskFullOutcome NotRun(string why) => new(false, why, 0, 0, "", false, false, 0, false, "n/a");
}
