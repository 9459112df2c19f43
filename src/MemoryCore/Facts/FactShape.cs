namespace AgentMem.MemoryCore.Facts;

/// <summary>
/// A shallow parse of a one-sentence fact into subject, attribute and value, enough for the offline
/// rules: <c>Ann's favourite colour is blue</c> → (ann, favourite colour, blue); <c>I live in Paris</c>
/// → (i, live-in, paris). <see cref="Attribute"/> is set only for single-valued (functional) attributes,
/// where a new value replaces the old one; for many-valued relations (<c>likes</c>, <c>has</c>) it is null.
/// </summary>
/// <param name="Subject">Canonical subject terms joined by spaces (first person is <c>i</c>; <c>the user</c> is <c>i</c> too).</param>
/// <param name="Attribute">The functional attribute, or null.</param>
/// <param name="Value">Canonical value terms joined by spaces.</param>
/// <param name="Negated">Whether the sentence negates the relation.</param>
/// <param name="Terms">All content terms (see <see cref="FactText.ContentTerms"/>).</param>
public sealed record FactShape(string Subject, string? Attribute, string Value, bool Negated, IReadOnlySet<string> Terms)
{
    /// <summary>
    /// Who the fact is about, for telling whether two facts share a subject: the subject's owner and relative noun only
    /// (<c>My sister Eve</c> → <c>i sister</c>, <c>Ann's husband</c> → <c>ann husband</c>), so a name in apposition does not
    /// make another person. Empty when no subject was parsed.
    /// </summary>
    internal string Referent { get; init; } = string.Empty;

    // Relation verbs whose object is single-valued, with the preposition that completes them.
    private static readonly Dictionary<string, string> FunctionalVerbs = new(StringComparer.Ordinal)
    {
        ["live"] = "live-in", ["lives"] = "live-in", ["lived"] = "live-in", ["reside"] = "live-in", ["resides"] = "live-in",
        ["move"] = "live-in", ["moved"] = "live-in", ["moves"] = "live-in",
        ["work"] = "work-at", ["works"] = "work-at", ["worked"] = "work-at",
        ["drive"] = "drive", ["drives"] = "drive",
        ["married"] = "married-to",
        ["called"] = "name", ["named"] = "name",
    };

    // What must follow a relation verb's plain or past form for the relation to hold: "works on a novel" names no employer,
    // "lives with my sister" no city, "moved the couch" no home, "drives to work" no car, and "called my mom" or "named my
    // dog Rex" no name of the subject (that takes "is called"). Verbs not listed ("married") take any object. A manner adverb
    // may come between ("works remotely for"), a move may name where from first ("moved from Oslo to"), and a car may take
    // any determiner or owner ("drives my dad's Volvo", see Completion).
    private static readonly Dictionary<string, string[]> Complements = new(StringComparer.Ordinal)
    {
        ["live"] = ["in", "at"], ["lives"] = ["in", "at"], ["lived"] = ["in", "at"], ["reside"] = ["in", "at"], ["resides"] = ["in", "at"],
        ["move"] = ["to"], ["moved"] = ["to"], ["moves"] = ["to"],
        ["work"] = ["at", "for"], ["works"] = ["at", "for"], ["worked"] = ["at", "for"],
        ["drive"] = ["a", "an", "the", "my", "his", "her", "their", "our", "your"], ["drives"] = ["a", "an", "the", "my", "his", "her", "their", "our", "your"],
        ["called"] = [], ["named"] = [],
    };

    // Progressive forms after a copula ("I am living in Rome"), a relation only with a place preposition after them:
    // "working on a novel" names no employer, "driving to work" no car.
    private static readonly Dictionary<string, string> Progressives = new(StringComparer.Ordinal)
    {
        ["living"] = "live-in", ["residing"] = "live-in", ["working"] = "work-at",
    };

    private static readonly HashSet<string> OtherVerbs = new(StringComparer.Ordinal)
    {
        "like", "likes", "liked", "love", "loves", "loved", "enjoy", "enjoys", "enjoyed", "prefer", "prefers", "preferred",
        "hate", "hates", "hated", "have", "has", "had", "own", "owns", "owned", "play", "plays", "played",
        "visit", "visits", "visited", "went", "go", "goes", "want", "wants", "wanted", "need", "needs", "study", "studies", "studied",
        "eat", "eats", "ate", "speak", "speaks", "spoke", "know", "knows", "knew", "use", "uses", "used",
    };

    private static readonly HashSet<string> Copulas = new(StringComparer.Ordinal) { "is", "are", "was", "were", "am" };

    private static readonly HashSet<string> Auxiliaries = new(StringComparer.Ordinal) { "does", "do", "did", "not", "no", "never", "longer", "also", "still", "now", "currently", "will", "would", "has", "have", "had" };

    private static readonly HashSet<string> Possessives = new(StringComparer.Ordinal) { "my", "his", "her", "their", "our", "your" };

