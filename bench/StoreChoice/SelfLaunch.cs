using System.Diagnostics;
using System.Reflection;

namespace AgentMem.StoreChoice.Bench;

/// <summary>Starts this harness again as a child process (for the kill and two-process tests), stdin/stdout piped.</summary>
internal static class SelfLaunch
{
    public static Process Start(params string[] args)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The harness cannot find its own executable.");
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Run as "dotnet X.dll": pass the dll; run through the apphost: it is the program itself.
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("Could not start the child process.");
    }
}
