using AgentMem.MemoryCore.Notes;
using AgentMem.MemoryCore.Time;

namespace AgentMem.MemoryCore.Tests.Notes;

/// <summary>The offline note builder: entities, keywords, tags, category and a dated context.</summary>
public sealed class RuleNoteExtractorTests
{
    private static readonly DateTimeOffset Anchor = ConversationDate.Parse("1:56 pm on 8 May, 2023");
    private readonly RuleNoteExtractor extractor = new();

    [Fact]
    public void Named_entities_come_first_and_sentence_openers_are_not_entities()
    {
        var note = extractor.Extract(new NoteInput("Thanks! It's a book by Patrick Rothfuss and I love Game of Thrones too.", "Tim", Anchor));
        Assert.Equal("patrick rothfuss", note.Keywords[0]);
        Assert.Equal("game of thrones", note.Keywords[1]);
        Assert.DoesNotContain("thanks", note.Keywords);
        Assert.DoesNotContain("it's", note.Keywords);
        Assert.Contains("reading", note.Tags);
        Assert.Equal("preference", note.Category);
    }

    [Fact]
    public void Shouted_text_and_lists_of_names_on_separate_lines_give_keywords_that_fit_a_label()
    {
        string shouted = "PLEASE REMEMBER THAT THE QUARTERLY BOARD MEETING MOVED TO THURSDAY AFTERNOON IN THE LARGE CONFERENCE ROOM ON THE SEVENTH FLOOR BESIDE THE KITCHEN";
        var note = extractor.Extract(new NoteInput(shouted, "Deb", Anchor));
        Assert.True(shouted.Length > MemoryCore.Validation.ContentRules.MaxLabelLength);
        Assert.NotEmpty(note.Keywords);
        Assert.All(note.Keywords, k => Assert.InRange(k.Length, 1, MemoryCore.Validation.ContentRules.MaxLabelLength));
        Assert.DoesNotContain(note.Keywords, k => k.Split(' ').Length > 6);

        var lines = extractor.Extract(new NoteInput("we met Anna Berg\nCarl Dahl came later", "Deb", Anchor));
        Assert.Contains("anna berg", lines.Keywords);
        Assert.DoesNotContain(lines.Keywords, k => k.Contains('\n', StringComparison.Ordinal) || k.Contains("carl", StringComparison.Ordinal) && k.Contains("berg", StringComparison.Ordinal));
    }

    [Fact]
    public void Accented_words_and_names_stay_whole()
    {
        var note = extractor.Extract(new NoteInput("we flew from zürich to düsseldorf, where Émile Brontë ordered crème brûlée", "Deb", Anchor));
        Assert.Contains("zürich", note.Keywords);
        Assert.Contains("düsseldorf", note.Keywords);
        Assert.Contains("émile brontë", note.Keywords);
        Assert.Contains("brûlée", note.Keywords);
        Assert.DoesNotContain(note.Keywords, k => k is "rich" or "sseldorf" or "mile" or "bront" or "lée");

        // A letter and its combining accent (decomposed text) are one word too, lower-cased invariantly.
        var decomposed = extractor.Extract(new NoteInput("ZU\u0308RICH", "Deb", Anchor));
        Assert.Equal(["zu\u0308rich"], decomposed.Keywords);

        // Scripts written without spaces give no keywords, as before: a whole clause would be one "word", first among them.
        var unspaced = extractor.Extract(new NoteInput("我们昨天在东京吃了寿司 とても美味しかった ผมไปเที่ยวทะเล Kyoto", "Deb", Anchor));
        Assert.DoesNotContain(unspaced.Keywords, k => k.Length > 10);
        Assert.Contains("kyoto", unspaced.Keywords);
    }

