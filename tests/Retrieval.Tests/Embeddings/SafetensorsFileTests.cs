using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.Embeddings.Bert;

namespace AgentMem.Retrieval.Tests.Embeddings;

public sealed class SafetensorsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agentmem-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string PathOf(string name) => System.IO.Path.Combine(_dir, name);

    [Theory]
    [InlineData("F32", 0.0)]
    [InlineData("F16", 1e-3)]
    [InlineData("BF16", 1e-2)]
    public void Round_trips_tensors_with_shapes_and_metadata(string dtype, double tolerance)
    {
        float[] a = [1f, -2.5f, 3.25f, 0.1f, 1e-3f, 7f];
        float[] b = [42f];
        SafetensorsWriter.Write(PathOf("m.safetensors"), [("a", [2, 3], a), ("b.bias", [1], b)], dtype);
        using SafetensorsFile file = SafetensorsFile.Open(PathOf("m.safetensors"));
        Assert.Equal([2, 3], file.Tensors["a"].Shape);
        Assert.Equal(dtype, file.Tensors["a"].DType);
        Assert.Equal("pt", file.Metadata["format"]);
        float[] read = file.ReadFloats("a");
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - read[i]) <= tolerance * Math.Max(1, Math.Abs(a[i])), $"{dtype} element {i}: {a[i]} vs {read[i]}");
        }

        Assert.Equal(42f, file.ReadFloats("b.bias")[0]);
    }

    [Fact]
    public void Truncated_file_fails_on_open()
    {
        SafetensorsWriter.Write(PathOf("m.safetensors"), [("a", [4, 4], new float[16])]);
        byte[] bytes = File.ReadAllBytes(PathOf("m.safetensors"));
        File.WriteAllBytes(PathOf("cut.safetensors"), bytes[..^10]);
        var ex = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(PathOf("cut.safetensors")));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        File.WriteAllBytes(PathOf("tiny.safetensors"), bytes[..5]);
        Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(PathOf("tiny.safetensors")));
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", "needs 8")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "overlap")]
    [InlineData("""{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""", "unknown dtype")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "shape")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2]}}""", "data_offsets")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "invalid data_offsets")]
    [InlineData("""[1,2]""", "not a JSON object")]
    [InlineData("""{"a": nope""", "not JSON")]
    public void Bad_headers_are_model_format_errors(string header, string expectedText)
    {
        SafetensorsWriter.WriteRaw(PathOf("bad.safetensors"), header, new byte[8]);
        var ex = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(PathOf("bad.safetensors")));
        Assert.Contains(expectedText, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absurd_header_length_and_missing_file_are_model_format_errors()
    {
        SafetensorsWriter.WriteRaw(PathOf("len.safetensors"), "{}", new byte[8], declaredLength: ulong.MaxValue);
        Assert.Contains("header length", Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(PathOf("len.safetensors"))).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(PathOf("none.safetensors"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_float_tensors_are_listed_but_not_read_as_floats()
    {
        // Old BERT checkpoints carry an I64 "embeddings.position_ids" buffer.
        SafetensorsWriter.WriteRaw(PathOf("i64.safetensors"), """{"position_ids":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]}}""", new byte[16]);
        using SafetensorsFile file = SafetensorsFile.Open(PathOf("i64.safetensors"));
        Assert.True(file.Contains("position_ids"));
        Assert.Contains("I64", Assert.Throws<ModelFormatException>(() => file.ReadFloats("position_ids")).Message, StringComparison.Ordinal);
        Assert.Throws<ModelFormatException>(() => file.ReadFloats("missing"));
    }
}
