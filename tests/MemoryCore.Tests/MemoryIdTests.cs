using AgentMem.MemoryCore.Identity;

namespace AgentMem.MemoryCore.Tests;

public sealed class MemoryIdTests
{
    [Fact]
    public void Text_round_trips_and_sorts_like_the_ids()
    {
        var ids = Enumerable.Range(0, 2000).Select(_ => MemoryId.NewId()).ToList();
        var texts = ids.Select(i => i.ToString()).ToList();

        Assert.All(texts, t => Assert.Equal(26, t.Length));
        Assert.Equal(ids, texts.Select(MemoryId.Parse));
        Assert.Equal(texts, texts.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Ids_carry_their_creation_time_and_order_by_it()
    {
        var early = MemoryId.NewId(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var late = MemoryId.NewId(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.True(early < late);
        Assert.Equal(2030, late.Timestamp.Year);
        Assert.True(string.CompareOrdinal(early.ToString(), late.ToString()) < 0);
    }

    [Fact]
    public void Ids_made_in_the_same_millisecond_are_strictly_increasing()
    {
        var now = DateTimeOffset.UtcNow.AddYears(5);
        var a = MemoryId.NewId(now);
        var b = MemoryId.NewId(now);
        var c = MemoryId.NewId(now.AddMilliseconds(-3));
        Assert.True(a < b);
        Assert.True(b < c);
    }

    [Theory]
    [InlineData("")]
    [InlineData("01HZX3Q8Y4V6N2K7M9P0R1S2T")]
    [InlineData("01HZX3Q8Y4V6N2K7M9P0R1S2T33")]
    [InlineData("01HZX3Q8Y4V6N2K7M9P0R1S2TU")]
    [InlineData("81HZX3Q8Y4V6N2K7M9P0R1S2T3")]
    [InlineData("01HZX3Q8Y4V6N2K7M9P0R1S2-3")]
    public void Malformed_text_is_rejected(string text)
    {
        Assert.False(MemoryId.TryParse(text, out _));
        Assert.Throws<FormatException>(() => MemoryId.Parse(text));
    }

    [Fact]
    public void Parsing_is_case_insensitive_and_reads_ambiguous_letters_as_digits()
    {
        var id = MemoryId.Parse("01HZX3Q8Y4V6N2K7M9P0R1S2T3");
        Assert.Equal(id, MemoryId.Parse("01hzx3q8y4v6n2k7m9p0r1s2t3"));
        Assert.Equal(id, MemoryId.Parse("OIHZX3Q8Y4V6N2K7M9P0R1S2T3"));
    }

    [Fact]
    public void Json_uses_the_text_form()
    {
        var id = MemoryId.Parse("01HZX3Q8Y4V6N2K7M9P0R1S2T3");
        string json = System.Text.Json.JsonSerializer.Serialize(new { id });
        Assert.Equal("{\"id\":\"01HZX3Q8Y4V6N2K7M9P0R1S2T3\"}", json);
        Assert.Equal(id, System.Text.Json.JsonSerializer.Deserialize<MemoryId>("\"01HZX3Q8Y4V6N2K7M9P0R1S2T3\""));
        Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<MemoryId>("\"nope\""));
    }

    [Fact]
    public void The_binary_form_round_trips_and_sorts_like_the_ids()
    {
        var ids = Enumerable.Range(0, 50).Select(i => MemoryId.NewId(DateTimeOffset.UnixEpoch.AddDays(i % 7).AddTicks(i))).ToList();
        var bytes = ids.Select(id =>
        {
            var b = new byte[MemoryId.ByteLength];
            id.WriteBytes(b);
            return b;
        }).ToList();
        Assert.Equal(ids, bytes.Select(b => MemoryId.FromBytes(b)));
        var byId = Enumerable.Range(0, ids.Count).OrderBy(i => ids[i]).ToList();
        var byBytes = Enumerable.Range(0, ids.Count).OrderBy(i => bytes[i], Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
        Assert.Equal(byId, byBytes);
        Assert.ThrowsAny<ArgumentException>(() => MemoryId.FromBytes(new byte[15]));
        Assert.ThrowsAny<ArgumentException>(() => ids[0].WriteBytes(new byte[15]));
    }
}
