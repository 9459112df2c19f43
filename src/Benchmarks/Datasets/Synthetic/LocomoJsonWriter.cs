using System.Text.Encodings.Web;

namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>
/// Writes a dataset in LoCoMo's JSON schema, so that <see cref="LocomoLoader"/> (and any LoCoMo
/// tooling) can read it: an array of samples with <c>sample_id</c>, a <c>conversation</c> of
/// <c>session_N</c> turn arrays (<c>speaker</c>, <c>dia_id</c>, <c>text</c>) and
/// <c>session_N_date_time</c> strings, and a <c>qa</c> list (<c>question</c>, <c>answer</c>,
/// <c>evidence</c>, <c>category</c>).
/// </summary>
/// <remarks>
/// The loader names session N <c>DN</c> and reads questions back with ids <c>{sample_id}#q{index}</c>,
/// so the dataset must already use those ids for a lossless round trip; the writer refuses session
/// and turn ids that would not come back the same. A category that is an integer is written as a
/// number, as in LoCoMo; any other as a string. LoCoMo has no question dates: they are not written.
/// Output is byte-for-byte deterministic.
/// </remarks>
public static class LocomoJsonWriter
{
    /// <summary>Date format of <c>session_N_date_time</c>, e.g. <c>1:56 PM on 8 May, 2023</c> (invariant culture).</summary>
    public const string DateFormat = "h:mm tt 'on' d MMMM, yyyy";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        // Keeps code, quotes and angle brackets readable in the file; the output is data, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <paramref name="dataset"/> to <paramref name="output"/> as UTF-8 JSON.</summary>
    /// <param name="dataset">Dataset whose session ids are <c>D1</c>..<c>Dn</c> in order and whose turn ids start with their session id and a colon.</param>
    /// <param name="output">Writable stream; left open.</param>
    /// <exception cref="ArgumentException">A session or turn id would not survive the round trip, or a turn id repeats within a conversation.</exception>
    public static void Write(BenchmarkDataset dataset, Stream output)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(output);
        var questionsByConversation = dataset.Questions.ToLookup(q => q.ConversationId, StringComparer.Ordinal);
        using var json = new Utf8JsonWriter(output, WriterOptions);
        json.WriteStartArray();
        foreach (BenchConversation conversation in dataset.Conversations)
        {
            json.WriteStartObject();
            json.WriteString("sample_id", conversation.Id);
            WriteConversation(json, conversation);
            json.WriteStartArray("qa");
            foreach (BenchQuestion question in questionsByConversation[conversation.Id])
            {
                WriteQuestion(json, question);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteConversation(Utf8JsonWriter json, BenchConversation conversation)
    {
        json.WriteStartObject("conversation");
        var speakers = conversation.Sessions.SelectMany(s => s.Turns).Select(t => t.Speaker).Distinct(StringComparer.Ordinal).Take(2).ToList();
        json.WriteString("speaker_a", speakers.ElementAtOrDefault(0) ?? "");
        json.WriteString("speaker_b", speakers.ElementAtOrDefault(1) ?? "");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < conversation.Sessions.Count; i++)
        {
            BenchSession session = conversation.Sessions[i];
            string number = (i + 1).ToString(CultureInfo.InvariantCulture);
            if (session.Id != "D" + number)
            {
                throw new ArgumentException($"Conversation '{conversation.Id}': session {number} has id '{session.Id}', but LoCoMo files name it 'D{number}'.", nameof(conversation));
            }

            if (session.Date is { } date)
            {
                json.WriteString($"session_{number}_date_time", date.ToString(DateFormat, CultureInfo.InvariantCulture));
            }

            json.WriteStartArray($"session_{number}");
            foreach (BenchTurn turn in session.Turns)
            {
                if (TurnIds.SessionOf(turn.Id) != session.Id || !seen.Add(turn.Id))
                {
                    throw new ArgumentException($"Conversation '{conversation.Id}': turn id '{turn.Id}' is not unique or does not start with '{session.Id}:'.", nameof(conversation));
                }

                json.WriteStartObject();
                json.WriteString("speaker", turn.Speaker);
                json.WriteString("dia_id", turn.Id);
                json.WriteString("text", turn.Text);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteQuestion(Utf8JsonWriter json, BenchQuestion question)
    {
        json.WriteStartObject();
        json.WriteString("question", question.Question);
        if (question.Answer is not null)
        {
            json.WriteString("answer", question.Answer);
        }

        if (question.AdversarialAnswer is not null)
        {
            json.WriteString("adversarial_answer", question.AdversarialAnswer);
        }

        json.WriteStartArray("evidence");
        foreach (string turnId in question.EvidenceTurnIds)
        {
            json.WriteStringValue(turnId);
        }

        json.WriteEndArray();
        if (int.TryParse(question.Category, NumberStyles.None, CultureInfo.InvariantCulture, out int category)
            && category.ToString(CultureInfo.InvariantCulture) == question.Category)
        {
            json.WriteNumber("category", category);
        }
        else
        {
            json.WriteString("category", question.Category);
        }

        json.WriteEndObject();
    }
}
