namespace AgentMem.ModelHost.Backends;

/// <summary>A range of a <see cref="DeviceBuffer"/>: what every backend operation reads and writes.</summary>
internal readonly record struct DeviceView(DeviceBuffer Buffer, long Offset, int Length)
{
    /// <summary>A sub-range, relative to this view.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie inside this view.</exception>
    public DeviceView Slice(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset + length}) is outside a view of {Length} floats.");
        }

        return new DeviceView(Buffer, Offset + offset, length);
    }
}