    [Fact]
    public void Tags_map_related_words_to_one_topic()
    {
        var dog = extractor.Extract(new NoteInput("We adopted a puppy and took him to the vet.", "Nate", Anchor));
        Assert.Equal("pet", dog.Tags[0]);
        var health = extractor.Extract(new NoteInput("I ended up in the ER with a stomachache, the doctor said it was gastritis.", "Sam", Anchor));
        Assert.Contains("health", health.Tags);
        Assert.True(health.Tags.Count <= extractor.MaxTags);
    }

    [Fact]
    public void Context_names_the_speaker_the_topic_and_resolved_dates()
    {
        var note = extractor.Extract(new NoteInput("I went camping with my family yesterday.", "Melanie", Anchor));
        Assert.Equal("event", note.Category);
        Assert.StartsWith("Melanie recounts an event about ", note.Context, StringComparison.Ordinal);
        Assert.Contains("yesterday = 7 May 2023", note.Context, StringComparison.Ordinal);

        var undated = extractor.Extract(new NoteInput("My favorite color is green.", null, Anchor));
        Assert.StartsWith("Someone states a preference", undated.Context, StringComparison.Ordinal);
        Assert.Contains("said on 8 May 2023", undated.Context, StringComparison.Ordinal);
    }

    [Fact]
    public void Context_lists_each_date_once_and_only_the_first_few()
    {
        var repeated = extractor.Extract(new NoteInput(string.Join(" ", Enumerable.Repeat("today", 3500)), "Melanie", Anchor));
        Assert.EndsWith(", dated today = 8 May 2023.", repeated.Context, StringComparison.Ordinal);

        var many = extractor.Extract(new NoteInput("yesterday, today, tomorrow, last week, next month, last   year and 3 days ago", "Melanie", Anchor));
        Assert.Contains("today = 8 May 2023", many.Context, StringComparison.Ordinal);
        Assert.EndsWith("; last year = 2022 and 1 more.", many.Context, StringComparison.Ordinal); // white space in an expression is one space
    }

    [Fact]
    public void A_date_before_the_calendar_begins_is_left_out_of_the_context()
    {
        var note = extractor.Extract(new NoteInput("I graduated last year", "Ann", new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.EndsWith(", said on 1 January 0001.", note.Context, StringComparison.Ordinal);
    }

    [Fact]
    public void Plans_and_facts_are_told_apart_and_output_is_deterministic()
    {
        Assert.Equal("plan", extractor.Extract(new NoteInput("I'm going to open a dance studio.", "Jon", null)).Category);
        Assert.Equal("fact", extractor.Extract(new NoteInput("Paris is the capital of France.", null, null)).Category);
        var a = extractor.Extract(new NoteInput("Caroline researched adoption agencies in Boston.", "Caroline", Anchor));
        var b = extractor.Extract(new NoteInput("Caroline researched adoption agencies in Boston.", "Caroline", Anchor));
        Assert.Equal(a.Keywords, b.Keywords);
        Assert.Equal(a.Tags, b.Tags);
        Assert.Equal(a.Context, b.Context);
    }

    [Fact]
    public void Keywords_are_capped_and_unique_by_stem()
    {
        var note = extractor.Extract(new NoteInput("painting paintings painted painter wonderful colorful beautiful landscapes mountains rivers forests oceans deserts valleys", null, null));
        Assert.True(note.Keywords.Count <= extractor.MaxKeywords);
        Assert.Equal(note.Keywords.Count, note.Keywords.Select(k => AgentMem.MemoryCore.Text.PorterStemmer.Stem(k)).Distinct().Count());
    }

    [Fact]
    public void Lexicon_rejects_empty_topics()
    {
        Assert.Throws<ArgumentException>(() => new TagLexicon(new Dictionary<string, string> { ["pets"] = " " }));
        var lexicon = new TagLexicon(new Dictionary<string, string> { ["pet"] = "dog cat", ["animal"] = "dog" });
        Assert.Equal(["animal", "pet"], lexicon.TagsOfWord("dogs"));
        Assert.Equal(("pet", 2), lexicon.Tally(["dog", "cats", "car"])[0]);
    }
}
