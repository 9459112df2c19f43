using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentMem.Campaign.Bench;

/// <summary>
/// One <c>agentmem serve</c> process on a free loopback port (port 0, read back from its log, as <c>.ci/clients</c> does),
/// over a given database and key file. SIGKILL and a graceful SIGTERM stop are both offered: the kill test needs the first.
/// </summary>
internal sealed partial class ServiceProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();
    private readonly TaskCompletionSource<Uri> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process) => this.process = process;

    public Uri BaseAddress { get; private set; } = null!;

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>The service's console output so far (kept whole: runs are short).</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public static async Task<ServiceProcess> StartAsync(string cliDll, string database, string keyFile, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { cliDll, "--db", database, "serve", "--urls", "http://127.0.0.1:0", "--api-key-file", keyFile })
        {
            info.ArgumentList.Add(arg);
        }

        // Plain console logs: the "Now listening on" line is what we parse.
        info.Environment["Logging__Console__FormatterName"] = "simple";
        var service = new ServiceProcess(Process.Start(info) ?? throw new InvalidOperationException("Could not start dotnet."));
        service.process.OutputDataReceived += (_, e) => service.OnLine(e.Data);
        service.process.ErrorDataReceived += (_, e) => service.OnLine(e.Data);
        service.process.BeginOutputReadLine();
        service.process.BeginErrorReadLine();

        var exited = service.process.WaitForExitAsync();
        var first = await Task.WhenAny(service.listening.Task, exited, Task.Delay(timeout));
        if (first != service.listening.Task)
        {
            service.Kill();
            throw new InvalidOperationException($"agentmem serve did not start listening within {timeout.TotalSeconds:0} s:\n{service.Log}");
        }

        service.BaseAddress = await service.listening.Task;
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
                if (health.IsSuccessStatusCode)
                {
                    return service;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                service.Kill();
                throw new InvalidOperationException($"agentmem serve did not answer /health:\n{service.Log}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a power cut for the process (not for the disk).</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: false);
        }

        process.WaitForExit();
    }

    /// <summary>SIGTERM and wait for the drain; a process that does not exit in time is killed.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public void Dispose()
    {
        Kill();
        process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } m)
        {
            listening.TrySetResult(new Uri(m.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
