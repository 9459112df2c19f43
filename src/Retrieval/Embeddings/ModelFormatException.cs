using AgentMem.MemoryCore.Errors;

namespace AgentMem.Retrieval.Embeddings;

/// <summary>A model, tokenizer or weights file that is missing, corrupt, truncated, of an unsupported format, or inconsistent with its configuration.</summary>
public sealed class ModelFormatException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public ModelFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ModelFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ModelFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
