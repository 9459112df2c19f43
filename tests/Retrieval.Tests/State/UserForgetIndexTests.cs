using System.Text;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.State;

namespace AgentMem.Retrieval.Tests.State;

/// <summary>
/// Forgetting a user must reach the persisted index: a cube's <c>lexical.snap</c> holds analysed terms, so the forgotten
/// user's words would outlive the store's rows there.
/// </summary>
public sealed class UserForgetIndexTests : TempStore
{
    private const string Token = "wombatquasar4417";
    private static readonly Scope Owner = new("acme");

    [Fact]
    public async Task Forgetting_a_user_drops_the_snapshot_holding_their_terms_and_the_next_checkpoint_writes_none()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var retrievers = DefaultRetrievers.Create(Store, state: new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 10 });
        var state = ((HybridRetriever)retrievers[0]).State;
        await using var os = new MemoryOS(Store, retrievers);
        var cube = await os.CreateCubeAsync(Owner, "shared");
        await os.AddBatchAsync(new Scope("acme", "victor"), "shared", Enumerable.Range(0, 20).Select(i => new MemoryDraft($"victor tends the garden, entry {i}")).ToList());
        await os.AddBatchAsync(new Scope("acme", "ursula"), "shared", Enumerable.Range(0, 5).Select(i => new MemoryDraft($"ursula's code {Token} number {i}")).ToList());
        Assert.NotEmpty(await os.SearchAsync(Owner, "shared", Token));
        state.Clear(); // checkpoints: the snapshot now holds the token
        string snapshot = Path.Combine(state.CubeFolder(Owner.Tenant, cube.Id)!, CubeIndexFile.FileName);
        Assert.True(Holds(snapshot), "the snapshot holds the token before forgetting");

        var result = await os.ForgetUserAsync(Owner, "ursula");

        Assert.Equal(5, result.Written);
        Assert.False(File.Exists(snapshot));
        Assert.Empty(await os.SearchAsync(Owner, "shared", Token));
        Assert.Equal(10, (await os.SearchAsync(Owner, "shared", "garden", k: 10)).Count);
        state.Clear();
        Assert.True(File.Exists(snapshot), "the next checkpoint writes a fresh snapshot");
        Assert.DoesNotContain(Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories), Holds);
    }

    private static bool Holds(string file) =>
        File.ReadAllBytes(file) is var bytes && (bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Token)) >= 0 || bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(Token)) >= 0);
}
