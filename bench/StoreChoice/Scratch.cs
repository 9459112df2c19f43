namespace AgentMem.StoreChoice.Bench;

/// <summary>Cold database files: each measurement gets a folder of its own, emptied first.</summary>
internal static class Scratch
{
    public static string FreshFile(string workDirectory, string name)
    {
        string dir = Path.Combine(workDirectory, name);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        return Path.Combine(dir, "store.db");
    }
}
