namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>
/// Builds one conversation: a project, its world of facts, which facts are asked about and where
/// they are stated, the messages, and the questions.
/// </summary>
/// <remarks>
/// Every statement of a fact, planted or distractor, comes from one consistent world, so the
/// conversation never contradicts itself. Asked facts are stated exactly once (an updated fact
/// twice: old value, then new value in a later session); the remaining world facts are stated as
/// distractors in random paragraphs, giving other entities the same attributes and asked entities
/// other attributes.
/// </remarks>
internal sealed class LongChatConversationBuilder
{
    private const int ComponentsPerProject = 12;
    private const int MilestonesPerProject = 4;
    private const int PeoplePerProject = 6;
    private const int AttributesPerComponent = 8;
    private const int GiantBytes = 350_000;

    private static readonly string[] QuestionLeadIns = ["Remind me, ", "Quick question: ", "I forgot, ", "Can you remind me: "];

    private static readonly string[] GiantQuestions =
    [
        "According to the big log I pasted, which version was {E} reverted to?",
        "In that huge log from the deploy, what build did {E} end up on after the rollback?",
    ];

    /// <summary>Distractor sentences per assistant answer, drawn uniformly: mostly one.</summary>
    private static readonly int[] DistractorsPerAnswer = [0, 1, 1, 2];

