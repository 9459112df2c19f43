using System.Text;
using AgentMem.Cli.Mcp;

namespace AgentMem.Cli.Tests.Mcp;

public sealed class RequestLedgerTests
{
    private static byte[] Line(string json) => Encoding.UTF8.GetBytes(json);

    [Fact]
    public void Every_request_waits_for_the_response_with_its_id()
    {
        var ledger = new RequestLedger();
        Assert.True(ledger.AllAnswered.IsCompleted);
        ledger.OnClientLine(Line("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}"""));
        ledger.OnClientLine(Line("""{"jsonrpc":"2.0","id":"b","method":"tools/call","params":{}}"""));
        ledger.OnClientLine(Line("""{"jsonrpc":"2.0","method":"notifications/initialized"}"""));
        ledger.OnServerLine(Line("""{"jsonrpc":"2.0","id":"b","result":{}}"""));
        ledger.OnServerLine(Line("""{"jsonrpc":"2.0","id":7,"result":{}}""")); // not a request of this client
        Assert.False(ledger.AllAnswered.IsCompleted);
        ledger.OnServerLine(Line("""{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"x"}}"""));
        Assert.True(ledger.AllAnswered.IsCompleted);
    }

    [Fact]
    public void A_request_the_client_cancels_is_settled_since_no_response_will_come()
    {
        var ledger = new RequestLedger();
        ledger.OnClientLine(Line("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"memory_search"}}"""));
        ledger.OnClientLine(Line("""{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"memory_add"}}"""));
        ledger.OnClientLine(Line("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5,"reason":"user"}}"""));
        Assert.False(ledger.AllAnswered.IsCompleted);
        ledger.OnServerLine(Line("""{"jsonrpc":"2.0","id":6,"result":{}}"""));
        Assert.True(ledger.AllAnswered.IsCompleted);

        // A response that raced the cancellation changes nothing.
        ledger.OnServerLine(Line("""{"jsonrpc":"2.0","id":5,"result":{}}"""));
        Assert.True(ledger.AllAnswered.IsCompleted);
    }

    [Fact]
    public void An_id_the_server_writes_escaped_is_the_same_request()
    {
        var ledger = new RequestLedger();
        ledger.OnClientLine(Line("""{"jsonrpc":"2.0","id":"a+b é","method":"ping"}"""));
        ledger.OnServerLine(Line("""{"jsonrpc":"2.0","id":"a\u002Bb \u00E9","result":{}}"""));
        Assert.True(ledger.AllAnswered.IsCompleted);
    }

    [Fact]
    public void A_string_id_and_a_number_id_are_different_requests()
    {
        var ledger = new RequestLedger();
        ledger.OnClientLine(Line("""{"jsonrpc":"2.0","id":"1","method":"ping"}"""));
        ledger.OnServerLine(Line("""{"jsonrpc":"2.0","id":1,"result":{}}"""));
        Assert.False(ledger.AllAnswered.IsCompleted);
        ledger.OnServerLine(Line("""{"jsonrpc":"2.0","id":"1","result":{}}"""));
        Assert.True(ledger.AllAnswered.IsCompleted);
    }

    [Theory]
    [InlineData("""{"id":1,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"1.0","id":1,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":2.0,"id":1,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":true,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":{},"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1.5,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":7}""")]
    [InlineData("""{"jsonrpc":"2.0","id":null,"method":"ping"}""")] // MCP forbids it; the SDK answers with "id":""
    [InlineData("""{"jsonrpc":"2.0","id":"\ud800","method":"ping"}""")] // a lone surrogate: the SDK drops the line
    [InlineData("""{"jsonrpc":"\ud800","id":1,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"\ud800"}}""")]
    public void A_line_that_is_no_MCP_request_is_not_waited_for(string json)
    {
        var ledger = new RequestLedger();
        ledger.OnClientLine(Line(json));
        Assert.True(ledger.AllAnswered.IsCompleted);

        // A proper request still waits for its answer.
        ledger.OnClientLine(Line("""{"jsonrpc":"2.0","id":1,"method":"ping"}"""));
        Assert.False(ledger.AllAnswered.IsCompleted);
        ledger.OnServerLine(Line("""{"jsonrpc":"2.0","id":1,"result":{}}"""));
        Assert.True(ledger.AllAnswered.IsCompleted);
    }

    [Fact]
    public void A_request_after_a_byte_order_mark_waits_for_its_answer()
    {
        // A file saved with a BOM (Notepad) and piped in: the SDK's parser skips the BOM and answers, but the line counted
        // as no request, so the end of input did not wait for that answer.
        var ledger = new RequestLedger();
        ledger.OnClientLine([0xEF, 0xBB, 0xBF, .. Line("""{"jsonrpc":"2.0","id":1,"method":"ping"}""")]);
        Assert.False(ledger.AllAnswered.IsCompleted);
        ledger.OnServerLine(Line("""{"jsonrpc":"2.0","id":1,"result":{}}"""));
        Assert.True(ledger.AllAnswered.IsCompleted);
    }
}
