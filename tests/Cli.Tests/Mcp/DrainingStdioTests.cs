using System.Text;
using AgentMem.Cli.Mcp;

namespace AgentMem.Cli.Tests.Mcp;

public sealed class DrainingStdioTests
{
    [Fact]
    public async Task A_last_request_without_a_newline_is_ended_before_the_end_of_input_waits_for_its_answer()
    {
        // The end of input waited for the answer to the unterminated line, which the transport's line reader could only
        // hand on once given a newline: no answer came before the drain timeout (60 s).
        byte[] request = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"ping"}""");
        var stdio = new DrainingStdio(new MemoryStream(request), Stream.Null);
        var buffer = new byte[256];
        Assert.Equal(request.Length, await stdio.Input.ReadAsync(buffer));

        // At the end of input the reader is first given the line's end, at once ...
        var end = stdio.Input.ReadAsync(buffer).AsTask();
        Assert.True(end.IsCompleted);
        Assert.Equal(1, await end);
        Assert.Equal((byte)'\n', buffer[0]);

        // ... and only then is the end reported, once the request is answered.
        var last = stdio.Input.ReadAsync(buffer).AsTask();
        Assert.False(last.IsCompleted);
        await stdio.Output.WriteAsync(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"));
        Assert.Equal(0, await last);
    }

    [Fact]
    public async Task Input_that_ends_with_a_newline_ends_without_an_extra_one()
    {
        var stdio = new DrainingStdio(new MemoryStream(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")), Stream.Null);
        var buffer = new byte[256];
        Assert.True(await stdio.Input.ReadAsync(buffer) > 0);
        Assert.Equal(0, await stdio.Input.ReadAsync(buffer));
    }
}
