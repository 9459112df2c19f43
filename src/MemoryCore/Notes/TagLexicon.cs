using System.Collections.Frozen;

namespace AgentMem.MemoryCore.Notes;

/// <summary>
/// A small hand-written taxonomy of everyday-life topics (pets, health, travel, work, ...) used as the offline stand-in for
/// the tags an LLM would give a note (A-MEM). Words are matched by Porter stem, so "camping", "camped" and "camp" meet, and
/// a question's category word ("What pets ...", "Which activities ...") maps to the same tag as the notes it is about.
/// </summary>
public sealed class TagLexicon
{
    private static readonly Dictionary<string, string> DefaultTopics = new(StringComparer.Ordinal)
    {
        ["pet"] = "pet pets dog dogs puppy puppies cat cats kitten kittens hamster parrot bird birds fish turtle rabbit bunny horse horses pony reptile snake lizard vet leash paw paws furry",
        ["hobby"] = "hobby hobbies activity activities pastime pastimes painting paint drawing draw pottery ceramics sculpting knitting crochet sewing gardening hiking hike camping camp fishing swimming swim running jogging cycling biking yoga dancing dance skating surfing skiing climbing kayaking photography cooking baking reading writing gaming chess puzzles volunteering crafts craft",
        ["sport"] = "sport sports basketball football soccer baseball tennis golf volleyball hockey rugby cricket team teams match league coach tournament championship game games workout gym fitness marathon race athlete player",
        ["music"] = "music musical song songs sing singing singer band concert concerts guitar piano violin drum drums instrument instruments album festival melody musician playlist compose composing lyrics",
        ["art"] = "art arts artist artists artwork painting paintings paint canvas sketch sketches drawing drawings sculpture gallery museum exhibit exhibition mural watercolor craft pottery design creative",
        ["reading"] = "book books novel novels read reading author authors library series story stories fiction fantasy poem poetry writer chapter bookstore literature",
        ["writing"] = "write writing wrote written blog article articles journal poem poems story stories script essay novel publish published magazine writer",
        ["health"] = "health healthy sick ill illness disease doctor doctors hospital er surgery injury injured hurt pain medicine medication diagnosis diagnosed diet weight blood pressure heart stomach flu fever allergy allergies therapy checkup symptom symptoms scare recovery recover cholesterol diabetes",
        ["family"] = "family families mom mother dad father parent parents kids kid children child son sons daughter daughters brother brothers sister sisters sibling siblings grandma grandmother grandpa grandfather husband wife partner spouse baby cousin aunt uncle niece nephew",
        ["relationship"] = "friend friends friendship boyfriend girlfriend date dating relationship marriage married wedding engaged engagement divorce breakup romance partner",
        ["work"] = "job jobs work working career office boss coworker coworkers colleague colleagues company business startup promotion interview hired salary project projects client clients manager internship resume employer",
        ["education"] = "school college university class classes course courses degree study studying student students teacher exam exams graduate graduation lesson lessons workshop learn learning research education",
        ["travel"] = "travel traveled traveling trip trips vacation visit visited journey flight abroad country countries city cities tour beach mountain mountains lake park hotel cruise island road",
        ["food"] = "food foods eat eating cook cooking recipe recipes dish dishes meal meals dinner lunch breakfast bake baking cake pie cookie cookies restaurant cafe coffee pizza pasta vegan vegetarian dessert snack",
        ["event"] = "party parties birthday celebration celebrate celebrated festival event events ceremony anniversary holiday holidays christmas thanksgiving parade fair conference meetup gathering",
        ["gift"] = "gift gifts present presents gave given received souvenir",
        ["home"] = "house home apartment move moved moving rent neighborhood room kitchen renovate renovation",
        ["vehicle"] = "car cars truck vehicle vehicles engine drive driving mechanic motorcycle restore restoring restoration",
        ["nature"] = "nature outdoors outdoor forest trail trails hike mountain beach ocean sea river lake sunset camping park wildlife garden",
        ["screen"] = "movie movies film films show shows series tv television watch watched cinema actor actress netflix documentary",
        ["game"] = "game games gaming gamer console tournament esports chess puzzle puzzles",
        ["community"] = "volunteer volunteering charity donate donation donations fundraiser community nonprofit shelter cause activism activist advocacy support group lgbtq rights",
        ["spiritual"] = "church faith pray prayer religion religious spiritual meditation temple",
        ["money"] = "money budget save savings invest investment loan debt pay bills finances",
        ["tech"] = "programming program code coding software app apps computer developer website tech technology",
        ["fitness"] = "gym workout workouts exercise exercising fitness running training lift weights marathon muscle",
        ["emotion"] = "stress stressed anxious anxiety sad happy excited worried overwhelmed lonely depressed feelings emotions",
        ["disaster"] = "storm flood flooding hurricane earthquake fire wildfire tornado snow weather",
        ["achievement"] = "award awards won win prize trophy competition contest achievement accomplishment recognition milestone",
    };

    private readonly FrozenDictionary<string, string[]> tagsByStem;

    /// <summary>Builds a lexicon from topic → space-separated words.</summary>
    /// <exception cref="ArgumentException">A topic name is blank or has no words.</exception>
    public TagLexicon(IReadOnlyDictionary<string, string> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var map = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (tag, words) in topics)
        {
            if (string.IsNullOrWhiteSpace(tag) || string.IsNullOrWhiteSpace(words))
            {
                throw new ArgumentException($"topic '{tag}' needs a name and at least one word.", nameof(topics));
            }

            foreach (string word in words.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string stem = PorterStemmer.Stem(word.ToLowerInvariant());
                if (!map.TryGetValue(stem, out var set))
                {
                    map[stem] = set = new SortedSet<string>(StringComparer.Ordinal);
                }

                set.Add(tag);
            }
        }

        tagsByStem = map.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        Topics = topics.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The built-in everyday-life taxonomy.</summary>
    public static TagLexicon Default { get; } = new(DefaultTopics);

    /// <summary>Every tag the lexicon can give, sorted.</summary>
    public IReadOnlyList<string> Topics { get; }

    /// <summary>Tags of one lower-case word (stemmed here); empty when the word is in no topic.</summary>
    public IReadOnlyList<string> TagsOfWord(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return tagsByStem.TryGetValue(PorterStemmer.Stem(word), out var tags) ? tags : [];
    }

    /// <summary>Tags of <paramref name="words"/> (lower-case), with how many words voted for each, most votes first.</summary>
    public IReadOnlyList<(string Tag, int Votes)> Tally(IEnumerable<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string w in words)
        {
            foreach (string tag in TagsOfWord(w))
            {
                votes[tag] = votes.GetValueOrDefault(tag) + 1;
            }
        }

        return votes.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)).ToArray();
    }
}
