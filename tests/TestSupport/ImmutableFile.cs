namespace AgentMem.TestSupport;

/// <summary>
/// Makes a file undeletable even by root (<c>chattr +i</c>, ext4's immutable attribute), for tests of what happens when a
/// file cannot be deleted: tests run as root in CI, so a read-only folder would not stop anything.
/// </summary>
public static class ImmutableFile
{
    /// <summary>Sets (true) or clears (false) the attribute; false when chattr or the file system cannot.</summary>
    public static bool TrySet(string path, bool immutable)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("chattr", [immutable ? "+i" : "-i", path]) { RedirectStandardError = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no chattr
        }
    }
}
