namespace AgentMem.Common;

/// <summary>
/// A model, tokenizer or cartridge file is malformed: wrong header, truncated, inconsistent sizes, bad checksum or a different model.
/// Derives from <see cref="FormatException"/> so hosts that treat bad input files as user errors handle it without knowing this assembly.
/// </summary>
public sealed class ModelFormatException : FormatException
{
    /// <summary>Creates the exception with a message naming the file and the problem.</summary>
    public ModelFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public ModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public ModelFormatException()
        : base("The model file is malformed.")
    {
    }
}
