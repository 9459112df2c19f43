using System.Buffers.Binary;
using System.Text;
using AgentMem.Common;

namespace AgentMem.ModelHost.Tests;

/// <summary>
/// The safetensors header check on open: tensors must tile the data section exactly (in any header order), as the reference
/// safetensors library requires, with element counts that fit and each name once.
/// </summary>
public sealed class SafetensorsReaderTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("agentmem-safetensors-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Tensors_that_tile_the_data_open_in_any_header_order()
    {
        string path = Write("""{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"empty":{"dtype":"F16","shape":[0,3],"data_offsets":[8,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 16);
        using var reader = SafetensorsReader.Open(path);
        Assert.Equal(["a", "b", "empty"], reader.Tensors.Keys.Order(StringComparer.Ordinal));
        float[] b = new float[2];
        reader.Read("b", [2], b);
        Assert.Equal([2f, 3f], b);
    }

    [Theory]
    [InlineData("overflow", """{"a":{"dtype":"F32","shape":[4611686018427387905],"data_offsets":[0,4]}}""", 4, "tensor 'a'", "overflow")]
    [InlineData("overlap", """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 16, "tensor 'b'", "overlaps tensor 'a'")]
    [InlineData("duplicate", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", 16, "tensor 'a'", "twice")]
    [InlineData("gap", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}""", 20, "tensor 'b'", "gap")]
    [InlineData("late-start", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "tensor 'a'", "gap")]
    [InlineData("trailing", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 12, "tensor 'a'", "4 bytes")]
    public void A_header_whose_tensors_do_not_tile_the_data_is_refused_naming_the_tensor_and_file(string name, string header, int dataBytes, string tensor, string problem)
    {
        // An element count that wrapped (2^62 F32 elements in 4 bytes), overlapping ranges (the same bytes read as two tensors:
        // the reference library's guard against polyglot files) and a name given twice (the last entry won) all opened.
        string path = Write(header, dataBytes, name);
        var ex = Assert.Throws<ModelFormatException>(() => SafetensorsReader.Open(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(tensor, ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>An 8-byte header length, <paramref name="header"/>, and <paramref name="dataBytes"/> bytes of floats 0, 1, 2, ….</summary>
    private string Write(string header, int dataBytes, string name = "model")
    {
        string path = Path.Combine(folder, name + ".safetensors");
        byte[] json = Encoding.UTF8.GetBytes(header);
        byte[] bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        for (int i = 0; i + 4 <= dataBytes; i += 4)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + json.Length + i), i / 4);
        }

        File.WriteAllBytes(path, bytes);
        return path;
    }
}
