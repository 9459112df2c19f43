// LoRA fact-recall harness on stories260K (issue 17): trains an adapter on a short text stating a new fact and prints base vs
// adapted perplexity on that text and on held-out stories, the greedy continuation of a leading prompt, and the training time;
// then what one training step costs beside LlamaModel.Prefill, in the same run.
// Usage: dotnet run -c Release --project bench/Lora [-- --model M --tokenizer T --rank 4 --alpha 4 --targets o,w2 --steps 25
//        --lr 0.004 --warmup 4 --decay 0.01 --seed 17 --fact TEXT]   (unset options keep the test's settings)
using System.Globalization;
using AgentMem.Bench;
using AgentMem.ModelHost;
using AgentMem.ModelHost.Tests.Training;
using AgentMem.ModelHost.Training;

var inv = CultureInfo.InvariantCulture;
string root = FindRoot();
string modelPath = ArgValue("--model", Path.Combine(root, "..", "shared", "models", "stories260K", "stories260K.bin"));
string tokenizerPath = ArgValue("--tokenizer", Path.Combine(root, "..", "shared", "models", "stories260K", "tok512.bin"));
var model = LlamaModel.Load(modelPath);
var tokenizer = SentencePieceBpeTokenizer.Load(tokenizerPath, model.Config.VocabSize);
var d = LoraFactExperiment.DefaultOptions;
var options = d with
{
    Rank = int.Parse(ArgValue("--rank", d.Rank.ToString(inv)), inv),
    Alpha = float.Parse(ArgValue("--alpha", d.Alpha.ToString(inv)), inv),
    Targets = [.. ArgValue("--targets", string.Join(',', d.Targets)).Split(',').Select(t => Enum.Parse<LoraTarget>(t, ignoreCase: true))],
    Optimizer = d.Optimizer with
    {
        Steps = int.Parse(ArgValue("--steps", d.Optimizer.Steps.ToString(inv)), inv),
        LearningRate = float.Parse(ArgValue("--lr", d.Optimizer.LearningRate.ToString(inv)), inv),
        WarmupSteps = int.Parse(ArgValue("--warmup", d.Optimizer.WarmupSteps.ToString(inv)), inv),
        WeightDecay = float.Parse(ArgValue("--decay", d.Optimizer.WeightDecay.ToString(inv)), inv),
    },
    Seed = int.Parse(ArgValue("--seed", d.Seed.ToString(inv)), inv),
};

Console.WriteLine(string.Create(inv, $"stories260K (dim {model.Config.Dim}, {model.Config.Layers} layers); {MachineFacts.Describe()}; load {MachineFacts.LoadAverage()}"));
Console.WriteLine($"fact text: \"{LoraFactExperiment.FactText}\"");
Console.WriteLine("held-out text: the hand-written TinyStories-style paragraphs of LoraFactExperiment.HeldOut (never trained on).");
Console.WriteLine();
Console.WriteLine(LoraFactExperiment.Run(model, tokenizer, options, ArgValue("--fact", LoraFactExperiment.FactText)));
Console.WriteLine();
Console.WriteLine("What a training step costs beside the forward pass it extends (64 tokens of the held-out stories):");
Console.WriteLine(StepTiming.Run(model, tokenizer.Encode(string.Join(' ', LoraFactExperiment.HeldOut))));

string ArgValue(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AgentMem.sln")))
    {
        dir = dir.Parent;
    }

    return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository (AgentMem.sln not found).");
}
