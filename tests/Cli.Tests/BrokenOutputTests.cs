using System.Text;

namespace AgentMem.Cli.Tests;

/// <summary>
/// Standard output and standard error on a full disk or a closed pipe (a cron job's <c>&gt;&gt; log 2&gt;&amp;1</c> on the
/// database's full disk): every write to them throws. The error report failing too escaped the verb's handler, and the
/// runtime aborted the process (SIGABRT, exit 134) even after the verb's write had committed.
/// </summary>
public sealed class BrokenOutputTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_verb_whose_output_and_error_cannot_be_written_exits_74_and_its_write_stands(bool json)
    {
        Assert.Equal(0, (await cli.RunAsync("add", "the cube exists")).Code); // no "created cube" notice comes before the write
        string[] args = json ? ["--db", cli.DbPath, "--json", "add", "a cron write"] : ["--db", cli.DbPath, "add", "a cron write"];

        int code = await CliApp.RunAsync(args, new FullDiskWriter(), new FullDiskWriter(), Output.TerminalKind.None);

        Assert.Equal(Verb.OutputFailed, code);
        var (searched, found, _) = await cli.RunAsync("search", "cron write");
        Assert.Equal(0, searched);
        Assert.Contains("a cron write", found, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stats")]
    [InlineData("--help")]
    [InlineData("--no-such-option")]
    public async Task Reads_help_and_parse_errors_exit_74_when_nothing_can_be_written(string verb)
    {
        int code = await CliApp.RunAsync(["--db", cli.DbPath, verb], new FullDiskWriter(), new FullDiskWriter(), Output.TerminalKind.None);

        Assert.Equal(Verb.OutputFailed, code);
    }

    [Fact]
    public async Task Output_that_cannot_be_written_is_reported_on_standard_error_with_exit_1()
    {
        using var stderr = new StringWriter();

        int code = await CliApp.RunAsync(["--db", cli.DbPath, "add", "a cron write"], new FullDiskWriter(), stderr, Output.TerminalKind.None);

        Assert.Equal(Verb.UserError, code);
        Assert.Contains("No space left on device", stderr.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A writer on a full disk: every write and flush fails as ENOSPC does.</summary>
    private sealed class FullDiskWriter : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => throw Full();

        public override void Write(char[] buffer, int index, int count) => throw Full();

        public override void Write(string? value) => throw Full();

        public override void WriteLine(string? value) => throw Full();

        public override void Flush() => throw Full();

        private static IOException Full() => new("No space left on device");
    }
}
