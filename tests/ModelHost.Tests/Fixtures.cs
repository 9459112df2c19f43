namespace AgentMem.ModelHost.Tests;

/// <summary>This project's committed fixtures (read in place from the source tree).</summary>
internal static class ModelHostFixtures
{
    public static string Path(string name) => RepoPaths.File("tests", "ModelHost.Tests", "Fixtures", name);
}
