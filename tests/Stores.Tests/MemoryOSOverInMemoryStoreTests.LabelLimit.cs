using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Notes;

namespace AgentMem.Stores.Tests;

/// <summary>MemoryOSOptions.MaxLabels: how many tags, and how many keywords, one memory may carry.</summary>
public sealed partial class MemoryOSOverInMemoryStoreTests
{
    [Fact]
    public async Task More_tags_or_keywords_than_the_limit_are_refused_naming_it()
    {
        // Its text held to 4 MiB, a memory of two bytes carried 30,000 tags (52 MB of database for two versions).
        string[] many = [.. Enumerable.Range(0, 10_000).Select(i => $"label {i}")];
        var tags = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(Alice, "notes", new MemoryDraft("hi") { Tags = many }));
        Assert.Contains("MaxLabels", tags.Message, StringComparison.Ordinal);
        Assert.Contains("100", tags.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(Alice, "notes", new MemoryDraft("hi") { Keywords = many[..101] }));
        Assert.Empty(await memory.ListAsync(Alice, "notes").ToListAsync());

        // At the limit is fine; duplicates count once, as they are stored once.
        var added = await memory.AddAsync(Alice, "notes", new MemoryDraft("hi") { Tags = [.. many[..100], "LABEL 0"], Keywords = many[..100] });
        Assert.Equal(100, (await memory.GetAsync(Alice, added.Id)).Tags.Count);
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.UpdateAsync(Alice, added.Id, new MemoryChange { Tags = many[..101] }));
    }

    [Fact]
    public async Task The_limit_is_an_option_and_a_note_never_takes_a_memory_past_it()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryOSOptions { MaxLabels = 0 }.Validate());
        await using var small = InMemoryMemory.Open(new MemoryOSOptions { MaxLabels = 3 });
        await small.CreateCubeAsync(Alice, "notes");
        await Assert.ThrowsAsync<MemoryValidationException>(() => small.AddAsync(Alice, "notes", new MemoryDraft("hi") { Tags = ["a", "b", "c", "d"] }));

        // The extractor's keywords join the draft's up to the limit, where they made the note's own add fail.
        using var keeper = new NoteKeeper(small);
        var note = await keeper.AddAsync(Alice, "notes", new MemoryDraft("We took the kids camping at Lake Tahoe yesterday.") { Keywords = ["one", "two", "three"] });
        Assert.Equal(["one", "two", "three"], (await small.GetAsync(Alice, note.Added.Id)).Keywords);
    }
}
