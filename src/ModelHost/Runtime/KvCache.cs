namespace AgentMem.ModelHost;

/// <summary>
/// Keys and values of one sequence, per layer [seqLen × kvDim] (keys after RoPE), plus the scratch buffers of the forward pass.
/// One cache is one conversation: not thread-safe, and reusable across models only of the same shape.
/// A model on a device backend keeps the keys and values in device memory as well: the host arrays are brought up to date
/// (downloaded) before any host code reads them, and slots the device lacks are uploaded, in one copy per layer, before it
/// runs; so a cache moves freely between models on different backends, and cartridges save and load on the host as before.
/// </summary>
public sealed class KvCache : IDisposable
{
    private CacheState? state;

    // Leading slots whose host copy / device copy is current (device: of the bound state's backend, when that is not host memory).
    private int hostValid;
    private int deviceValid;

    /// <summary>Allocates an empty cache for <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">One layer's keys (SeqLen × KvDim floats) do not fit one array: the context is too long.</exception>
    public KvCache(LlamaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);

        // Checked in 64 bits: the int product wraps (to 0 for 2^20 positions × 4096, or negative) for long-context models.
        long perLayer = (long)config.SeqLen * config.KvDim;
        if (perLayer > Array.MaxLength)
        {
            throw new ArgumentException(
                $"a context of {config.SeqLen} positions needs {perLayer} floats of keys per layer (kv dim {config.KvDim}), more than one array holds ({Array.MaxLength}); "
                + $"load the model with a shorter context (ModelLoadOptions.MaxSequenceLength, the CLI's --context), at most {Array.MaxLength / config.KvDim} positions.",
                nameof(config));
        }

        Config = config;
        HostKeys = new float[config.Layers][];
        HostValues = new float[config.Layers][];
        for (int l = 0; l < config.Layers; l++)
        {
            HostKeys[l] = new float[config.SeqLen * config.KvDim];
            HostValues[l] = new float[config.SeqLen * config.KvDim];
        }

