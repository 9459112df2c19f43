namespace AgentMem.Retrieval.Vectors;

/// <summary>How far an index's row arrays grow: doubling, within what one .NET array can hold.</summary>
/// <remarks>
/// Rows times dimension was an int product: at 1,024 dimensions the 1,048,577th vector asked for a negative length (twice
/// 2^20 rows of 1,024 floats overflows), although about two million rows fit in one array.
/// </remarks>
internal static class ArrayGrowth
{
    /// <summary>
    /// The new row capacity for at least <paramref name="needed"/> rows, where each row takes <paramref name="elementsPerRow"/>
    /// elements of one array (plus <paramref name="spare"/> elements once): twice <paramref name="current"/>, or fewer where
    /// one array cannot hold that many.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="needed"/> rows cannot fit in one array.</exception>
    public static int Next(int current, long needed, int elementsPerRow, int spare = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(elementsPerRow, 1);
        long most = (Array.MaxLength - spare) / elementsPerRow;
        if (needed > most)
        {
            throw new InvalidOperationException($"An index of rows of {elementsPerRow} elements holds at most {most:N0} rows in one process; {needed:N0} were asked for.");
        }

        return (int)Math.Min(Math.Max(needed, 2L * current), most);
    }
}
