using AgentMem.Benchmarks.Workload;

namespace AgentMem.Cli.Commands;

/// <summary>Runs <c>bench workload-probe</c> in a new process of this same CLI and reads its one JSON line.</summary>
internal static class WorkloadProbeLauncher
{
    public static Func<ColdProbeRequest, CancellationToken, Task<ColdProbeResult>> For(CliContext host) =>
        (request, ct) => ProbeAsync(request, host, ct);

    private static async Task<ColdProbeResult> ProbeAsync(ColdProbeRequest request, CliContext host, CancellationToken ct)
    {
        var (fileName, prefix) = Self();
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in prefix.Concat(WorkloadProbeCommand.Arguments(request, host)))
        {
            start.ArgumentList.Add(argument);
        }

        var wall = Stopwatch.StartNew();
        using var child = Process.Start(start) ?? throw new AgentMemException($"Could not start the cold probe ({fileName}).");
        var output = child.StandardOutput.ReadToEndAsync(ct);
        var errors = child.StandardError.ReadToEndAsync(ct);
        try
        {
            await child.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw;
        }

        double wallMs = wall.Elapsed.TotalMilliseconds;
        string stdout = await output;
        string stderr = await errors;
        if (child.ExitCode != 0)
        {
            throw new AgentMemException($"The cold probe ({fileName}, pid {child.Id}) exited with code {child.ExitCode}: {stderr.Trim()}");
        }

        string? line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (line is null)
        {
            throw new AgentMemException($"The cold probe (pid {child.Id}) printed nothing; standard error: {stderr.Trim()}");
        }

        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        return new ColdProbeResult(
            root.GetProperty("pid").GetInt32(),
            root.GetProperty("open_ms").GetDouble(),
            root.GetProperty("first_search_ms").GetDouble(),
            root.GetProperty("hits").GetInt32(),
            wallMs);
    }

    /// <summary>
    /// How to start this CLI again: its own executable when it runs as one (the apphost, or a packed tool), else the
    /// dotnet host with the CLI's assembly (<c>dotnet AgentMem.Cli.dll</c>, or a test host that loaded the CLI in-process).
    /// </summary>
    private static (string FileName, IReadOnlyList<string> Prefix) Self()
    {
        string assembly = typeof(CliApp).Assembly.Location;
        string? process = Environment.ProcessPath;
        if (string.IsNullOrEmpty(assembly))
        {
            // Single-file publish: no assembly on disk, the executable is the CLI.
            return (process ?? throw new AgentMemException("Cannot tell which executable to start for the cold probe."), []);
        }

        if (process is not null && string.Equals(Path.GetFileNameWithoutExtension(process), Path.GetFileNameWithoutExtension(assembly), StringComparison.OrdinalIgnoreCase))
        {
            return (process, []);
        }

        string host = process is not null && string.Equals(Path.GetFileNameWithoutExtension(process), "dotnet", StringComparison.OrdinalIgnoreCase)
            ? process
            : CliContext.Env("DOTNET_HOST_PATH") ?? "dotnet";
        return (host, [assembly]);
    }
}