    // Words a subject begins with, unless a preposition or conjunction governs them ("in the summer I", "Ann and I").
    private static readonly HashSet<string> SubjectStarts = new(StringComparer.Ordinal)
    {
        "i", "we", "you", "he", "she", "they", "my", "his", "her", "their", "our", "your", "the", "a", "an",
    };

    private static readonly HashSet<string> Governing = new(StringComparer.Ordinal)
    {
        "in", "on", "at", "of", "for", "with", "from", "to", "by", "about", "after", "before", "during", "since", "until", "and", "or", "nor", "than",
    };

    // Sentence adverbs and time words that may open a sentence before a named subject ("Unfortunately Ann ...", "Since 2020 Ann ...").
    private static readonly HashSet<string> Openers = new(StringComparer.Ordinal)
    {
        "actually", "honestly", "unfortunately", "fortunately", "luckily", "sadly", "apparently", "basically", "frankly", "personally",
        "seriously", "obviously", "clearly", "recently", "lately", "currently", "nowadays", "finally", "eventually", "originally",
        "previously", "today", "yesterday", "now", "also", "still", "anyway", "well", "so", "yes", "ok", "okay", "oh",
        "since", "in", "until", "as", "of", "last", "this", "year", "month", "week",
    };

    // Nouns naming a person or animal related to the owner: the referent of "my sister Eve" is the sister, "Eve" names her.
    private static readonly HashSet<string> Relatives = new[]
    {
        "friend", "pet", "child", "kid", "sister", "brother", "sibling", "cousin", "colleague", "husband", "wife", "partner", "spouse",
        "mom", "mum", "mother", "dad", "father", "parent", "son", "daughter", "boyfriend", "girlfriend", "fiance", "fiancee", "aunt",
        "uncle", "niece", "nephew", "grandma", "grandmother", "grandpa", "grandfather", "boss", "neighbor", "neighbour", "roommate",
        "dog", "cat",
    }.Select(FactText.Canonical).ToHashSet(StringComparer.Ordinal);

    private static readonly HashSet<string> Quantifiers = new(StringComparer.Ordinal)
    {
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "some", "most", "many", "few", "several",
        "none", "all", "both", "each", "any", "either", "neither", "half",
    };

    // Nouns that name many-valued relations: "Ann's friend is Bob" does not replace her other friends.
    private static readonly HashSet<string> ManyValued = new(StringComparer.Ordinal)
    {
        "friend", "hobbi", "hobby", "pet", "child", "kid", "sister", "brother", "sibl", "cousin", "colleagu", "interest", "goal",
    };

    /// <summary>Parses <paramref name="text"/>; never fails (an unparsed sentence has no attribute).</summary>
    public static FactShape Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = FactText.Words(text);
        bool negated = FactText.IsNegated(text);
        var terms = FactText.ContentTerms(text);

        for (int i = 0; i < words.Count; i++)
        {
            string w = words[i];
            if (Copulas.Contains(w))
            {
                var subjectWords = SubjectWords(words.Take(i));
                int next = SkipNegation(words, i + 1);

                // "Ann is called Bea", "I am married to Bo", "I am living in Rome": the participle is the relation.
                if (next < words.Count && FunctionalVerbs.TryGetValue(words[next], out var participle))
                {
                    return Make(subjectWords, participle, words.Skip(next + 1), negated, terms);
                }

                if (next + 1 < words.Count && Progressives.TryGetValue(words[next], out var progressive) && words[next + 1] is "in" or "at" or "for")
                {
                    return Make(subjectWords, progressive, words.Skip(next + 1), negated, terms);
                }

                var (owner, attribute) = SplitPossessive(subjectWords);
                bool functional = attribute.Count > 0 && !attribute.Any(a => ManyValued.Contains(FactText.Canonical(a)));
                // A many-valued noun is part of the subject: "my sister is a doctor" is about the sister, not about "i".
                return functional
                    ? new FactShape(Join(owner), Join(attribute), Join(words.Skip(next)), negated, terms) { Referent = ReferentOf(owner) }
                    : new FactShape(Join(subjectWords), null, Join(words.Skip(next)), negated, terms) { Referent = ReferentOf(subjectWords) };
            }

            if (w is "has" or "have" or "had" && i + 1 < words.Count && FunctionalVerbs.ContainsKey(words[i + 1]))
            {
                continue; // "has moved to": the participle is the relation
            }

            if (FunctionalVerbs.TryGetValue(w, out var relation) || OtherVerbs.Contains(w))
            {
                var subjectWords = SubjectWords(words.Take(i));
                if (subjectWords.Count == 0)
                {
                    continue;
                }

                int completion = relation is null ? -1 : Completion(words, i);
                if (relation is not null && completion < 0)
                {
                    relation = null; // the verb without its complement: a many-valued statement, subject kept
                }

                // The value starts at the complement: "moved from Oslo to Bergen" is a move to Bergen.
                return Make(subjectWords, relation, words.Skip(completion >= 0 ? completion : SkipNegation(words, i + 1)), negated, terms);
            }
        }

