namespace AgentMem.ModelHost;

/// <summary>
/// A projection of every transformer layer that a <see cref="LoraAdapter"/> can adapt. The numeric values are the bit
/// positions of the <c>.amlora</c> file's target mask, so they must never change.
/// </summary>
public enum LoraTarget
{
    /// <summary>Query projection (dim → dim).</summary>
    Q = 0,

    /// <summary>Key projection (dim → kvDim).</summary>
    K = 1,

    /// <summary>Value projection (dim → kvDim).</summary>
    V = 2,

    /// <summary>Attention output projection (dim → dim).</summary>
    O = 3,

    /// <summary>Feed-forward gate projection (dim → hidden).</summary>
    W1 = 4,

    /// <summary>Feed-forward down projection (hidden → dim).</summary>
    W2 = 5,

    /// <summary>Feed-forward up projection (dim → hidden).</summary>
    W3 = 6,
}
