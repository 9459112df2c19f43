namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>
/// Composes the messages of a conversation: short user questions, long user messages with pasted
/// code, configuration or logs, and long markdown assistant answers. Planted and distractor
/// sentences go into prose paragraphs that are neither the first nor the last paragraph.
/// </summary>
internal sealed class LongChatMessageWriter(Random random, LongChatSlots slots, LongChatProject project, LongChatLogWriter logs)
{
    /// <summary>An assistant answer never grows past this before its closing paragraph and inserted sentences are added.</summary>
    private const int AssistantBodyCap = 14_000;

    /// <summary>Shortest assistant answer.</summary>
    public const int AssistantMinChars = 1_500;

    /// <summary>Longest assistant answer.</summary>
    public const int AssistantMaxChars = 15_000;

    /// <summary>Smallest long (pasted) user message, in UTF-8 bytes.</summary>
    public const int LongUserMinBytes = 2_000;

    /// <summary>Largest long (pasted) user message, in UTF-8 bytes.</summary>
    public const int LongUserMaxBytes = 20_480;

    /// <summary>A short user message: maybe an acknowledgement, a question, maybe a constraint.</summary>
    /// <param name="focus">Component the question is about.</param>
    /// <returns>The message.</returns>
    public string ShortUser(LongChatEntity focus)
    {
        LongChatSlots.Scope scope = slots.Begin(focus);
        var parts = new List<string>();
        if (random.Next(10) < 4)
        {
            parts.Add(slots.Pick(LongChatVocabulary.Acknowledgements));
        }

        parts.Add(scope.Sentence(slots.Pick(LongChatTemplates.UserQuestions)));
        if (random.Next(10) < 3)
        {
            parts.Add(scope.Sentence(slots.Pick(LongChatTemplates.UserConstraints)));
        }

        return string.Join(' ', parts);
    }

    /// <summary>A long markdown answer of roughly <paramref name="targetChars"/> characters.</summary>
    /// <param name="focus">Component the answer is about.</param>
    /// <param name="planted">Fact sentence to plant, if any.</param>
    /// <param name="distractors">Sentences stating other facts, placed anywhere in the middle.</param>
    /// <param name="targetChars">Length to reach before closing; kept within <see cref="AssistantMinChars"/>..<see cref="AssistantBodyCap"/>.</param>
    /// <returns>The answer.</returns>
    public string Assistant(LongChatEntity focus, string? planted, IReadOnlyList<string> distractors, int targetChars)
    {
        targetChars = Math.Clamp(targetChars, AssistantMinChars, AssistantBodyCap);
        var blocks = new List<Block> { Prose(focus, slots.Pick(LongChatTemplates.Openings), all: true) };
        var deck = new Deck<string[]>(random, LongChatTemplates.Paragraphs);
        int length = blocks[0].Length;
        while (length < targetChars)
        {
            // A section is a heading, a prose paragraph, then maybe a list or a code block and more prose.
            var section = new List<Block> { Text(slots.Begin(focus).Fill(slots.Pick(LongChatTemplates.Headings))), Prose(focus, deck.Next(), all: false) };
            int extras = random.Next(3);
            for (int i = 0; i < extras; i++)
            {
                int kind = random.Next(10);
                section.Add(kind < 5 ? Prose(focus, deck.Next(), all: false) : kind < 7 ? Bullets(focus) : Code(focus));
            }

            int sectionLength = section.Sum(b => b.Length + 2);
            if (length + sectionLength > AssistantBodyCap)
            {
                // Too big to fit: retry with a smaller section unless the answer is already long enough.
                section.RemoveRange(2, section.Count - 2);
                sectionLength = section.Sum(b => b.Length + 2);
                if (length + sectionLength > AssistantBodyCap)
                {
                    break;
                }
            }

            blocks.AddRange(section);
            length += sectionLength;
        }

        blocks.Add(Prose(focus, slots.Pick(LongChatTemplates.Closings), all: true));
        Plant(blocks, planted, distractors);
        return Join(blocks);
    }

