using System.Numerics;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// A KV prefix in precision <typeparamref name="T"/>: per layer <see cref="Length"/> keys (after RoPE, as a cache stores them)
/// and values, [length × kvDim] row-major. <see cref="KvPrefixParameters"/> is the public float face of one.
/// </summary>
internal sealed class PrefixSet<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public PrefixSet(LlamaConfig config, int length)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        Keys = new T[config.Layers][];
        Values = new T[config.Layers][];
        for (int l = 0; l < config.Layers; l++)
        {
            Keys[l] = new T[length * config.KvDim];
            Values[l] = new T[length * config.KvDim];
        }
    }

    public int Length { get; }

    public T[][] Keys { get; }

    public T[][] Values { get; }
}
