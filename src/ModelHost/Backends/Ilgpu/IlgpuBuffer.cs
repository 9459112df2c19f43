using ILGPU;

namespace AgentMem.ModelHost.Backends.Ilgpu;

/// <summary>Device memory of the ILGPU backend.</summary>
internal sealed class IlgpuBuffer(MemoryBuffer1D<float, Stride1D.Dense> memory) : DeviceBuffer
{
    public MemoryBuffer1D<float, Stride1D.Dense> Memory { get; } = memory;

    public override int Length => (int)Memory.Length;

    /// <summary>The ILGPU view a <see cref="DeviceView"/> stands for.</summary>
    public static ArrayView<float> Of(DeviceView view) => ((IlgpuBuffer)view.Buffer).Memory.View.SubView(view.Offset, view.Length);

    protected override void Dispose(bool disposing) => Memory.Dispose();
}
