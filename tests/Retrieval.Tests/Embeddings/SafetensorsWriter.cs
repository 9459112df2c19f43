using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>Test-only writer of safetensors files (F32, or F16/BF16 narrowed from floats), so readers can be fed known data.</summary>
internal static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyList<(string Name, int[] Shape, float[] Data)> tensors, string dtype = "F32")
    {
        var header = new Dictionary<string, object>();
        var data = new MemoryStream();
        foreach ((string name, int[] shape, float[] values) in tensors)
        {
            long begin = data.Length;
            byte[] bytes = Encode(values, dtype);
            data.Write(bytes);
            header[name] = new { dtype, shape, data_offsets = new[] { begin, data.Length } };
        }

        header["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padded = (json.Length + 7) / 8 * 8; // the format pads the header with spaces to 8-byte alignment
        byte[] headerBytes = new byte[padded];
        json.CopyTo(headerBytes, 0);
        headerBytes.AsSpan(json.Length).Fill((byte)' ');
        using FileStream file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        file.Write(length);
        file.Write(headerBytes);
        data.Position = 0;
        data.CopyTo(file);
    }

    /// <summary>Writes a raw header (any JSON) followed by <paramref name="payload"/>, for corrupt-file tests.</summary>
    public static void WriteRaw(string path, string headerJson, byte[] payload, ulong? declaredLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(headerJson);
        using FileStream file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, declaredLength ?? (ulong)json.Length);
        file.Write(length);
        file.Write(json);
        file.Write(payload);
    }

    private static byte[] Encode(float[] values, string dtype)
    {
        switch (dtype)
        {
            case "F32":
                return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            case "F16":
                {
                    var halves = new ushort[values.Length];
                    for (int i = 0; i < values.Length; i++)
                    {
                        halves[i] = BitConverter.HalfToUInt16Bits((Half)values[i]);
                    }

                    return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
                }

            case "BF16":
                {
                    var halves = new ushort[values.Length];
                    for (int i = 0; i < values.Length; i++)
                    {
                        halves[i] = (ushort)(BitConverter.SingleToInt32Bits(values[i]) >>> 16); // truncation is fine for tests
                    }

                    return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unsupported test dtype.");
        }
    }
}
