namespace AgentMem.Stores;

/// <summary>The note every store writes on a recall's audit line, so audit trails read the same whichever store wrote them.</summary>
internal static class RecallAuditDetail
{
    /// <summary>The reinforcement just applied, after the caller's own note (e.g. <c>search</c>) if it gave one.</summary>
    public static string Describe(string? callerNote, double strengthBefore, double strengthAfter, double elapsedDays, int recallCount)
    {
        string detail = string.Create(CultureInfo.InvariantCulture, $"strength {strengthBefore:0.###} -> {strengthAfter:0.###} after {elapsedDays:0.##} d; recalls {recallCount}");
        return callerNote is null ? detail : $"{callerNote}; {detail}";
    }
}
