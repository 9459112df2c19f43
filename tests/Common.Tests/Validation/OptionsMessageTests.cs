using AgentMem.Common.Validation;

namespace AgentMem.Common.Tests.Validation;

public class OptionsMessageTests
{
    [Fact]
    public void An_out_of_range_value_loses_the_parameter_suffix_and_the_actual_value_line()
    {
        int TokenBudget = 5;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ArgumentOutOfRangeException.ThrowIfLessThan(TokenBudget, 16));
        Assert.Contains('\n', ex.Message); // what .NET writes: two lines

        string message = OptionsMessage.OneLine(ex);
        Assert.StartsWith("TokenBudget ('5') must be ", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain("Parameter", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listed_property_is_called_by_the_callers_name()
    {
        int TokenBudget = 2_000_000;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => OptionsGuard.Between(TokenBudget, 16, 1_000_000));

        Assert.Equal("budget must be between 16 and 1000000; got 2000000.", OptionsMessage.OneLine(ex, ("TokenBudget", "budget"), ("Candidates", "candidates")));
        Assert.Equal("--budget must be between 16 and 1000000; got 2000000.", OptionsMessage.OneLine(ex, ("TokenBudget", "--budget")));
    }

    [Fact]
    public void A_message_without_a_parameter_is_kept_as_it_is()
    {
        Assert.Equal("No such tokenizer.", OptionsMessage.OneLine(new ArgumentException("No such tokenizer."), ("spec", "--tokenizer")));
    }
}
