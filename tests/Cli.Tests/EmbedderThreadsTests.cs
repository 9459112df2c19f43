namespace AgentMem.Cli.Tests;

/// <summary><c>AGENTMEM_EMBEDDER_THREADS</c> reaches the sentence model, and a bad value is refused by name (a process of its own: the environment is process-wide).</summary>
public sealed class EmbedderThreadsTests : IDisposable
{
    private readonly TempFolder folder = new("threads");

    [Theory]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("two", false)]
    public async Task The_thread_knob_takes_a_positive_count(string value, bool accepted)
    {
        var (code, output, error) = await LocalService.RunCliAsync(
            ["--db", folder.File("t.db"), "--embedder", "arctic", "add", "Melanie signed up for a pottery class"],
            new Dictionary<string, string> { ["AGENTMEM_EMBEDDER_THREADS"] = value },
            TimeSpan.FromMinutes(3));

        if (accepted)
        {
            Assert.True(code == 0, $"exit {code}: {error}");
            Assert.NotEmpty(output.Trim());
        }
        else
        {
            Assert.NotEqual(0, code);
            Assert.Contains($"AGENTMEM_EMBEDDER_THREADS must be a positive whole number; got '{value}'", error, StringComparison.Ordinal);
        }
    }

    public void Dispose() => folder.Dispose();
}
