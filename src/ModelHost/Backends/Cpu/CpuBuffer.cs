namespace AgentMem.ModelHost.Backends.Cpu;

/// <summary>A host array as a <see cref="DeviceBuffer"/>; pooled ones go back to <see cref="ArrayPool{T}.Shared"/> when disposed.</summary>
internal sealed class CpuBuffer : DeviceBuffer
{
    private readonly bool pooled;
    private readonly int length;

    public CpuBuffer(float[] array, int length, bool pooled)
    {
        Array = array;
        this.length = length;
        this.pooled = pooled;
    }

    public float[] Array { get; private set; }

    public override int Length => length;

    protected override void Dispose(bool disposing)
    {
        if (pooled && Array.Length > 0)
        {
            ArrayPool<float>.Shared.Return(Array);
            Array = [];
        }
    }
}
