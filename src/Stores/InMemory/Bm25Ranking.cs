namespace AgentMem.Stores.InMemory;

/// <summary>
/// BM25 as SQLite's FTS5 computes it (k1 = 1.2, b = 0.75): per query phrase, an IDF over every indexed row (clamped to
/// a tiny positive value for phrases in more than half the rows) times a saturated, length-normalised, column-weighted
/// frequency. Here the rows are the tenant's memories, so one tenant's data never shifts another's scores.
/// </summary>
internal static class Bm25Ranking
{
    private const double K1 = 1.2;
    private const double B = 0.75;
    private const double MinIdf = 1e-6;

    /// <summary>IDF of a phrase found in <paramref name="rowsWithPhrase"/> of <paramref name="rows"/> rows.</summary>
    public static double Idf(int rows, int rowsWithPhrase)
    {
        double idf = Math.Log((rows - rowsWithPhrase + 0.5) / (rowsWithPhrase + 0.5));
        return idf <= 0 ? MinIdf : idf;
    }

    /// <summary>The score of one row: larger is more relevant.</summary>
    /// <param name="idfs">The IDF of each query phrase.</param>
    /// <param name="frequencies">The row's weighted frequency of each query phrase.</param>
    /// <param name="length">The row's length in terms.</param>
    /// <param name="averageLength">The average length of all rows.</param>
    public static double Score(IReadOnlyList<double> idfs, IReadOnlyList<double> frequencies, int length, double averageLength)
    {
        double normaliser = K1 * (1 - B + (B * length / Math.Max(averageLength, double.Epsilon)));
        double score = 0;
        for (int i = 0; i < idfs.Count; i++)
        {
            double f = frequencies[i];
            score += idfs[i] * (f * (K1 + 1) / (f + normaliser));
        }

        return score;
    }
}
