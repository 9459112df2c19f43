using System.Globalization;

namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>
/// Writes a tiny random-weight BERT model folder (config.json, vocab.txt, model.safetensors) with a fixed seed:
/// hidden 32, 2 layers, 4 heads, intermediate 64, 64 positions, and a small hand-made WordPiece vocabulary.
/// </summary>
internal static class TinyBert
{
    public const int Hidden = 32, Layers = 2, Heads = 4, Intermediate = 64, MaxPositions = 64, TypeVocab = 2;

    /// <summary>The sentences of the committed fixture: plain, punctuation and suffixes, accents + CJK + an unknown char, and one over 64 tokens (truncated).</summary>
    public static readonly string[] Sentences =
    [
        "Hello world!",
        "The cat sat on the mat, remembering things.",
        "Unaffable agents' memory: café 東京 ☃?",
        string.Concat(Enumerable.Repeat("memory agent ", 40)).Trim(),
    ];

    public static IReadOnlyList<string> Vocabulary()
    {
        var vocab = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        vocab.AddRange([".", ",", "!", "?", "'", ":", "-"]);
        for (char c = 'a'; c <= 'z'; c++)
        {
            vocab.Add(c.ToString());
        }

        for (char c = 'a'; c <= 'z'; c++)
        {
            vocab.Add("##" + c);
        }

        vocab.AddRange(["the", "cat", "sat", "on", "mat", "hello", "world", "memory", "agent", "##s", "##ing", "remember", "thing",
            "una", "##ffa", "##ble", "cafe", "東", "京", "##er"]);
        return vocab;
    }

    public static string WriteModel(string folder, int seed, string prefix = "", string dtype = "F32", Func<string, float[], float[]>? tamper = null)
    {
        Directory.CreateDirectory(folder);
        IReadOnlyList<string> vocab = Vocabulary();
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), vocab);
        File.WriteAllText(Path.Combine(folder, "config.json"), string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "architectures": ["BertModel"],
              "model_type": "bert",
              "vocab_size": {{vocab.Count}},
              "hidden_size": {{Hidden}},
              "num_hidden_layers": {{Layers}},
              "num_attention_heads": {{Heads}},
              "intermediate_size": {{Intermediate}},
              "max_position_embeddings": {{MaxPositions}},
              "type_vocab_size": {{TypeVocab}},
              "layer_norm_eps": 1e-12,
              "hidden_act": "gelu",
              "position_embedding_type": "absolute"
            }
            """));

        var random = new Random(seed);
        var tensors = new List<(string, int[], float[])>();
        void Add(string name, float scale, float offset, params int[] shape)
        {
            int count = 1;
            foreach (int d in shape)
            {
                count *= d;
            }

            var data = new float[count];
            for (int i = 0; i < count; i++)
            {
                data[i] = offset + (scale * (float)((random.NextDouble() * 2) - 1));
            }

            tensors.Add((prefix + name, shape, tamper is null ? data : tamper(name, data)));
        }

        // Weights of ±0.3 make attention far from uniform and GELU meet both signs, so the check means something.
        Add("embeddings.word_embeddings.weight", 1f, 0, vocab.Count, Hidden);
        Add("embeddings.position_embeddings.weight", 0.5f, 0, MaxPositions, Hidden);
        Add("embeddings.token_type_embeddings.weight", 0.5f, 0, TypeVocab, Hidden);
        Add("embeddings.LayerNorm.weight", 0.2f, 1, Hidden);
        Add("embeddings.LayerNorm.bias", 0.1f, 0, Hidden);
        for (int l = 0; l < Layers; l++)
        {
            string p = string.Create(CultureInfo.InvariantCulture, $"encoder.layer.{l}.");
            foreach (string part in new[] { "query", "key", "value" })
            {
                Add(p + "attention.self." + part + ".weight", 0.3f, 0, Hidden, Hidden);
                Add(p + "attention.self." + part + ".bias", 0.1f, 0, Hidden);
            }

            Add(p + "attention.output.dense.weight", 0.3f, 0, Hidden, Hidden);
            Add(p + "attention.output.dense.bias", 0.1f, 0, Hidden);
            Add(p + "attention.output.LayerNorm.weight", 0.2f, 1, Hidden);
            Add(p + "attention.output.LayerNorm.bias", 0.1f, 0, Hidden);
            Add(p + "intermediate.dense.weight", 0.3f, 0, Intermediate, Hidden);
            Add(p + "intermediate.dense.bias", 0.1f, 0, Intermediate);
            Add(p + "output.dense.weight", 0.2f, 0, Hidden, Intermediate);
            Add(p + "output.dense.bias", 0.1f, 0, Hidden);
            Add(p + "output.LayerNorm.weight", 0.2f, 1, Hidden);
            Add(p + "output.LayerNorm.bias", 0.1f, 0, Hidden);
        }

        // A pooler, as HF BertModel checkpoints carry one; the embedder must ignore it.
        Add("pooler.dense.weight", 0.3f, 0, Hidden, Hidden);
        Add("pooler.dense.bias", 0.1f, 0, Hidden);
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), tensors, dtype);
        return folder;
    }
}
