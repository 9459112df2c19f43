namespace AgentMem.MemoryCore.Model;

/// <summary>Where a memory came from.</summary>
public enum SourceKind
{
    /// <summary>A dialogue turn or conversation summary.</summary>
    Conversation = 0,

    /// <summary>A document or file.</summary>
    Document = 1,

    /// <summary>The output of a tool call.</summary>
    Tool = 2,

    /// <summary>Written by the system itself (migrations, maintenance).</summary>
    System = 3,

    /// <summary>Written by an agent (notes, reflections, summaries).</summary>
    Agent = 4,
}
