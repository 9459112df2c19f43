using System.Buffers;
using System.Text.Unicode;

namespace AgentMem.MemoryCore.Text;

/// <summary>
/// Finds the first byte where a file stops being UTF-8, so an importer can refuse it with a message that points at the
/// spot instead of letting the JSON parser throw an untyped "cannot transcode" error (or a lenient decoder silently turn
/// the bytes into U+FFFD).
/// </summary>
internal static class Utf8Validation
{
    /// <summary>Null for valid UTF-8 (a BOM is fine); otherwise "invalid UTF-8 at byte N (line L, column C)".</summary>
    public static string? DescribeInvalid(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return null;
        }

        Span<char> scratch = stackalloc char[512];
        int offset = 0;
        while (offset < bytes.Length)
        {
            var status = Utf8.ToUtf16(bytes[offset..], scratch, out int read, out _, replaceInvalidSequences: false, isFinalBlock: true);
            offset += read;
            if (status == OperationStatus.InvalidData)
            {
                break;
            }
        }

        var before = bytes[..offset];
        int line = before.Count((byte)'\n') + 1;
        int column = offset - before.LastIndexOf((byte)'\n');
        return string.Create(CultureInfo.InvariantCulture, $"invalid UTF-8 at byte {offset} (line {line}, column {column})");
    }
}
