namespace AgentMem.ModelHost.Backends;

/// <summary>A flat float32 array in one backend's memory (host arrays for the CPU backend, device memory for ILGPU).</summary>
internal abstract class DeviceBuffer : IDisposable
{
    /// <summary>Number of floats.</summary>
    public abstract int Length { get; }

    /// <summary>The whole buffer as a view.</summary>
    public DeviceView View => new(this, 0, Length);

    /// <summary>A view of <paramref name="length"/> floats from <paramref name="offset"/>.</summary>
    public DeviceView Slice(long offset, int length) => View.Slice(offset, length);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the memory (or returns it to its pool).</summary>
    protected abstract void Dispose(bool disposing);
}
