namespace AgentMem.ModelHost.Compression;

/// <summary>Settings of <see cref="KvCompressor"/>, with defaults that suit prompts of a few hundred tokens.</summary>
public sealed class KvCompressionOptions
{
    /// <summary>Slots to keep (the token budget). A cache no longer than this is left as it is.</summary>
    public int Budget { get; set; } = 256;

    /// <summary>Leading slots always kept (attention sinks: models park attention on the first tokens; default 4).</summary>
    public int Sinks { get; set; } = 4;

    /// <summary>Trailing slots always kept (the recent window; default 16). At least 1, so a cartridge's last token survives.</summary>
    public int RecentWindow { get; set; } = 16;

    /// <summary>How the other slots are scored (default <see cref="KvCompressionMethod.SnapKv"/>).</summary>
    public KvCompressionMethod Method { get; set; } = KvCompressionMethod.SnapKv;

    /// <summary>SnapKV: how many of the last prompt tokens' queries vote (default 16).</summary>
    public int ObservationWindow { get; set; } = 16;

    /// <summary>SnapKV: width of the average pooling over slot scores, odd (default 7; 1 turns pooling off).</summary>
    public int PoolKernel { get; set; } = 7;

    /// <summary>A copy of these settings (every member is a value), which changes to this object do not reach.</summary>
    internal KvCompressionOptions Copy() => (KvCompressionOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Sinks, nameof(Sinks));
        ArgumentOutOfRangeException.ThrowIfLessThan(RecentWindow, 1, nameof(RecentWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(Budget, (long)Sinks + RecentWindow, nameof(Budget)); // in long: the sum wraps in int
        ArgumentOutOfRangeException.ThrowIfLessThan(ObservationWindow, 1, nameof(ObservationWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(PoolKernel, 1, nameof(PoolKernel));
        OptionsGuard.Check(PoolKernel % 2 == 1, PoolKernel, "must be odd, so the pooling is centred on a slot");
        OptionsGuard.Defined(Method);
    }
}
