namespace AgentMem.Common.Metrics;

/// <summary>
/// Percentiles by linear interpolation between closest ranks (NumPy's default, Excel's
/// PERCENTILE.INC): for sorted values x[0..n-1], the p-th percentile sits at fractional rank
/// h = (n - 1) * p / 100 and is x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h]).
/// </summary>
public static class Percentiles
{
    /// <summary>Computes one percentile of unsorted values.</summary>
    /// <param name="values">Finite sample values (not modified).</param>
    /// <param name="percentile">Percentile in [0, 100].</param>
    /// <returns>The interpolated percentile.</returns>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty or contains NaN.</exception>
    public static double Compute(IEnumerable<double> values, double percentile)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = values.ToArray();
        Array.Sort(sorted);
        return FromSorted(sorted, percentile);
    }

    /// <summary>Computes one percentile of values already sorted ascending.</summary>
    /// <param name="sorted">Finite sample values, ascending.</param>
    /// <param name="percentile">Percentile in [0, 100].</param>
    /// <returns>The interpolated percentile.</returns>
    /// <exception cref="ArgumentException"><paramref name="sorted"/> is empty or contains NaN.</exception>
    public static double FromSorted(IReadOnlyList<double> sorted, double percentile)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            throw new ArgumentException("Cannot take a percentile of no values.", nameof(sorted));
        }

        if (double.IsNaN(percentile) || percentile < 0 || percentile > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Percentile must be in [0, 100].");
        }

        if (double.IsNaN(sorted[0]) || double.IsNaN(sorted[^1]))
        {
            throw new ArgumentException("Values must not be NaN.", nameof(sorted));
        }

        double rank = (sorted.Count - 1) * percentile / 100;
        int lower = (int)Math.Floor(rank);
        int upper = Math.Min(lower + 1, sorted.Count - 1);
        double fraction = rank - lower;
        return sorted[lower] + (fraction * (sorted[upper] - sorted[lower]));
    }
}
