using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace AgentMem.Retrieval.Embeddings.Bert;

/// <summary>
/// Reader of the safetensors format: an 8-byte little-endian header length, a JSON header mapping tensor
/// names to dtype, shape and <c>data_offsets</c> (relative to the end of the header), then the raw data.
/// The header is validated up front (sizes, bounds, overlaps) so a corrupt or truncated file fails on open
/// with a <see cref="ModelFormatException"/>, not with garbage weights later. Tensors are read on demand.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    // A header bigger than this is a corrupt length, not a real model (real headers are tens of KB).
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors;

    private SafetensorsFile(string path, SafeFileHandle handle, long dataStart, Dictionary<string, SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        _tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Tensors by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors => _tensors;

    /// <summary>The optional <c>__metadata__</c> string map of the header.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="ModelFormatException">The file is missing, truncated, or its header is malformed or inconsistent.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new ModelFormatException($"The weights file '{path}' does not exist.");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Safetensors data is little-endian; big-endian machines are not supported.");
        }

        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            if (fileLength < 8)
            {
                throw Corrupt(path, string.Create(CultureInfo.InvariantCulture, $"it is {fileLength} bytes long, shorter than the 8-byte header length"));
            }

            Span<byte> lengthBytes = stackalloc byte[8];
            RandomAccess.Read(handle, lengthBytes, 0);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength == 0 || headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            {
                throw Corrupt(path, string.Create(CultureInfo.InvariantCulture, $"the header length {headerLength} does not fit a file of {fileLength} bytes"));
            }

            byte[] header = new byte[headerLength];
            ReadExactly(handle, header, 8);
            long dataStart = 8 + (long)headerLength;
            (Dictionary<string, SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata) = ParseHeader(path, header, fileLength - dataStart);
            return new SafetensorsFile(path, handle, dataStart, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Reads a tensor as floats (F32 as is; F16 and BF16 widened), in row-major order.</summary>
    /// <exception cref="ModelFormatException">No such tensor, or its dtype is not a float type.</exception>
    public float[] ReadFloats(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_tensors.TryGetValue(name, out SafetensorsTensorInfo? info))
        {
            throw new ModelFormatException($"The weights file '{Path}' has no tensor '{name}'.");
        }

        long count = info.ElementCount;
        if (count > Array.MaxLength)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"Tensor '{name}' in '{Path}' has {count} elements, more than one array can hold."));
        }

        var result = new float[count];
        switch (info.DType)
        {
            case "F32":
                ReadExactly(_handle, MemoryMarshal.AsBytes(result.AsSpan()), _dataStart + info.Begin);
                break;
            case "F16":
            case "BF16":
                ReadHalves(info, result);
                break;
            default:
                throw new ModelFormatException($"Tensor '{name}' in '{Path}' is {info.DType}; only F32, F16 and BF16 can be read as floats.");
        }

        return result;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    internal static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };

    private void ReadHalves(SafetensorsTensorInfo info, float[] result)
    {
        byte[] raw = ArrayPool<byte>.Shared.Rent(checked(result.Length * 2));
        try
        {
            Span<byte> bytes = raw.AsSpan(0, result.Length * 2);
            ReadExactly(_handle, bytes, _dataStart + info.Begin);
            ReadOnlySpan<ushort> halves = MemoryMarshal.Cast<byte, ushort>(bytes);
            if (info.DType == "F16")
            {
                for (int i = 0; i < halves.Length; i++)
                {
                    result[i] = (float)BitConverter.UInt16BitsToHalf(halves[i]);
                }
            }
            else
            {
                // bfloat16 is the top half of a float32: shift it back into place.
                for (int i = 0; i < halves.Length; i++)
                {
                    result[i] = BitConverter.Int32BitsToSingle(halves[i] << 16);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static (Dictionary<string, SafetensorsTensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException($"The weights file '{path}' is not a safetensors file: its header is not JSON ({ex.Message}).", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Corrupt(path, "the header is not a JSON object");
            }

            foreach (JsonProperty entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (JsonProperty m in entry.Value.EnumerateObject())
                        {
                            metadata[m.Name] = m.Value.ToString();
                        }
                    }

                    continue;
                }

                tensors[entry.Name] = ParseTensor(path, entry, dataLength);
            }
        }

        CheckNoOverlap(path, tensors);
        return (tensors, metadata);
    }

    private static SafetensorsTensorInfo ParseTensor(string path, JsonProperty entry, long dataLength)
    {
        JsonElement t = entry.Value;
        if (t.ValueKind != JsonValueKind.Object
            || !t.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !t.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !t.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
        {
            throw Corrupt(path, $"tensor '{entry.Name}' lacks a string dtype, a shape array or a two-element data_offsets");
        }

        string dtype = dtypeElement.GetString()!;
        int elementSize = ElementSize(dtype);
        if (elementSize == 0)
        {
            throw Corrupt(path, $"tensor '{entry.Name}' has the unknown dtype '{dtype}'");
        }

        var shape = new int[shapeElement.GetArrayLength()];
        long count = 1;
        int k = 0;
        foreach (JsonElement d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
            {
                throw Corrupt(path, $"tensor '{entry.Name}' has a shape entry that is not a non-negative integer");
            }

            shape[k++] = dim;
            count = checked(count * dim);
        }

        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
        {
            throw Corrupt(path, $"tensor '{entry.Name}' has invalid data_offsets");
        }

        if (end - begin != count * elementSize)
        {
            throw Corrupt(path, string.Create(CultureInfo.InvariantCulture, $"tensor '{entry.Name}' spans {end - begin} bytes but its shape [{string.Join(", ", shape)}] of {dtype} needs {count * elementSize}"));
        }

        if (end > dataLength)
        {
            throw Corrupt(path, string.Create(CultureInfo.InvariantCulture, $"tensor '{entry.Name}' ends at byte {end} of the data section, which has only {dataLength} bytes (truncated file?)"));
        }

        return new SafetensorsTensorInfo(entry.Name, dtype, shape, begin, end);
    }

    private static void CheckNoOverlap(string path, Dictionary<string, SafetensorsTensorInfo> tensors)
    {
        var spans = new List<SafetensorsTensorInfo>(tensors.Values);
        spans.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        for (int i = 1; i < spans.Count; i++)
        {
            if (spans[i].Begin < spans[i - 1].End)
            {
                throw Corrupt(path, $"tensors '{spans[i - 1].Name}' and '{spans[i].Name}' overlap");
            }
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            int read = RandomAccess.Read(handle, buffer, offset);
            if (read <= 0)
            {
                throw new ModelFormatException("The weights file ended before the data its header announces (truncated file).");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }

    private static ModelFormatException Corrupt(string path, string why) =>
        new($"The weights file '{path}' is not a valid safetensors file: {why}.");
}