    /// <summary>A long user message with pasted material of roughly <paramref name="targetBytes"/> bytes.</summary>
    /// <param name="focus">Component the message is about.</param>
    /// <param name="planted">Fact sentence to plant in the context paragraph, if any.</param>
    /// <param name="distractors">Other fact sentences for the context paragraph.</param>
    /// <param name="targetBytes">Size to aim for, within <see cref="LongUserMinBytes"/>..<see cref="LongUserMaxBytes"/>.</param>
    /// <param name="when">When the message is written, for log timestamps.</param>
    /// <returns>The message.</returns>
    public string LongUser(LongChatEntity focus, string? planted, IReadOnlyList<string> distractors, int targetBytes, DateTime when)
    {
        LongChatSlots.Scope scope = slots.Begin(focus);
        string[] context = slots.Pick(LongChatTemplates.PasteContext);
        var blocks = new List<Block>
        {
            Text(scope.Sentence(slots.Pick(LongChatTemplates.PasteIntros))),
            Text(""),
            new([.. context.Select(scope.Sentence)]),
        };
        bool twoPastes = random.Next(3) == 0;
        if (twoPastes)
        {
            blocks.Add(Text(""));
        }

        blocks.Add(Text(scope.Sentence(slots.Pick(LongChatTemplates.PasteClosings))));
        int prose = blocks.Sum(b => b.Length + 2) + (planted?.Length ?? 0) + distractors.Sum(d => d.Length + 1);
        // Pastes end on a whole snippet or log entry, so they overshoot a little: aim inside the bounds.
        int budget = Math.Clamp(targetBytes, LongUserMinBytes + 300, LongUserMaxBytes - 3_000) - prose;
        blocks[1] = Text(Paste(focus, twoPastes ? budget / 2 : budget, when));
        if (twoPastes)
        {
            blocks[3] = Text(Paste(focus, budget / 2, when.AddMinutes(random.Next(5, 90))));
        }

        // The context paragraph (index 2) is the only prose paragraph in the middle.
        blocks[2].Insert(random, planted);
        foreach (string distractor in distractors)
        {
            blocks[2].Insert(random, distractor);
        }

        return Join(blocks);
    }

    /// <summary>A user message pasting a huge log with special lines at given fractions of its length.</summary>
    /// <param name="focus">Component the message is about.</param>
    /// <param name="targetBytes">Log size.</param>
    /// <param name="inserts">Lines to place, by fraction of the log.</param>
    /// <param name="when">Timestamp of the first log line.</param>
    /// <returns>The message.</returns>
    public string GiantLog(LongChatEntity focus, int targetBytes, IReadOnlyList<(double At, string Body)> inserts, DateTime when)
    {
        LongChatSlots.Scope scope = slots.Begin(focus);
        string intro = scope.Sentence("This is the complete log of last night's {ENV} deploy and test run, unedited, because I honestly do not know which part matters. The pipeline went red somewhere in the middle and {C} was flapping afterwards.");
        string closing = "Can you go through it and tell me what actually failed and what is just noise?";
        return intro + "\n\n```text\n" + logs.Write(targetBytes, when, inserts) + "\n```\n\n" + closing;
    }

    private string Paste(LongChatEntity focus, int bytes, DateTime when)
    {
        if (random.Next(2) == 0)
        {
            return "```text\n" + logs.Write(bytes, when, []) + "\n```";
        }

        // Files as people paste them: a path line over each fenced block. Beyond a few files the
        // templates would repeat, so a big paste ends with the log that goes with the code.
        var files = new List<string>();
        var deck = new Deck<(string Fence, string Text)>(random, [.. OwnCode(), .. LongChatCode.Universal]);
        int size = 0;
        while (size < Math.Min(bytes, 6_000))
        {
            LongChatSlots.Scope scope = slots.Begin(random.Next(2) == 0 ? focus : slots.Pick(project.Components));
            (string fence, string code) = deck.Next();
            string file = scope.Fill(fence switch
            {
                "yaml" => "deploy/{CK}.yaml",
                "sql" => "migrations/{NNN}_{TABLE}.sql",
                "bash" => "scripts/check-{CK}.sh",
                "dockerfile" => "{CK}/Dockerfile",
                "hcl" => "infra/{CS}.tf",
                "json" => "config/appsettings.{CP}.json",
                "ini" => "config/{CS}.ini",
                _ => "{FILE}",
            });
            files.Add(file + ":\n```" + fence + "\n" + scope.Fill(code) + "\n```");
            size += files[^1].Length + 2;
        }

        if (bytes - size > 1_000)
        {
            files.Add("```text\n" + logs.Write(bytes - size, when, []) + "\n```");
        }

        return string.Join("\n\n", files);
    }

