using System.Buffers.Binary;
using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Vectors;

public sealed class VecsFileTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-vecs-tests", Guid.NewGuid().ToString("N"));

    public VecsFileTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Fvecs_and_ivecs_round_trip()
    {
        string f = Path.Combine(folder, "a.fvecs");
        string i = Path.Combine(folder, "a.ivecs");
        VecsFile.WriteFvecs(f, new VectorRows<float>(3, 2, [1, 2, 3, 4.5f, -5, 6]));
        VecsFile.WriteIvecs(i, new VectorRows<int>(2, 3, [1, 2, 3, 4, 5, 6]));
        Assert.Equal(2 * (4 + 12), new FileInfo(f).Length);
        var floats = VecsFile.ReadFvecs(f);
        Assert.Equal((3, 2), (floats.Dimension, floats.Count));
        Assert.Equal([4.5f, -5, 6], floats.Row(1).ToArray());
        var ints = VecsFile.ReadIvecs(i, limit: 2);
        Assert.Equal(2, ints.Count);
        Assert.Equal([3, 4], ints.Row(1).ToArray());
    }

    [Fact]
    public void Malformed_files_fail_clearly()
    {
        string path = Path.Combine(folder, "bad.fvecs");
        File.WriteAllBytes(path, []);
        Assert.Contains("empty", Assert.Throws<VectorFormatException>(() => VecsFile.ReadFvecs(path)).Message, StringComparison.Ordinal);

        File.WriteAllBytes(path, Row(-3, 0));
        Assert.Contains("dimension -3", Assert.Throws<VectorFormatException>(() => VecsFile.ReadFvecs(path)).Message, StringComparison.Ordinal);

        File.WriteAllBytes(path, [.. Row(2, 2), .. Row(2, 1)[..^2]]);
        Assert.Contains("whole number", Assert.Throws<VectorFormatException>(() => VecsFile.ReadFvecs(path)).Message, StringComparison.Ordinal);

        File.WriteAllBytes(path, [.. Row(2, 2), .. Row(1, 2)]); // same length, second header says 1
        Assert.Contains("row 1 has dimension 1", Assert.Throws<VectorFormatException>(() => VecsFile.ReadFvecs(path)).Message, StringComparison.Ordinal);

        VecsFile.WriteFvecs(path, new VectorRows<float>(2, 1, [1, float.NaN]));
        Assert.Contains("non-finite", Assert.Throws<VectorFormatException>(() => VecsFile.ReadFvecs(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_limit_is_refused_as_out_of_range()
    {
        string path = Path.Combine(folder, "a.fvecs");
        VecsFile.WriteFvecs(path, new VectorRows<float>(3, 2, [1, 2, 3, 4, 5, 6]));
        Assert.Equal("limit", Assert.Throws<ArgumentOutOfRangeException>(() => VecsFile.ReadFvecs(path, limit: -1)).ParamName);
        Assert.Equal("limit", Assert.Throws<ArgumentOutOfRangeException>(() => VecsFile.ReadIvecs(path, limit: -1)).ParamName);
        Assert.Equal(0, VecsFile.ReadFvecs(path, limit: 0).Count);
    }

    private static byte[] Row(int dimension, int values)
    {
        var bytes = new byte[4 + (values * 4)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, dimension);
        return bytes;
    }
}
