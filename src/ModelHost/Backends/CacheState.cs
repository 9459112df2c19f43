using AgentMem.ModelHost.Backends.Cpu;

namespace AgentMem.ModelHost.Backends;

/// <summary>
/// A <see cref="KvCache"/>'s buffers on one backend: per layer keys and values [seqLen × kvDim], and the decode scratch.
/// On the CPU backend they are the cache's own host arrays; on a device backend they are device memory that
/// <see cref="KvCache"/> keeps in step with its host arrays (uploading slots the device lacks, downloading before host access).
/// </summary>
internal sealed class CacheState : IDisposable
{
    private ScratchSet? prefill;

    public CacheState(IComputeBackend backend, KvCache cache)
    {
        Backend = backend;
        var c = cache.Config;
        Keys = new DeviceBuffer[c.Layers];
        Values = new DeviceBuffer[c.Layers];
        if (backend.IsHostMemory)
        {
            for (int l = 0; l < c.Layers; l++)
            {
                Keys[l] = CpuBackend.Wrap(cache.HostKeys[l]);
                Values[l] = CpuBackend.Wrap(cache.HostValues[l]);
            }

            Decode = new ScratchSet(CpuBackend.Wrap(cache.X), CpuBackend.Wrap(cache.Xb), CpuBackend.Wrap(cache.Q), CpuBackend.Wrap(cache.Xb2), CpuBackend.Wrap(cache.Hb), CpuBackend.Wrap(cache.Hb2), pooled: false);
            Logits = CpuBackend.Wrap(cache.Logits);
            return;
        }

        for (int l = 0; l < c.Layers; l++)
        {
            Keys[l] = backend.Allocate(c.SeqLen * c.KvDim);
            Values[l] = backend.Allocate(c.SeqLen * c.KvDim);
        }

        Decode = ScratchSet.Allocate(backend, c, 1);
        Logits = backend.Allocate(c.VocabSize);
    }

    public IComputeBackend Backend { get; }

    public DeviceBuffer[] Keys { get; }

    public DeviceBuffer[] Values { get; }

    /// <summary>Scratch of one decoded token.</summary>
    public ScratchSet Decode { get; }

    public DeviceBuffer Logits { get; }

    /// <summary>
    /// Scratch for <paramref name="tokens"/> rows: the decode set for one token; for more, pooled host arrays (CPU, returned on
    /// dispose) or a device set kept with this state and grown as needed (device allocations are too slow to repeat per call).
    /// </summary>
    public ScratchSet Rent(LlamaConfig c, int tokens)
    {
        if (tokens == 1)
        {
            return Decode;
        }

        if (Backend.IsHostMemory)
        {
            return new ScratchSet(CpuBackend.Rent(tokens * c.Dim), CpuBackend.Rent(tokens * c.Dim), CpuBackend.Rent(tokens * c.Dim), CpuBackend.Rent(tokens * c.Dim),
                CpuBackend.Rent(tokens * c.HiddenDim), CpuBackend.Rent(tokens * c.HiddenDim), pooled: true);
        }

        if (prefill is null || prefill.Capacity < tokens)
        {
            prefill?.Release();
            prefill = ScratchSet.Allocate(Backend, c, tokens);
        }

        return prefill;
    }

    public void Dispose()
    {
        prefill?.Release();
        Decode.Release(); // wrapped host arrays: a no-op

        // Device memory is freed; wrapped host arrays ignore it.
        foreach (var b in Keys.Concat(Values).Append(Logits))
        {
            b.Dispose();
        }
    }
}

/// <summary>
/// Activations of a block of tokens: X the residual stream, Xb the normed input / attention output, Q the queries, Tmp a
/// product before it is added, Hb and Hb2 the feed-forward halves. Pooled sets go back to the pool on dispose.
/// </summary>
internal sealed class ScratchSet(DeviceBuffer x, DeviceBuffer xb, DeviceBuffer q, DeviceBuffer tmp, DeviceBuffer hb, DeviceBuffer hb2, bool pooled) : IDisposable
{
    public DeviceBuffer X { get; } = x;

    public DeviceBuffer Xb { get; } = xb;

    public DeviceBuffer Q { get; } = q;

    public DeviceBuffer Tmp { get; } = tmp;

    public DeviceBuffer Hb { get; } = hb;

    public DeviceBuffer Hb2 { get; } = hb2;

    /// <summary>Tokens the set has room for.</summary>
    public int Capacity { get; init; } = 1;

    public static ScratchSet Allocate(IComputeBackend backend, LlamaConfig c, int tokens)
        => new(backend.Allocate(tokens * c.Dim), backend.Allocate(tokens * c.Dim), backend.Allocate(tokens * c.Dim), backend.Allocate(tokens * c.Dim),
            backend.Allocate(tokens * c.HiddenDim), backend.Allocate(tokens * c.HiddenDim), pooled: false) { Capacity = tokens };

    /// <summary>Returns pooled arrays; sets owned by a <see cref="CacheState"/> stay until <see cref="Release"/>.</summary>
    public void Dispose()
    {
        if (pooled)
        {
            Release();
        }
    }

    /// <summary>Frees every buffer.</summary>
    public void Release()
    {
        X.Dispose();
        Xb.Dispose();
        Q.Dispose();
        Tmp.Dispose();
        Hb.Dispose();
        Hb2.Dispose();
    }
}
