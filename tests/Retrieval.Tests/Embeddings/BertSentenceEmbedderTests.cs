using System.Numerics.Tensors;
using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.Embeddings.Bert;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.Embeddings;

public sealed class BertSentenceEmbedderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agentmem-bert-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Model(string name, int seed = 5, string prefix = "", string dtype = "F32", Func<string, float[], float[]>? tamper = null) =>
        TinyBert.WriteModel(Path.Combine(_dir, name), seed, prefix, dtype, tamper);

    [Fact]
    public async Task Embeddings_are_unit_length_with_metadata_and_batching_changes_nothing()
    {
        using var embedder = BertSentenceEmbedder.Load(Model("m"), new BertSentenceEmbedderOptions { BatchSize = 2 });
        string[] texts = ["hello world", "the cat sat on the mat", "memory agents", "cafe 東京", "x"];
        GeneratedEmbeddings<Embedding<float>> batch = await embedder.GenerateAsync(texts);
        Assert.Equal(texts.Length, batch.Count);
        for (int i = 0; i < texts.Length; i++)
        {
            float[] one = embedder.Embed(texts[i]);
            Assert.Equal(TinyBert.Hidden, batch[i].Vector.Length);
            Assert.Equal(1f, TensorPrimitives.Norm(batch[i].Vector.Span), 5);
            Assert.Equal(one, batch[i].Vector.ToArray());
            Assert.Equal("m", batch[i].ModelId);
        }

        var metadata = embedder.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal("m", metadata.DefaultModelId);
        Assert.Equal(TinyBert.Hidden, metadata.DefaultModelDimensions);
        Assert.True(batch.Usage!.InputTokenCount > texts.Length * 2);
        Assert.NotEqual(batch[0].Vector.ToArray(), batch[1].Vector.ToArray());
    }

    [Fact]
    public void Padding_with_an_attention_mask_leaves_the_real_tokens_unchanged()
    {
        using var embedder = BertSentenceEmbedder.Load(Model("m"));
        int[] ids = [.. embedder.Tokenizer.EncodeToIds("the cat sat on the mat")];
        int[] padded = [.. ids, 0, 0, 0];
        int[] mask = [.. Enumerable.Repeat(1, ids.Length), 0, 0, 0];
        float[] plain = embedder.Model.Forward(ids);
        float[] withPadding = embedder.Model.Forward(padded, mask);
        for (int i = 0; i < plain.Length; i++)
        {
            Assert.Equal(plain[i], withPadding[i], 5);
        }
    }

    [Fact]
    public void Prefixed_and_half_precision_checkpoints_load()
    {
        float[] reference = BertSentenceEmbedder.Load(Model("plain", seed: 9)).Embed("hello world");
        Assert.Equal(reference, BertSentenceEmbedder.Load(Model("prefixed", seed: 9, prefix: "bert.")).Embed("hello world"));
        float[] half = BertSentenceEmbedder.Load(Model("f16", seed: 9, dtype: "F16")).Embed("hello world");
        Assert.True(TensorPrimitives.CosineSimilarity(reference, half) > 0.999f);
    }

    [Fact]
    public async Task Bad_inputs_are_typed_errors()
    {
        using var embedder = BertSentenceEmbedder.Load(Model("m"));
        Assert.Throws<EmbeddingInputException>(() => embedder.Embed(""));
        Assert.Throws<EmbeddingInputException>(() => embedder.Embed(" \t\n"));
        await Assert.ThrowsAsync<EmbeddingInputException>(() => embedder.GenerateAsync(["ok", ""]));
        await Assert.ThrowsAsync<EmbeddingInputException>(() => embedder.GenerateAsync(["ok"], new EmbeddingGenerationOptions { Dimensions = 7 }));
        Assert.Throws<EmbeddingInputException>(() => embedder.Model.Forward([]));
        Assert.Throws<EmbeddingInputException>(() => embedder.Model.Forward([2, 9999, 3]));
        Assert.Throws<EmbeddingInputException>(() => embedder.Model.Forward(new int[TinyBert.MaxPositions + 1]));
        Assert.Throws<EmbeddingInputException>(() => embedder.Model.Forward([2, 3], [1]));
        Assert.Throws<EmbeddingInputException>(() => embedder.Model.Forward([2, 3], [0, 0]));
        Assert.Throws<EmbeddingInputException>(() => embedder.Model.Forward([2, 3], default, [0, 5]));
    }

    [Fact]
    public void Long_texts_are_truncated_to_max_tokens()
    {
        using var embedder = BertSentenceEmbedder.Load(Model("m"), new BertSentenceEmbedderOptions { MaxTokens = 8 });
        string longText = string.Concat(Enumerable.Repeat("memory agent ", 100));
        Assert.Equal(TinyBert.Hidden, embedder.Embed(longText).Length);
    }

    [Fact]
    public async Task Cancellation_is_honoured()
    {
        using var embedder = BertSentenceEmbedder.Load(Model("m"));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => embedder.GenerateAsync(["hello world"], cancellationToken: cts.Token));
    }

    [Fact]
    public void Missing_files_are_named()
    {
        string dir = Model("m");
        File.Delete(Path.Combine(dir, "model.safetensors"));
        File.Delete(Path.Combine(dir, "vocab.txt"));
        var ex = Assert.Throws<ModelFormatException>(() => BertSentenceEmbedder.Load(dir));
        Assert.Contains("model.safetensors", ex.Message, StringComparison.Ordinal);
        Assert.Contains("vocab.txt", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ModelFormatException>(() => BertSentenceEmbedder.Load(Path.Combine(_dir, "nowhere")));
    }

    [Fact]
    public void Nan_weights_wrong_shapes_and_missing_tensors_are_model_format_errors()
    {
        string nan = Model("nan", tamper: (name, data) =>
        {
            if (name == "encoder.layer.1.intermediate.dense.weight")
            {
                data[17] = float.NaN;
            }

            return data;
        });
        Assert.Contains("encoder.layer.1.intermediate.dense.weight", Assert.Throws<ModelFormatException>(() => BertSentenceEmbedder.Load(nan)).Message, StringComparison.Ordinal);

        string shape = Model("shape");
        string config = File.ReadAllText(Path.Combine(shape, "config.json")).Replace("\"intermediate_size\": 64", "\"intermediate_size\": 48", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(shape, "config.json"), config);
        Assert.Contains("shape", Assert.Throws<ModelFormatException>(() => BertSentenceEmbedder.Load(shape)).Message, StringComparison.Ordinal);

        string layers = Model("layers");
        config = File.ReadAllText(Path.Combine(layers, "config.json")).Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(layers, "config.json"), config);
        Assert.Contains("encoder.layer.2.", Assert.Throws<ModelFormatException>(() => BertSentenceEmbedder.Load(layers)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"vocab_size":10,"hidden_size":30,"num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":8,"max_position_embeddings":8}""", "multiple")]
    [InlineData("""{"vocab_size":10,"hidden_size":32,"num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":8,"max_position_embeddings":8,"hidden_act":"gelu_new"}""", "gelu_new")]
    [InlineData("""{"vocab_size":10,"hidden_size":32,"num_attention_heads":4,"intermediate_size":8,"max_position_embeddings":8}""", "num_hidden_layers")]
    [InlineData("""{"vocab_size":10,"hidden_size":32,"num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":8,"max_position_embeddings":8,"position_embedding_type":"relative_key"}""", "relative_key")]
    [InlineData("""{"vocab_size":10,""", "not valid JSON")]
    public void Bad_configs_are_model_format_errors(string json, string expectedText)
    {
        Assert.Contains(expectedText, Assert.Throws<ModelFormatException>(() => BertConfig.Parse(json)).Message, StringComparison.Ordinal);
    }
}
