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

    [Fact]
    public void Text_file_is_refused()
    {
        Assert.Throws<ModelFormatException>(() => Llama2cCheckpoint.Load(RepoPaths.StoriesExpected));
    }
}
