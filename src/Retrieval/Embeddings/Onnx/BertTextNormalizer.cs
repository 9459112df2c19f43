namespace AgentMem.Retrieval.Embeddings.Onnx;

/// <summary>
/// BERT's text clean-up before its word split, in the order Hugging Face's BERT tokenizers apply it: NUL, U+FFFD and every
/// other-category character (controls, format characters such as a BOM, a soft hyphen or a zero-width space, private-use,
/// unassigned, lone surrogates) dropped, except tab, CR and LF, which are whitespace; every whitespace or separator (Zs,
/// Zl, Zp) made a space; CJK ideographs spaced apart; then, as <see cref="WordPieceCasing"/> says, accents stripped (NFD,
/// non-spacing marks removed, nothing recomposed) and the text lower-cased.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' own BERT normaliser has no setting for these steps and differs from BERT in three: it deletes
/// tab, CR and LF as controls (so "year\nMy" was the one word "yearmy"), keeps format characters inside their word (which
/// then became [UNK]), and recomposes the text (NFC) after stripping accents, so Hangul syllables, which uncased BERT's
/// vocabulary holds only as their NFD jamo, were all [UNK].
/// </remarks>
internal sealed class BertTextNormalizer(WordPieceCasing casing) : Normalizer
{
    /// <inheritdoc/>
    public override string Normalize(string original)
    {
        ArgumentNullException.ThrowIfNull(original);
        return Normalize(original.AsSpan());
    }

    /// <inheritdoc/>
    public override string Normalize(ReadOnlySpan<char> original)
    {
        var clean = new StringBuilder(original.Length + 16);
        Span<char> utf16 = stackalloc char[2];

        // Runes, so a surrogate pair is one character of its own category; a lone surrogate reads as U+FFFD and is dropped.
        foreach (var rune in original.EnumerateRunes())
        {
            if (rune.Value is '\t' or '\n' or '\r')
            {
                clean.Append(' ');
                continue;
            }

            if (rune.Value is 0 or 0xFFFD)
            {
                continue;
            }

            switch (Rune.GetUnicodeCategory(rune))
            {
                case UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned:
                    break;
                case UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator:
                    clean.Append(' ');
                    break;
                default:
                    bool ideograph = IsCjkIdeograph(rune.Value);
                    if (ideograph)
                    {
                        clean.Append(' ');
                    }

                    clean.Append(utf16[..rune.EncodeToUtf16(utf16)]);
                    if (ideograph)
                    {
                        clean.Append(' ');
                    }

                    break;
            }
        }

        string text = clean.ToString();
        text = casing.StripAccents ? StripAccents(text) : text.Normalize(NormalizationForm.FormC);
        return casing.LowerCase ? text.ToLowerInvariant() : text;
    }

    // NFD with the non-spacing marks removed and the rest left decomposed: "café" is "cafe", 서 is ᄉ + ᅥ.
    private static string StripAccents(string text)
    {
        string decomposed = text.Normalize(NormalizationForm.FormD);
        var kept = new StringBuilder(decomposed.Length);
        Span<char> utf16 = stackalloc char[2];
        foreach (var rune in decomposed.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
            {
                kept.Append(utf16[..rune.EncodeToUtf16(utf16)]);
            }
        }

        return kept.ToString();
    }

    // BERT's "Chinese character" blocks: the CJK Unified Ideographs and their extensions A to E, and the compatibility
    // ideographs. Hiragana, Katakana and Hangul are written in words and are not among them.
    private static bool IsCjkIdeograph(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
