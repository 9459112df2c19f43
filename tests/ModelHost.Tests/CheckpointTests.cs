using AgentMem.Common;

namespace AgentMem.ModelHost.Tests;

/// <summary>The llama2.c checkpoint reader: header, sizes, and refusal of bad files.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-modelhost-tests", Guid.NewGuid().ToString("N"));

    public CheckpointTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Stories260K_header_is_read()
    {
        var c = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        Assert.Equal(new LlamaConfig(64, 172, 5, 8, 4, 512, 512, SharedClassifier: true), c.Config);
        Assert.Equal(8, c.Config.HeadSize);
        Assert.Equal(32, c.Config.KvDim);
        Assert.Same(c.Weights.TokenEmbedding, c.Weights.Classifier);
        Assert.Equal(5 * 64 * 64, c.Weights.Wq.Length);
        Assert.Equal(5 * 32 * 64, c.Weights.Wk.Length);
        Assert.Equal(64, c.Weights.RmsFinal.Length);
    }

    [Fact]
    public void Truncated_file_is_refused_with_sizes_in_the_message()
    {
        byte[] bytes = File.ReadAllBytes(RepoPaths.StoriesModel);
        string path = Path.Combine(folder, "truncated.bin");
        File.WriteAllBytes(path, bytes[..^100]);
        var ex = Assert.Throws<ModelFormatException>(() => Llama2cCheckpoint.Load(path));
        Assert.Contains("needs", ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extra_bytes_are_refused()
    {
        byte[] bytes = File.ReadAllBytes(RepoPaths.StoriesModel);
        string path = Path.Combine(folder, "long.bin");
        File.WriteAllBytes(path, [.. bytes, 0, 0, 0, 0]);
        Assert.Throws<ModelFormatException>(() => Llama2cCheckpoint.Load(path));
    }

    [Fact]
    public void Negative_vocab_expects_a_separate_classifier()
    {
        // Flip the vocab sign: the same bytes now lack the [vocab × dim] classifier, so the length check fails.
        byte[] bytes = File.ReadAllBytes(RepoPaths.StoriesModel);
        BitConverter.TryWriteBytes(bytes.AsSpan(20), -512);
        string path = Path.Combine(folder, "sep.bin");
        File.WriteAllBytes(path, bytes);
        Assert.Throws<ModelFormatException>(() => Llama2cCheckpoint.Load(path));

        // Appending a classifier makes it valid, and the classifier is then its own array.
        var classifier = new byte[512 * 64 * 4];
        File.WriteAllBytes(path, [.. bytes, .. classifier]);
        var c = Llama2cCheckpoint.Load(path);
        Assert.False(c.Config.SharedClassifier);
        Assert.NotSame(c.Weights.TokenEmbedding, c.Weights.Classifier);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 8, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x80, 8, 0, 0, 0 })] // vocab int.MinValue: Math.Abs threw OverflowException
    public void Garbage_is_refused(byte[] content)
    {
        string path = Path.Combine(folder, "garbage.bin");
        File.WriteAllBytes(path, content);
        Assert.Throws<ModelFormatException>(() => Llama2cCheckpoint.Load(path));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_llama2c_versioned_export_is_named_with_how_to_re_export_it(int version)
    {
        // export.py --version 1 / 2 writes the magic "ak42" and a version before its own header: it was read as the legacy
        // header and reported as garbage ("not a llama2.c checkpoint (header dim=1634415666 ...)").
        byte[] bytes = new byte[256];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), 0x616b3432u);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), version);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), 64);
        string path = Path.Combine(folder, $"v{version}.bin");
        File.WriteAllBytes(path, bytes);
        string message = Assert.Throws<ModelFormatException>(() => LlamaModel.Load(path)).Message;
        Assert.Contains($"llama2.c version {version} checkpoint", message, StringComparison.Ordinal);
        Assert.Contains("--version 0", message, StringComparison.Ordinal);
        Assert.Contains("Hugging Face", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(24)] // the smallest GGUF header: shorter than llama2.c's
    [InlineData(4096)]
    public void A_GGUF_file_is_named_as_such_with_the_formats_that_load(int length)
    {
        byte[] bytes = new byte[length];
        "GGUF"u8.CopyTo(bytes);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), 3);
        string path = Path.Combine(folder, "m.gguf");
        File.WriteAllBytes(path, bytes);
        string message = Assert.Throws<ModelFormatException>(() => LlamaModel.Load(path)).Message;
        Assert.Contains("GGUF", message, StringComparison.Ordinal);
        Assert.Contains("llama2.c version-0", message, StringComparison.Ordinal);
        Assert.Contains("Hugging Face", message, StringComparison.Ordinal);
        Assert.DoesNotContain("header dim=", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("weights.bin")] // recognised by its content too
    public void A_safetensors_file_given_for_its_folder_is_refused_asking_for_the_folder(string name)
    {
        byte[] header = """{"__metadata__":{"format":"pt"}}"""u8.ToArray();
        byte[] bytes = [.. BitConverter.GetBytes((ulong)header.Length), .. header];
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        string message = Assert.Throws<ModelFormatException>(() => LlamaModel.Load(path)).Message;
        Assert.Contains("safetensors", message, StringComparison.Ordinal);
        Assert.Contains("pass the model's folder", message, StringComparison.Ordinal);
        Assert.DoesNotContain("header dim=", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_file_names_the_formats_that_load()
    {
        string path = Path.Combine(folder, "garbage.bin");
        File.WriteAllBytes(path, [.. Enumerable.Repeat((byte)0xFF, 64)]);
        string message = Assert.Throws<ModelFormatException>(() => LlamaModel.Load(path)).Message;
        Assert.Contains("not a llama2.c checkpoint", message, StringComparison.Ordinal);
        Assert.Contains("Hugging Face", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_file_is_refused()
    {
        Assert.Throws<ModelFormatException>(() => Llama2cCheckpoint.Load(RepoPaths.StoriesExpected));
    }
}
