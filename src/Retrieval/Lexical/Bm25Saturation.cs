namespace AgentMem.Retrieval.Lexical;

/// <summary>
/// One query term's BM25 contribution with its IDF and the corpus constants computed once, for loops over many
/// documents; the same value as <see cref="IncrementalBm25.TermScore"/> up to float rounding.
/// </summary>
internal readonly struct Bm25Saturation
{
    private readonly float idfTimesK1Plus1;
    private readonly float lengthFree;
    private readonly float perLength;

    public Bm25Saturation(float idf, float k1, float b, float averageLength)
    {
        idfTimesK1Plus1 = idf * (k1 + 1);
        lengthFree = k1 * (1 - b);
        perLength = k1 * b / averageLength;
    }

    /// <summary>The contribution to a document of <paramref name="length"/> terms holding the term <paramref name="tf"/> times.</summary>
    public float Score(int tf, float length) => idfTimesK1Plus1 * tf / (tf + lengthFree + (perLength * length));
}
