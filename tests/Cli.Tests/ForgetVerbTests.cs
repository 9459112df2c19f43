using System.Text;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore;
using AgentMem.Retrieval;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Cli.Tests;

/// <summary>
/// <c>forget --user U</c>: the user's memories and what was derived from them leave every file of the data directory
/// (database, write-ahead log, index folders, cartridge files), another user's stay, and <c>--verify</c> proves it.
/// </summary>
public sealed class ForgetVerbTests : IDisposable
{
    private const string Token = "quokkazenith7731";
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Forget_needs_yes_and_a_user()
    {
        var refused = await cli.RunAsync("forget", "--user", "ursula");
        Assert.Equal((1, true), (refused.Code, refused.Err.Contains("--yes", StringComparison.Ordinal)));
        var anonymous = await cli.RunAsync("forget", "--yes");
        Assert.Equal((1, true), (anonymous.Code, anonymous.Err.Contains("--user", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Forget_drops_the_grants_to_the_user_and_names_the_cubes_they_own_which_it_keeps()
    {
        var own = await cli.JsonAsync("cube", "create", "ursula-private", "--user", "ursula");
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "victor-shared", "--user", "victor")).Code);
        Assert.Equal(0, (await cli.RunAsync("cube", "grant", "victor-shared", "--to-user", "ursula", "--access", "readwrite", "--user", "victor")).Code);
        Assert.Equal(0, (await cli.RunAsync("add", "Ursula's note in Victor's cube", "--cube", "victor-shared", "--user", "ursula")).Code);
        string id = own.GetProperty("id").GetString()!;

        var forgot = await cli.JsonAsync("forget", "--user", "ursula", "--yes");
        Assert.Equal((1, 1, id), (forgot.GetProperty("written").GetInt32(), forgot.GetProperty("grantsDropped").GetInt32(), Assert.Single(forgot.GetProperty("ownedCubes").EnumerateArray()).GetString()));
        Assert.Empty((await cli.JsonAsync("cube", "grants", "victor-shared", "--user", "victor")).GetProperty("grants").EnumerateArray());

        Assert.Equal(0, (await cli.RunAsync("cube", "grant", "victor-shared", "--to-user", "ursula", "--access", "read", "--user", "victor")).Code);
        var text = await cli.RunAsync("forget", "--user", "ursula", "--yes");
        Assert.Equal(0, text.Code);
        Assert.Contains("1 grant(s) to them dropped", text.Out, StringComparison.Ordinal);
        Assert.Contains(id, text.Out, StringComparison.Ordinal); // listed, not deleted
        Assert.Equal(0, (await cli.RunAsync("cube", "delete", id, "--yes", "--user", "ursula")).Code);
    }

    [Fact]
    public async Task Forget_json_keeps_its_counts_at_the_top_level_and_adds_verify_only_when_asked()
    {
        // With --verify the counts moved under "forgot": a script reading .written got nothing once --verify was added.
        Assert.Equal(0, (await cli.RunAsync("add", $"Ursula's locker code is {Token}", "--user", "ursula")).Code);
        var plain = await cli.JsonAsync("forget", "--user", "ursula", "--yes");
        Assert.Equal(0, (await cli.RunAsync("add", $"Ursula's bike code is {Token}", "--user", "ursula")).Code);
        var verified = await cli.JsonAsync("forget", "--user", "ursula", "--yes", "--verify", Token);

        string[] counts = ["user", "written", "derived", "cubes", "cartridges", "grantsDropped", "ownedCubes"];
        Assert.Equal(counts, plain.EnumerateObject().Select(p => p.Name));
        Assert.Equal([.. counts, "verify"], verified.EnumerateObject().Select(p => p.Name));
        Assert.Equal((1, 1), (plain.GetProperty("written").GetInt32(), verified.GetProperty("written").GetInt32()));
        Assert.Empty(verified.GetProperty("verify").GetProperty("traces").EnumerateArray());

        // A scan alone (no --yes) forgets nothing and says only what it found.
        var scan = await cli.JsonAsync("forget", "--verify", Token);
        Assert.Equal(["verify"], scan.EnumerateObject().Select(p => p.Name));
    }

    [Fact(Timeout = 180_000)]
    public async Task Forget_then_verify_finds_no_trace_of_the_user_s_token_in_any_file_and_the_other_user_keeps_theirs()
    {
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "notes")).Code);
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "journal")).Code);
        string first = (await cli.RunAsync("add", $"Ursula's locker code is {Token}", "--cube", "notes", "--user", "ursula")).Out.Trim();
        Assert.Equal(0, (await cli.RunAsync("update", first, $"Ursula changed her locker code, it was {Token}", "--user", "ursula")).Code);
        Assert.Equal(0, (await cli.RunAsync("add", $"{Token} is also the wifi password", "--cube", "journal", "--user", "ursula")).Code);
        Assert.Equal(0, (await cli.RunAsync("add", "Victor waters the ferns on Fridays", "--cube", "notes", "--user", "victor")).Code);
        Assert.Equal(0, (await cli.RunAsync("search", Token, "--cube", "notes", "--user", "ursula")).Code);
        Assert.Equal(0, (await cli.RunAsync("search", Token, "--cube", "journal", "--user", "ursula")).Code);
        string cartridge = await AddDerivedAsync(MemoryId.Parse(first));

        Assert.Equal(3, (await cli.RunAsync("forget", "--verify", Token)).Code);
        var done = await cli.JsonAsync("forget", "--user", "ursula", "--yes", "--verify", Token);

        Assert.Equal((2, 2, 2, 1), (done.GetProperty("written").GetInt32(), done.GetProperty("derived").GetInt32(), done.GetProperty("cubes").GetInt32(), done.GetProperty("cartridges").GetInt32()));
        Assert.Empty(done.GetProperty("verify").GetProperty("traces").EnumerateArray());
        Assert.False(File.Exists(cartridge));
        Assert.Empty(RawScan(cli.Folder));
        var kept = await cli.JsonAsync("search", "ferns", "--cube", "notes", "--user", "victor");
        Assert.Contains("Victor waters the ferns", kept.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, (await cli.RunAsync("forget", "--verify", Token)).Code);
        Assert.Empty(RawScan(cli.Folder));
    }

    [Fact(Timeout = 180_000)]
    public async Task Purging_one_memory_then_verify_finds_no_trace_of_its_token_nor_of_what_was_derived_from_it()
    {
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "notes")).Code);
        string first = (await cli.RunAsync("add", $"Ursula's locker code is {Token}", "--cube", "notes", "--user", "ursula")).Out.Trim();
        Assert.Equal(0, (await cli.RunAsync("update", first, $"Ursula changed her locker code, it was {Token}", "--user", "ursula", "--reason", $"retyped {Token}")).Code);
        Assert.Equal(0, (await cli.RunAsync("add", "Victor waters the ferns on Fridays", "--cube", "notes", "--user", "victor")).Code);
        Assert.Equal(0, (await cli.RunAsync("search", Token, "--cube", "notes", "--user", "ursula")).Code);
        string cartridge = await AddDerivedAsync(MemoryId.Parse(first));
        Assert.Equal(3, (await cli.RunAsync("forget", "--verify", Token)).Code);

        Assert.Equal(0, (await cli.RunAsync("delete", first, "--purge", "--user", "ursula")).Code);

        Assert.False(File.Exists(cartridge));
        Assert.Equal(0, (await cli.RunAsync("forget", "--verify", Token)).Code);
        var kept = await cli.JsonAsync("search", "ferns", "--cube", "notes", "--user", "victor");
        Assert.Contains("Victor waters the ferns", kept.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_reads_the_databases_files_not_the_folder_around_it()
    {
        // The database's folder is the working directory by default: the scan read every file under it, a backup or a
        // project's notes included, and reported them as traces of the user.
        var added = await cli.RunAsync("add", "Victor waters the ferns on Fridays", "--cube", "notes", "--user", "victor");
        Assert.True(added.Code == 0, added.Err);
        Directory.CreateDirectory(Path.Combine(cli.Folder, "project"));
        await File.WriteAllTextAsync(Path.Combine(cli.Folder, "project", "notes.txt"), Token);
        await File.WriteAllTextAsync(Path.Combine(cli.Folder, "unrelated.txt"), Token);
        var clean = await cli.RunAsync("forget", "--verify", Token);
        Assert.True(clean.Code == 0, clean.Out + clean.Err);

        // What the database holds is still found.
        Assert.Equal(0, (await cli.RunAsync("add", $"Ursula's code is {Token}", "--cube", "notes", "--user", "victor")).Code);
        Assert.Equal(3, (await cli.RunAsync("forget", "--verify", Token)).Code);
    }

    [Fact]
    public async Task Verify_of_a_database_that_does_not_exist_is_refused_not_reported_clean()
    {
        // A mistyped --db scanned nothing and answered "No trace", exit 0: a clean result for files never read.
        foreach (string[] args in new[] { new[] { "forget", "--verify", Token }, ["forget", "--yes", "--verify", Token, "--user", "ursula"] })
        {
            var (code, output, err) = await cli.RunAsync(args);
            Assert.True(code == 1, $"exit {code}: {output}{err}");
            Assert.Contains(cli.DbPath, err, StringComparison.Ordinal);
            Assert.Single(err.TrimEnd().Split('\n'));
            Assert.False(File.Exists(cli.DbPath)); // refused before the forget, which would have created it
        }
    }

    [SkippableFact]
    public async Task A_verify_the_store_cannot_honour_is_refused_before_anything_is_forgotten()
    {
        // On PostgreSQL the refusal came after the erasure: exit 1 for work that was done, and its counts lost.
        string db = PostgresServer.UriOrSkip();
        string tenant = "t" + Guid.NewGuid().ToString("N")[..12];
        async Task<(int Code, string Out, string Err)> OnServerAsync(params string[] args)
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            int code = await CliApp.RunAsync(["--db", db, "--tenant", tenant, .. args], stdout, stderr, Output.TerminalKind.None);
            return (code, stdout.ToString(), stderr.ToString());
        }

        var added = await OnServerAsync("add", "Ursula's locker is 12", "--cube", "notes", "--user", "ursula");
        Assert.True(added.Code == 0, added.Err);
        var refused = await OnServerAsync("forget", "--yes", "--verify", Token, "--user", "ursula");
        Assert.Equal(1, refused.Code);
        Assert.Contains("SQLite", refused.Err, StringComparison.Ordinal);
        var kept = await OnServerAsync("list", "--cube", "notes", "--user", "ursula", "--json");
        Assert.Contains("locker is 12", kept.Out, StringComparison.Ordinal);
    }

    // A session summary and an activation memory (with its cartridge file, which holds the text) made from the first memory.
    private async Task<string> AddDerivedAsync(MemoryId source)
    {
        var system = new Scope(Scope.DefaultTenant, agent: "summarizer");
        string file = Path.Combine(cli.DbPath + ".payloads", "cartridges", "default-notes-0001.amkv"); // the database's payload folder
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, $"kv cache of: {Token}");
        await using var store = SqliteMemoryStore.Open(cli.DbPath);
        await using var memory = new MemoryOS(store, DefaultRetrievers.Create(store));
        await memory.AddAsync(new Scope(Scope.DefaultTenant), "notes", new MemoryDraft($"Summary: the locker code {Token} changed") { Links = [new MemoryLink(source, LinkTypes.DerivedFrom)] });
        await memory.AddAsync(system, "notes", new MemoryDraft($"KV cartridge of 1 memories: {Token}")
        {
            Kind = MemoryKind.Activation,
            Payload = PayloadRef.ForLocalFile(file, "application/x-agentmem-kv"),
            Links = [new MemoryLink(source, "encodes")],
        });
        return file;
    }

    private static List<string> RawScan(string folder)
    {
        // The tail too: FTS5 stores a term prefix-compressed against the one before it.
        byte[][] patterns = [Encoding.UTF8.GetBytes(Token), Encoding.Unicode.GetBytes(Token), Encoding.BigEndianUnicode.GetBytes(Token), Encoding.UTF8.GetBytes(Token[8..])];
        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => File.ReadAllBytes(f) is var bytes && patterns.Any(p => bytes.AsSpan().IndexOf(p) >= 0))
            .ToList();
    }
}
