using System.Text.Json.Nodes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Import;
using AgentMem.MemoryCore.Model;

namespace AgentMem.MemoryCore.Tests.Import;

/// <summary>Mem0 exports go to the store directly: what the facade would refuse is refused here, before anything is written.</summary>
public sealed class Mem0ReaderTests
{
    [Fact]
    public void Each_id_carries_its_memory_s_creation_time_whatever_the_order_of_the_export()
    {
        _ = MemoryId.NewId(); // this process has made an id now: a later one at an earlier time used to take this one's time
        var items = Mem0Reader.Read(
            """
            [{"id":"new","memory":"Moved to Oslo","created_at":"2024-07-22T09:00:00Z"},
             {"id":"old","memory":"Lives in Bergen","created_at":"2019-03-01T12:30:00Z"},
             {"id":"far","memory":"Plans a trip","created_at":"2099-01-01T00:00:00Z"}]
            """,
            "acme",
            "cube1");

        Assert.Equal(
            [new DateTimeOffset(2024, 7, 22, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2019, 3, 1, 12, 30, 0, TimeSpan.Zero), new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero)],
            items.Select(i => i.Id.Timestamp));
        Assert.True(MemoryId.NewId().Timestamp < new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero)); // the far future did not leak into later ids
    }

    [Fact]
    public void A_metadata_entry_or_category_too_long_for_a_tag_is_kept_in_the_context_instead_of_refusing_the_file()
    {
        // A URL, a JSON object or a note in the metadata is ordinary: one over the tag limit refused the whole file.
        string url = "https://example.com/" + new string('x', 150);
        string category = new string('c', 129);
        string json = $$$"""
            [{"id":"m1","memory":"Likes tea","created_at":"2024-07-22T09:00:00Z","categories":["food","{{{category}}}"],
              "metadata":{"page":{"n":1,"text":"{{{new string('p', 120)}}}"},"source_url":"{{{url}}}","source":"chat"}}]
            """;

        var item = Assert.Single(Mem0Reader.Read(json, "acme", "cube1"));

        Assert.Equal(["mem0", "food", "mem0.meta.source=chat"], item.Tags);
        Assert.Equal(
            $$$"""
            mem0.category={{{category}}}
            mem0.meta.page={"n":1,"text":"{{{new string('p', 120)}}}"}
            mem0.meta.source_url={{{url}}}
            """.ReplaceLineEndings("\n"),
            item.Context);
    }

    [Fact]
    public void Metadata_past_the_limit_on_tags_is_kept_in_the_context_and_the_mem0_and_hash_tags_stay()
    {
        // Every metadata entry became a tag, so an export with a large metadata object gave a memory more tags than any
        // write may give it (MemoryOSOptions.MaxLabels).
        string metadata = string.Join(",", Enumerable.Range(0, 150).Select(i => $"\"k{i:D3}\":\"v\""));
        string json = $$$"""[{"id":"m1","memory":"Likes tea","created_at":"2024-07-22T09:00:00Z","hash":"abc","categories":["food"],"metadata":{{{{metadata}}}}}]""";

        var item = Assert.Single(Mem0Reader.Read(json, "acme", "cube1"));

        Assert.Equal(new MemoryOSOptions().MaxLabels, item.Tags.Count);
        Assert.Equal(["mem0", "food"], item.Tags.Take(2));
        Assert.Equal("mem0.hash=abc", item.Tags[^1]);
        string[] moved = item.Context!.Split('\n');
        Assert.Equal(150 - (item.Tags.Count - 3), moved.Length);
        Assert.Equal("mem0.meta.k149=v", moved[^1]);
        Assert.Equal(10, Assert.Single(Mem0Reader.Read(json, new Scope("acme"), "cube1", maxLabels: 10)).Tags.Count);
    }

    [Fact]
    public void Metadata_too_long_even_for_the_context_is_refused_naming_the_memory()
    {
        string json = $$$"""[{"id":"m1","memory":"Likes tea","created_at":"2024-07-22T09:00:00Z","metadata":{"blob":"{{{new string('x', 70_000)}}}"}}]""";
        var ex = Assert.Throws<MemoryValidationException>(() => Mem0Reader.Read(json, "acme", "cube1"));
        Assert.Contains("m1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_text_over_the_content_limit_or_blank_is_refused_and_blank_categories_are_skipped()
    {
        string big = $$"""[{"id":"m1","memory":"{{new string('x', 200)}}","created_at":"2024-07-22T09:00:00Z"}]""";
        Assert.Throws<MemoryValidationException>(() => Mem0Reader.Read(big, "acme", "cube1", maxContentBytes: 100));
        Assert.Single(Mem0Reader.Read(big, "acme", "cube1", maxContentBytes: 1000));

        Assert.Throws<MemoryValidationException>(() => Mem0Reader.Read("""[{"id":"m2","memory":"   ","created_at":"2024-07-22T09:00:00Z"}]""", "acme", "cube1"));

        var item = Assert.Single(Mem0Reader.Read("""[{"id":"m3","memory":"Likes tea","created_at":"2024-07-22T09:00:00Z","categories":["food","", " ", null]}]""", "acme", "cube1"));
        Assert.Equal(["mem0", "food"], item.Tags);
    }

    [Theory]
    [InlineData("m1", "a\\u0000b")] // PostgreSQL's text cannot hold a NUL; SQLite kept it, and its cube's export failed to import
    [InlineData("m\\u0000", "bob")] // the source reference, mem0:ID
    [InlineData("m1", "LONG")]
    [InlineData("LONG", "bob")]
    public void An_actor_or_source_reference_the_facade_would_refuse_is_refused(string id, string actor)
    {
        static string Long(string s) => s == "LONG" ? new string('a', 1025) : s; // over 1,024 bytes
        string json = $$"""[{"id":"{{Long(id)}}","memory":"Likes tea","created_at":"2024-07-22T09:00:00Z","actor_id":"{{Long(actor)}}"}]""";
        var ex = Assert.Throws<MemoryValidationException>(() => Mem0Reader.Read(json, "acme", "cube1"));
        Assert.Contains("Mem0 memory #1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_actor_is_trimmed_and_a_blank_one_is_absent_as_the_facade_makes_them()
    {
        var items = Mem0Reader.Read(
            """
            [{"id":"m1","memory":"Likes tea","created_at":"2024-07-22T09:00:00Z","actor_id":"  "},
             {"id":"m2","memory":"Likes coffee","created_at":"2024-07-22T09:00:00Z","actor_id":" bob "}]
            """,
            "acme",
            "cube1");
        Assert.Equal(["mem0", "bob"], items.Select(i => i.Provenance.Actor));
    }

    [Fact]
    public void An_importer_with_a_user_or_agent_writes_as_it_and_refuses_a_memory_naming_another()
    {
        string json = """
            [{"id":"m1","memory":"Likes tea","created_at":"2024-07-22T09:00:00Z"},
             {"id":"m2","memory":"Likes coffee","created_at":"2024-07-22T09:00:00Z","user_id":"alice","agent_id":"bot","run_id":"r1"}]
            """;

        // Refused as access, not as a bad file: the file is fine for its own user.
        var refused = Assert.Throws<AccessDeniedException>(() => Mem0Reader.Read(json, new Scope("acme", "mallory"), "cube1"));
        Assert.Contains("Mem0 memory #2 (mem0:m2) names user 'alice'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("agent 'bot'", Assert.Throws<AccessDeniedException>(() => Mem0Reader.Read(json, new Scope("acme", "alice", "helper"), "cube1")).Message, StringComparison.Ordinal);

        Assert.Equal(
            [new Scope("acme", "alice", "bot", "s9"), new Scope("acme", "alice", "bot", "r1")],
            Mem0Reader.Read(json, new Scope("acme", "alice", "bot", "s9"), "cube1").Select(i => i.Scope));
        // An importer naming only a user (an agent) writes as no agent (no user) either: the file's other field is refused.
        Assert.Contains("agent 'bot'", Assert.Throws<AccessDeniedException>(() => Mem0Reader.Read(json, new Scope("acme", "alice"), "cube1")).Message, StringComparison.Ordinal);
        Assert.Contains("user 'alice'", Assert.Throws<AccessDeniedException>(() => Mem0Reader.Read(json, new Scope("acme", null, "bot"), "cube1")).Message, StringComparison.Ordinal);
        string own = """[{"id":"m3","memory":"Likes cocoa","created_at":"2024-07-22T09:00:00Z","user_id":"alice","run_id":"r2"}]""";
        Assert.Equal([new Scope("acme", "alice", null, "r2")], Mem0Reader.Read(own, new Scope("acme", "alice"), "cube1").Select(i => i.Scope));
        Assert.Equal([new Scope("acme"), new Scope("acme", "alice", "bot", "r1")], Mem0Reader.Read(json, "acme", "cube1").Select(i => i.Scope));
    }

    [Fact]
    public void A_number_for_an_id_user_agent_or_run_is_taken_as_its_text()
    {
        // Many exports that are not Python's write numeric ids: a user_id of 12345 read as absent made the user's memory one
        // every user of the cube could read, and one 'forget --user 12345' missed.
        var item = Assert.Single(Mem0Reader.Read("""[{"id":17,"memory":"Bob's PIN is 4321","created_at":"2024-07-01T10:00:00Z","user_id":12345,"agent_id":7,"run_id":3}]""", "acme", "cube1"));

        Assert.Equal(new Scope("acme", "12345", "7", "3"), item.Scope);
        Assert.Equal("mem0:17", item.Provenance.SourceRef);
        Assert.Throws<AccessDeniedException>(() => Mem0Reader.Read("""[{"id":1,"memory":"Likes tea","created_at":"2024-07-01T10:00:00Z","user_id":12345}]""", new Scope("acme", "carol"), "cube1"));
    }

    [Fact]
    public void An_epoch_number_for_a_time_is_read_as_seconds_and_a_millisecond_one_is_refused()
    {
        var item = Assert.Single(Mem0Reader.Read("""[{"id":"m1","memory":"Likes tea","created_at":1719828000,"updated_at":1719828060.5}]""", "acme", "cube1"));
        var created = new DateTimeOffset(2024, 7, 1, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal((created, created.AddSeconds(60.5)), (item.Provenance.RecordedAt, item.UpdatedAt));

        // Milliseconds are not guessed at: read as seconds, today's lie past the year 9999, so they are refused, never misread.
        var ex = Assert.Throws<MemoryValidationException>(() => Mem0Reader.Read("""[{"id":"m1","memory":"Likes tea","created_at":1719828000000}]""", "acme", "cube1"));
        Assert.Contains("'created_at'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("seconds", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user_id", "true", "boolean")]
    [InlineData("agent_id", "{}", "object")]
    [InlineData("run_id", "[1]", "array")]
    [InlineData("memory", "5", "number")]
    [InlineData("memory", "null", "null")]
    [InlineData("hash", "12", "number")]
    [InlineData("actor_id", "false", "boolean")]
    [InlineData("categories", "\"finance\"", "string")]
    [InlineData("categories", "[\"food\",7]", "number")]
    [InlineData("metadata", "\"note\"", "string")]
    [InlineData("metadata", "[]", "array")]
    [InlineData("created_at", "{}", "object")]
    [InlineData("updated_at", "true", "boolean")]
    public void A_field_of_the_wrong_json_type_is_refused_naming_it_the_memory_and_the_type_found(string field, string value, string type)
    {
        // Read as absent, "categories":"finance" and "metadata":"note" vanished without a word, and a memory of no text was
        // called "missing" though the file has one.
        var second = new JsonObject { ["id"] = "m2", ["memory"] = "Likes coffee", ["created_at"] = "2024-07-22T09:00:00Z" };
        second[field] = JsonNode.Parse(value);
        string json = $$"""[{"id":"m1","memory":"Likes tea","created_at":"2024-07-22T09:00:00Z"},{{second.ToJsonString()}}]""";

        var ex = Assert.Throws<MemoryValidationException>(() => Mem0Reader.Read(json, "acme", "cube1"));

        Assert.StartsWith("Mem0 memory #2 (id m2): ", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{field}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"(found {type})", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("missing", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", "boolean")]
    [InlineData("null", "null")]
    [InlineData("\"\"", "an empty string")]
    public void An_id_of_the_wrong_json_type_is_refused_naming_the_memory_by_its_position(string value, string found)
    {
        var ex = Assert.Throws<MemoryValidationException>(() => Mem0Reader.Read($$"""[{"id":{{value}},"memory":"Likes tea","created_at":"2024-07-22T09:00:00Z"}]""", "acme", "cube1"));
        Assert.StartsWith("Mem0 memory #1: 'id'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(found, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_an_absent_field_is_missing_and_null_optional_fields_are_absent()
    {
        // Mem0 writes null for what a memory has not (agent_id, run_id, updated_at, metadata).
        var item = Assert.Single(Mem0Reader.Read("""[{"id":"m1","memory":"Likes tea","created_at":"2024-07-22T09:00:00Z","user_id":null,"agent_id":null,"run_id":null,"updated_at":null,"hash":null,"metadata":null,"categories":null}]""", "acme", "cube1"));
        Assert.Equal((new Scope("acme"), item.Provenance.RecordedAt), (item.Scope, item.UpdatedAt));
        Assert.Equal(["mem0"], item.Tags);

        var ex = Assert.Throws<MemoryValidationException>(() => Mem0Reader.Read("""[{"id":"m1","memory":"Likes tea"}]""", "acme", "cube1"));
        Assert.Equal("Mem0 memory #1 (id m1): 'created_at' is missing.", ex.Message);
        ex = Assert.Throws<MemoryValidationException>(() => Mem0Reader.Read("""[{"id":"m1","memory":"Likes tea","created_at":"yesterday"}]""", "acme", "cube1"));
        Assert.Contains("'created_at'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("yesterday", ex.Message, StringComparison.Ordinal);
    }
}
