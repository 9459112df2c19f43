namespace AgentMem.ModelHost.Backends;

/// <summary>
/// A stacked weight matrix ([layers × rows × cols], row-major as loaded) in one backend's memory and layout: the CPU backend
/// keeps <see cref="WeightMatrix"/> as is; ILGPU stores it transposed on the device.
/// </summary>
internal abstract class DeviceMatrix : IDisposable
{
    public abstract int Layers { get; }

    public abstract int Rows { get; }

    public abstract int Cols { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees device memory; nothing for host matrices.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
