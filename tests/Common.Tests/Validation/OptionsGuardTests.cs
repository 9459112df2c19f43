using AgentMem.Common.Validation;

namespace AgentMem.Common.Tests.Validation;

public class OptionsGuardTests
{
    private enum Mode
    {
        Plain,
        Full,
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Positive_refuses_zero_negative_and_non_finite(double value)
    {
        double Rate = value;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => OptionsGuard.Positive(Rate));
        Assert.Equal("Rate", ex.ParamName);
        Assert.StartsWith("Rate must be a positive number; got ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_message_is_one_line_with_the_value_in_invariant_culture()
    {
        float Weight = -0.5f;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => OptionsGuard.NonNegative(Weight));
        Assert.Equal("Weight must be a finite number, zero or more; got -0.5. (Parameter 'Weight')", ex.Message);
    }

    [Fact]
    public void Accepts_values_in_range()
    {
        OptionsGuard.Positive(1e-9);
        OptionsGuard.NonNegative(0.0);
        OptionsGuard.Fraction(1.0);
        OptionsGuard.Between(5, 1, 5);
        OptionsGuard.Between(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromHours(1));
        OptionsGuard.Positive(TimeSpan.FromTicks(1));
        OptionsGuard.Defined(Mode.Full);
        OptionsGuard.Check(true, 3, "must be odd");
    }

    [Fact]
    public void Each_check_names_its_setting()
    {
        double HeadFraction = 0;
        int MaxPoolSize = 1001;
        var Timeout = TimeSpan.Zero;
        var Vacuum = (Mode)7;
        int Kernel = 4;
        Assert.Equal("HeadFraction", Assert.Throws<ArgumentOutOfRangeException>(() => OptionsGuard.Fraction(HeadFraction)).ParamName);
        Assert.Contains("must be between 1 and 1000; got 1001.", Assert.Throws<ArgumentOutOfRangeException>(() => OptionsGuard.Between(MaxPoolSize, 1, 1000)).Message, StringComparison.Ordinal);
        Assert.Equal("Timeout", Assert.Throws<ArgumentOutOfRangeException>(() => OptionsGuard.Positive(Timeout)).ParamName);
        Assert.Contains("must be one of Plain, Full", Assert.Throws<ArgumentOutOfRangeException>(() => OptionsGuard.Defined(Vacuum)).Message, StringComparison.Ordinal);
        Assert.Equal("Kernel must be odd; got 4. (Parameter 'Kernel')", Assert.Throws<ArgumentOutOfRangeException>(() => OptionsGuard.Check(Kernel % 2 == 1, Kernel, "must be odd")).Message);
    }

    [Fact]
    public void Between_refuses_NaN()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OptionsGuard.Between(double.NaN, 0.0, 1.0, "Lambda"));
    }
}
