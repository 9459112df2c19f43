namespace AgentMem.StoreChoice.Bench;

/// <summary>BM25 with FTS5's constants (k1 = 1.2, b = 0.75) and its clamp of non-positive IDFs to a tiny value.</summary>
internal static class Bm25
{
    private const double K1 = 1.2;
    private const double B = 0.75;

    public static double Idf(long rows, long rowsWithTerm)
    {
        double idf = Math.Log((rows - rowsWithTerm + 0.5) / (rowsWithTerm + 0.5));
        return idf <= 0 ? 1e-6 : idf;
    }

    /// <summary>One term's contribution: <paramref name="frequency"/> is column-weighted, as FTS5 weighs it.</summary>
    public static double Term(double idf, double frequency, int length, double averageLength) =>
        idf * (frequency * (K1 + 1) / (frequency + (K1 * (1 - B + (B * length / Math.Max(averageLength, double.Epsilon))))));
}
