using System.Text;
using AgentMem.Cli.Output;

namespace AgentMem.Cli.Tests;

public sealed class TextWriterStreamTests
{
    [Fact]
    public async Task Characters_split_between_writes_come_out_whole_wherever_the_split_falls()
    {
        const string text = "née 😀 Zürich — 東京\n";
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        for (int split = 0; split <= bytes.Length; split++)
        {
            using var into = new StringWriter();
            await using (var stream = new TextWriterStream(into))
            {
                await stream.WriteAsync(bytes.AsMemory(0, split));
                stream.Write(bytes, split, bytes.Length - split);
            }

            Assert.Equal(text, into.ToString());
        }
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_refused_rather_than_replaced()
    {
        using var into = new StringWriter();
        using var stream = new TextWriterStream(into);
        Assert.Throws<DecoderFallbackException>(() => stream.Write([0x66, 0xFF, 0x66]));
    }
}
