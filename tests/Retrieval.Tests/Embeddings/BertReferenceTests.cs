using AgentMem.Retrieval.Embeddings.Bert;
using Xunit.Abstractions;

namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>
/// Checks the C# encoder against the independent numpy reference (Fixtures/bert_reference.py): once against the
/// committed fixture (no python needed), once live on freshly written random weights when python3 + numpy exist.
/// Regenerate the fixture with <c>AGENTMEM_REGENERATE_BERT_FIXTURE=1 dotnet test tests/Retrieval.Tests --filter Regenerate</c>
/// (see Fixtures/README.md).
/// </summary>
public sealed class BertReferenceTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;
    private const int FixtureSeed = 20260601;

    [Fact]
    public async Task Encoder_matches_the_committed_numpy_fixture()
    {
        ReferenceOutput expected = ReferenceOutput.Load(Path.Combine(RepoPaths.TinyBertFixture, "expected.json"));
        Assert.Equal(TinyBert.Sentences, expected.Sentences);
        using BertSentenceEmbedder embedder = BertSentenceEmbedder.Load(RepoPaths.TinyBertFixture);
        double maxDiff = await Compare(embedder, expected);
        output.WriteLine($"committed fixture: {expected.Sentences.Length} sentences, max |C# − numpy| = {maxDiff:E2}");
    }

    [Fact]
    public async Task Encoder_matches_numpy_live_on_fresh_random_weights()
    {
        if (PythonReference.Python is null)
        {
            output.WriteLine("SKIPPED: no python3 with numpy (apt-get install -y python3-numpy); the committed-fixture test still covers the encoder.");
            return;
        }

        string dir = Directory.CreateTempSubdirectory("agentmem-bert-live-").FullName;
        try
        {
            // Another seed and the "bert." prefix of task checkpoints, so this is not the committed fixture again.
            TinyBert.WriteModel(dir, seed: 777, prefix: "bert.");
            string[] sentences = [.. TinyBert.Sentences, "Remembering: the mats, the cats!", "x"];
            ReferenceOutput expected = PythonReference.Run(dir, sentences, Path.Combine(dir, "expected.json"));
            using BertSentenceEmbedder embedder = BertSentenceEmbedder.Load(dir);
            double maxDiff = await Compare(embedder, expected);
            output.WriteLine($"live numpy ({PythonReference.Python}): {sentences.Length} sentences, max |C# − numpy| = {maxDiff:E2}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Regenerate_fixture_when_asked()
    {
        if (Environment.GetEnvironmentVariable("AGENTMEM_REGENERATE_BERT_FIXTURE") != "1")
        {
            output.WriteLine("Set AGENTMEM_REGENERATE_BERT_FIXTURE=1 to rewrite Fixtures/tiny-bert (needs python3 + numpy).");
            return;
        }

        Assert.NotNull(PythonReference.Python);
        string dir = RepoPaths.TinyBertFixture;
        TinyBert.WriteModel(dir, FixtureSeed);
        ReferenceOutput written = PythonReference.Run(dir, TinyBert.Sentences, Path.Combine(dir, "expected.json"));
        output.WriteLine($"wrote {dir} ({new FileInfo(Path.Combine(dir, "model.safetensors")).Length} bytes of weights, {written.Sentences.Length} sentences)");
    }

    private static async Task<double> Compare(BertSentenceEmbedder embedder, ReferenceOutput expected)
    {
        // The script tokenizes with its own Python WordPiece; our ids must be the same before embeddings can be.
        for (int i = 0; i < expected.Sentences.Length; i++)
        {
            Assert.Equal(expected.TokenIds[i], embedder.Tokenizer.EncodeToIds(expected.Sentences[i], maxLength: TinyBert.MaxPositions));
        }

        var embeddings = await embedder.GenerateAsync(expected.Sentences);
        double maxDiff = 0;
        for (int i = 0; i < expected.Sentences.Length; i++)
        {
            float[] actual = embeddings[i].Vector.ToArray();
            Assert.Equal(expected.Embeddings[i].Length, actual.Length);
            for (int j = 0; j < actual.Length; j++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(actual[j] - expected.Embeddings[i][j]));
            }
        }

        Assert.True(maxDiff < Tolerance, $"max abs difference {maxDiff} exceeds {Tolerance}");
        return maxDiff;
    }
}
