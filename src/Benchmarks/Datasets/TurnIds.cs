namespace AgentMem.Benchmarks.Datasets;

/// <summary>Helpers for the <c>{sessionId}:{n}</c> turn-id convention every loader follows.</summary>
public static class TurnIds
{
    /// <summary>Session id of a turn id: everything before the last <c>:</c> (the whole id if there is none).</summary>
    /// <param name="turnId">A turn id such as <c>D3:7</c>.</param>
    /// <returns>The session id, e.g. <c>D3</c>.</returns>
    public static string SessionOf(string turnId)
    {
        ArgumentNullException.ThrowIfNull(turnId);
        // Last colon, because LongMemEval session ids are free text and could contain colons themselves.
        int colon = turnId.LastIndexOf(':');
        return colon < 0 ? turnId : turnId[..colon];
    }

    /// <summary>Builds the turn id for the <paramref name="index"/>-th turn of a session.</summary>
    /// <param name="sessionId">Session id.</param>
    /// <param name="index">Zero-based turn index within the session.</param>
    /// <returns><c>{sessionId}:{index}</c>.</returns>
    public static string Create(string sessionId, int index) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{sessionId}:{index}");
}
