using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using Microsoft.Extensions.DependencyInjection;

namespace AgentMem.Server.Tests;

/// <summary>
/// A purge, cube delete or user forget that committed but could not delete a cartridge file: the answer says the erasure
/// happened and names the file, instead of a bare 500 that sent the client to the server log.
/// </summary>
public sealed class ErasureFilesLeftTests
{
    [SkippableFact]
    public async Task An_erasure_that_left_a_cartridge_file_says_it_was_committed_and_names_the_file()
    {
        await using var app = await TestApp.StartAsync();
        var memory = app.App.Services.GetRequiredService<MemoryOS>();
        using var client = app.Client();
        string cartridge = Path.Combine(app.Folder, "server.db.payloads", "cartridges", "held.amkv"); // the database's payload folder
        Directory.CreateDirectory(Path.GetDirectoryName(cartridge)!);
        await File.WriteAllTextAsync(cartridge, "token ids of: alice's locker code is wombat7731");
        var payload = PayloadRef.ForLocalFile(cartridge, "application/x-agentmem-kv");
        var alice = new Scope("tenant-a", "alice");
        MemoryDraft Cartridge() => new("KV cartridge: alice's locker code is wombat7731") { Kind = MemoryKind.Activation, Payload = payload };
        await memory.CreateCubeAsync(alice, "cache");
        await memory.CreateCubeAsync(alice, "doomed");
        var purged = await memory.AddAsync(alice, "cache", Cartridge());
        await memory.AddAsync(alice, "doomed", Cartridge());

        // An immutable file: not even root may delete it (permissions do not stop root, and the purge skips anything but the intact file).
        Skip.IfNot(ImmutableFile.TrySet(cartridge, immutable: true), "needs chattr on a file system with the immutable attribute (ext4), as CI has");
        try
        {
            var purge = await client.DeleteAsync($"/v1/memories/{purged.Id}?purge=true&user=alice");
            await AssertCommittedAsync(purge, cartridge, purged.Id.ToString());
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/memories/{purged.Id}?user=alice")).StatusCode);

            var cube = await client.DeleteAsync("/v1/cubes/doomed?user=alice");
            await AssertCommittedAsync(cube, cartridge, "doomed");
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/cubes/doomed?user=alice")).StatusCode);

            var forgotten = await memory.AddAsync(alice, "cache", Cartridge());
            var forget = await client.PostAsync("/v1/users/alice/forget", null);
            await AssertCommittedAsync(forget, cartridge, "alice");
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/memories/{forgotten.Id}?user=alice")).StatusCode);
        }
        finally
        {
            ImmutableFile.TrySet(cartridge, immutable: false);
        }
    }

    [Fact]
    public async Task An_erasure_whose_index_could_not_drop_it_says_so_instead_of_zero_files_left()
    {
        // A listener failure left no file: the answer said "0 cartridge or adapter file(s) ... could not be deleted",
        // which reads as nothing gone wrong.
        await using var app = await TestApp.StartAsync();
        var memory = app.App.Services.GetRequiredService<MemoryOS>();
        using var listener = memory.AddChangeListener(new LockedSnapshotListener());
        using var client = app.Client();
        var alice = new Scope("tenant-a", "alice");
        await memory.CreateCubeAsync(alice, "notes");
        var added = await memory.AddAsync(alice, "notes", new MemoryDraft("alice's locker code is wombat7731"));

        var purge = await client.DeleteAsync($"/v1/memories/{added.Id}?purge=true&user=alice");

        Assert.Equal(HttpStatusCode.InternalServerError, purge.StatusCode);
        string detail = (await purge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("committed", detail, StringComparison.Ordinal);
        Assert.Contains("could not be dropped", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("0 cartridge", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("snapshot is locked", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/memories/{added.Id}?user=alice")).StatusCode);
    }

    private sealed class LockedSnapshotListener : IMemoryChangeListener
    {
        public void OnMemoriesChanged(string tenant, string cubeId)
        {
        }

        public void OnMemoryPurged(string tenant, string cubeId, MemoryId id) => throw new IOException("the index snapshot is locked");

        public void OnCubeDeleted(string tenant, string cubeId)
        {
        }
    }

    private static async Task AssertCommittedAsync(HttpResponseMessage response, string file, string named)
    {
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        string detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("committed", detail, StringComparison.Ordinal);
        Assert.Contains("1 cartridge or adapter file(s)", detail, StringComparison.Ordinal);
        Assert.Contains("server log", detail, StringComparison.Ordinal);
        // The server's paths and the ids of memories the caller may not read stay in the log.
        Assert.DoesNotContain(file, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetFileName(file), detail, StringComparison.Ordinal);
        Assert.DoesNotContain(named, detail, StringComparison.Ordinal);
        Assert.False(problem.TryGetProperty("files", out _));
    }
}
