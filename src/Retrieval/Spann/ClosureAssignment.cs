namespace AgentMem.Retrieval.Spann;

/// <summary>
/// SPANN's posting-list expansion: a vector is written to up to <see cref="SpannOptions.MaxReplicas"/> of
/// its nearest heads, so a query near a cluster boundary finds it whichever side it probes. Candidates
/// are taken closest first and accepted under two rules: the ε closure (d(x, c) ≤ d(x, c₁) + ε·|d(x, c₁)|)
/// and the RNG rule (reject c_j when an accepted c_i has f·d(c_i, c_j) &lt; d(x, c_j), f = <see cref="SpannOptions.RngFactor"/>: c_i already covers
/// that direction, so a replica in c_j would mostly duplicate work for the same queries).
/// </summary>
internal static class ClosureAssignment
{
    /// <summary>
    /// Fills <paramref name="chosen"/> (posting ids) and <paramref name="distances"/> from
    /// <paramref name="candidates"/> (closest first); returns how many were accepted (at least one when
    /// there are candidates).
    /// </summary>
    /// <param name="candidates">Nearest heads of the vector, closest first (keys are posting ids).</param>
    /// <param name="headVector">Copies a head's vector into the span (the RNG rule compares heads).</param>
    /// <param name="distance">The index distance between two stored vectors.</param>
    /// <param name="options">Replica cap and closure ε.</param>
    /// <param name="chosen">Receives the accepted posting ids.</param>
    /// <param name="distances">Receives their distances to the vector.</param>
    /// <param name="scratch">(MaxReplicas + 1) × dimension floats of working space.</param>
    /// <param name="dimension">Vector length.</param>
    public static int Choose(
        IReadOnlyList<VectorMatch> candidates,
        Func<long, Span<float>, bool> headVector,
        Func<ReadOnlySpan<float>, ReadOnlySpan<float>, float> distance,
        SpannOptions options,
        Span<int> chosen,
        Span<float> distances,
        float[] scratch,
        int dimension)
    {
        if (candidates.Count == 0)
        {
            return 0;
        }

        float first = candidates[0].Distance;
        float limit = first + (options.ClosureEpsilon * Math.Abs(first));
        int accepted = 0;
        int max = Math.Min(options.MaxReplicas, chosen.Length);

        // scratch holds the accepted heads' vectors, one row each, then one row for the candidate.
        var candidate = scratch.AsSpan(max * dimension, dimension);
        foreach (var c in candidates)
        {
            if (accepted == max || c.Distance > limit)
            {
                break;
            }

            if (!headVector(c.Key, candidate))
            {
                continue;
            }

            bool covered = false;
            for (int i = 0; i < accepted && !covered; i++)
            {
                covered = options.RngFactor * distance(scratch.AsSpan(i * dimension, dimension), candidate) < c.Distance;
            }

            if (covered)
            {
                continue;
            }

            candidate.CopyTo(scratch.AsSpan(accepted * dimension, dimension));
            chosen[accepted] = (int)c.Key;
            distances[accepted] = c.Distance;
            accepted++;
        }

        return accepted;
    }
}
