using System.Globalization;

namespace AgentMem.MemoryCore.Validation;

/// <summary>
/// The check of a vector's values that every way a vector comes in makes (an archive, the store port, an embedder's
/// output, an index): a NaN or infinite component scores nothing against any query, and a stored one is never recomputed
/// while its text hash matches, so the memory would drop out of vector search for good without an error.
/// </summary>
public static class VectorValues
{
    /// <summary>Null when every component is finite; otherwise "a non-finite value (NaN) at position N", naming the first that is not.</summary>
    public static string? DescribeNonFinite(ReadOnlySpan<float> vector)
    {
        for (int i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                return string.Create(CultureInfo.InvariantCulture, $"a non-finite value ({vector[i]}) at position {i}");
            }
        }

        return null;
    }
}
