using System.Text;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Export;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.MemoryCore.Tests;

/// <summary>What the <c>agentmem.cube</c> reader accepts of the archived embeddings.</summary>
public sealed class CubeArchiveReaderTests
{
    private static readonly DateTimeOffset At = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task A_vector_of_several_times_the_header_dimensions_is_read_back_whole()
    {
        // A long memory's embedding is its text's vector followed by one per passage group.
        var (archive, id) = Archive(dimensions: 4, vectorLength: 12);
        var read = await CubeArchiveReader.ReadAsync(new StringReader(await WriteAsync(archive)), "acme");

        Assert.Equal(4, read.Embeddings!.Dimensions);
        Assert.Equal(archive.Embeddings!.Vectors[id].Vector, read.Embeddings.Vectors[id].Vector);
    }

    [Theory]
    [InlineData(6)] // 1.5 times the dimension
    [InlineData(0)] // no values at all
    public async Task A_vector_that_is_not_a_whole_positive_multiple_of_the_header_dimensions_is_refused(int vectorLength)
    {
        var (archive, id) = Archive(dimensions: 4, vectorLength: vectorLength);
        string jsonl = await WriteAsync(archive);

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => CubeArchiveReader.ReadAsync(new StringReader(jsonl), "acme"));
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains(id.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Contains($"has {vectorLength} values", ex.Message, StringComparison.Ordinal);
        Assert.Contains("4", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<string> WriteAsync(CubeArchive archive)
    {
        using var stream = new MemoryStream();
        await CubeArchiveWriter.WriteAsync(archive, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static (CubeArchive Archive, MemoryId Id) Archive(int dimensions, int vectorLength)
    {
        var owner = new Scope("acme", "alice");
        var cube = new MemCube { Id = MemoryId.NewId(At).ToString(), Name = "notes", Owner = owner, CreatedAt = At, UpdatedAt = At };
        var item = new MemoryItem
        {
            Id = MemoryId.NewId(At),
            CubeId = cube.Id,
            Scope = owner,
            Text = "Likes green tea",
            ContentHash = "h",
            Provenance = new Provenance(SourceKind.Document, null, "alice", At),
            UpdatedAt = At,
        };
        var vector = Enumerable.Range(0, vectorLength).Select(i => i / 8f).ToArray();
        var embeddings = new ArchivedEmbeddings("hash-v1-4", dimensions, new Dictionary<MemoryId, StoredEmbedding> { [item.Id] = new(item.Id, "t", vector) });
        return (new CubeArchive(cube, [[item]], embeddings), item.Id);
    }
}
