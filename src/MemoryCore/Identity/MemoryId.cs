using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace AgentMem.MemoryCore.Identity;

/// <summary>
/// A 128-bit, time-ordered, globally unique identifier in ULID form: 48 bits of Unix milliseconds
/// followed by 80 bits of randomness, written as 26 Crockford base-32 characters. Sorting the text
/// sorts by creation time, which keeps SQLite's B-tree appends cheap and listings chronological.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(MemoryIdJsonConverter))]
public readonly struct MemoryId : IEquatable<MemoryId>, IComparable<MemoryId>, ISpanFormattable
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private const int TextLength = 26;
    private static readonly Lock GeneratorLock = new();
    private static long lastMillis;
    private static UInt128 lastValue;

    private readonly UInt128 value;

    private MemoryId(UInt128 value) => this.value = value;

    /// <summary>The empty id (all zero bits); never produced by <see cref="NewId()"/>.</summary>
    public static MemoryId Empty => default;

    /// <summary>Whether this is <see cref="Empty"/>.</summary>
    public bool IsEmpty => value == UInt128.Zero;

    /// <summary>The creation time encoded in the id, to millisecond precision.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds((long)(ulong)(value >> 80));

    /// <summary>Creates a new id stamped with the current UTC time.</summary>
    public static MemoryId NewId() => NewId(TimeProvider.System.GetUtcNow());

    /// <summary>
    /// Creates a new id stamped with <paramref name="now"/>. Ids made in the same millisecond by this
    /// process are strictly increasing (the random part is incremented), so order matches creation order.
    /// </summary>
    public static MemoryId NewId(DateTimeOffset now)
    {
        long millis = Math.Max(0, now.ToUnixTimeMilliseconds());
        lock (GeneratorLock)
        {
            UInt128 next;
            if (millis <= lastMillis && lastValue != UInt128.Zero)
            {
                // Same (or earlier, e.g. clock step back) millisecond: keep monotonic order.
                next = lastValue + UInt128.One;
            }
            else
            {
                next = Stamped(millis);
                lastMillis = millis;
            }

            lastValue = next;
            return new MemoryId(next);
        }
    }

    /// <summary>
    /// Creates an id stamped with <paramref name="time"/>, outside this process's sequence: for a record made at another
    /// time (an import keeps each memory's creation time). <see cref="NewId(DateTimeOffset)"/> would give a time earlier
    /// than its last id that id's time instead, and a later one would become the time of every id after it. Unique by
    /// its 80 random bits; ids of the same millisecond made this way are in no particular order.
    /// </summary>
    public static MemoryId At(DateTimeOffset time) => new(Stamped(Math.Max(0, time.ToUnixTimeMilliseconds())));

    private static UInt128 Stamped(long millis)
    {
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        UInt128 randomBits = ((UInt128)BinaryPrimitives.ReadUInt16BigEndian(random) << 64)
            | BinaryPrimitives.ReadUInt64BigEndian(random[2..]);
        return ((UInt128)(ulong)millis << 80) | randomBits;
    }

    /// <summary>Parses the 26-character text form.</summary>
    /// <exception cref="FormatException">The text is not a valid id.</exception>
    public static MemoryId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var id)
            ? id
            : throw new FormatException($"'{text}' is not a memory id: expected 26 Crockford base-32 characters such as 01JD3Z5Q8Y4V6N2K7M9P0R1S2T.");
    }

    /// <summary>Tries to parse the 26-character text form (case-insensitive; I/L read as 1, O as 0).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out MemoryId id)
    {
        id = default;
        if (text is null || text.Length != TextLength)
        {
            return false;
        }

        // The first character carries only 3 bits (128 = 26*5 - 2).
        UInt128 acc = UInt128.Zero;
        for (int i = 0; i < TextLength; i++)
        {
            int digit = DecodeChar(text[i]);
            if (digit < 0 || (i == 0 && digit > 7))
            {
                return false;
            }

            acc = (acc << 5) | (uint)digit;
        }

        id = new MemoryId(acc);
        return true;
    }

    /// <summary>Bytes of the binary form (<see cref="WriteBytes"/>).</summary>
    public const int ByteLength = 16;

    /// <summary>Writes the 16-byte big-endian binary form (byte order = id order), for compact files.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than <see cref="ByteLength"/>.</exception>
    public void WriteBytes(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, value);

    /// <summary>Reads the binary form <see cref="WriteBytes"/> wrote.</summary>
    /// <exception cref="ArgumentException">Fewer than <see cref="ByteLength"/> bytes.</exception>
    public static MemoryId FromBytes(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt128BigEndian(source));

    /// <summary>The 26 Crockford base-32 digits of <paramref name="v"/>, most significant first, into <paramref name="into"/>.</summary>
    private static void Format(UInt128 v, Span<char> into)
    {
        for (int i = TextLength - 1; i >= 0; i--)
        {
            into[i] = Alphabet[(int)(uint)(v & 31)];
            v >>= 5;
        }
    }

    private static int DecodeChar(char c)
    {
        c = char.ToUpperInvariant(c);
        return c switch
        {
            >= '0' and <= '9' => c - '0',
            'O' => 0,
            'I' or 'L' => 1,
            _ => Alphabet.IndexOf(c, StringComparison.Ordinal) is var idx && idx >= 10 ? idx : -1,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(TextLength, value, static (span, v) => Format(v, span));

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < TextLength)
        {
            charsWritten = 0;
            return false;
        }

        Format(value, destination);
        charsWritten = TextLength;
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(MemoryId other) => value == other.value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MemoryId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => value.GetHashCode();

    /// <inheritdoc/>
    public int CompareTo(MemoryId other) => value.CompareTo(other.value);

    /// <summary>Equality.</summary>
    public static bool operator ==(MemoryId left, MemoryId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(MemoryId left, MemoryId right) => !left.Equals(right);

    /// <summary>Ordering by creation time, then randomness.</summary>
    public static bool operator <(MemoryId left, MemoryId right) => left.CompareTo(right) < 0;

    /// <summary>Ordering by creation time, then randomness.</summary>
    public static bool operator >(MemoryId left, MemoryId right) => left.CompareTo(right) > 0;

    /// <summary>Ordering by creation time, then randomness.</summary>
    public static bool operator <=(MemoryId left, MemoryId right) => left.CompareTo(right) <= 0;

    /// <summary>Ordering by creation time, then randomness.</summary>
    public static bool operator >=(MemoryId left, MemoryId right) => left.CompareTo(right) >= 0;
}
