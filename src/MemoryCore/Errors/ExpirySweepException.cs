namespace AgentMem.MemoryCore.Errors;

/// <summary>
/// The hard-delete TTL sweep of a tenant (<see cref="MemoryOS.SweepExpiredAsync"/>) went through every cube, but failed in
/// those named in <see cref="Cubes"/>: each one's error is among <see cref="AggregateException.InnerExceptions"/> (whose
/// messages <see cref="Exception.Message"/> ends with), in the same order (an <see cref="ErasureFilesLeftException"/> when the cube's purge committed but left files or an index behind).
/// The other cubes were swept; <see cref="Purged"/> counts what was purged in all, the failed cubes' committed purges
/// included. The next sweep tries the failed cubes again.
/// </summary>
public sealed class ExpirySweepException : AggregateException
{
    /// <summary>Creates the exception.</summary>
    public ExpirySweepException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ExpirySweepException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ExpirySweepException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a sweep that purged <paramref name="purged"/> memories and failed in <paramref name="cubes"/> with <paramref name="errors"/>, one each.</summary>
    public ExpirySweepException(string message, int purged, IReadOnlyList<string> cubes, IReadOnlyList<Exception> errors)
        : base(message, errors)
    {
        ArgumentNullException.ThrowIfNull(cubes);
        Purged = purged;
        Cubes = cubes;
    }

    /// <summary>Memories the sweep purged, in every cube.</summary>
    public int Purged { get; }

    /// <summary>The names of the cubes whose sweep failed.</summary>
    public IReadOnlyList<string> Cubes { get; } = [];
}
