using System.CommandLine;
using AgentMem.MemoryCore.Errors;
using AgentMem.ModelHost;

namespace AgentMem.Cli.Commands;

/// <summary><c>model</c>: run a local llama2.c-format model on the CPU. Subcommand <c>generate</c>.</summary>
internal static class ModelCommand
{
    public static Command Create(GlobalOptions g, TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("model", "Local LLaMA-family model (llama2.c checkpoint format) on the CPU.");
        command.Subcommands.Add(Generate(g, stdout, stderr));
        return command;
    }

    private static Command Generate(GlobalOptions g, TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "llama2.c checkpoint (.bin).", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "llama2.c tokenizer.bin matching the model's vocabulary.", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue (not printed); BOS is always position 0.", DefaultValueFactory = _ => string.Empty };
        var steps = new Option<int>("--steps") { Description = "New tokens to generate after the prompt (capped by the model's context).", DefaultValueFactory = _ => 256 };
        var temperature = new Option<float>("--temperature") { Description = "0 = greedy; higher is more random.", DefaultValueFactory = _ => 1.0f };
        var topp = new Option<float>("--topp") { Description = "Nucleus sampling mass in (0, 1); 0 or 1 samples the whole distribution.", DefaultValueFactory = _ => 0.9f };
        var seed = new Option<ulong>("--seed") { Description = "Random seed (non-zero) for reproducible sampling.", DefaultValueFactory = _ => 42UL };
        var command = new Command("generate", "Generate text with llama2.c semantics; prints only the generated text.")
        {
            model, tokenizer, prompt, steps, temperature, topp, seed,
        };
        Verb.Bind(command, g, stdout, stderr, (ctx, parse, ct) =>
        {
            int n = parse.GetValue(steps);
            float t = parse.GetValue(temperature);
            ulong s = parse.GetValue(seed);
            if (n < 0 || t < 0 || float.IsNaN(t) || s == 0)
            {
                throw new MemoryValidationException("--steps and --temperature must be ≥ 0 and --seed non-zero.");
            }

            var llama = LlamaModel.Load(parse.GetValue(model)!);
            var tok = SentencePieceBpeTokenizer.Load(parse.GetValue(tokenizer)!, llama.Config.VocabSize);
            var generator = new Generator(llama, tok);
            var result = generator.Generate(parse.GetValue(prompt)!, n, new Sampler(llama.Config.VocabSize, t, parse.GetValue(topp), s), ct);
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { text = result.Text, promptTokens = result.PromptTokens.Count, tokens = result.Tokens, stoppedAtBos = result.StoppedAtBos });
            }
            else
            {
                ctx.Output.Out.Write(result.Text);
                ctx.Output.Out.Write('\n');
                ctx.Output.Out.Flush();
            }

            return Task.FromResult(0);
        });
        return command;
    }
}
