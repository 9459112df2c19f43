namespace AgentMem.ModelHost.Training;

/// <summary>A projection of a transformer block that a LoRA pair (A, B) can adapt: y = W·x + (alpha/rank)·B·(A·x).</summary>
public enum LoraTarget
{
    /// <summary>Query projection Wq [dim × dim].</summary>
    Q,

    /// <summary>Key projection Wk [kvDim × dim].</summary>
    K,

    /// <summary>Value projection Wv [kvDim × dim].</summary>
    V,

    /// <summary>Attention output projection Wo [dim × dim].</summary>
    O,

    /// <summary>Feed-forward gate projection W1 [hidden × dim].</summary>
    W1,

    /// <summary>Feed-forward down projection W2 [dim × hidden].</summary>
    W2,

    /// <summary>Feed-forward up projection W3 [hidden × dim].</summary>
    W3,
}
