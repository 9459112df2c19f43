namespace AgentMem.Benchmarks.Datasets;

/// <summary>
/// A dataset file is not in the expected format. The message names the file, the JSON path
/// (e.g. <c>$[3].qa[12].category</c>) and what is wrong; a file that is not valid JSON at all is at <c>$</c>, and the
/// message gives the line and byte of the error (both counted from 1).
/// </summary>
public sealed class DatasetFormatException : AgentMem.MemoryCore.Errors.AgentMemException
{
    /// <summary>Creates an exception with a generic message.</summary>
    public DatasetFormatException()
        : base("Dataset file is not in the expected format.")
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    /// <param name="message">What is wrong.</param>
    public DatasetFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">Underlying parse error.</param>
    public DatasetFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception locating the problem in a file.</summary>
    /// <param name="filePath">File that is malformed.</param>
    /// <param name="jsonPath">JSON path of the offending element (<c>$</c> for the root).</param>
    /// <param name="problem">What is wrong, in words.</param>
    /// <param name="innerException">Underlying parse error, if any.</param>
    public DatasetFormatException(string filePath, string jsonPath, string problem, Exception? innerException = null)
        : base($"{filePath}: at {jsonPath}: {problem}", innerException)
    {
        FilePath = filePath;
        JsonPath = jsonPath;
    }

    /// <summary>File that is malformed, when known.</summary>
    public string? FilePath { get; }

    /// <summary>JSON path of the offending element, when known.</summary>
    public string? JsonPath { get; }
}
