using System.Globalization;

namespace AgentMem.Retrieval.Embeddings.Bert;

/// <summary>
/// Pulls BERT tensors out of a safetensors file by their Hugging Face names (with or without the <c>bert.</c>
/// prefix of task models, LayerNorm as weight/bias or the older gamma/beta) and checks shape and finiteness.
/// </summary>
internal sealed class BertWeightReader(SafetensorsFile file)
{
    private readonly string _prefix = file.Contains("bert.embeddings.word_embeddings.weight") ? "bert." : "";

    public float[] Read(string name, params int[] shape)
    {
        string full = _prefix + name;
        if (!file.Contains(full))
        {
            // Old TF-converted checkpoints call the LayerNorm parameters gamma and beta.
            string legacy = full.EndsWith("LayerNorm.weight", StringComparison.Ordinal) ? full[..^"weight".Length] + "gamma"
                : full.EndsWith("LayerNorm.bias", StringComparison.Ordinal) ? full[..^"bias".Length] + "beta" : full;
            if (!file.Contains(legacy))
            {
                throw new ModelFormatException($"The weights file '{file.Path}' has no tensor '{full}'; is it a BERT model?");
            }

            full = legacy;
        }

        SafetensorsTensorInfo info = file.Tensors[full];
        if (!SameShape(info.Shape, shape))
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                $"Tensor '{full}' in '{file.Path}' has shape [{string.Join(", ", info.Shape)}]; the configuration needs [{string.Join(", ", shape)}]."));
        }

        float[] values = file.ReadFloats(full);
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"Tensor '{full}' in '{file.Path}' has a non-finite value ({values[i]}) at element {i}."));
            }
        }

        return values;
    }

    public BertLayerWeights ReadLayer(int index, BertConfig c)
    {
        string p = string.Create(CultureInfo.InvariantCulture, $"encoder.layer.{index}.");
        int h = c.HiddenSize, m = c.IntermediateSize;
        return new BertLayerWeights(
            Read(p + "attention.self.query.weight", h, h), Read(p + "attention.self.query.bias", h),
            Read(p + "attention.self.key.weight", h, h), Read(p + "attention.self.key.bias", h),
            Read(p + "attention.self.value.weight", h, h), Read(p + "attention.self.value.bias", h),
            Read(p + "attention.output.dense.weight", h, h), Read(p + "attention.output.dense.bias", h),
            Read(p + "attention.output.LayerNorm.weight", h), Read(p + "attention.output.LayerNorm.bias", h),
            Read(p + "intermediate.dense.weight", m, h), Read(p + "intermediate.dense.bias", m),
            Read(p + "output.dense.weight", h, m), Read(p + "output.dense.bias", h),
            Read(p + "output.LayerNorm.weight", h), Read(p + "output.LayerNorm.bias", h));
    }

    private static bool SameShape(IReadOnlyList<int> actual, int[] expected)
    {
        if (actual.Count != expected.Length)
        {
            return false;
        }

        for (int i = 0; i < expected.Length; i++)
        {
            if (actual[i] != expected[i])
            {
                return false;
            }
        }

        return true;
    }
}
