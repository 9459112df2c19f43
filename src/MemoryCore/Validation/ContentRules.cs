using AgentMem.Common.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace AgentMem.MemoryCore.Validation;

/// <summary>Checks on memory content and the content hash used for de-duplication.</summary>
public static class ContentRules
{
    /// <summary>Longest tag or keyword accepted.</summary>
    public const int MaxLabelLength = 128;

    /// <summary>Most UTF-8 bytes of a memory's actor or source reference: names and ids, not content.</summary>
    public const int MaxReferenceBytes = 1024;

    /// <summary>Most UTF-8 bytes of a context sentence or a reason: notes about a memory, not a second copy of it.</summary>
    public const int MaxNoteBytes = 64 * 1024;

    /// <summary>
    /// Whether <paramref name="text"/> is null or shows nothing: white space, format characters (Cf: a byte order mark, a zero
    /// width space or joiner, a direction mark) and the other default-ignorable code points (a variation selector, a Hangul
    /// filler) alone.
    /// </summary>
    /// <remarks>
    /// Format characters are not white space, so <see cref="string.IsNullOrWhiteSpace"/> let a memory of "\u200B" or
    /// "\uFEFF" through: stored, indexed and counted, it took a line of every context with nothing on it, and such a query
    /// answered "no matches" instead of being refused as empty.
    /// </remarks>
    public static bool IsBlank([NotNullWhen(false)] string? text)
    {
        if (text is null)
        {
            return true;
        }

        foreach (Rune rune in text.EnumerateRunes()) // a lone surrogate is U+FFFD here: not blank, and ValidateStorable names it
        {
            if (!ShowsNothing(rune))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Throws unless <paramref name="text"/> is non-blank (<see cref="IsBlank"/>), well-formed UTF-16 without NUL characters and at most
    /// <paramref name="maxUtf8Bytes"/> bytes once encoded as UTF-8.
    /// </summary>
    /// <remarks>NUL is refused because PostgreSQL's text cannot hold it: a memory must be storable in every store.</remarks>
    public static void ValidateText(string? text, int maxUtf8Bytes, string what = "memory text") =>
        ValidateText(text, maxUtf8Bytes, what, " (MemoryOSOptions.MaxContentBytes). Split it into smaller memories.");

    /// <summary>
    /// Throws unless <paramref name="query"/>, a search's or a context's, is text <see cref="ValidateText(string?, int, string)"/>
    /// would accept within <paramref name="maxUtf8Bytes"/> (<see cref="MemoryOSOptions.MaxQueryBytes"/>); a blank one is
    /// refused as a query with nothing to search for.
    /// </summary>
    public static void ValidateQuery(string? query, int maxUtf8Bytes) =>
        ValidateText(query, maxUtf8Bytes, "query", " (MemoryOSOptions.MaxQueryBytes).", "there is nothing to search for");

    // The blank refusal says what the text was for: a search refused as "nothing to remember" misled its caller.
    private static void ValidateText(string? text, int maxUtf8Bytes, string what, string limitNote, string blankNote = "there is nothing to remember")
    {
        if (IsBlank(text))
        {
            throw new MemoryValidationException($"The {what} is empty or whitespace (invisible characters alone count as none); {blankNote}.");
        }

        ValidateStorable(text, what);
        int bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > maxUtf8Bytes)
        {
            throw new ContentTooLargeException($"The {what} is {bytes:N0} bytes of UTF-8; the limit is {maxUtf8Bytes:N0} bytes{limitNote}");
        }
    }

    /// <summary>
    /// Throws unless <paramref name="text"/> is well-formed UTF-16 without NUL characters: text every store can keep and
    /// compare (PostgreSQL refuses a NUL in any parameter, a lookup's too).
    /// </summary>
    internal static void ValidateStorable(string text, string what)
    {
        int lone = SafeNormalization.FindLoneSurrogate(text, 0);
        int nul = text.IndexOf('\0', StringComparison.Ordinal);
        if (lone >= 0 && (nul < 0 || lone < nul))
        {
            throw new MemoryValidationException($"The {what} is not valid UTF-16: unpaired surrogate U+{(int)text[lone]:X4} at index {lone}.");
        }

        if (nul >= 0)
        {
            throw new MemoryValidationException($"The {what} holds a NUL character (U+0000) at index {nul}; not every store can keep one.");
        }
    }

    /// <summary>
    /// <paramref name="text"/> with every NUL replaced by U+FFFD, for text no person typed (a model's reply: a byte-level
    /// tokenizer can decode a NUL), which must be stored rather than refused.
    /// </summary>
    public static string ReplaceUnstorable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;
    }