    private IEnumerable<(string Fence, string Text)> OwnCode() =>
        LongChatCode.ByLanguage.TryGetValue(project.Stack.Fence, out string[]? own) ? own.Select(c => (project.Stack.Fence, c)) : [];

    private Block Prose(LongChatEntity focus, string[] template, bool all)
    {
        LongChatSlots.Scope scope = slots.Begin(focus);
        IEnumerable<string> chosen = template;
        if (!all && template.Length > 3)
        {
            // The topic sentence and an ordered random subset of the rest (three sentences at least) keep a template from repeating verbatim.
            int keep = random.Next(3, template.Length + 1);
            var indices = Enumerable.Range(0, template.Length).ToList();
            while (indices.Count > keep)
            {
                indices.RemoveAt(random.Next(1, indices.Count));
            }

            chosen = indices.Select(i => template[i]);
        }

        var sentences = chosen.Select(t => Vary(scope, scope.Sentence(t))).ToList();
        if (random.Next(2) == 0)
        {
            sentences.Insert(random.Next(1, sentences.Count + 1), scope.Sentence(slots.Pick(LongChatTemplates.Asides)));
        }

        return new Block(sentences);
    }

    /// <summary>Sometimes puts an opener before a sentence, so the same advice is not worded identically every time.</summary>
    private string Vary(LongChatSlots.Scope scope, string sentence)
    {
        int space = sentence.IndexOf(' ', StringComparison.Ordinal);
        if (random.Next(5) > 0 || space < 0 || !LongChatTemplates.LowerableFirstWords.Contains(sentence[..space]))
        {
            return sentence;
        }

        return scope.Sentence(slots.Pick(LongChatTemplates.Openers)) + char.ToLowerInvariant(sentence[0]) + sentence[1..];
    }

    private Block Bullets(LongChatEntity focus)
    {
        LongChatSlots.Scope scope = slots.Begin(focus);
        var deck = new Deck<string>(random, LongChatTemplates.Bullets);
        int count = random.Next(3, 7);
        bool numbered = random.Next(3) == 0;
        var lines = Enumerable.Range(1, count).Select(i => (numbered ? $"{i}. " : "- ") + scope.Sentence(deck.Next()));
        return Text(string.Join('\n', lines));
    }

    private Block Code(LongChatEntity focus)
    {
        LongChatSlots.Scope scope = slots.Begin(focus);
        if (random.Next(3) < 2 && LongChatCode.ByLanguage.TryGetValue(project.Stack.Fence, out string[]? own))
        {
            return Text("```" + project.Stack.Fence + "\n" + scope.Fill(slots.Pick(own)) + "\n```");
        }

        (string fence, string code) = slots.Pick(LongChatCode.Universal);
        return Text("```" + fence + "\n" + scope.Fill(code) + "\n```");
    }

    private void Plant(List<Block> blocks, string? planted, IReadOnlyList<string> distractors)
    {
        // Middle prose paragraphs only: a fact in the opening or closing paragraph would be easy to find by position.
        var middle = Enumerable.Range(1, blocks.Count - 2).Where(i => blocks[i].IsProse).ToList();
        if (planted is not null)
        {
            blocks[middle[random.Next(middle.Count)]].Insert(random, planted);
        }

        foreach (string distractor in distractors)
        {
            blocks[middle[random.Next(middle.Count)]].Insert(random, distractor);
        }
    }

    private static Block Text(string text) => new(text);

    private static string Join(List<Block> blocks) => string.Join("\n\n", blocks.Select(b => b.ToString()));

    /// <summary>A paragraph: prose (a list of sentences, so sentences can be inserted) or fixed text.</summary>
    private sealed class Block
    {
        private readonly List<string>? sentences;
        private readonly string? text;

        public Block(List<string> sentences) => this.sentences = sentences;

        public Block(string text) => this.text = text;

        public bool IsProse => sentences is not null;

        public int Length => ToString().Length;

        public void Insert(Random random, string? sentence)
        {
            if (sentence is not null)
            {
                sentences!.Insert(random.Next(sentences.Count + 1), sentence);
            }
        }

        public override string ToString() => sentences is null ? text! : string.Join(' ', sentences);
    }
}
