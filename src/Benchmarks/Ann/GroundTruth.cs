using AgentMem.Retrieval.Vectors;

namespace AgentMem.Benchmarks.Ann;

/// <summary>Checks that an .ivecs ground truth fits the queries and the base it is scored against.</summary>
internal static class GroundTruth
{
    /// <summary>
    /// Refuses a truth file with fewer rows than <paramref name="queries"/> or fewer than <paramref name="k"/> ids a row,
    /// or whose first <paramref name="k"/> ids of a used row name a vector outside [0, <paramref name="baseCount"/>).
    /// </summary>
    /// <exception cref="VectorFormatException">The truth does not fit; the message names the file and the first bad id.</exception>
    public static void Check(VectorRows<int> truth, string truthFile, int queries, int k, int baseCount)
    {
        if (truth.Count < queries || truth.Dimension < k)
        {
            throw new VectorFormatException($"The ground truth has {truth.Count} rows of {truth.Dimension} ids; {queries} rows of at least {k} are needed.");
        }

        // Truth computed for another base (SIFT1M's over a truncated base file) names vectors the index cannot hold: they
        // were never found, and the run reported a recall of the files, not of the index (the exact index below 1).
        for (int q = 0; q < queries; q++)
        {
            var row = truth.Row(q)[..k];
            for (int i = 0; i < row.Length; i++)
            {
                if (row[i] < 0 || row[i] >= baseCount)
                {
                    throw new VectorFormatException(string.Create(CultureInfo.InvariantCulture,
                        $"The ground truth {truthFile} names id {row[i]} (query {q}, neighbour {i + 1}), but there are {baseCount} base vectors (ids 0 to {baseCount - 1}): it was computed for another base file."));
                }
            }
        }
    }
}
