namespace AgentMem.ModelHost;

/// <summary>
/// What the generator and chat client need from a tokenizer: implemented by <see cref="SentencePieceBpeTokenizer"/> (llama2.c
/// <c>tokenizer.bin</c>) and <see cref="ByteLevelBpeTokenizer"/> (Hugging Face <c>tokenizer.json</c>, GPT-2 / Qwen2 / SmolLM style).
/// Implementations are immutable and safe to share between threads.
/// </summary>
public interface ITokenizer
{
    /// <summary>Number of token ids the tokenizer can produce (one past the largest id).</summary>
    int VocabSize { get; }

    /// <summary>Id of the beginning-of-sequence token, or −1 when the tokenizer has none (Qwen2).</summary>
    int BosId { get; }

    /// <summary>Id of the end-of-sequence token, or −1 when it has none.</summary>
    int EosId { get; }

    /// <summary>
    /// Encodes <paramref name="text"/>, preceded by BOS when <paramref name="bos"/> is true and the tokenizer starts sequences
    /// with one (its model was trained so).
    /// </summary>
    int[] EncodeToIds(string text, bool bos);

    /// <summary>
    /// Encodes <paramref name="text"/> as content, as <see cref="EncodeToIds(string, bool)"/> does except that the spelling of a
    /// special token (<c>&lt;|im_start|&gt;</c>) stays text: memory text written into a cartridge must not open a turn of its
    /// own. Tokenizers that never match special tokens in text (llama2.c's) encode as <see cref="EncodeToIds(string, bool)"/>.
    /// </summary>
    int[] EncodeText(string text, bool bos) => EncodeToIds(text, bos);

    /// <summary>
    /// Encodes <paramref name="text"/> as it continues a sequence, as written: no BOS, and nothing a tokenizer adds at the start
    /// of a sequence (SentencePiece's dummy-prefix space, which would start the text as a new word). These are the text's
    /// tokens inside the joined text wherever no token would span the join. Special tokens are matched as by
    /// <see cref="EncodeToIds(string, bool)"/>; tokenizers that add nothing at the start encode as it does without BOS.
    /// </summary>
    int[] EncodeContinuation(string text) => EncodeToIds(text, bos: false);

    /// <summary>Decodes ids to text (BOS and the other special tokens, <see cref="IsSpecial"/>, print nothing; invalid UTF-8 becomes U+FFFD).</summary>
    string Decode(IReadOnlyList<int> ids);

    /// <summary>Number of tokens <paramref name="text"/> becomes as content (<see cref="EncodeText"/>), without BOS.</summary>
    int CountTokens(string text);

    /// <summary>
    /// The bytes <paramref name="token"/> prints as after <paramref name="previous"/> (UTF-8; a character may span several tokens,
    /// so callers decode incrementally). Ids outside the vocabulary print nothing. A special token (<see cref="IsSpecial"/>)
    /// prints as the tokenizer's reference prints it: nothing for a Hugging Face one, its piece for llama2.c's (run.c prints
    /// EOS as <c>"\n&lt;/s&gt;\n"</c> and UNK as <c>&lt;unk&gt;</c>, and <see cref="Generator"/> keeps run.c's output), so text
    /// meant for a reader leaves special tokens out, as <see cref="Decode"/> and <see cref="LocalChatClient"/> do.
    /// </summary>
    ReadOnlySpan<byte> DecodePiece(int previous, int token);

    /// <summary>
    /// Whether <paramref name="token"/> is a special (control) token, which has no text of its own: SentencePiece's UNK, BOS
    /// and EOS, a Hugging Face added token marked special. False unless the tokenizer says otherwise.
    /// </summary>
    bool IsSpecial(int token) => false;

    /// <summary>
    /// Whether sampling <paramref name="token"/> ends a generation: BOS for llama2.c's story models (as run.c), the EOS token for
    /// Hugging Face tokenizers.
    /// </summary>
    bool IsEndOfText(int token);
}
