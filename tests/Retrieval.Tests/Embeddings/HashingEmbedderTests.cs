using System.Numerics.Tensors;
using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Embeddings;

public sealed class HashingEmbedderTests
{
    private static float Cos(float[] a, float[] b) => TensorPrimitives.CosineSimilarity(a, b);

    [Fact]
    public void Embeddings_are_deterministic_and_unit_length()
    {
        var a = new HashingEmbedder().Embed("Maya is moving to Lisbon for a design job");
        var b = new HashingEmbedder().Embed("Maya is moving to Lisbon for a design job");
        Assert.Equal(a, b);
        Assert.Equal(1f, TensorPrimitives.Norm(a), 4);
        Assert.Equal(HashingEmbedder.DefaultDimension, a.Length);
    }

    [Fact]
    public void Related_texts_are_closer_than_unrelated_ones_and_typos_still_overlap()
    {
        var e = new HashingEmbedder();
        var query = e.Embed("when is the pride festival");
        Assert.True(Cos(query, e.Embed("We went to the Pride fest last year")) > Cos(query, e.Embed("My sister moved to Oslo")));
        Assert.True(Cos(e.Embed("fesetival"), e.Embed("festival")) > 0.3f);
        Assert.True(Cos(e.Embed("running"), e.Embed("runs")) > 0.3f);
    }

    [Fact]
    public void Fitting_downweights_buckets_common_in_the_corpus()
    {
        string[] corpus = ["Caroline said hello", "Caroline said bye", "Caroline painted a lake"];
        var plain = new HashingEmbedder();
        var fitted = plain.Fit(corpus);
        Assert.True(fitted.IsFitted);
        var q = "Caroline painted";
        float plainMargin = Cos(plain.Embed(q), plain.Embed(corpus[2])) - Cos(plain.Embed(q), plain.Embed(corpus[0]));
        float fittedMargin = Cos(fitted.Embed(q), fitted.Embed(corpus[2])) - Cos(fitted.Embed(q), fitted.Embed(corpus[0]));
        Assert.True(fittedMargin > plainMargin);
    }

    [Fact]
    public void A_fit_on_another_corpus_is_another_model_so_stored_vectors_are_not_reused_across_fits()
    {
        // Stored vectors are keyed by the model id: two fits sharing one id had old-weight vectors scored against
        // new-weight queries, silently.
        var plain = new HashingEmbedder(256);
        string Id(HashingEmbedder e) => ((Microsoft.Extensions.AI.EmbeddingGeneratorMetadata)e.GetService(typeof(Microsoft.Extensions.AI.EmbeddingGeneratorMetadata))!).DefaultModelId!;
        string[] first = ["Caroline said hello", "Caroline painted a lake"];
        string[] second = ["Melanie ran a marathon", "Melanie bought a piano"];
        Assert.NotEqual(Id(plain.Fit(first)), Id(plain.Fit(second)));
        Assert.Equal(Id(plain.Fit(first)), Id(plain.Fit(first)));
        Assert.StartsWith("hashing-v5-256-idf-", Id(plain.Fit(first)), StringComparison.Ordinal);
        Assert.Equal("hashing-v5-256", Id(plain));
    }

    [Fact]
    public async Task The_generator_interface_refuses_empty_text_and_reports_its_dimension()
    {
        using var e = new HashingEmbedder(256);
        var generated = await e.GenerateAsync(["a cat", "a dog"]);
        Assert.Equal(2, generated.Count);
        Assert.Equal(256, generated[0].Vector.Length);
        await Assert.ThrowsAsync<EmbeddingInputException>(() => e.GenerateAsync([" "])); // as every embedder refuses it
        Assert.Throws<VectorFormatException>(() => e.Embed("x", new float[10]));
    }
}
