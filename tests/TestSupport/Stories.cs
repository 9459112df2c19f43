using AgentMem.ModelHost;

namespace AgentMem.TestSupport;

/// <summary>The stories260K model and tokenizer, loaded once, and short story texts in its style.</summary>
public static class Stories
{
    /// <summary>A story about Lily and a lost cat.</summary>
    public const string Lily = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her big red ball. One day, she saw a small cat under a tree. The cat was sad because it was lost.";

    /// <summary>Its continuation: milk and the ball.</summary>
    public const string Ball = "Lily gave the cat some milk and a hug. Then they played with the ball all day.";

    /// <summary>Its ending: the cat goes home.</summary>
    public const string Night = "When the sun went down, Lily took the cat home. Her mom smiled and said they could keep it.";

    /// <summary>An unrelated story about Tom's boat.</summary>
    public const string Tom = "Tom had a blue boat. He liked to sail it on the pond near his house. One morning the wind was very strong and the boat went far away. Tom ran along the water and called for help. A kind old man with a long stick helped him get the boat back. Tom said thank you and went home happy.";

    private static readonly Lazy<LlamaModel> ModelLazy = new(() => LlamaModel.Load(RepoPaths.StoriesModel));
    private static readonly Lazy<SentencePieceBpeTokenizer> TokenizerLazy = new(() => SentencePieceBpeTokenizer.Load(RepoPaths.StoriesTokenizer, 512));

    /// <summary>The model, loaded once.</summary>
    public static LlamaModel Model => ModelLazy.Value;

    /// <summary>The tokenizer, loaded once.</summary>
    public static SentencePieceBpeTokenizer Tokenizer => TokenizerLazy.Value;

    /// <summary>A generator over the shared model and tokenizer.</summary>
    public static Generator Generator => new(Model, Tokenizer);

    /// <summary>A cache holding <paramref name="tokens"/> but the last, prefilled token by token (slot = position).</summary>
    public static KvCache PrefillAllButLast(IReadOnlyList<int> tokens)
    {
        var cache = Model.CreateCache();
        for (int p = 0; p < tokens.Count - 1; p++)
        {
            Model.Forward(tokens[p], p, cache);
        }

        return cache;
    }
}
