using AgentMem.Campaign.Bench;
using AgentMem.StoreChoice.Bench;

namespace AgentMem.Benchmarks.Tests.Harnesses;

/// <summary>The folder a bench harness deletes at the end of a run: its own, never the one <c>--work</c> names.</summary>
public class WorkFolderTests
{
    [Fact]
    public void Campaign_works_in_a_fresh_folder_inside_the_work_folder_and_its_clean_up_spares_the_files_there()
    {
        using var dir = new TempDirectory();
        string sentinel = dir.Write("results.md", "the user's own file");
        string cli = dir.Write("AgentMem.Cli.dll", ""); // only its existence is checked

        string work = CampaignOptions.Parse(["--cli", cli, "--work", dir.Path]).WorkDirectory;

        AssertOwnFolderOnly(dir.Path, work, sentinel);
        Assert.NotEqual(work, CampaignOptions.Parse(["--cli", cli, "--work", dir.Path]).WorkDirectory);
    }

    [Fact]
    public void Store_choice_works_in_a_fresh_folder_inside_the_work_folder_and_its_clean_up_spares_the_files_there()
    {
        using var dir = new TempDirectory();
        string sentinel = dir.Write("results.md", "the user's own file");
        string dataset = dir.Write("locomo10.json", "[]"); // only its existence is checked

        string work = HarnessOptions.Parse(["--dataset", dataset, "--work", dir.Path]).WorkDirectory;

        AssertOwnFolderOnly(dir.Path, work, sentinel);
    }

    /// <summary>The run's folder is a new child of <paramref name="parent"/>; the programs create it and delete it whole at the end.</summary>
    private static void AssertOwnFolderOnly(string parent, string work, string sentinel)
    {
        Assert.Equal(Path.GetFullPath(parent), Path.GetDirectoryName(work));
        Assert.False(Directory.Exists(work));

        Directory.CreateDirectory(work);
        File.WriteAllText(Path.Combine(work, "store.db"), "scratch");
        Directory.Delete(work, recursive: true);

        Assert.True(File.Exists(sentinel));
        Assert.True(Directory.Exists(parent));
    }
}
