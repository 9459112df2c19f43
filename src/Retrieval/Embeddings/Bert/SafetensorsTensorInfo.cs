namespace AgentMem.Retrieval.Embeddings.Bert;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">Tensor name, e.g. <c>encoder.layer.0.attention.self.query.weight</c>.</param>
/// <param name="DType">Element type as written in the header (<c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>I64</c>, …).</param>
/// <param name="Shape">Dimensions, outermost first (row-major).</param>
/// <param name="Begin">Start of the data, in bytes from the start of the data section.</param>
/// <param name="End">End (exclusive) of the data, in bytes from the start of the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, string DType, IReadOnlyList<int> Shape, long Begin, long End)
{
    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (int d in Shape)
            {
                count *= d;
            }

            return count;
        }
    }
}
