using AgentMem.Common.Text;

namespace AgentMem.Common.Tests.Text;

public sealed class EnumNamesTests
{
    public enum Colour
    {
        Red = 1,
        Green = 2,
        Blue = 3,
    }

    [Theory]
    [InlineData("red", Colour.Red)]
    [InlineData(" GREEN ", Colour.Green)]
    [InlineData("Blue", Colour.Blue)]
    public void A_member_name_in_any_case_is_read(string text, Colour expected)
    {
        Assert.True(EnumNames.TryParse<Colour>(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("red,green")] // Enum.TryParse: Red | Green = Blue
    [InlineData("red, green")]
    [InlineData("3")] // Enum.TryParse: Blue
    [InlineData("7")] // Enum.TryParse: an undefined value
    [InlineData("-1")]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(null)]
    [InlineData("purple")]
    public void Numbers_lists_and_unknown_names_are_refused(string? text)
    {
        Assert.False(EnumNames.TryParse<Colour>(text, out _));
    }

    [Fact]
    public void The_choices_are_the_names_in_lower_case()
    {
        Assert.Equal("red, green, blue", EnumNames.Choices<Colour>());
    }
}
