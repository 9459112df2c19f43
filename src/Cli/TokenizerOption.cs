using AgentMem.Common.Validation;
using AgentMem.Retrieval.Tokens;

namespace AgentMem.Cli;

/// <summary>
/// <c>--tokenizer o200k|cl100k|heuristic|FOLDER</c> on the verbs that spend a token budget or report token counts (context,
/// chat, serve, the conversational benchmarks): which tokenizer counts. Not the model verbs' <c>--tokenizer</c>, which names
/// the tokenizer a local model generates with.
/// </summary>
internal static class TokenizerOption
{
    /// <summary>The environment variable that sets the default, as <c>AGENTMEM_EMBEDDER</c> does for <c>--embedder</c>.</summary>
    public const string Variable = "AGENTMEM_TOKENIZER";

    /// <summary>A fresh option for one verb (System.CommandLine options belong to one command).</summary>
    public static Option<string> Create(string what = "the context's token budget") => new("--tokenizer")
    {
        Description = $"Counts {what}: {TokenCounters.SpecHelp} (byte-level BPE too). Env {Variable}.",
        DefaultValueFactory = _ => CliContext.Env(Variable) ?? TokenCounters.DefaultSpec,
    };

    /// <summary>The counter <paramref name="spec"/> names; a user error (one line, exit 1) when it names none.</summary>
    public static ITokenCounter Resolve(string? spec)
    {
        try
        {
            return TokenCounters.Create(spec, ModelTokenizerCounter.ByteLevelBpe);
        }
        catch (ArgumentException e)
        {
            // The message without the " (Parameter 'spec')" suffix, which is for programmers.
            throw new MemoryValidationException($"--tokenizer: {OptionsMessage.OneLine(e)}", e);
        }
        catch (FormatException e)
        {
            // A malformed tokenizer file (ModelFormatException) or one the reader refuses.
            throw new MemoryValidationException($"--tokenizer: {e.Message}", e);
        }
    }
}
