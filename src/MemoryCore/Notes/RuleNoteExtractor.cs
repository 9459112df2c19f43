using AgentMem.MemoryCore.Time;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore.Notes;

/// <summary>
/// The offline note builder: named entities (capitalised runs not at a sentence start), content words, topic tags from a
/// <see cref="TagLexicon"/>, relative dates resolved against the event time, and a rule-based category. Deterministic, so
/// everything works without a model; an LLM extractor can replace it where one is configured.
/// </summary>
public sealed partial class RuleNoteExtractor : INoteExtractor
{
    private static readonly HashSet<string> NotEntities = new(StringComparer.Ordinal)
    {
        "I", "I'm", "I've", "I'll", "I'd", "Hey", "Hi", "Hello", "Thanks", "Thank", "Wow", "Yeah", "Yes", "No", "Oh", "Ok", "Okay",
        "Sure", "Great", "Awesome", "Congrats", "Congratulations", "Sorry", "Well", "So", "Also", "And", "But", "Btw", "BTW",
    };

    // Conversational filler that is long enough to look like a keyword but says nothing about the topic.
    private static readonly HashSet<string> Fillers = new(StringComparer.Ordinal)
    {
        "thanks", "thank", "yeah", "awesome", "great", "really", "totally", "sure", "cool", "glad", "amazing", "wow", "okay", "definitely",
        "absolutely", "hey", "also", "actually", "super", "pretty", "much", "lots", "always", "something", "anything", "everything", "things", "thing",
    };

    private static readonly string[] PlanCues = ["will ", "going to ", "gonna ", "plan to ", "planning ", "hope to ", "want to ", "next "];
    private static readonly string[] PreferenceCues = ["i love ", "i like ", "i enjoy ", "i prefer ", "my favorite", "my favourite", "i hate ", "i don't like ", "fan of "];
    private static readonly string[] EventCues = ["yesterday", " ago", "last ", "went ", "did ", "had ", "got ", "was ", "were ", "took ", "made ", "just "];

    // Longer runs of capitalised words are not taken for names ("The Lord of the Rings" has five).
    private const int MaxEntityWords = 6;

    // Resolved dates named in the context; the rest are counted.
    private const int MaxDatesListed = 6;

    private readonly TagLexicon lexicon;

    /// <summary>Uses <paramref name="lexicon"/> for tags (the built-in taxonomy when null).</summary>
    public RuleNoteExtractor(TagLexicon? lexicon = null) => this.lexicon = lexicon ?? TagLexicon.Default;

    /// <summary>Most keywords kept per note.</summary>
    public int MaxKeywords { get; init; } = 8;

    /// <summary>Most tags kept per note.</summary>
    public int MaxTags { get; init; } = 4;

    /// <inheritdoc />
    public Task<NoteAttributes> ExtractAsync(NoteInput input, CancellationToken cancellationToken = default) => Task.FromResult(Extract(input));

    /// <summary>The synchronous form of <see cref="ExtractAsync"/>.</summary>
    public NoteAttributes Extract(NoteInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string text = input.Text ?? string.Empty;
        var keywords = new List<string>();
        var seenStems = new HashSet<string>(StringComparer.Ordinal);
        foreach (string entity in Entities(text))
        {
            Add(keywords, seenStems, entity);
        }

        var words = WordPattern().Matches(text).Select(m => m.Value.ToLowerInvariant()).ToList();
        foreach (string w in words.Where(w => w.Length >= 4 && !EnglishStopWords.Contains(w) && w.IndexOfAny(['\'', '’']) < 0 && !Fillers.Contains(w)).OrderByDescending(w => w.Length).ThenBy(w => w, StringComparer.Ordinal))
        {
            if (keywords.Count >= MaxKeywords)
            {
                break;
            }

            Add(keywords, seenStems, w);
        }

        if (keywords.Count > MaxKeywords)
        {
            keywords.RemoveRange(MaxKeywords, keywords.Count - MaxKeywords);
        }

        var tags = lexicon.Tally(words.Where(w => !EnglishStopWords.Contains(w))).Take(MaxTags).Select(t => t.Tag).ToList();
        var times = input.EventTime is { } at ? RelativeTimeResolver.Resolve(text, at) : [];
        string category = Categorize(text);
        return new NoteAttributes(keywords, tags, Context(input, category, tags, keywords, times), category);
    }

    private static void Add(List<string> keywords, HashSet<string> seenStems, string phrase)
    {
        if (phrase.Length > ContentRules.MaxLabelLength)
        {
            return; // a keyword is a label, and a stored label is at most this long
        }

        // A word already covered by an entity ("patrick" in "patrick rothfuss") is not a keyword of its own.
        var stems = phrase.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(PorterStemmer.Stem).ToList();
        if (stems.Count == 1 && seenStems.Contains(stems[0]))
        {
            return;
        }

        if (seenStems.Add(string.Join(' ', stems)))
        {
            keywords.Add(phrase.ToLowerInvariant());
            seenStems.UnionWith(stems);
        }
    }

