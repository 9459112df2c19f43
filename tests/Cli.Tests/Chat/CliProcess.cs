using System.Diagnostics;
using System.Text;

namespace AgentMem.Cli.Tests.Chat;

/// <summary>
/// The built CLI in a child process with stdin, stdout and stderr redirected, its output collected as it arrives (character
/// by character, not by line) so a test can see a reply's first chunk before the reply ends.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly Task readers;

    public CliProcess(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AgentMem.Cli.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The developer's own chat settings must not leak into a test.
        foreach (string name in (string[])["AGENTMEM_CHAT_BASE_URL", "AGENTMEM_CHAT_MODEL", "AGENTMEM_CHAT_API_KEY", "OPENAI_API_KEY", "AGENTMEM_DB"])
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        process = Process.Start(start)!;
        readers = Task.WhenAll(CopyAsync(process.StandardOutput, stdout), CopyAsync(process.StandardError, stderr));
    }

    public int Id => process.Id;

    public string Out
    {
        get
        {
            lock (stdout)
            {
                return stdout.ToString();
            }
        }
    }

    public string Err
    {
        get
        {
            lock (stderr)
            {
                return stderr.ToString();
            }
        }
    }

    /// <summary>Writes a line to the process's stdin.</summary>
    public async Task SendLineAsync(string line)
    {
        await process.StandardInput.WriteLineAsync(line);
        await process.StandardInput.FlushAsync();
    }

    /// <summary>Waits until stdout holds <paramref name="text"/>; fails with what it holds after <paramref name="seconds"/>.</summary>
    public Task WaitForOutputAsync(string text, int seconds = 60) => WaitForAsync(() => Out.Contains(text, StringComparison.Ordinal), $"stdout to contain '{text}'", seconds);

    /// <summary>Waits until stderr holds <paramref name="text"/>.</summary>
    public Task WaitForErrorAsync(string text, int seconds = 60) => WaitForAsync(() => Err.Contains(text, StringComparison.Ordinal), $"stderr to contain '{text}'", seconds);

    /// <summary>
    /// Whether this process ignores SIGINT (it was started in the background, as by <c>cmd &amp;</c> in a script or
    /// <c>nohup</c>): children inherit the ignored disposition, so a SIGINT sent to the CLI would never arrive.
    /// </summary>
    public static bool InterruptIgnored
    {
        get
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/status"))
            {
                return false;
            }

            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0; // bit 1: SIGINT (2)
        }
    }

    /// <summary>Sends SIGINT, as Ctrl-C in a terminal does.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>Waits for the process to end and returns its exit code with everything it wrote.</summary>
    public async Task<(int Code, string Out, string Err)> ExitAsync(int seconds = 120)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the CLI did not exit within {seconds} s. stdout: {Out}\nstderr: {Err}");
        }

        await readers;
        return (process.ExitCode, Out, Err);
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    private async Task WaitForAsync(Func<bool> condition, string what, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                // One more look: the process may have written it just before exiting.
                if (condition())
                {
                    return;
                }

                Assert.Fail($"timed out waiting for {what} (exited: {process.HasExited}). stdout: {Out}\nstderr: {Err}");
            }

            await Task.Delay(20);
        }
    }

    private static async Task CopyAsync(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[256];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into)
            {
                into.Append(buffer, 0, read);
            }
        }
    }
}
