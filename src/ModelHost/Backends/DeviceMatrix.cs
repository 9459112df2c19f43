namespace AgentMem.ModelHost.Backends;

/// <summary>
/// A stacked weight matrix ([layers × rows × cols], row-major as loaded) in one backend's memory and layout: the CPU backend
/// keeps <see cref="WeightMatrix"/> as is; ILGPU stores it transposed on the device.
/// </summary>
internal abstract class DeviceMatrix(int layers, int rows, int cols) : IDisposable
{
    public int Layers { get; } = layers;

    public int Rows { get; } = rows;

    public int Cols { get; } = cols;

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
