namespace AgentMem.Common.Tests;

public sealed class ModelFormatExceptionTests
{
    [Fact]
    public void Is_a_format_error_with_its_message_and_cause()
    {
        var cause = new IOException("short read");
        var e = new ModelFormatException("model.onnx is truncated", cause);
        Assert.IsAssignableFrom<FormatException>(e); // hosts treat bad input files as user errors without knowing this type
        Assert.Equal("model.onnx is truncated", e.Message);
        Assert.Same(cause, e.InnerException);
    }
}
