namespace AgentMem.Bench;

/// <summary>
/// The scratch folder of a harness run under bench/ (shared by them): a fresh folder inside the one <c>--work</c> names, so
/// the clean-up at the end deletes what the run made and nothing else. It used to work in the named folder itself and
/// delete it whole, with whatever else it held (<c>--work ~/results</c>, <c>--work .</c>).
/// </summary>
internal static class WorkFolder
{
    /// <summary>A path <c>PARENT/agentmem-HARNESS-PID-RANDOM</c> that does not exist yet; neither folder is created here.</summary>
    /// <param name="parent">The folder <c>--work</c> names (the system temp folder by default); created by the run if missing, never deleted.</param>
    /// <param name="harness">The harness's name, e.g. <c>campaign</c>.</param>
    public static string Within(string parent, string harness)
    {
        string folder;
        do
        {
            folder = Path.Combine(Path.GetFullPath(parent), $"agentmem-{harness}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        }
        while (Directory.Exists(folder) || File.Exists(folder));

        return folder;
    }
}
