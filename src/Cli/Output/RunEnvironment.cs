using System.Runtime.InteropServices;

namespace AgentMem.Cli.Output;

/// <summary>Facts about where a benchmark ran, for its manifest.</summary>
internal static class RunEnvironment
{
    public static Dictionary<string, object?> Describe() => new(StringComparer.Ordinal)
    {
        ["git_commit"] = GitCommit(),
        ["agentmem_version"] = typeof(RunEnvironment).Assembly.GetName().Version?.ToString(),
        ["started_utc"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        ["machine"] = $"{RuntimeInformation.OSDescription}; {Environment.ProcessorCount} cores; {RuntimeInformation.ProcessArchitecture}",
        ["runtime"] = RuntimeInformation.FrameworkDescription,
    };

    /// <summary>HEAD of the repository in the current directory, with "-dirty" for uncommitted changes; "unknown" outside one.</summary>
    private static string GitCommit()
    {
        string? head = Git("rev-parse HEAD");
        if (head is null)
        {
            return CliContext.Env("AGENTMEM_GIT_COMMIT") ?? "unknown";
        }

        return string.IsNullOrWhiteSpace(Git("status --porcelain --untracked-files=no")) ? head : head + "-dirty";
    }

    private static string? Git(string arguments)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is null)
            {
                return null;
            }

            string output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit(5000);
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // git is not installed
        }
    }
}
