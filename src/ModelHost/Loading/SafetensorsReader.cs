using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace AgentMem.ModelHost;

/// <summary>
/// Minimal reader of the safetensors format (8-byte little-endian header length, a JSON header of
/// <c>name → {dtype, shape, data_offsets}</c> with offsets relative to the end of the header, then raw little-endian data).
/// The header is validated on open — every tensor's byte range must match its dtype and shape (a size that overflows is
/// refused), each name appears once, and the ranges tile the data section exactly, without overlap, gap or bytes left over
/// (the reference safetensors library's rule, its guard against one byte range read as two tensors) — so a truncated or
/// corrupt file fails there, naming the file and tensor. F32 reads straight into the destination; F16 and BF16 are widened to
/// float32.
/// </summary>
internal sealed class SafetensorsReader : IDisposable
{
    private const long MaxHeaderBytes = 100L << 20;

    private readonly SafeFileHandle handle;
    private readonly long dataStart;

    private SafetensorsReader(string path, SafeFileHandle handle, long dataStart, Dictionary<string, TensorEntry> tensors)
    {
        Path = path;
        this.handle = handle;
        this.dataStart = dataStart;
        Tensors = tensors;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Tensors by name.</summary>
    public IReadOnlyDictionary<string, TensorEntry> Tensors { get; }

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">Missing, truncated or malformed file.</exception>
    public static SafetensorsReader Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelFormatException($"{path}: the safetensors file does not exist.");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data is little-endian; this platform is not.");
        }

        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length < 8)
            {
                throw new ModelFormatException($"{path}: {length} bytes is too short for a safetensors file (8-byte header length).");
            }

            Span<byte> lenBytes = stackalloc byte[8];
            RandomAccess.Read(handle, lenBytes, 0);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
            if (headerLength < 2 || headerLength > MaxHeaderBytes || (long)headerLength > length - 8)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: header length {headerLength} does not fit a file of {length} bytes; truncated or not safetensors."));
            }

            byte[] header = new byte[headerLength];
            if (RandomAccess.Read(handle, header, 8) != header.Length)
            {
                throw new ModelFormatException($"{path}: truncated header.");
            }

            long dataStart = 8 + (long)headerLength;
            var tensors = ParseHeader(path, header, length - dataStart);
            return new SafetensorsReader(path, handle, dataStart, tensors);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads tensor <paramref name="name"/>, which must have shape <paramref name="shape"/>, into <paramref name="destination"/>
    /// (exactly its element count), converting F16/BF16 to float32.
    /// </summary>
    /// <exception cref="ModelFormatException">No such tensor, wrong shape or unsupported dtype.</exception>
    public void Read(string name, ReadOnlySpan<long> shape, Span<float> destination)
    {
        if (!Tensors.TryGetValue(name, out var t))
        {
            throw new ModelFormatException($"{Path}: missing tensor '{name}'.");
        }

        if (!t.Shape.AsSpan().SequenceEqual(shape))
        {
            throw new ModelFormatException($"{Path}: tensor '{name}' has shape [{string.Join(", ", t.Shape)}]; the config needs [{string.Join(", ", shape.ToArray())}].");
        }

        switch (t.DType)
        {
            case "F32":
                ReadExactly(MemoryMarshal.AsBytes(destination), dataStart + t.Begin, name);
                break;
            case "F16":
            case "BF16":
                ReadHalves(t, destination, name);
                break;
            default:
                throw new ModelFormatException($"{Path}: tensor '{name}' has dtype {t.DType}; only F32, F16 and BF16 are supported.");
        }
    }

    /// <inheritdoc />
    public void Dispose() => handle.Dispose();

    private void ReadHalves(TensorEntry t, Span<float> destination, string name)
    {
        const int Chunk = 1 << 16;
        var buffer = new ushort[Math.Min(Chunk, destination.Length)];
        for (int done = 0; done < destination.Length; done += buffer.Length)
        {
            int n = Math.Min(buffer.Length, destination.Length - done);
            var raw = buffer.AsSpan(0, n);
            ReadExactly(MemoryMarshal.AsBytes(raw), dataStart + t.Begin + (2L * done), name);
            var dst = destination.Slice(done, n);
            if (t.DType == "F16")
            {
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(raw), dst);
            }
            else
            {
                // bfloat16 is the top half of a float32.
                var bits = MemoryMarshal.Cast<float, uint>(dst);
                for (int i = 0; i < n; i++)
                {
                    bits[i] = (uint)raw[i] << 16;
                }
            }
        }
    }

    private void ReadExactly(Span<byte> buffer, long offset, string name)
    {
        while (!buffer.IsEmpty)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n <= 0)
            {
                throw new ModelFormatException($"{Path}: unexpected end of file while reading tensor '{name}'.");
            }

            buffer = buffer[n..];
            offset += n;
        }
    }

    private static int DTypeSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };

    private static Dictionary<string, TensorEntry> ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header.AsMemory().TrimEnd((byte)' '));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: the safetensors header is not valid JSON ({e.Message}).", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException($"{path}: the safetensors header is not a JSON object.");
            }

            var tensors = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    continue;
                }

                try
                {
                    string dtype = p.Value.GetProperty("dtype").GetString() ?? string.Empty;
                    long[] shape = [.. p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64())];
                    var offsets = p.Value.GetProperty("data_offsets");
                    long begin = offsets[0].GetInt64(), end = offsets[1].GetInt64();
                    int size = DTypeSize(dtype);
                    if (size == 0)
                    {
                        throw new ModelFormatException($"{path}: tensor '{p.Name}' has unknown dtype '{dtype}'.");
                    }

                    long bytes = ByteSize(path, p.Name, dtype, shape, size);
                    if (begin < 0 || end < begin || end - begin != bytes)
                    {
                        throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: tensor '{p.Name}' ({dtype} [{string.Join(", ", shape)}]) has data_offsets [{begin}, {end}], which do not hold {bytes} bytes."));
                    }

                    if (end > dataLength)
                    {
                        throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: tensor '{p.Name}' ends at byte {end} of the data but the file holds only {dataLength}; the file is truncated."));
                    }

                    if (!tensors.TryAdd(p.Name, new TensorEntry(dtype, shape, begin, end)))
                    {
                        throw new ModelFormatException($"{path}: tensor '{p.Name}' appears twice in the header; which entry is meant is unknown.");
                    }
                }
                catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException or OverflowException && e is not ModelFormatException)
                {
                    throw new ModelFormatException($"{path}: tensor '{p.Name}' has a malformed header entry ({e.Message}).", e);
                }
            }

            CheckTiling(path, tensors, dataLength);
            return tensors;
        }
    }

    /// <summary>count × dtype size in bytes, refusing a negative dimension and a size no file can hold (64-bit overflow).</summary>
    private static long ByteSize(string path, string name, string dtype, long[] shape, int size)
    {
        try
        {
            long count = 1;
            foreach (long d in shape)
            {
                if (d < 0)
                {
                    throw new ModelFormatException($"{path}: tensor '{name}' has a negative dimension.");
                }

                count = checked(count * d);
            }

            return checked(count * size);
        }
        catch (OverflowException e)
        {
            // Unchecked, 2^62 F32 elements came to 4 bytes: a tensor far larger than the file passed as 4 bytes long.
            throw new ModelFormatException($"{path}: tensor '{name}' ({dtype} [{string.Join(", ", shape)}]) has more bytes than a 64-bit size holds (the element count overflows).", e);
        }
    }

    /// <summary>
    /// The tensors, by first byte, must follow one another from byte 0 to the end of the data: overlapping ranges would read
    /// the same bytes as two tensors, and bytes between or after them belong to no tensor.
    /// </summary>
    private static void CheckTiling(string path, Dictionary<string, TensorEntry> tensors, long dataLength)
    {
        long next = 0;
        string? previous = null;
        foreach (var (name, t) in tensors.OrderBy(kv => kv.Value.Begin).ThenBy(kv => kv.Value.End))
        {
            if (t.Begin < next)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: tensor '{name}' (data_offsets [{t.Begin}, {t.End}]) overlaps tensor '{previous}', which ends at byte {next}; tensors must not share bytes."));
            }

            if (t.Begin > next)
            {
                string before = previous is null ? "the data starts at byte 0" : $"tensor '{previous}' ends at byte {next}";
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: tensor '{name}' starts at byte {t.Begin} but {before}: a gap of {t.Begin - next} bytes that belong to no tensor."));
            }

            (next, previous) = (t.End, name);
        }

        if (next != dataLength)
        {
            string last = previous is null ? "there are no tensors" : $"the last tensor, tensor '{previous}', ends at byte {next}";
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: the data holds {dataLength} bytes but {last}: {dataLength - next} bytes belong to no tensor."));
        }
    }

    /// <summary>One tensor's header entry.</summary>
    /// <param name="DType">safetensors dtype name (F32, F16, BF16, …).</param>
    /// <param name="Shape">Dimensions, outermost first.</param>
    /// <param name="Begin">First byte, relative to the data section.</param>
    /// <param name="End">One past the last byte.</param>
#pragma warning disable CA1819 // an internal record of header values
    internal sealed record TensorEntry(string DType, long[] Shape, long Begin, long End);
#pragma warning restore CA1819
}