        X = new float[config.Dim];
        Xb = new float[config.Dim];
        Xb2 = new float[config.Dim];
        Q = new float[config.Dim];
        Hb = new float[config.HiddenDim];
        Hb2 = new float[config.HiddenDim];
        Hb3 = new float[config.HiddenDim];
        Att = new float[config.SeqLen];
        slotPositions = new int[config.SeqLen];
        Logits = new float[config.VocabSize];
    }

    /// <summary>The shape this cache was made for.</summary>
    public LlamaConfig Config { get; }

    /// <summary>Number of leading slots whose keys and values are filled.</summary>
    public int Length { get; internal set; }

    /// <summary>The RoPE position the key in <paramref name="slot"/> was rotated with (equal to the slot unless the cache was compressed or composed).</summary>
    public int PositionOf(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Length);
        return slotPositions[slot];
    }

    /// <summary>The position the next token continues from: one past the last filled slot's position (0 when empty).</summary>
    public int NextPosition => Length == 0 ? 0 : slotPositions[Length - 1] + 1;

    /// <summary>
    /// The slot a token at <paramref name="position"/> goes into: the one that holds that position (feeding it again rewrites the
    /// entry), or the next free slot for a position past the last one.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is negative, or neither held by a slot nor past the last.</exception>
    internal int SlotFor(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        if (position >= NextPosition)
        {
            return Length;
        }

        for (int s = Length - 1; s >= 0; s--)
        {
            int p = slotPositions[s];
            if (p == position)
            {
                return s;
            }

            if (p < position)
            {
                break;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(position), position, "the position is neither held by a slot of the cache nor past its last one.");
    }

    /// <summary>Keys of layer <paramref name="layer"/> at <paramref name="position"/> (kvDim floats).</summary>
    public Span<float> Key(int layer, int position) => Keys[layer].AsSpan(position * Config.KvDim, Config.KvDim);

    /// <summary>Values of layer <paramref name="layer"/> at <paramref name="position"/> (kvDim floats).</summary>
    public Span<float> Value(int layer, int position) => Values[layer].AsSpan(position * Config.KvDim, Config.KvDim);

    /// <summary>Forgets every position (the buffers are overwritten as positions are filled again).</summary>
    public void Clear()
    {
        Length = 0;
        hostValid = 0;
        deviceValid = 0;
    }

    /// <summary>Frees the device copy, if a device model used this cache (the host arrays stay usable).</summary>
    public void Dispose()
    {
        if (state is not null)
        {
            SyncHost();
            state.Dispose();
            state = null;
        }
    }

    /// <summary>Forgets the slots from <paramref name="length"/> on (nothing when no more are filled).</summary>
    internal void Truncate(int length)
    {
        if (length >= Length)
        {
            return;
        }

        Length = length;
        hostValid = Math.Min(hostValid, length);
        deviceValid = Math.Min(deviceValid, length);
    }

    /// <summary>Marks <paramref name="slot"/> as the last filled slot, holding position <paramref name="position"/>.</summary>
    internal void SetFilled(int slot, int position)
    {
        slotPositions[slot] = position;
        Length = slot + 1;
        if (OnDevice)
        {
            deviceValid = slot + 1;
            hostValid = Math.Min(hostValid, slot);
        }
        else
        {
            hostValid = slot + 1;
        }
    }

    /// <summary>True while bound to a backend whose memory is not the host's.</summary>
    private bool OnDevice => state is { Backend.IsHostMemory: false };

    /// <summary>
    /// This cache's buffers on <paramref name="backend"/>, created on first use. Binding another backend first brings the host
    /// arrays up to date and frees the previous device copy.
    /// </summary>
    internal CacheState Bind(IComputeBackend backend)
    {
        if (state?.Backend == backend)
        {
            return state;
        }

        Dispose();
        state = new CacheState(backend, this);
        hostValid = Length;
        deviceValid = backend.IsHostMemory ? Length : 0;
        return state;
    }

    /// <summary>
    /// Before a device backend writes slots from <paramref name="slot"/>: uploads the slots 0 .. slot-1 it lacks, one copy per
    /// layer for keys and one for values.
    /// </summary>
    internal void PrepareDevice(int slot)
    {
        if (!OnDevice || deviceValid >= slot)
        {
            return;
        }

        int kvDim = Config.KvDim, from = deviceValid * kvDim, n = (slot - deviceValid) * kvDim;
        for (int l = 0; l < Config.Layers; l++)
        {
            state!.Backend.CopyToDevice(HostKeys[l].AsSpan(from, n), state.Keys[l].Slice(from, n));
            state.Backend.CopyToDevice(HostValues[l].AsSpan(from, n), state.Values[l].Slice(from, n));
        }

        deviceValid = slot;
    }

    /// <summary>Host code is about to read or write the arrays: bring them up to date, and re-upload everything afterwards.</summary>
    private void HostAccess()
    {
        SyncHost();
        deviceValid = 0;
    }

    /// <summary>Downloads the filled slots the host copy lacks (device backends only).</summary>
    private void SyncHost()
    {
        if (!OnDevice || hostValid >= Length)
        {
            return;
        }

        int kvDim = Config.KvDim, from = hostValid * kvDim, n = (Length - hostValid) * kvDim;
        for (int l = 0; l < Config.Layers; l++)
        {
            state!.Backend.CopyToHost(state.Keys[l].Slice(from, n), HostKeys[l].AsSpan(from, n));
            state.Backend.CopyToHost(state.Values[l].Slice(from, n), HostValues[l].AsSpan(from, n));
        }

        hostValid = Length;
    }

    /// <summary>
    /// Keeps only <paramref name="keptSlots"/> (strictly increasing filled slots), moved to the front in order: slot i of the result
    /// holds what slot keptSlots[i] held, with the same RoPE position, so decoding continues with
    /// <see cref="LlamaModel.ForwardAt"/>(token, <see cref="NextPosition"/>, <see cref="Length"/>). Used by cache compression.
    /// </summary>
    /// <exception cref="ArgumentException">The slots are not strictly increasing or not all filled.</exception>
    public void Compact(ReadOnlySpan<int> keptSlots)
    {
        for (int i = 0; i < keptSlots.Length; i++)
        {
            if (keptSlots[i] < 0 || keptSlots[i] >= Length || (i > 0 && keptSlots[i] <= keptSlots[i - 1]))
            {
                throw new ArgumentException($"kept slots must be strictly increasing and below the filled length {Length}; [{i}] is {keptSlots[i]}.", nameof(keptSlots));
            }
        }

        int kvDim = Config.KvDim;
        for (int l = 0; l < Config.Layers; l++)
        {
            // Destinations never run ahead of sources (keptSlots[i] >= i), so copying front to back in place is safe.
            for (int i = 0; i < keptSlots.Length; i++)
            {
                if (keptSlots[i] != i)
                {
                    Keys[l].AsSpan(keptSlots[i] * kvDim, kvDim).CopyTo(Keys[l].AsSpan(i * kvDim, kvDim));
                    Values[l].AsSpan(keptSlots[i] * kvDim, kvDim).CopyTo(Values[l].AsSpan(i * kvDim, kvDim));
                }
            }
        }

        for (int i = 0; i < keptSlots.Length; i++)
        {
            slotPositions[i] = slotPositions[keptSlots[i]];
        }

        Length = keptSlots.Length;
        hostValid = Length;
        deviceValid = 0;
    }

    /// <summary>Copies the filled slots (keys, values and positions) into <paramref name="destination"/>, replacing its contents.</summary>
    public void CopyTo(KvCache destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Config.Layers != Config.Layers || destination.Config.KvDim != Config.KvDim || destination.Config.SeqLen < Length)
        {
            throw new ArgumentException("The destination cache has another shape.", nameof(destination));
        }

        int n = Length * Config.KvDim;
        for (int l = 0; l < Config.Layers; l++)
        {
            Keys[l].AsSpan(0, n).CopyTo(destination.Keys[l]);
            Values[l].AsSpan(0, n).CopyTo(destination.Values[l]);
        }

        destination.SetPositions(slotPositions.AsSpan(0, Length));
    }

    /// <summary>Declares slots 0 .. positions.Length-1 filled (their keys and values already written on the host) with these RoPE positions.</summary>
    internal void SetPositions(ReadOnlySpan<int> positions)
    {
        positions.CopyTo(slotPositions);
        Length = positions.Length;
        hostValid = Length;
        deviceValid = 0;
    }

    private readonly int[] slotPositions;

    /// <summary>
    /// Per layer keys for host code (cartridges, compression, comparison): current on the host, and since the caller may write
    /// them, the device copy (if any) is re-uploaded before the next device step.
    /// </summary>
    internal float[][] Keys
    {
        get
        {
            HostAccess();
            return HostKeys;
        }
    }

    /// <summary>Per layer values for host code; see <see cref="Keys"/>.</summary>
    internal float[][] Values
    {
        get
        {
            HostAccess();
            return HostValues;
        }
    }

    /// <summary>The host arrays themselves, with no synchronisation (the CPU backend's own buffers).</summary>
    internal float[][] HostKeys { get; }

    internal float[][] HostValues { get; }

    // Scratch of the forward pass; kept here so decoding allocates nothing per token.
    internal float[] X { get; }

    internal float[] Xb { get; }

    internal float[] Xb2 { get; }

    internal float[] Q { get; }

    internal float[] Hb { get; }

    internal float[] Hb2 { get; }

    internal float[] Hb3 { get; }

    internal float[] Att { get; }

    internal float[] Logits { get; }
}

