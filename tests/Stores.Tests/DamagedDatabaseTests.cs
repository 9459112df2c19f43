using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Stores.Sqlite;
using AgentMem.TestSupport;
using Microsoft.Data.Sqlite;

namespace AgentMem.Stores.Tests;

/// <summary>
/// Real database files damaged on purpose (seeded): flipped header bytes, truncations, zeroed pages, flips anywhere. Each
/// must either still read or be refused with <see cref="StoreFormatException"/> naming the file, never a raw
/// <see cref="SqliteException"/> (the failure campaign found "unsupported file format" from a flipped header byte).
/// </summary>
public sealed class DamagedDatabaseTests : IDisposable
{
    private const int PageSize = 4096;
    private readonly TempFolder folder = new("damaged-db");
    private readonly byte[] valid;

    public DamagedDatabaseTests()
    {
        string path = folder.File("valid.db");
        BuildValid(path).GetAwaiter().GetResult();
        valid = File.ReadAllBytes(path);
    }

    public void Dispose() => folder.Dispose();

    [Fact]
    public void An_unknown_schema_format_number_in_the_header_is_a_typed_error_naming_the_file()
    {
        byte[] damaged = (byte[])valid.Clone();
        damaged[47] = 5; // the schema format number's low byte (SQLite reads 1 to 4; else SQLITE_ERROR 'unsupported file format')
        string path = Write("format5.db", damaged);

        var ex = Assert.Throws<StoreFormatException>(() => SqliteMemoryStore.Open(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("unsupported file format", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)] // the tables of later versions already exist, so migrating fails
    [InlineData(8)] // step 9 rewrites no row of a file past it: only its schema_migrations row is there already
    public void A_damaged_user_version_that_reruns_migrations_is_a_typed_error(byte version)
    {
        byte[] damaged = (byte[])valid.Clone();
        damaged[60] = damaged[61] = damaged[62] = 0;
        damaged[63] = version;
        string path = Write($"version{version}.db", damaged);

        var ex = Assert.Throws<StoreFormatException>(() => SqliteMemoryStore.Open(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_start_offset_that_no_time_can_have_is_a_typed_error_naming_the_file()
    {
        string path = Write("offset.db", valid);
        using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "UPDATE memories SET valid_from_offset = 100000;";
            Assert.True(cmd.ExecuteNonQuery() > 0);
        }

        await using var store = SqliteMemoryStore.Open(path);
        var ex = await Assert.ThrowsAsync<StoreFormatException>(() => store.ListAsync("acme", new MemoryFilter(), 10));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("offset of 100000 minutes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flipped_header_bits_read_or_are_refused_with_a_typed_error() =>
        AssertEachCaseTyped(64, seed: 8, (random, bytes) => FlipBits(random, bytes, span: 100));

    [Fact]
    public void Flipped_bits_anywhere_read_or_are_refused_with_a_typed_error() =>
        AssertEachCaseTyped(64, seed: 9, (random, bytes) => FlipBits(random, bytes, span: bytes.Length));

    [Fact]
    public void Truncated_files_read_or_are_refused_with_a_typed_error() =>
        AssertEachCaseTyped(32, seed: 10, (random, bytes) => bytes[..random.Next(1, bytes.Length)]);

    [Fact]
    public void Zeroed_pages_read_or_are_refused_with_a_typed_error()
    {
        int pages = valid.Length / PageSize;
        Assert.True(pages >= 4, $"the sample database has {pages} pages; the test needs a few");
        int page = 0;
        AssertEachCaseTyped(pages, seed: 11, (_, bytes) =>
        {
            Array.Clear(bytes, page++ * PageSize, PageSize);
            return bytes;
        });
    }

    private void AssertEachCaseTyped(int cases, int seed, Func<Random, byte[], byte[]> damage)
    {
        var random = new Random(seed);
        var untyped = new List<string>();
        for (int i = 0; i < cases; i++)
        {
            string path = Write($"case{i}.db", damage(random, (byte[])valid.Clone()));
            try
            {
                ReadEverything(path).GetAwaiter().GetResult();
            }
            catch (StoreFormatException ex)
            {
                Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            }
            catch (Exception ex) when (ex is not StoreFormatException)
            {
                untyped.Add($"case {i}: {ex.GetType().Name}: {ex.Message}");
            }
            finally
            {
                SqliteConnection.ClearAllPools();
            }
        }

        Assert.True(untyped.Count == 0, string.Join('\n', untyped));
    }

    private static byte[] FlipBits(Random random, byte[] bytes, int span)
    {
        for (int n = random.Next(1, 9); n > 0; n--)
        {
            bytes[random.Next(Math.Min(span, bytes.Length))] ^= (byte)(1 << random.Next(8));
        }

        return bytes;
    }

    private string Write(string name, byte[] bytes)
    {
        string path = folder.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    // What a request can touch: cubes, memories with their JSON columns, history, the lexical index, audit, stats.
    private static async Task ReadEverything(string path)
    {
        await using var store = SqliteMemoryStore.Open(path);
        foreach (var cube in await store.ListCubesAsync("acme"))
        {
            var items = await store.ListAsync("acme", new MemoryFilter { CubeId = cube.Id, States = [.. Enum.GetValues<LifecycleState>()] }, 1000);
            foreach (var item in items.Take(5))
            {
                await store.GetHistoryAsync("acme", item.Id);
            }

            await store.SearchLexicalAsync("acme", new LexicalQuery(["garden", "bike"], new MemoryFilter { CubeId = cube.Id }, 5));
        }

        await store.ReadAuditAsync("acme");
        await store.GetStatsAsync("acme", null);
    }

    // Enough memories (with updates, so history and audit hold rows) for a file of several pages; left checkpointed.
    private static async Task BuildValid(string path)
    {
        await using (var store = SqliteMemoryStore.Open(path))
        await using (var memory = new AgentMem.MemoryCore.MemoryOS(store, new AgentMem.Retrieval.Lexical.Bm25Retriever(store)))
        {
            await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
            for (int i = 0; i < 60; i++)
            {
                var added = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft($"Note {i}: Alice waters the garden and rides her bike on day {i}. " + new string('x', 200))
                {
                    Tags = [$"day{i % 7}"],
                });
                if (i % 4 == 0)
                {
                    await memory.UpdateAsync(TestDatabase.Alice, added.Id, new MemoryChange { Text = $"Note {i}, revised: the garden is done.", Reason = "revised" });
                }
            }
        }

        SqliteConnection.ClearAllPools();
    }
}
