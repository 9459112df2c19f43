using System.Text.Json;
using AgentMem.ModelHost;

namespace AgentMem.Cli.Tests;

/// <summary><c>model generate --adapter</c> and <c>model adapter info</c> on stories260K.</summary>
public sealed class AdapterCommandTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private static string Stories(string name) => Path.GetFullPath(RepoPaths.File("..", "shared", "models", "stories260K", name));

    [Fact]
    public async Task Generate_with_an_adapter_changes_the_output_and_a_zero_adapter_does_not()
    {
        string plain = await GenerateAsync();
        Assert.Equal(await File.ReadAllTextAsync(Stories("stories260K.expected_t0_n200.txt")) + "\n", plain);

        string adapted = await GenerateAsync("--adapter", WriteAdapter("random.amlora", zeroB: false, seed: 1));
        Assert.NotEqual(plain, adapted);

        // B = 0: W·x + 0, the very same greedy text.
        Assert.Equal(plain, await GenerateAsync("--adapter", WriteAdapter("zero.amlora", zeroB: true, seed: 2)));

        // Repeatable: two adapters are summed, so the text differs from either alone.
        string both = await GenerateAsync("--adapter", WriteAdapter("random.amlora", zeroB: false, seed: 1), "--adapter", WriteAdapter("other.amlora", zeroB: false, seed: 3));
        Assert.NotEqual(adapted, both);
    }

    [Fact]
    public async Task Corrupted_adapter_exits_1_with_one_line()
    {
        string path = WriteAdapter("bad.amlora", zeroB: false, seed: 4);
        byte[] bytes = await File.ReadAllBytesAsync(path);
        bytes[^40] ^= 0x10;
        await File.WriteAllBytesAsync(path, bytes);
        var (code, output, err) = await cli.RunAsync(
            "model", "generate", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--steps", "5", "--temperature", "0", "--adapter", path);
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        string line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error:", line, StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);

        (code, _, err) = await cli.RunAsync("model", "adapter", "info", path);
        Assert.Equal(1, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Adapter_of_another_model_and_the_ilgpu_backend_are_clean_errors()
    {
        var c = LlamaModel.Load(Stories("stories260K.bin")).Config;
        string foreign = Path.Combine(cli.Folder, "foreign.amlora");
        LoraAdapterFile.Save(new LoraAdapter(c.Layers, c.Dim, c.KvDim, c.HiddenDim, 2, 2f, [LoraTarget.Q], new byte[32]), foreign);
        var (code, _, err) = await cli.RunAsync("model", "generate", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--steps", "5", "--adapter", foreign);
        Assert.Equal(1, code);
        Assert.Contains("another model", err, StringComparison.Ordinal);

        (code, _, err) = await cli.RunAsync(
            "model", "generate", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--steps", "5", "--backend", "ilgpu", "--adapter", WriteAdapter("a.amlora", zeroB: false, seed: 5));
        Assert.Equal(1, code);
        Assert.Contains("CPU backend only", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_prints_the_header_targets_rank_and_sources()
    {
        string path = WriteAdapter("info.amlora", zeroB: false, seed: 6);
        var (code, output, err) = await cli.RunAsync("model", "adapter", "info", path);
        Assert.True(code == 0, err);
        Assert.Contains("rank         4 (alpha 8, scale 2)", output, StringComparison.Ordinal);
        Assert.Contains("targets      q,k,v,o,w1,w2,w3", output, StringComparison.Ordinal);
        Assert.Contains("meta         lr = 1e-4", output, StringComparison.Ordinal);
        Assert.Contains("sources      01JABC@1, 01JDEF@2", output, StringComparison.Ordinal);

        var json = await cli.JsonAsync("model", "adapter", "info", path);
        Assert.Equal(4, json.GetProperty("rank").GetInt32());
        Assert.Equal(7, json.GetProperty("targets").GetArrayLength());
        Assert.Equal("01JDEF@2", json.GetProperty("sources")[1].GetString());
        Assert.Equal(JsonValueKind.String, json.GetProperty("fingerprint").ValueKind);
    }

    private async Task<string> GenerateAsync(params string[] extra)
    {
        var (code, output, err) = await cli.RunAsync(
            ["model", "generate", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--steps", "200", "--temperature", "0", .. extra]);
        Assert.True(code == 0, err);
        return output;
    }

    private string WriteAdapter(string name, bool zeroB, int seed)
    {
        string path = Path.Combine(cli.Folder, name);
        if (File.Exists(path))
        {
            return path;
        }

        var model = LlamaModel.Load(Stories("stories260K.bin"));
        var adapter = LoraAdapter.Create(model, 4, 8f, Enum.GetValues<LoraTarget>(), new Dictionary<string, string> { ["lr"] = "1e-4" }, ["01JABC@1", "01JDEF@2"]);
        var rng = new Random(seed);
        foreach (var t in adapter.Targets)
        {
            for (int l = 0; l < adapter.Layers; l++)
            {
                foreach (var values in zeroB ? [adapter.GetA(t, l)] : new[] { adapter.GetA(t, l), adapter.GetB(t, l) })
                {
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = (float)(rng.NextDouble() - 0.5) * 0.2f;
                    }
                }
            }
        }

        LoraAdapterFile.Save(adapter, path);
        return path;
    }
}