    /// <summary>Runs of capitalised words that do not open a sentence ("Patrick Rothfuss", "Game of Thrones").</summary>
    private static IEnumerable<string> Entities(string text)
    {
        foreach (Match m in EntityPattern().Matches(text))
        {
            string value = m.Value.Trim();
            int before = m.Index - 1;
            while (before >= 0 && char.IsWhiteSpace(text[before]))
            {
                before--;
            }

            bool sentenceStart = before < 0 || text[before] is '.' or '!' or '?' or '"' or '\n' or ':' or '(' or '[';
            var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            if (sentenceStart)
            {
                // A capitalised sentence opener is only an entity when a capitalised word follows ("Harry Potter is ...").
                parts.RemoveAt(0);
                while (parts.Count > 0 && parts[0] is "of" or "the" or "and")
                {
                    parts.RemoveAt(0);
                }
            }

            parts.RemoveAll(NotEntities.Contains);
            while (parts.Count > 0 && parts[^1] is "of" or "the" or "and")
            {
                parts.RemoveAt(parts.Count - 1);
            }

            // A longer run is a shouted or title-cased sentence, not a name; its words still count one by one.
            if (parts.Count > 0 && parts.Count <= MaxEntityWords && !(parts.Count == 1 && EnglishStopWords.Contains(parts[0].ToLowerInvariant())))
            {
                yield return string.Join(' ', parts).Trim('\'', '’');
            }
        }
    }

    private static string Categorize(string text)
    {
        string lower = " " + text.ToLowerInvariant() + " ";
        if (PreferenceCues.Any(c => lower.Contains(c, StringComparison.Ordinal)))
        {
            return "preference";
        }

        if (PlanCues.Any(c => lower.Contains(" " + c, StringComparison.Ordinal)))
        {
            return "plan";
        }

        return EventCues.Any(c => lower.Contains(c, StringComparison.Ordinal)) ? "event" : "fact";
    }

    private static string Context(NoteInput input, string category, List<string> tags, List<string> keywords, IReadOnlyList<ResolvedTime> times)
    {
        var sb = new StringBuilder();
        sb.Append(string.IsNullOrWhiteSpace(input.Actor) ? "Someone" : input.Actor.Trim());
        sb.Append(category switch
        {
            "preference" => " states a preference",
            "plan" => " describes a plan",
            "event" => " recounts an event",
            _ => " states a fact",
        });
        var topics = tags.Count > 0 ? tags : keywords.Take(3).ToList();
        if (topics.Count > 0)
        {
            sb.Append(" about ").Append(string.Join(", ", topics));
        }

        if (times.Count > 0)
        {
            // Each dating once and only the first few, its white space made one space: a text may say "today" thousands of
            // times, and the context (else made of labels and the actor, all bounded) must stay far under the note limit.
            var dated = times.Select(t => $"{string.Join(' ', t.Expression.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))} = {t.Describe()}")
                .Distinct(StringComparer.Ordinal).ToList();
            sb.Append(", dated ").Append(string.Join("; ", dated.Take(MaxDatesListed)));
            if (dated.Count > MaxDatesListed)
            {
                sb.Append(" and ").Append(dated.Count - MaxDatesListed).Append(" more");
            }
        }
        else if (input.EventTime is { } at)
        {
            sb.Append(", said on ").Append(at.DateTime.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)); // the speaker's day, at their offset
        }

        return sb.Append('.').ToString();
    }

    // Any script's letters, each with its combining marks: "Zürich" is one word, not "z" and "rich". Scripts written
    // without spaces (Han, kana, Thai, Lao, Khmer, Myanmar) are left out, as before: a whole clause would be one "word".
    private const string Unspaced = @"\p{IsCJKUnifiedIdeographs}\p{IsHiragana}\p{IsKatakana}\p{IsThai}\p{IsLao}\p{IsKhmer}\p{IsMyanmar}";
    private const string Letter = @"[\p{L}-[" + Unspaced + "]]";
    private const string LetterOrMark = @"[\p{L}\p{M}-[" + Unspaced + "]]";
    private const string Inner = @"[\p{L}\p{M}'’\--[" + Unspaced + "]]";

    [GeneratedRegex(Letter + Inner + "*" + LetterOrMark + "|" + Letter + @"\p{M}*", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();

    // Within a line: a list of capitalised items, one per line, is several entities, not one. Any script's capitals ("Émile").
    [GeneratedRegex(@"\b\p{Lu}[\w'’-]*(?:[ \t]+(?:of|the|and)[ \t]+\p{Lu}[\w'’-]*|[ \t]+\p{Lu}[\w'’-]*)*", RegexOptions.CultureInvariant)]
    private static partial Regex EntityPattern();
}
