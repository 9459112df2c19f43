namespace AgentMem.Campaign.Bench;

/// <summary>The repository root: the folder holding AgentMem.sln above the working directory or the harness binary.</summary>
internal static class RepoRoot
{
    public static string Find()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AgentMem.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (AgentMem.sln).");
    }
}
