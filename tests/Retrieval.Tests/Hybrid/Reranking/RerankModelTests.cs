using AgentMem.Retrieval.Hybrid.Reranking;

namespace AgentMem.Retrieval.Tests.Hybrid.Reranking;

public sealed class RerankModelTests
{
    private static RerankModel FromJson(string json) => RerankModel.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), "test.json");

    private static float[] Features(params (string Name, float Value)[] values)
    {
        var all = new float[RerankFeatureNames.Names.Count];
        foreach (var (name, value) in values)
        {
            all[RerankFeatureNames.Names.ToList().IndexOf(name)] = value;
        }

        return all;
    }

    [Fact]
    public void A_linear_model_standardises_then_weighs_its_features()
    {
        var model = FromJson("""{"name":"lin","features":["actor","item"],"mean":[0.5,1],"scale":[0.5,2],"linear":[2,4]}""");
        // (1 − 0.5) / 0.5 · 2 + (3 − 1) / 2 · 4 = 2 + 4
        Assert.Equal(6f, model.Score(Features(("actor", 1), ("item", 3))), 5);
        Assert.Equal("lin", model.Name);
        Assert.Equal(["actor", "item"], model.Features);
    }

    [Fact]
    public void Hidden_units_add_only_when_positive()
    {
        var model = FromJson("""{"features":["window"],"mean":[0],"scale":[1],"linear":[0],"hidden":[[1],[-1]],"hiddenBias":[0,0.5],"output":[3,10]}""");
        // window 2: unit 1 = 2 → +6; unit 2 = −2 + 0.5 < 0 → nothing.
        Assert.Equal(6f, model.Score(Features(("window", 2))), 5);
        // window −0.25: unit 1 < 0; unit 2 = 0.25 + 0.5 → +7.5.
        Assert.Equal(7.5f, model.Score(Features(("window", -0.25f))), 5);
    }

    [Theory]
    [InlineData("""{"features":["nope"],"mean":[0],"scale":[1],"linear":[1]}""", "unknown feature 'nope'")]
    [InlineData("""{"features":["item"],"mean":[0,1],"scale":[1],"linear":[1]}""", "'mean' must hold 1 numbers")]
    [InlineData("""{"features":["item"],"mean":[0],"scale":[0],"linear":[1]}""", "'scale' must be positive")]
    [InlineData("""{"features":[],"mean":[],"scale":[],"linear":[]}""", "non-empty 'features'")]
    [InlineData("""{"features":["item"],"mean":[0],"scale":[1],"linear":[1],"hidden":[[1]],"output":[1]}""", "'hiddenBias' must hold 1")]
    [InlineData("""not json""", "not a reranker model")]
    public void A_malformed_model_is_refused_with_what_is_wrong(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => FromJson(json));
        Assert.Contains("test.json", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_packaged_model_loads_and_reads_every_feature()
    {
        var model = RerankModel.ArcticLocomo;
        Assert.Equal("arctic-locomo", model.Name);
        Assert.Equal(RerankFeatureNames.Names, model.Features);
        Assert.True(float.IsFinite(model.Score(new float[RerankFeatureNames.Names.Count])));
    }
}
