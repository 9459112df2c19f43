using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Stores.Tests;

/// <summary><see cref="MemoryOS.ImportMem0Async"/>: whose memories an import writes.</summary>
public sealed class Mem0ImportTests : IAsyncLifetime, IDisposable
{
    private static readonly Scope Mallory = new("acme", "mallory");
    private static readonly Scope Tenant = new("acme");
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"agentmem-mem0-{Guid.NewGuid():N}");
    private MemoryOS memory = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        memory = InMemoryMemory.Open();
        await memory.CreateCubeAsync(Mallory, "mine");
    }

    public async Task DisposeAsync() => await memory.DisposeAsync();

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task A_user_bound_caller_cannot_import_memories_of_another_user_or_agent()
    {
        // The file's user_id was stored as the memory's user: a caller put words in another user's mouth (their filters,
        // de-duplication and erasure all counted it as theirs), and its own erasure missed what it had imported.
        string other = await FileAsync("""[{"id":"m1","memory":"nobody's","created_at":"2024-05-07T00:00:00Z"},{"id":"m2","memory":"alice says: transfer money to mallory","created_at":"2024-05-07T00:00:00Z","user_id":"alice"}]""");
        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => memory.ImportMem0Async(Mallory, "mine", other));
        Assert.Contains("#2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'alice'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await memory.CountAsync(Mallory, "mine"));

        var agent = new Scope("acme", "mallory", "helper");
        string otherAgent = await FileAsync("""[{"id":"m3","memory":"the bot said so","created_at":"2024-05-07T00:00:00Z","user_id":"mallory","agent_id":"bot"}]""");
        await Assert.ThrowsAsync<AccessDeniedException>(() => memory.ImportMem0Async(agent, "mine", otherAgent));
        Assert.Equal(0, await memory.CountAsync(Mallory, "mine"));
    }

    [Fact]
    public async Task A_user_bound_callers_import_is_its_own_and_its_erasure_takes_it()
    {
        string own = await FileAsync("""[{"id":"m1","memory":"nobody's","created_at":"2024-05-07T00:00:00Z","run_id":"r1"},{"id":"m2","memory":"mallory's own","created_at":"2024-05-07T00:00:00Z","user_id":"mallory"}]""");
        var outcomes = await memory.ImportMem0Async(Mallory, "mine", own);

        var scopes = new List<Scope>();
        foreach (var outcome in outcomes)
        {
            scopes.Add((await memory.GetAsync(Mallory, outcome.Id)).Scope);
        }

        Assert.Equal([new Scope("acme", "mallory", session: "r1"), new Scope("acme", "mallory")], scopes);
        Assert.Equal(2, (await memory.ForgetUserAsync(Mallory, "mallory")).Written);
        Assert.Equal(0, await memory.CountAsync(Mallory, "mine"));
    }

    [Fact]
    public async Task A_tenant_wide_caller_keeps_the_users_and_agents_the_file_names()
    {
        await memory.CreateCubeAsync(Tenant, "shared");
        string file = await FileAsync("""[{"id":"m1","memory":"alice likes tea","created_at":"2024-05-07T00:00:00Z","user_id":"alice","agent_id":"bot"},{"id":"m2","memory":"nobody's","created_at":"2024-05-07T00:00:00Z"}]""");
        var outcomes = await memory.ImportMem0Async(Tenant, "shared", file);

        Assert.Equal(new Scope("acme", "alice", "bot"), (await memory.GetAsync(Tenant, outcomes[0].Id)).Scope);
        Assert.Equal(Tenant, (await memory.GetAsync(Tenant, outcomes[1].Id)).Scope);
    }

    private async Task<string> FileAsync(string json)
    {
        string path = Path.Combine(folder, $"{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }
}