    /// <summary>
    /// An optional text (a context sentence, a reason, an actor): null when blank (<see cref="IsBlank"/>), otherwise trimmed and checked as
    /// <see cref="ValidateText(string?, int, string)"/> checks a memory's text, within <paramref name="maxUtf8Bytes"/>.
    /// </summary>
    public static string? Optional(string? value, int maxUtf8Bytes, string what)
    {
        if (IsBlank(value))
        {
            return null;
        }

        string trimmed = value.Trim();
        ValidateText(trimmed, maxUtf8Bytes, what, ".");
        return trimmed;
    }

    /// <summary>
    /// Checks links a caller gives: each present, with a type (a label: trimmed, at most <see cref="MaxLabelLength"/>
    /// characters), a weight in [0, 1] and an optional reason. A link without a type or with a NaN weight was stored, and
    /// then the cube could not be exported (the writer threw) or its archive not imported (the reader refused it); a
    /// weight above 1 let one link lift an unrelated memory to the top of every search that found the linking one.
    /// </summary>
    public static IReadOnlyList<MemoryLink> ValidateLinks(IReadOnlyList<MemoryLink>? links) => ValidateLinks(links, stored: []);

    /// <summary>
    /// <see cref="ValidateLinks(IReadOnlyList{MemoryLink}?)"/> of a memory's new links, where one identical to a link it
    /// holds (<paramref name="stored"/>) is kept as it is: one stored before today's rules (a weight above 1) must not block
    /// the writers that carry a memory's links over (a note's back-link, a restated fact).
    /// </summary>
    internal static IReadOnlyList<MemoryLink> ValidateLinks(IReadOnlyList<MemoryLink>? links, IReadOnlyList<MemoryLink> stored)
    {
        if (links is null || links.Count == 0)
        {
            return [];
        }

        var valid = new List<MemoryLink>(links.Count);
        foreach (var link in links)
        {
            if (link is null)
            {
                throw new MemoryValidationException("A link is null.");
            }

            if (stored.Contains(link))
            {
                valid.Add(link);
                continue;
            }

            string type = string.IsNullOrWhiteSpace(link.Type) ? throw new MemoryValidationException($"The link to {link.Target} has no type.") : link.Type.Trim();
            ValidateText(type, MaxLabelLength * 4, "link type", ".");
            if (!double.IsFinite(link.Weight) || link.Weight < 0 || link.Weight > 1)
            {
                throw new MemoryValidationException($"The link to {link.Target} has weight {link.Weight.ToString(CultureInfo.InvariantCulture)}; a link's weight is between 0 and 1.");
            }

            valid.Add(link with { Type = type, Reason = Optional(link.Reason, MaxNoteBytes, "link reason") });
        }

        return valid;
    }

    /// <summary>
    /// Trims labels, puts them in Unicode NFC, drops duplicates (case-insensitive) and rejects blank or overlong ones. NFC,
    /// as memory text is hashed: "Ä" typed composed and sent decomposed (as macOS file names are) were two tags that look
    /// the same, and a filter in one spelling missed the other.
    /// </summary>
    public static IReadOnlyList<string> NormalizeLabels(IReadOnlyList<string>? labels, string what) => NormalizeLabels(labels, what, int.MaxValue);

    /// <summary>
    /// <see cref="NormalizeLabels(IReadOnlyList{string}?, string)"/>, refusing more than <paramref name="maxCount"/> distinct
    /// labels (<see cref="MemoryOSOptions.MaxLabels"/>) with <see cref="MemoryValidationException"/>.
    /// </summary>
    public static IReadOnlyList<string> NormalizeLabels(IReadOnlyList<string>? labels, string what, int maxCount)
    {
        if (labels is null || labels.Count == 0)
        {
            return [];
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<string>(labels.Count);
        foreach (string raw in labels)
        {
            string label = SafeNormalization.Normalize(raw?.Trim() ?? string.Empty, NormalizationForm.FormC);
            ValidateLabel(label, what);
            if (seen.Add(label))
            {
                result.Add(label);
            }
        }

        if (result.Count > maxCount)
        {
            throw new MemoryValidationException($"{result.Count:N0} distinct {what}s were given; a memory may carry at most {maxCount:N0} (MemoryOSOptions.MaxLabels).");
        }

        return result;
    }

    /// <summary>Throws unless <paramref name="label"/> (a tag or keyword) is not blank (<see cref="IsBlank"/>), at most <see cref="MaxLabelLength"/> characters and storable text.</summary>
    public static void ValidateLabel(string label, string what)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (IsBlank(label))
        {
            throw new MemoryValidationException($"A {what} is empty.");
        }

        if (label.Length > MaxLabelLength)
        {
            throw new MemoryValidationException($"The {what} '{label[..20]}…' is {label.Length} characters; the limit is {MaxLabelLength}.");
        }

        ValidateText(label, MaxLabelLength * 4, what);
    }

