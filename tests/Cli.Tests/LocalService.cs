using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentMem.Cli.Tests;

/// <summary>Helpers for tests that run <c>agentmem serve</c> on loopback: a free port, and waiting until it answers.</summary>
internal static class LocalService
{
    /// <summary>Starts the built CLI (<c>AgentMem.Cli.dll</c> beside the tests) as a child process with its output drained.</summary>
    public static Process StartCli(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = Process.Start(CliStartInfo(args, environment))!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs the CLI as a process of its own (for what is process-wide, like the environment) and returns its exit code and output.</summary>
    public static async Task<(int Code, string Out, string Err)> RunCliAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        using var process = Process.Start(CliStartInfo(args, environment))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(timeout);
        return (process.ExitCode, await output, await error);
    }

    private static ProcessStartInfo CliStartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AgentMem.Cli.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Polls <c>/health</c> until it succeeds; fails the test if <paramref name="exited"/> says the server stopped first.</summary>
    public static async Task WaitForHealthAsync(HttpClient client, Func<bool> exited)
    {
        for (int i = 0; i < 300; i++)
        {
            Assert.False(exited(), "serve exited early");
            try
            {
                if ((await client.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        Assert.Fail("the service never became healthy");
    }
}
