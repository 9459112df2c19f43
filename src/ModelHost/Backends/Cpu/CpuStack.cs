namespace AgentMem.ModelHost.Backends.Cpu;

/// <summary>Stacked matrices on the CPU: the parts themselves (weights, or weights with adapters), multiplied one after the other.</summary>
internal sealed class CpuStack(IReadOnlyList<DeviceMatrix> parts) : DeviceMatrix(parts[0].Layers, parts.Sum(p => p.Rows), parts[0].Cols)
{
    public IReadOnlyList<DeviceMatrix> Parts { get; } = parts;
}