    /// <summary>
    /// Throws unless <paramref name="payload"/> suits a memory of <paramref name="kind"/>: every kind but plaintext needs
    /// one, and one needs a URI, a media type, a non-negative size and a 64-hex-digit SHA-256. The URI (at most
    /// <see cref="MaxNoteBytes"/>) and the media type (at most <see cref="MaxReferenceBytes"/>) are storable text, as a
    /// memory's other fields are: PostgreSQL refused a NUL in them as a server error, where SQLite stored it.
    /// </summary>
    /// <remarks>
    /// The URI's limit is not <see cref="MaxReferenceBytes"/>: a file URI is its path percent-encoded, and a path may be 4,096
    /// bytes (PATH_MAX), thrice that once encoded.
    /// </remarks>
    internal static void ValidatePayload(MemoryKind kind, PayloadRef? payload)
    {
        if (kind != MemoryKind.Plaintext && payload is null)
        {
            throw new MemoryValidationException($"A {kind} memory needs a payload reference (PayloadRef); only plaintext memories are text alone.");
        }

        if (payload is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(payload.Uri) || string.IsNullOrWhiteSpace(payload.MediaType) || payload.SizeBytes < 0
            || payload.Sha256 is not { Length: 64 } sha || !sha.All(char.IsAsciiHexDigit))
        {
            throw new MemoryValidationException("The payload reference needs a URI, a media type, a non-negative size and a 64-hex-digit SHA-256.");
        }

        ValidateText(payload.Uri, MaxNoteBytes, "payload URI", ".");
        ValidateText(payload.MediaType, MaxReferenceBytes, "payload media type", ".");
    }

    /// <summary>Throws unless <paramref name="value"/> is a finite number in [0, 1].</summary>
    public static double ValidateUnit(double value, string what)
    {
        if (!double.IsFinite(value) || value < 0 || value > 1)
        {
            throw new MemoryValidationException($"The {what} must be between 0 and 1; got {value}.");
        }

        return value;
    }

    /// <summary>Throws if the event interval ends before it starts.</summary>
    public static void ValidateInterval(DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from is { } f && to is { } t && t < f)
        {
            throw new MemoryValidationException($"The event time ends ({t:O}) before it starts ({f:O}).");
        }
    }

    /// <summary>
    /// SHA-256 over kind, normalised text and payload hash, as lower-case hex. The text is normalised so that visually
    /// identical text counts as a duplicate: what shows nothing is dropped at its start (white space, a byte order mark, a
    /// zero width space: <see cref="IsBlank"/>'s characters) and white space at its end, every line break is "\n" (CRLF, CR,
    /// NEL, LS, PS, FF: <see cref="string.ReplaceLineEndings(string)"/>), and the whole is in Unicode NFC.
    /// </summary>
    /// <remarks>
    /// Line breaks and a leading invisible character are normalised since schema step 13 (SQLite) and 11 (PostgreSQL), which
    /// recompute the hashes stored before: the same note from a Windows file and from a Unix one, or through a tool that keeps
    /// the byte order mark, was stored twice.
    /// </remarks>
    public static string ComputeHash(MemoryKind kind, string text, PayloadRef? payload)
    {
        ArgumentNullException.ThrowIfNull(text);
        int start = 0;
        while (start < text.Length && Rune.DecodeFromUtf16(text.AsSpan(start), out Rune rune, out int used) == System.Buffers.OperationStatus.Done && ShowsNothing(rune))
        {
            start += used;
        }

        string canonical = string.Concat(
            ((int)kind).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "\n",
            SafeNormalization.Normalize(text[start..].TrimEnd().ReplaceLineEndings("\n"), NormalizationForm.FormC), // U+FFFE is text a store keeps: Normalize alone threw on it
            "\n",
            payload?.Sha256 ?? string.Empty);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    // White space, a format character (Cf) or another default-ignorable code point: a character a reader does not see.
    private static bool ShowsNothing(Rune rune) =>
        Rune.IsWhiteSpace(rune) || Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format || IsIgnorableNonFormat(rune.Value);

    // Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties) outside category Cf: the combining grapheme joiner, the
    // Hangul fillers, the Khmer inherent vowels, the Mongolian variation selectors, the variation selectors and the
    // unassigned code points reserved as ignorable.
    private static bool IsIgnorableNonFormat(int c) =>
        c is 0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or (>= 0x180B and <= 0x180F) or 0x2065 or 0x3164
            or (>= 0xFE00 and <= 0xFE0F) or 0xFFA0 or (>= 0xFFF0 and <= 0xFFF8) or (>= 0xE0000 and <= 0xE0FFF);
}
