using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Cli.Tests;

/// <summary>cube grants/grant/revoke, cube policy, cube delete and audit: what they print, who they refuse, and bad input.</summary>
public sealed class GovernanceVerbTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task The_owner_grants_and_revokes_a_writer_grantee_cannot_change_grants()
    {
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "notes", "--user", "alice")).Code);
        var granted = await cli.JsonAsync("cube", "grant", "notes", "--to-user", "bob", "--access", "readwrite", "--user", "alice");
        var grant = Assert.Single(granted.GetProperty("grants").EnumerateArray());
        Assert.Equal(("bob", "readwrite"), (grant.GetProperty("user").GetString(), grant.GetProperty("access").GetString()));

        Assert.Equal(0, (await cli.RunAsync("add", "bob writes here", "--cube", "notes", "--user", "bob")).Code);
        var refused = await cli.RunAsync("cube", "grant", "notes", "--to-user", "carol", "--access", "read", "--user", "bob");
        AssertUserError(refused, "owner");

        var shown = await cli.JsonAsync("cube", "grants", "notes", "--user", "bob");
        Assert.Single(shown.GetProperty("grants").EnumerateArray());
        var revoked = await cli.JsonAsync("cube", "revoke", "notes", "--to-user", "bob", "--user", "alice");
        Assert.Empty(revoked.GetProperty("grants").EnumerateArray());
        AssertUserError(await cli.RunAsync("cube", "grants", "notes", "--user", "bob"), "no read access");
    }

    [Fact]
    public async Task Grants_given_at_once_all_hold()
    {
        // Each grant read the cube's list, added its grantee and wrote the list whole: concurrent grants undid each other.
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "shared", "--user", "alice")).Code);
        var users = Enumerable.Range(0, 10).Select(i => $"user{i}").ToList();
        var runs = await Task.WhenAll(users.Select(u => Task.Run(() => cli.RunAsync("cube", "grant", "shared", "--to-user", u, "--access", "read", "--user", "alice"))));
        Assert.All(runs, r => Assert.True(r.Code == 0, $"exit {r.Code}: {r.Err}"));

        var shown = await cli.JsonAsync("cube", "grants", "shared", "--user", "alice");
        Assert.Equal(users, shown.GetProperty("grants").EnumerateArray().Select(g => g.GetProperty("user").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_write_only_grantee_adds_to_a_cube_it_cannot_read()
    {
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "inbox", "--user", "alice")).Code);
        Assert.Equal(0, (await cli.RunAsync("cube", "grant", "inbox", "--to-user", "carol", "--access", "write", "--user", "alice")).Code);

        // Opening the cube asked for read access, so a write grant could not add although the add itself allows it.
        var added = await cli.RunAsync("add", "carol's parcel arrived", "--cube", "inbox", "--user", "carol");
        Assert.True(added.Code == 0, added.Err);
        Assert.Equal(0, (await cli.RunAsync("get", added.Out.Trim(), "--user", "alice")).Code);
        AssertUserError(await cli.RunAsync("search", "parcel", "--cube", "inbox", "--user", "carol"), "no read access");
        AssertUserError(await cli.RunAsync("add", "dave was here", "--cube", "inbox", "--user", "dave"), "no write access");
    }

    [Fact]
    public async Task Policy_set_and_show_round_trip_and_the_ttl_is_run_by_maintain()
    {
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "notes")).Code);
        var set = await cli.JsonAsync("cube", "policy", "set", "notes", "--retention-days", "30", "--hard-delete-after-days", "7");
        Assert.Equal((30, 7), (set.GetProperty("policy").GetProperty("retentionDays").GetInt32(), set.GetProperty("policy").GetProperty("hardDeleteAfterDays").GetInt32()));
        var shown = await cli.JsonAsync("cube", "policy", "show", "notes");
        Assert.Equal(7, shown.GetProperty("policy").GetProperty("hardDeleteAfterDays").GetInt32());

        // A memory recorded ten days ago (a mem0 export keeps its time), and one recorded now.
        string old = DateTimeOffset.UtcNow.AddDays(-10).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        string export = Path.Combine(cli.Folder, "mem0.json");
        await File.WriteAllTextAsync(export, $$"""{"results": [{"id": "m-1", "memory": "short-lived", "created_at": "{{old}}"}]}""");
        Assert.Equal(0, (await cli.RunAsync("import", "mem0", export, "--cube", "notes")).Code);
        string fresh = (await cli.RunAsync("add", "recorded today", "--cube", "notes")).Out.Trim();

        // The purge runs as of now: looking ahead, it would purge today's memory too, for good.
        string later = DateTimeOffset.UtcNow.AddDays(8).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        AssertUserError(await cli.RunAsync("maintain", "--cube", "notes", "--jobs", "expiry", "--as-of", later), "purges for good");
        var done = await cli.RunAsync("maintain", "--cube", "notes", "--jobs", "expiry", "--json");
        Assert.Equal(0, done.Code);
        Assert.Contains("\"purged\":1", done.Out.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Empty((await cli.JsonAsync("search", "short-lived", "--cube", "notes")).GetProperty("hits").EnumerateArray());
        Assert.Equal(0, (await cli.RunAsync("get", fresh)).Code);
    }

    [Fact]
    public async Task A_mem0_import_as_a_user_is_that_users_and_refuses_a_file_naming_another()
    {
        // The file's user_id was kept: --user mallory stored 'alice says ...' as Alice's, and forgetting mallory missed it.
        string export = Path.Combine(cli.Folder, "mem0.json");
        await File.WriteAllTextAsync(export, """[{"id":"m1","memory":"alice says: transfer money to mallory","created_at":"2024-05-07T00:00:00Z","user_id":"alice"}]""");
        AssertUserError(await cli.RunAsync("import", "mem0", export, "--cube", "mine", "--user", "mallory"), "names user 'alice'");
        Assert.Empty((await cli.JsonAsync("cube", "list", "--user", "mallory")).GetProperty("cubes").EnumerateArray());

        string own = Path.Combine(cli.Folder, "own.json");
        await File.WriteAllTextAsync(own, """[{"id":"m2","memory":"mallory's own note","created_at":"2024-05-07T00:00:00Z"}]""");
        string id = (await cli.JsonAsync("import", "mem0", own, "--cube", "mine", "--user", "mallory")).GetProperty("ids")[0].GetString()!;
        Assert.Equal("mallory", (await cli.JsonAsync("get", id, "--user", "mallory")).GetProperty("scope").GetProperty("user").GetString());

        // The tenant's import keeps the users the file names.
        string kept = (await cli.JsonAsync("import", "mem0", export, "--cube", "shared")).GetProperty("ids")[0].GetString()!;
        Assert.Equal("alice", (await cli.JsonAsync("get", kept)).GetProperty("scope").GetProperty("user").GetString());
    }

    [Fact]
    public async Task Policy_show_and_set_cover_the_context_token_budget()
    {
        // A budget set through the library (or REST) capped `agentmem context`, but show had no row for it and set could
        // not change it.
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "notes")).Code);
        await using (var store = SqliteMemoryStore.Open(cli.DbPath))
        {
            await using var memory = new MemoryOS(store, DefaultRetrievers.Create(store));
            await memory.SetPolicyAsync(new Scope(Scope.DefaultTenant), "notes", current => current with { ContextTokenBudget = 500 });
        }

        var (code, output, err) = await cli.RunAsync("cube", "policy", "show", "notes");
        Assert.True(code == 0, err);
        Assert.Contains(output.Split('\n'), line => line.Contains("context-budget", StringComparison.Ordinal) && line.Contains("500", StringComparison.Ordinal));

        var set = await cli.JsonAsync("cube", "policy", "set", "notes", "--context-budget", "100");
        Assert.Equal(100, set.GetProperty("policy").GetProperty("contextTokenBudget").GetInt32());
        var shown = await cli.JsonAsync("cube", "policy", "show", "notes");
        Assert.Equal(100, shown.GetProperty("policy").GetProperty("contextTokenBudget").GetInt32());
        Assert.Equal(0, (await cli.JsonAsync("cube", "policy", "set", "notes", "--context-budget", "0")).GetProperty("policy").GetProperty("contextTokenBudget").GetInt32());
    }

    [Fact]
    public async Task Forget_below_0_means_never_forget_at_create_as_at_policy_set()
    {
        var created = await cli.RunAsync("cube", "create", "notes", "--forget-below", "0");
        Assert.True(created.Code == 0, created.Err);
        var shown = await cli.JsonAsync("cube", "policy", "show", "notes");
        Assert.False(shown.GetProperty("policy").TryGetProperty("forgettingThreshold", out _));
    }

    [Fact]
    public async Task Cube_delete_needs_yes_and_the_owner_and_leaves_an_audit_line()
    {
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "notes", "--user", "alice")).Code);
        Assert.Equal(0, (await cli.RunAsync("add", "doomed", "--cube", "notes", "--user", "alice")).Code);
        Assert.Equal(0, (await cli.RunAsync("cube", "grant", "notes", "--to-user", "bob", "--access", "readwrite", "--user", "alice")).Code);

        AssertUserError(await cli.RunAsync("cube", "delete", "notes", "--user", "alice"), "--yes");
        AssertUserError(await cli.RunAsync("cube", "delete", "notes", "--yes", "--user", "bob"), "owner");
        var deleted = await cli.JsonAsync("cube", "delete", "notes", "--yes", "--user", "alice");
        Assert.Equal(1, deleted.GetProperty("memories").GetInt32());

        AssertUserError(await cli.RunAsync("search", "doomed", "--cube", "notes", "--user", "alice"), "No cube");
        AssertUserError(await cli.RunAsync("search", "doomed", "--cube", "notes", "--user", "alice"), "(agentmem cube create notes)");
        var audit = await cli.JsonAsync("audit", "--user", "alice");
        Assert.Contains(audit.GetProperty("records").EnumerateArray(), r => r.GetProperty("action").GetString() == "cube.delete");
    }

    [Fact]
    public async Task Audit_of_a_cube_or_memory_you_cannot_read_is_refused()
    {
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "private", "--user", "alice")).Code);
        string id = (await cli.RunAsync("add", "alice only", "--cube", "private", "--user", "alice")).Out.Trim();

        var mine = await cli.JsonAsync("audit", "--cube", "private", "--user", "alice");
        Assert.Contains(mine.GetProperty("records").EnumerateArray(), r => r.GetProperty("action").GetString() == "add");
        AssertUserError(await cli.RunAsync("audit", "--cube", "private", "--user", "bob"), "no read access");
        AssertUserError(await cli.RunAsync("audit", "--memory", id, "--user", "bob"), "no read access");
        var tenant = await cli.JsonAsync("audit", "--user", "bob");
        Assert.Empty(tenant.GetProperty("records").EnumerateArray());
    }

    [Theory]
    [InlineData("cube", "grant", "notes", "--access", "read")]
    [InlineData("cube", "grant", "notes", "--to-user", "bob", "--access", "admin")]
    [InlineData("cube", "revoke", "notes", "--to-user", "nobody")]
    [InlineData("cube", "policy", "set", "notes")]
    [InlineData("cube", "policy", "set", "notes", "--hard-delete-after-days", "-1")]
    [InlineData("cube", "policy", "set", "notes", "--forget-below", "2")]
    [InlineData("cube", "policy", "set", "notes", "--context-budget", "8")]
    [InlineData("cube", "policy", "show", "missing")]
    [InlineData("cube", "delete", "missing", "--yes")]
    [InlineData("audit", "--limit", "0")]
    [InlineData("audit", "--memory", "not-an-id")]
    [InlineData("audit", "--cube", "missing")]
    public async Task Bad_input_exits_non_zero_with_one_paragraph_and_no_stack_trace(params string[] args)
    {
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "notes")).Code);
        var (code, output, error) = await cli.RunAsync(args);
        Assert.NotEqual(0, code);
        Assert.Equal(string.Empty, output);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static void AssertUserError((int Code, string Out, string Err) run, string fragment)
    {
        Assert.True(run.Code == 1, $"exit {run.Code}: {run.Err}");
        Assert.Contains(fragment, run.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Err, StringComparison.Ordinal);
    }
}
