namespace AgentMem.ModelHost.Backends.Cpu;

/// <summary>Stacked matrices on the CPU: the parts themselves, multiplied one after the other.</summary>
internal sealed class CpuStack(IReadOnlyList<WeightMatrix> parts) : DeviceMatrix
{
    public IReadOnlyList<WeightMatrix> Parts { get; } = parts;

    public override int Layers => Parts[0].Layers;

    public override int Rows => Parts.Sum(p => p.Rows);

    public override int Cols => Parts[0].Cols;
}
