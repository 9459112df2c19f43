using AgentMem.MemoryCore.Cubes;

namespace AgentMem.MemoryCore.Tests;

public sealed class CubeNamesTests
{
    [Fact]
    public void A_name_that_fits_is_the_prefix_and_the_id()
    {
        Assert.Equal("user-alice", CubeNames.Derived("user-", "alice"));
        string fits = new('a', 123);
        Assert.Equal("user-" + fits, CubeNames.Derived("user-", fits));
    }

    [Fact]
    public void A_long_id_is_shortened_to_128_characters_with_a_hash_so_ids_with_the_same_start_differ()
    {
        string first = new string('a', 200) + "1", second = new string('a', 200) + "2";
        string a = CubeNames.Derived("chat-", first), b = CubeNames.Derived("chat-", second);

        Assert.Equal(128, a.Length);
        Assert.Equal(128, b.Length);
        Assert.NotEqual(a, b);
        Assert.StartsWith("chat-aaaa", a, StringComparison.Ordinal);
        Assert.Matches("-[0-9a-f]{16}$", a);
        Assert.Equal(a, CubeNames.Derived("chat-", first));
    }

    [Fact]
    public void A_prefix_that_leaves_no_room_for_the_hash_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CubeNames.Derived(new string('p', 112), "x"));
        Assert.Throws<ArgumentNullException>(() => CubeNames.Derived("user-", null!));
    }
}
