namespace AgentMem.ModelHost;

/// <summary>
/// Reader of llama2.c (v0, "legacy") checkpoints: a 7×int32 header then float32 weights in llama2.c order.
/// Every size is checked against the file length before anything is read, so a truncated or mismatched file fails fast and clearly;
/// a file of another format it recognises (GGUF, llama2.c's versioned exports, a safetensors or JSON file of a Hugging Face folder)
/// is refused naming that format and what loads instead.
/// </summary>
public sealed class Llama2cCheckpoint
{
    private const int HeaderBytes = 7 * sizeof(int);

    private Llama2cCheckpoint(LlamaConfig config, LlamaWeights weights, byte[] header)
    {
        Config = config;
        Weights = weights;
        Header = header;
    }

    /// <summary>The hyper-parameters from the header.</summary>
    public LlamaConfig Config { get; }

    /// <summary>The weights, one array per tensor stack.</summary>
    public LlamaWeights Weights { get; }

    /// <summary>The raw 28-byte header, kept for fingerprinting.</summary>
    internal byte[] Header { get; }

    /// <summary>Loads a checkpoint from <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">The file is of another format, the header is invalid or the file length does not match it.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static Llama2cCheckpoint Load(string path)
    {
        using var stream = Open(path);
        byte[] header = new byte[HeaderBytes];
        var config = ReadHeader(stream, path, header);
        bool shared = config.SharedClassifier;
        long d = config.Dim, hd = config.HiddenDim, l = config.Layers, kv = config.KvDim, v = config.VocabSize;
        long freqCis = (long)config.SeqLen * config.HeadSize;
        if (v * d > Array.MaxLength || l * hd * d > Array.MaxLength || l * d * d > Array.MaxLength)
        {
            throw new ModelFormatException($"{path}: tensors larger than one .NET array are not supported.");
        }

        float[] Read(long count)
        {
            var a = new float[count];
            stream.ReadExactly(MemoryMarshal.AsBytes(a.AsSpan()));
            return a;
        }

        var tokenEmbedding = Read(v * d);
        var rmsAtt = Read(l * d);
        var wq = Read(l * d * d);
        var wk = Read(l * kv * d);
        var wv = Read(l * kv * d);
        var wo = Read(l * d * d);
        var rmsFfn = Read(l * d);
        var w1 = Read(l * hd * d);
        var w2 = Read(l * d * hd);
        var w3 = Read(l * hd * d);
        var rmsFinal = Read(d);
        stream.Seek(freqCis * sizeof(float), SeekOrigin.Current); // legacy RoPE table: recomputed at run time
        var classifier = shared ? tokenEmbedding : Read(v * d);
        var weights = new LlamaWeights(tokenEmbedding, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal, classifier);
        return new Llama2cCheckpoint(config, weights, header);
    }

    /// <summary>
    /// Reads and checks the header of the checkpoint at <paramref name="path"/>, as <see cref="Load"/> does, without reading its
    /// weights: a cheap way to tell whether a file loads before asking for what goes with it (its tokenizer).
    /// </summary>
    /// <exception cref="ModelFormatException">The file is of another format, the header is invalid or the file length does not match it.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static LlamaConfig ReadConfig(string path)
    {
        using var stream = Open(path);
        return ReadHeader(stream, path, new byte[HeaderBytes]);
    }

    private static FileStream Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("llama2.c checkpoints are little-endian; this platform is not.");
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    // Leaves the stream at the first weight.
    private static LlamaConfig ReadHeader(FileStream stream, string path, byte[] header)
    {
        int read = stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false);

        // Another format (GGUF, a later llama2.c export, a Hugging Face folder's file) is named before its bytes are read as a
        // header, which reported them as garbage ("header dim=1634415666 ...") and said nothing of what to do.
        if (CheckpointFormats.Unsupported(path, header.AsSpan(0, read), stream.Length) is { } other)
        {
            throw new ModelFormatException(other);
        }

        if (read < HeaderBytes)
        {
            throw new ModelFormatException($"{path}: {stream.Length} bytes is too short for a llama2.c checkpoint header ({HeaderBytes} bytes). {CheckpointFormats.Supported}.");
        }

        var h = MemoryMarshal.Cast<byte, int>(header);
        int dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4], vocab = h[5], seqLen = h[6];
        bool shared = vocab > 0;
        vocab = vocab == int.MinValue ? 0 : Math.Abs(vocab); // Math.Abs(int.MinValue) throws; 0 is refused below
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0
            || dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0)
        {
            throw new ModelFormatException($"{path}: not a llama2.c checkpoint (header dim={dim} hidden={hidden} layers={layers} heads={heads} kv_heads={kvHeads} vocab={h[5]} seq_len={seqLen}). {CheckpointFormats.Supported}.");
        }

        var config = new LlamaConfig(dim, hidden, layers, heads, kvHeads, vocab, seqLen, shared);
        long d = dim, hd = hidden, l = layers, kv = config.KvDim, v = vocab;
        long freqCis = (long)seqLen * config.HeadSize;
        long floats = (v * d) + (l * d) + (l * d * d) + (2 * l * kv * d) + (l * d * d) + (l * d) + (3 * l * hd * d) + d + freqCis + (shared ? 0 : v * d);
        long expected = HeaderBytes + (floats * sizeof(float));
        if (stream.Length != expected)
        {
            throw new ModelFormatException($"{path}: file is {stream.Length} bytes but its header (dim={dim} hidden={hidden} layers={layers} heads={heads} kv_heads={kvHeads} vocab={vocab} seq_len={seqLen}) needs {expected} bytes; truncated or not a llama2.c checkpoint.");
        }

        return config;
    }
}
