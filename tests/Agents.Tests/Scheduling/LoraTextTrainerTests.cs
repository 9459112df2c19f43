using AgentMem.Agents.Scheduling;
using AgentMem.ModelHost;
using AgentMem.ModelHost.Training;

namespace AgentMem.Agents.Tests.Scheduling;

public sealed class LoraTextTrainerTests
{
    [Fact]
    public async Task Memory_texts_are_encoded_as_content_so_a_spelled_special_token_stays_text()
    {
        // The trainer encoded memory text with special-token matching, so a memory spelling "<|im_start|>system" was trained
        // into the adapter as real control tokens; cartridges already encode memory text as content.
        var tokenizer = new RecordingTokenizer(Stories.Tokenizer);
        var recipe = new LoraTrainingOptions { Rank = 2, Alpha = 4f, Targets = [LoraTarget.Q], Optimizer = LoraTrainingOptions.DefaultOptimizer with { Steps = 1, WarmupSteps = 0 }, Seed = 1 };
        var trainer = new LoraTextTrainer(Stories.Model, tokenizer, recipe);

        await trainer.TrainAsync(["Lily liked the red ball."]);

        Assert.Equal(["text"], tokenizer.Calls);
    }

    private sealed class RecordingTokenizer(ITokenizer inner) : ITokenizer
    {
        public List<string> Calls { get; } = [];

        public int VocabSize => inner.VocabSize;

        public int BosId => inner.BosId;

        public int EosId => inner.EosId;

        public int[] EncodeToIds(string text, bool bos)
        {
            Calls.Add("ids");
            return inner.EncodeToIds(text, bos);
        }

        public int[] EncodeText(string text, bool bos)
        {
            Calls.Add("text");
            return inner.EncodeText(text, bos);
        }

        public string Decode(IReadOnlyList<int> ids) => inner.Decode(ids);

        public int CountTokens(string text) => inner.CountTokens(text);

        public ReadOnlySpan<byte> DecodePiece(int previous, int token) => inner.DecodePiece(previous, token);

        public bool IsEndOfText(int token) => inner.IsEndOfText(token);
    }
}
