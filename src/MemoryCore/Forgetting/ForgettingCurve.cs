namespace AgentMem.MemoryCore.Forgetting;

/// <summary>
/// The Ebbinghaus forgetting curve as MemoryBank uses it: retention <c>R = e^(−t/S)</c>, with
/// <c>t</c> the days since the memory was last recalled (or, if it never was, since it was recorded)
/// and <c>S</c> its strength in days. A larger <c>S</c> always means a slower decay.
/// </summary>
/// <remarks>
/// <para>
/// The MemoryBank reference code computes <c>e^(−t/5·S)</c>, which parses as <c>e^(−t·S/5)</c> and so
/// makes strong memories fade <em>faster</em>; this class implements the formula of the paper instead.
/// </para>
/// <para>
/// Reinforcement rule. A new memory starts at <c>S = 1</c>. Each recall resets <c>t</c> and grows the
/// strength by <c>ΔS = (1 + importance) · (1 − R)</c>, where <c>R</c> is the retention at the moment of
/// the recall. The <c>1</c> is MemoryBank's "+1 per recall"; the importance (0..1) lets a memory that
/// matters grow up to twice as fast; the <c>(1 − R)</c> factor is the spacing effect: a recall made
/// while the memory is still fresh (a second search in the same minute) adds almost nothing, a recall
/// after a long gap adds nearly the full step. So strength measures how long the memory has proved
/// useful over, not how many times one conversation happened to search for it, and a burst of
/// searches cannot inflate it.
/// </para>
/// </remarks>
public static class ForgettingCurve
{
    /// <summary>Strength of a memory never recalled, in days.</summary>
    public const double InitialStrength = 1.0;

    /// <summary>The smallest strength used in the formula (guards against zero or negative stored values).</summary>
    public const double MinStrength = 1e-6;

    /// <summary>Retention <c>e^(−t/S)</c> for <paramref name="elapsedDays"/> days at strength <paramref name="strengthDays"/>; 1 for t ≤ 0.</summary>
    public static double Retention(double elapsedDays, double strengthDays)
    {
        if (double.IsNaN(elapsedDays) || elapsedDays <= 0)
        {
            return 1.0;
        }

        return Math.Exp(-elapsedDays / Math.Max(MinStrength, strengthDays));
    }

    /// <summary>The instant the curve of <paramref name="item"/> starts from: its last recall, else when it was recorded.</summary>
    public static DateTimeOffset Anchor(MemoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.LastRecalledAt ?? item.Provenance.RecordedAt;
    }

    /// <summary>Days elapsed on the curve of <paramref name="item"/> at <paramref name="now"/> (never negative).</summary>
    public static double ElapsedDays(MemoryItem item, DateTimeOffset now) => Math.Max(0, (now - Anchor(item)).TotalDays);

    /// <summary>The retention of <paramref name="item"/> at <paramref name="now"/>, in 0..1; for ranking and forgetting.</summary>
    public static double Retention(MemoryItem item, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Retention(ElapsedDays(item, now), item.Strength);
    }

    /// <summary>
    /// The strength after a recall at <paramref name="elapsedDays"/> since the anchor:
    /// <c>S + (1 + importance) · (1 − e^(−t/S))</c> (see the remarks on <see cref="ForgettingCurve"/>).
    /// </summary>
    public static double Reinforce(double strengthDays, double importance, double elapsedDays)
    {
        double s = Math.Max(MinStrength, double.IsNaN(strengthDays) ? InitialStrength : strengthDays);
        double weight = 1.0 + Math.Clamp(double.IsNaN(importance) ? 0 : importance, 0, 1);
        return s + (weight * (1.0 - Retention(elapsedDays, s)));
    }

    /// <summary>The strength <paramref name="item"/> has after being recalled at <paramref name="at"/>.</summary>
    public static double Reinforce(MemoryItem item, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Reinforce(item.Strength, item.Importance, ElapsedDays(item, at));
    }

    /// <summary>
    /// Days from the anchor until retention falls to <paramref name="threshold"/> at strength
    /// <paramref name="strengthDays"/>: <c>t = −S · ln(threshold)</c>.
    /// </summary>
    public static double DaysUntil(double threshold, double strengthDays)
    {
        if (threshold is <= 0 or >= 1 || double.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be strictly between 0 and 1.");
        }

        return -Math.Max(MinStrength, strengthDays) * Math.Log(threshold);
    }
}
