using ILGPU;

namespace AgentMem.ModelHost.Backends.Ilgpu;

/// <summary>
/// How a product kernel reads a weight: the kernels are generic over this (a struct, so ILGPU specialises each kernel per
/// storage and the call inlines), and float32 and int8 share one body.
/// </summary>
internal interface IWeightView
{
    /// <summary>The weight at <paramref name="index"/>, as a float (int8 before its row's scale).</summary>
    float At(long index);
}

/// <summary>Float32 weights.</summary>
internal readonly struct FloatWeights(ArrayView<float> weights) : IWeightView
{
    private readonly ArrayView<float> weights = weights;

    public float At(long index) => weights[index];
}

/// <summary>Per-row int8 weights (the row scales are applied to the finished sum).</summary>
internal readonly struct Int8Weights(ArrayView<sbyte> weights) : IWeightView
{
    private readonly ArrayView<sbyte> weights = weights;

    public float At(long index) => weights[index];
}
