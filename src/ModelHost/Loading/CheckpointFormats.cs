using System.Buffers.Binary;

namespace AgentMem.ModelHost;

/// <summary>
/// Recognises, from its first bytes and its name, a model file <see cref="LlamaModel.Load(string, ModelLoadOptions?)"/> does
/// not read, so the refusal names what was found and what to do, rather than reporting its bytes as a garbage llama2.c header.
/// </summary>
internal static class CheckpointFormats
{
    /// <summary>What <see cref="LlamaModel.Load(string, ModelLoadOptions?)"/> reads, for messages.</summary>
    public const string Supported = "AgentMem loads a llama2.c version-0 (legacy) checkpoint file or a Hugging Face LLaMA, Qwen2 or SmolLM model folder (config.json and *.safetensors)";

    // llama2.c's export.py --version 1 and 2 start with uint32 0x616b3432 ("ak42") and an int32 version.
    private const uint Llama2cMagic = 0x616b3432;

    /// <summary>
    /// A message naming the format of the file at <paramref name="path"/> (<paramref name="length"/> bytes, starting with
    /// <paramref name="head"/>) when it is one recognised but not read as a checkpoint file; null when it is none of them.
    /// </summary>
    public static string? Unsupported(string path, ReadOnlySpan<byte> head, long length)
    {
        if (head.StartsWith("GGUF"u8))
        {
            string version = head.Length >= 8 ? $" version {BinaryPrimitives.ReadUInt32LittleEndian(head[4..])}" : string.Empty;
            return $"{path}: a GGUF{version} file (llama.cpp's format), which AgentMem does not read. {Supported}: use the model's Hugging Face folder.";
        }

        if (head.Length >= 8 && BinaryPrimitives.ReadUInt32LittleEndian(head) == Llama2cMagic)
        {
            int version = BinaryPrimitives.ReadInt32LittleEndian(head[4..]);
            return $"{path}: a llama2.c version {version} checkpoint (export.py --version {version}, magic \"ak42\"); only the version-0 layout is read. Re-export it with export.py --version 0, or use the model's Hugging Face folder. {Supported}.";
        }

        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || IsSafetensors(head, length))
        {
            return $"{path}: a safetensors file, the weights of a Hugging Face model; pass the model's folder (which holds config.json and the tokenizer) instead. {Supported}.";
        }

        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return $"{path}: a JSON file, not a checkpoint; for a Hugging Face model pass the model's folder (which holds config.json) instead. {Supported}.";
        }

        return null;
    }

    // safetensors: a uint64 header length, then that many bytes of JSON, an object. Never a valid llama2.c header: its second
    // int32 (hidden_dim) would be the high half of the length, 0 below 4 GB of header.
    private static bool IsSafetensors(ReadOnlySpan<byte> head, long length) =>
        head.Length > 8 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) is var header && header >= 2 && header <= (ulong)(length - 8);
}