        return new FactShape(string.Empty, null, Join(words), negated, terms);
    }

    private static FactShape Make(List<string> subjectWords, string? relation, IEnumerable<string> rest, bool negated, IReadOnlySet<string> terms)
    {
        // Prepositions after the verb belong to the relation ("lives in"), not the value.
        var value = rest.SkipWhile(x => x is "in" or "at" or "for" or "to" or "as" or "with" or "on").ToList();
        return new FactShape(Join(subjectWords), relation, Join(value), negated, terms) { Referent = ReferentOf(subjectWords) };
    }

    // The words before the verb that make its subject: an opening adverb or time phrase ("Actually, I", "Since 2020 the user")
    // is no part of it, or "Actually, I don't live in Paris" was about someone other than "I live in Paris".
    private static List<string> SubjectWords(IEnumerable<string> before)
    {
        var words = before.Where(x => !Auxiliaries.Contains(x)).ToList();
        for (int j = 0; j < words.Count; j++)
        {
            if (SubjectStarts.Contains(words[j]) && (j == 0 || !Governing.Contains(words[j - 1])))
            {
                return words.Skip(j).ToList();
            }
        }

        // A named subject has no such start: drop what opens the sentence before it, but never the last word.
        int start = 0;
        while (start < words.Count - 1 && (Openers.Contains(words[start]) || words[start].All(char.IsAsciiDigit)))
        {
            start++;
        }

        return words.Skip(start).ToList();
    }

    private static string ReferentOf(List<string> subjectWords)
    {
        var (owner, attribute) = SplitPossessive(subjectWords);
        string? relative = attribute.Select(FactText.Canonical).FirstOrDefault(Relatives.Contains);
        return relative is null ? Join(subjectWords) : $"{ReferentOf(owner)} {relative}".Trim();
    }

    private static (List<string> Owner, List<string> Attribute) SplitPossessive(List<string> subject)
    {
        int apostrophe = subject.IndexOf("'s");
        if (apostrophe > 0)
        {
            return (subject.Take(apostrophe).ToList(), subject.Skip(apostrophe + 1).ToList());
        }

        if (subject.Count > 1 && Possessives.Contains(subject[0]))
        {
            return ([subject[0]], subject.Skip(1).ToList());
        }

        int of = subject.LastIndexOf("of");
        if (of > 0 && of < subject.Count - 1 && !(of == 1 && IsQuantifier(subject[0])))
        {
            // "the name of the user" → owner "the user", attribute "the name" (the owner may be more than one word)
            return (subject.Skip(of + 1).ToList(), subject.Take(of).ToList());
        }

        return (subject, []);
    }

    // "One of my sisters is a doctor" names one of many, not an attribute of "my sisters": a second such fact is no update.
    private static bool IsQuantifier(string word) =>
        Quantifiers.Contains(word) || (word.Length > 0 && word.All(char.IsAsciiDigit));

    // Where the complement that completes the relation verb at verb begins, or -1 when none does (see Complements).
    private static int Completion(IReadOnlyList<string> words, int verb)
    {
        int next = SkipNegation(words, verb + 1, articles: false);
        if (!Complements.TryGetValue(words[verb], out var complements))
        {
            return next;
        }

        // A manner adverb between verb and complement ("work remotely for Acme") leaves the relation whole.
        while (next < words.Count - 1 && words[next].Length > 4 && words[next].EndsWith("ly", StringComparison.Ordinal))
        {
            next++;
        }

        if (next >= words.Count)
        {
            return -1;
        }

        if (complements.Contains(words[next], StringComparer.Ordinal))
        {
            return next;
        }

        // "moved from Oslo to Bergen": the place left comes first, the new home after its "to" (a few words on at most).
        if (words[next] == "from" && complements.Contains("to", StringComparer.Ordinal))
        {
            return Enumerable.Range(next + 2, Math.Max(0, Math.Min(4, words.Count - next - 2))).FirstOrDefault(j => words[j] == "to", -1);
        }

        // "drives Ann's Volvo": an owner's car.
        return words[verb] is "drive" or "drives" && next + 1 < words.Count && words[next + 1] == "'s" ? next : -1;
    }

    private static int SkipNegation(IReadOnlyList<string> words, int index, bool articles = true)
    {
        while (index < words.Count && (FactText.IsNegationAt(words, index) || words[index] is "also" or "still" or "now" or "currently"
            || (articles && words[index] is "a" or "an")))
        {
            index++;
        }

        return index;
    }

    private static string Join(IEnumerable<string> words)
    {
        var canonical = words
            .Where(w => w is not ("the" or "a" or "an" or "'s") && !FactText.NegationWords.Contains(w))
            .Select(w => w is "user" ? "i" : FactText.Canonical(w));
        return string.Join(' ', canonical).Trim();
    }
}
