using AgentMem.MemoryCore.Errors;
using AgentMem.Stores.Common;

namespace AgentMem.Stores.Tests;

public sealed class EmbeddingBlobTests
{
    [Fact]
    public void Dense_and_sparse_vectors_read_back_exactly_up_to_the_largest_sparse_dimension()
    {
        float[] dense = [0.25f, -1.5f, 3f];
        var sparse = new float[ushort.MaxValue + 1];
        sparse[0] = 1f;
        sparse[ushort.MaxValue] = -0.125f;

        Assert.Equal(dense, EmbeddingBlob.Decode(EmbeddingBlob.Encode(dense)));
        byte[] blob = EmbeddingBlob.Encode(sparse);
        Assert.Equal(5 + (2 * 6), blob.Length);
        Assert.Equal(sparse, EmbeddingBlob.Decode(blob));
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0 })] // no whole header
    [InlineData(new byte[] { 3, 1, 0, 0, 0, 0, 0, 0, 0 })] // no such format
    [InlineData(new byte[] { 1, 0, 0, 0, 0 })] // dimension 0
    [InlineData(new byte[] { 1, 2, 0, 0, 0, 0, 0, 0, 0 })] // dense, 2 components in 4 bytes
    [InlineData(new byte[] { 2, 2, 0, 0, 0, 2, 0, 0, 0, 0x80, 0x3F })] // sparse, index 2 of dimension 2
    [InlineData(new byte[] { 2, 0xFF, 0xFF, 0xFF, 0x7F })] // sparse, dimension int.MaxValue: never written sparse
    [InlineData(new byte[] { 2, 0x01, 0x00, 0x01, 0x00 })] // sparse, dimension 65,537: beyond what a u16 index addresses
    [InlineData(new byte[] { 1, 0x01, 0x00, 0x00, 0x40, 0, 0, 0, 0 })] // dense, dimension 2^30 + 1, whose 4 bytes each overflow int to 4
    public void Damaged_bytes_are_refused_as_a_damaged_store(byte[] blob) =>
        Assert.Throws<StoreFormatException>(() => EmbeddingBlob.Decode(blob));
}