    private static readonly DateTimeOffset Epoch = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);

    private readonly Random random;
    private readonly LongChatOptions options;
    private readonly int index;
    private readonly string id;
    private readonly LongChatProject project;
    private readonly LongChatSlots slots;
    private readonly LongChatMessageWriter writer;
    private readonly List<LongChatFact> world = [];
    private readonly HashSet<(LongChatEntity, string)> asked = [];
    private readonly Dictionary<(int Session, int Turn), (string Sentence, LongChatEntity Entity)> plants = [];

    /// <summary>Draws the project; messages are drawn by <see cref="Build"/>.</summary>
    public LongChatConversationBuilder(Random random, LongChatOptions options, int index, string projectName)
    {
        this.random = random;
        this.options = options;
        this.index = index;
        id = string.Create(CultureInfo.InvariantCulture, $"longchat-{index + 1}");
        project = new LongChatProject(
            projectName,
            Pick(LongChatVocabulary.ProductKinds),
            Pick(LongChatVocabulary.Teams),
            Pick(LongChatVocabulary.Stacks),
            [.. Shuffled(LongChatVocabulary.Components).Take(ComponentsPerProject).Select(b => new LongChatEntity(b, IsMilestone: false))],
            [.. Shuffled(LongChatVocabulary.Milestones).Take(MilestonesPerProject).Select(b => new LongChatEntity(b, IsMilestone: true))],
            [.. Shuffled(LongChatVocabulary.People).Take(PeoplePerProject)]);
        slots = new LongChatSlots(random, project);
        writer = new LongChatMessageWriter(random, slots, project, new LongChatLogWriter(random, slots, project));
    }

    /// <summary>Builds the conversation and appends its questions and planted sentences.</summary>
    public BenchConversation Build(List<BenchQuestion> questions, List<LongChatPlantedFact> planted)
    {
        BuildWorld();
        LongChatFactPlan plan = LongChatFactPlan.For(options.FactsPerConversation);
        List<(LongChatFact Bridge, LongChatFact Target)> pairs = ChoosePairs(plan.TwoFactQuestions);
        List<(LongChatFact Old, string New)> updates = ChooseUpdates(plan.UpdatedFacts);
        List<LongChatFact> userFacts = ChooseSingles(plan.UserFacts);
        List<LongChatFact> assistantFacts = ChooseSingles(plan.AssistantFacts);
        List<LongChatFact> distractors = [.. world.Where(f => !asked.Contains(Key(f)))];

        int sessionCount = options.SessionsPerConversation;
        int turnCount = options.TurnsPerSession;
        (int Session, int Turn)? giantSlot = options.IncludeGiantMessage && index == 0 ? (sessionCount / 2, 0) : null;
        var assistantSlots = new List<(int Session, int Turn)>();
        var userSlots = new List<(int Session, int Turn)>();
        for (int s = 0; s < sessionCount; s++)
        {
            for (int t = 0; t < turnCount; t++)
            {
                if (t % 2 == 1)
                {
                    assistantSlots.Add((s, t));
                }
                else if ((s, t) != giantSlot)
                {
                    userSlots.Add((s, t));
                }
            }
        }

        Shuffle(assistantSlots);
        Shuffle(userSlots);
        var pending = new List<PendingQuestion>();

        foreach (LongChatFact fact in assistantFacts)
        {
            var slot = Take(assistantSlots);
            string sentence = Statement(fact, fact.Value);
            plants[slot] = (sentence, fact.Entity);
            pending.Add(new(LongChatGenerator.AssistantFact, Ask(fact.Attribute, fact.Entity.Name), fact.Value, [(slot, sentence, fact.Value, "evidence")]));
        }

        foreach (LongChatFact fact in userFacts)
        {
            var slot = Take(userSlots);
            string sentence = Statement(fact, fact.Value);
            plants[slot] = (sentence, fact.Entity);
            pending.Add(new(LongChatGenerator.UserFact, Ask(fact.Attribute, fact.Entity.Name), fact.Value, [(slot, sentence, fact.Value, "evidence")]));
        }

        foreach ((LongChatFact old, string newValue) in updates)
        {
            var first = Take(assistantSlots);
            int otherIndex = assistantSlots.FindIndex(x => x.Session != first.Session);
            if (otherIndex < 0)
            {
                throw new InvalidOperationException("No assistant turn left in another session for an updated fact.");
            }

            var second = assistantSlots[otherIndex];
            assistantSlots.RemoveAt(otherIndex);
            var (earlier, later) = first.Session < second.Session ? (first, second) : (second, first);
            string before = Statement(old, old.Value);
            string after = Pick(LongChatTemplates.UpdateLeadIns) + Statement(old, newValue);
            if (random.Next(2) == 0)
            {
                after += Pick(LongChatTemplates.UpdateTails).Replace("{OLD}", old.Value, StringComparison.Ordinal);
            }

            plants[earlier] = (before, old.Entity);
            plants[later] = (after, old.Entity);
            pending.Add(new(
                LongChatGenerator.UpdatedFact,
                Ask(old.Attribute, old.Entity.Name),
                newValue,
                [(earlier, before, old.Value, "superseded"), (later, after, newValue, "evidence")]));
        }

        foreach ((LongChatFact bridge, LongChatFact target) in pairs)
        {
            var bridgeSlot = Take(assistantSlots);
            var targetSlot = Take(assistantSlots);
            string bridgeSentence = Statement(bridge, bridge.Value);
            string targetSentence = Statement(target, target.Value);
            plants[bridgeSlot] = (bridgeSentence, bridge.Entity);
            plants[targetSlot] = (targetSentence, target.Entity);
            string descriptor = bridge.Attribute.Descriptor!.Replace("{V}", bridge.Value, StringComparison.Ordinal);
            pending.Add(new(
                LongChatGenerator.TwoFacts,
                Ask(target.Attribute, descriptor),
                target.Value,
                [(bridgeSlot, bridgeSentence, bridge.Value, "bridge"), (targetSlot, targetSentence, target.Value, "evidence")]));
        }

        // The giant log's fact: the version a component was rolled back to, among look-alike lines.
        LongChatEntity giantEntity = Pick(project.Components);
        var giantInserts = new List<(double At, string Body)>();
        string giantValue = "";
        if (giantSlot is { } giant)
        {
            int major = random.Next(3, 7);
            int minor = random.Next(10, 30);
            giantValue = string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}.{random.Next(10)}-hotfix.{random.Next(1, 10)}");
            string failed = string.Create(CultureInfo.InvariantCulture, $"{major}.{minor + 1}.0");
            double at = 0.35 + (0.3 * random.NextDouble());
            string body = $"rollback finished: {giantEntity.Kebab} is serving {giantValue} again after the failed release";
            giantInserts.Add((at - 0.02, $"starting rollout of {giantEntity.Kebab} {failed} (canary 10%)"));
            giantInserts.Add((at - 0.01, $"readiness probe failed for {giantEntity.Kebab} {failed}: {Pick(LongChatVocabulary.Errors)}"));
            giantInserts.Add((at, body));
            var others = Shuffled(project.Components.Where(c => c != giantEntity).ToList()).Take(3).ToList();
            for (int i = 0; i < others.Count; i++)
            {
                // Other minors (never this one) keep the answer string unique in the log.
                string version = string.Create(CultureInfo.InvariantCulture, $"{major}.{minor - 1 - i}.{random.Next(10)}-hotfix.{random.Next(1, 10)}");
                giantInserts.Add((random.NextDouble(), $"rollback finished: {others[i].Kebab} is serving {version} again after the failed release"));
            }

            plants[giant] = (body, giantEntity);
            pending.Add(new(
                LongChatGenerator.GiantMessage,
                Pick(GiantQuestions).Replace("{E}", giantEntity.Name, StringComparison.Ordinal),
                giantValue,
                [(giant, body, giantValue, "evidence")]));
        }

        List<BenchSession> sessions = WriteSessions(giantSlot, giantInserts, distractors);
        DateTimeOffset askedAt = sessions[^1].Date!.Value.AddDays(1);
        foreach (PendingQuestion question in pending)
        {
            string questionId = string.Create(CultureInfo.InvariantCulture, $"{id}#q{questions.Count(q => q.ConversationId == id)}");
            var evidence = question.Evidence.OrderBy(e => e.Slot.Session).ThenBy(e => e.Slot.Turn).ToList();
            var turnIds = evidence.Select(e => TurnId(e.Slot)).ToList();
            questions.Add(new BenchQuestion(
                questionId,
                id,
                question.Text,
                question.Answer,
                question.Category,
                IsAdversarial: false,
                turnIds.Where((_, i) => evidence[i].Role != "superseded").ToList(),
                turnIds.Where((_, i) => evidence[i].Role != "superseded").Select(TurnIds.SessionOf).Distinct().ToList(),
                askedAt,
                AdversarialAnswer: null));
            planted.AddRange(evidence.Select(e => new LongChatPlantedFact(questionId, TurnId(e.Slot), e.Sentence, e.Value, e.Role)));
        }

        return new BenchConversation(id, sessions);
    }

    private List<BenchSession> WriteSessions(
        (int Session, int Turn)? giantSlot,
        List<(double At, string Body)> giantInserts,
        List<LongChatFact> distractors)
    {
        var sessions = new List<BenchSession>();
        DateTimeOffset day = Epoch.AddDays(random.Next(0, 90));
        for (int s = 0; s < options.SessionsPerConversation; s++)
        {
            if (s > 0)
            {
                day = day.AddDays(random.Next(1, 6));
            }

            var date = new DateTimeOffset(day.Year, day.Month, day.Day, random.Next(8, 20), random.Next(60), 0, TimeSpan.Zero);
            var turns = new List<BenchTurn>();
            for (int t = 0; t < options.TurnsPerSession; t += 2)
            {
                // One user message and its answer are about the same component; half the time the one a planted fact names.
                LongChatEntity? planted = null;
                if (plants.TryGetValue((s, t), out var userPlant) && !userPlant.Entity.IsMilestone)
                {
                    planted = userPlant.Entity;
                }
                else if (plants.TryGetValue((s, t + 1), out var answerPlant) && !answerPlant.Entity.IsMilestone)
                {
                    planted = answerPlant.Entity;
                }

                LongChatEntity focus = planted is not null && random.Next(2) == 0 ? planted : Pick(project.Components);
                DateTime when = date.UtcDateTime.AddMinutes(t * 4);
                string user;
                if ((s, t) == giantSlot)
                {
                    user = writer.GiantLog(plants[(s, t)].Entity, GiantBytes, giantInserts, when.AddHours(-10));
                }
                else if (plants.TryGetValue((s, t), out var plant))
                {
                    user = writer.LongUser(focus, plant.Sentence, Distractors(distractors, random.Next(2)), LongUserTarget(), when);
                }
                else if (random.Next(100) < 12)
                {
                    user = writer.LongUser(focus, null, Distractors(distractors, random.Next(2)), LongUserTarget(), when);
                }
                else
                {
                    user = writer.ShortUser(focus);
                }

                turns.Add(new BenchTurn(TurnId((s, t)), "user", user));
                if (t + 1 < options.TurnsPerSession)
                {
                    string? answerFact = plants.TryGetValue((s, t + 1), out var a) ? a.Sentence : null;
                    string answer = writer.Assistant(focus, answerFact, Distractors(distractors, Pick(DistractorsPerAnswer)), AssistantTarget());
                    turns.Add(new BenchTurn(TurnId((s, t + 1)), "assistant", answer));
                }
            }

            sessions.Add(new BenchSession(SessionId(s), date, turns));
        }

        return sessions;
    }

    private void BuildWorld()
    {
        // Values are dealt from a deck per attribute, so entities rarely share a value.
        var decks = LongChatAttributes.All.ToDictionary(
            a => a.Key,
            a => new Deck<string>(random, a.Key == "owner" ? project.People : a.Values),
            StringComparer.Ordinal);
        foreach (LongChatEntity component in project.Components)
        {
            foreach (LongChatAttribute attribute in Shuffled(LongChatAttributes.All.Where(a => a.OfComponents).ToList()).Take(AttributesPerComponent))
            {
                world.Add(new LongChatFact(component, attribute, decks[attribute.Key].Next()));
            }
        }

        foreach (LongChatEntity milestone in project.Milestones)
        {
            foreach (LongChatAttribute attribute in LongChatAttributes.All.Where(a => a.OfMilestones))
            {
                world.Add(new LongChatFact(milestone, attribute, decks[attribute.Key].Next()));
            }
        }
    }

    private List<(LongChatFact Bridge, LongChatFact Target)> ChoosePairs(int count)
    {
        var pairs = new List<(LongChatFact, LongChatFact)>();
        foreach (LongChatEntity entity in Shuffled(project.Components))
        {
            if (pairs.Count == count)
            {
                break;
            }

            var own = world.Where(f => f.Entity == entity && !asked.Contains(Key(f))).ToList();
            // The bridge value must single out the entity: no other entity has it for that attribute.
            var bridges = own.Where(f => f.Attribute.Descriptor is not null && world.Count(g => g.Attribute == f.Attribute && g.Value == f.Value) == 1).ToList();
            if (bridges.Count == 0)
            {
                continue;
            }

            LongChatFact bridge = Pick(bridges);
            var targets = own.Where(f => f.Attribute.Distinctive && f.Attribute != bridge.Attribute).ToList();
            if (targets.Count == 0)
            {
                continue;
            }

            LongChatFact target = Pick(targets);
            asked.Add(Key(bridge));
            asked.Add(Key(target));
            pairs.Add((bridge, target));
        }

        return pairs.Count == count
            ? pairs
            : throw new InvalidOperationException($"Only {pairs.Count} of {count} two-fact questions found a unique bridge.");
    }

    private List<(LongChatFact Old, string New)> ChooseUpdates(int count)
    {
        var updates = new List<(LongChatFact, string)>();
        foreach (LongChatFact fact in Shuffled(world))
        {
            if (updates.Count == count)
            {
                break;
            }

            if (asked.Contains(Key(fact)))
            {
                continue;
            }

            // A value no entity has yet, so the update cannot make a two-facts bridge ambiguous.
            IReadOnlyList<string> pool = fact.Attribute.Key == "owner" ? project.People : fact.Attribute.Values;
            var fresh = pool.Where(v => !world.Any(g => g.Attribute == fact.Attribute && g.Value == v)).ToList();
            if (fresh.Count == 0)
            {
                continue;
            }

            asked.Add(Key(fact));
            updates.Add((fact, Pick(fresh)));
        }

        return updates.Count == count
            ? updates
            : throw new InvalidOperationException($"Only {updates.Count} of {count} updated facts found a new value.");
    }

    private List<LongChatFact> ChooseSingles(int count)
    {
        List<LongChatFact> chosen = [.. Shuffled(world).Where(f => !asked.Contains(Key(f))).Take(count)];
        if (chosen.Count < count)
        {
            throw new InvalidOperationException($"Only {chosen.Count} of {count} facts left to ask about.");
        }

        foreach (LongChatFact fact in chosen)
        {
            asked.Add(Key(fact));
        }

        return chosen;
    }

    private List<string> Distractors(List<LongChatFact> pool, int count) =>
        pool.Count == 0 ? [] : [.. Enumerable.Range(0, count).Select(_ => Statement(Pick(pool), null))];

    private string Statement(LongChatFact fact, string? value) =>
        LongChatSlots.Capitalize(Pick(fact.Attribute.Statements)
            .Replace("{E}", fact.Entity.Name, StringComparison.Ordinal)
            .Replace("{V}", value ?? fact.Value, StringComparison.Ordinal));

    private string Ask(LongChatAttribute attribute, string entityPhrase)
    {
        string question = LongChatSlots.Capitalize(Pick(attribute.Questions).Replace("{E}", entityPhrase, StringComparison.Ordinal));
        if (random.Next(4) > 0)
        {
            return question;
        }

        // Questions start with an interrogative word, so lower-casing it after a lead-in is safe.
        return Pick(QuestionLeadIns) + char.ToLowerInvariant(question[0]) + question[1..];
    }

    private int AssistantTarget()
    {
        // A fifth short, about half medium, the rest very long: the median lands near 5,000 characters.
        int band = random.Next(20);
        return band < 4 ? random.Next(1_500, 3_000) : band < 15 ? random.Next(3_000, 7_000) : random.Next(7_000, 14_000);
    }

    private int LongUserTarget()
    {
        double u = random.NextDouble();
        return LongChatMessageWriter.LongUserMinBytes + (int)(16_000 * u * u);
    }

    private static (LongChatEntity, string) Key(LongChatFact fact) => (fact.Entity, fact.Attribute.Key);

    private static string SessionId(int session) => string.Create(CultureInfo.InvariantCulture, $"D{session + 1}");

    private static string TurnId((int Session, int Turn) slot) =>
        string.Create(CultureInfo.InvariantCulture, $"D{slot.Session + 1}:{slot.Turn + 1}");

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static (int Session, int Turn) Take(List<(int Session, int Turn)> slots)
    {
        var slot = slots[^1];
        slots.RemoveAt(slots.Count - 1);
        return slot;
    }

    private List<T> Shuffled<T>(IReadOnlyList<T> items)
    {
        var copy = items.ToList();
        Shuffle(copy);
        return copy;
    }

    private void Shuffle<T>(List<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private sealed record PendingQuestion(
        string Category,
        string Text,
        string Answer,
        IReadOnlyList<((int Session, int Turn) Slot, string Sentence, string Value, string Role)> Evidence);
}
