namespace AgentMem.MemoryCore.Model;

/// <summary>The three kinds of memory a <see cref="Cubes.MemCube"/> holds.</summary>
public enum MemoryKind
{
    /// <summary>Text: facts, dialogue turns, notes.</summary>
    Plaintext = 0,

    /// <summary>A saved KV cache of a local transformer (a cartridge), referenced by <see cref="PayloadRef"/>.</summary>
    Activation = 1,

    /// <summary>A weight delta such as a LoRA adapter, referenced by <see cref="PayloadRef"/>.</summary>
    Parametric = 2,
}
