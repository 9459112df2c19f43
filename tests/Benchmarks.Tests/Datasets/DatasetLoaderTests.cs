using AgentMem.Benchmarks.Datasets;

namespace AgentMem.Benchmarks.Tests.Datasets;

public class DatasetLoaderTests
{
    [Theory]
    [InlineData("LongMemEval")]
    [InlineData(" longmemeval ")]
    public async Task Kind_names_are_case_insensitive(string kind)
    {
        BenchmarkDataset data = await DatasetLoader.LoadAsync(kind, RepoPaths.LongMemEvalSample);

        Assert.Equal("longmemeval", data.Name);
        Assert.Equal(Path.GetFullPath(RepoPaths.LongMemEvalSample), data.SourcePath);
    }

    [Fact]
    public void Dispatches_to_each_loader()
    {
        Assert.Equal("convomem", DatasetLoader.Load("convomem", RepoPaths.ConvoMemFile).Name);
        Assert.Equal(2, DatasetLoader.Load("longmemeval", RepoPaths.LongMemEvalSample).Questions.Count);
        Assert.Equal(["locomo", "longmemeval", "convomem", "longchat"], DatasetLoader.Kinds);
    }

    [Fact]
    public async Task Longchat_loads_the_file_the_generator_writes_under_its_own_name()
    {
        using var dir = new TempDirectory();
        var generated = AgentMem.Benchmarks.Datasets.Synthetic.LongChatGenerator.Generate(new AgentMem.Benchmarks.Datasets.Synthetic.LongChatOptions { Conversations = 1, IncludeGiantMessage = false });
        string path = Path.Combine(dir.Path, "longchat.json");
        using (var file = File.Create(path))
        {
            AgentMem.Benchmarks.Datasets.Synthetic.LocomoJsonWriter.Write(generated, file);
        }

        var loaded = await DatasetLoader.LoadAsync("longchat", path);
        Assert.Equal("longchat", loaded.Name);
        Assert.Equal(generated.Questions.Count, loaded.Questions.Count);
        Assert.Equal(generated.TurnCount, DatasetLoader.Load("longchat", path).TurnCount);
    }

    [Fact]
    public void Unknown_kind_lists_the_known_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => DatasetLoader.Load("squad", "x.json"));

        Assert.Contains("locomo, longmemeval, convomem, longchat", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sha256_of_a_file_is_the_plain_digest()
    {
        using var dir = new TempDirectory();
        string file = dir.Write("abc.json", "abc");

        // SHA-256("abc") from FIPS 180-2.
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", DatasetLoader.ComputeSha256(file));
    }

    [Fact]
    public void Sha256_of_a_directory_depends_on_names_and_contents()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        a.Write("x.json", "1");
        a.Write("sub/y.json", "2");
        a.Write("notes.txt", "ignored");
        b.Write("x.json", "1");
        b.Write("sub/y.json", "2");
        string before = DatasetHash.ComputeSha256(a.Path);

        Assert.Equal(before, DatasetHash.ComputeSha256(b.Path));
        b.Write("sub/y.json", "3");
        Assert.NotEqual(before, DatasetHash.ComputeSha256(b.Path));
    }

    [Fact]
    public void Session_of_a_turn_id_is_the_part_before_the_last_colon()
    {
        Assert.Equal("D3", TurnIds.SessionOf("D3:7"));
        Assert.Equal("a:b", TurnIds.SessionOf("a:b:12"));
        Assert.Equal("plain", TurnIds.SessionOf("plain"));
        Assert.Equal("c2:4", TurnIds.Create("c2", 4));
    }
}
