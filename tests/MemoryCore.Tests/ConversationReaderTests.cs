using System.Text;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Import;
using AgentMem.MemoryCore.Model;

namespace AgentMem.MemoryCore.Tests;

public sealed class ConversationReaderTests
{
    private static Task<ConversationDocument> Read(string json) =>
        ConversationReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test.json");

    [Fact]
    public async Task The_sample_in_examples_reads_and_maps_to_drafts()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "AgentMem.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repo root not found");
        }

        var doc = await ConversationReader.ReadFileAsync(Path.Combine(root, "examples", "conversations", "sample-conversation.json"));
        Assert.Equal("maya-and-leo", doc.Id);
        Assert.Equal(3, doc.Sessions.Count);
        Assert.Equal(35, doc.TurnCount);

        var drafts = ConversationImporter.ToDrafts(doc);
        Assert.Equal(35, drafts.Count);
        Assert.Equal("maya-and-leo/s2:1", drafts[11].SourceRef);
        Assert.Equal("Leo", drafts[11].Actor);
        Assert.Equal("s2", drafts[11].Session);
        Assert.Equal(new DateTimeOffset(2026, 4, 18, 20, 0, 0, TimeSpan.Zero), drafts[11].ValidFrom);
        Assert.All(drafts, d => Assert.Equal(SourceKind.Conversation, d.Source));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "root must be an object")]
    [InlineData("{\"format\":\"other\",\"id\":\"x\",\"sessions\":[]}", "$.format")]
    [InlineData("{\"format\":\"agentmem.conversation.v1\",\"sessions\":[]}", "$.id")]
    [InlineData("{\"format\":\"agentmem.conversation.v1\",\"id\":\"x\"}", "$.sessions")]
    [InlineData("{\"format\":\"agentmem.conversation.v1\",\"id\":\"x\",\"sessions\":[{\"turns\":[{\"speaker\":\"A\"}]}]}", "$.sessions[0].turns[0].text")]
    [InlineData("{\"format\":\"agentmem.conversation.v1\",\"id\":\"x\",\"sessions\":[{\"turns\":[{\"speaker\":\"A\",\"text\":\"\\u200B\\uFEFF\"}]}]}", "$.sessions[0].turns[0].text")] // invisible alone: blank
    [InlineData("{\"format\":\"agentmem.conversation.v1\",\"id\":\"x\",\"sessions\":[{\"date\":\"last tuesday\",\"turns\":[]}]}", "not an ISO-8601")]
    [InlineData("{\"format\":\"agentmem.conversation.v1\",\"id\":\"x\",\"sessions\":[{\"date\":\"05/07/2023\",\"turns\":[]}]}", "not an ISO-8601")] // 7 May or 5 July?
    [InlineData("{\"format\":\"agentmem.conversation.v1\",\"id\":\"x\",\"sessions\":[{\"date\":\"9999-12-31T23:00-05:00\",\"turns\":[]}]}", "outside the supported range")]
    [InlineData("{\"format\":\"agentmem.conversation.v1\",\"id\":\"x\",\"sessions\":[{\"turns\":[{\"id\":\"t\",\"speaker\":\"A\",\"text\":\"a\"},{\"id\":\"t\",\"speaker\":\"B\",\"text\":\"b\"}]}]}", "duplicate turn id")]
    [InlineData("{\"format\":\"agentmem.conversation.v1\",\"id\":\"x\",\"sessions\":[{\"turns\":[{\"speaker\":\"A\",\"text\":5}]}]}", "must be a string")]
    public async Task Broken_files_name_the_path_at_fault(string json, string expected)
    {
        var ex = await Assert.ThrowsAsync<ConversationFormatException>(() => Read(json));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_ids_are_derived_from_positions()
    {
        var doc = await Read("{\"format\":\"agentmem.conversation.v1\",\"id\":\"x\",\"sessions\":[{\"turns\":[{\"speaker\":\"A\",\"text\":\"hi\"}]}]}");
        Assert.Equal("1", doc.Sessions[0].Id);
        Assert.Equal("1:1", doc.Sessions[0].Turns[0].Id);
    }
}
