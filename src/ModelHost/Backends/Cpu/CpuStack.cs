namespace AgentMem.ModelHost.Backends.Cpu;

/// <summary>Stacked matrices on the CPU: the parts themselves, multiplied one after the other.</summary>
internal sealed class CpuStack(IReadOnlyList<WeightMatrix> parts) : DeviceMatrix(parts[0].Layers, parts.Sum(p => p.Rows), parts[0].Cols)
{
    public IReadOnlyList<WeightMatrix> Parts { get; } = parts;
}
