using System.Diagnostics;
using Xunit;

namespace AgentMem.TestSupport;

/// <summary>
/// Runs the independent python references (Debian's <c>/usr/bin/python3</c> with <c>python3-numpy</c>, and <c>python3-nltk</c> for the stemmer's, which <c>.ci/run</c>
/// installs). A test that needs one calls <see cref="Require"/> first: without the interpreter or a module it is reported as
/// skipped, with the reason, never passed.
/// </summary>
public static class PythonReference
{
    /// <summary>The interpreter the references run on (Debian's, not a pyenv shim without numpy).</summary>
    public const string Interpreter = "/usr/bin/python3";

    private static readonly Dictionary<string, string?> Missing = new(StringComparer.Ordinal);

    /// <summary>Skips the calling test (a <c>[SkippableFact]</c> or <c>[SkippableTheory]</c>) unless python3 can import every module.</summary>
    public static void Require(params string[] modules)
    {
        foreach (string module in modules.Prepend("numpy"))
        {
            string? why;
            lock (Missing)
            {
                if (!Missing.TryGetValue(module, out why))
                {
                    why = Probe(module);
                    Missing[module] = why;
                }
            }

            Skip.If(why is not null, why);
        }
    }

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/>; throws with its error output when it fails.</summary>
    public static string Run(string script, params string[] args)
    {
        var (code, stdout, stderr) = Execute([script, .. args]);
        if (code != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(script)} exited {code}: {stderr}");
        }

        return stdout;
    }

    private static string? Probe(string module)
    {
        if (!File.Exists(Interpreter))
        {
            return $"{Interpreter} is not installed (apt-get install -y python3 python3-numpy; .ci/run does it)";
        }

        var (code, _, stderr) = Execute(["-c", $"import {module}"]);
        return code == 0 ? null : $"python3 cannot import {module} (apt-get install -y python3-{module}; .ci/run does it): {stderr.Trim()}";
    }

    private static (int Code, string Stdout, string Stderr) Execute(string[] args)
    {
        var psi = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }
}
