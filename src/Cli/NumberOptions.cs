using System.CommandLine.Parsing;
using System.Numerics;

namespace AgentMem.Cli;

/// <summary>
/// Gives every number option of the tree a parser whose error says what the option takes: System.CommandLine's own
/// names the CLR type (<c>'abc' … as expected type 'System.Nullable`1[System.Int32]'</c>).
/// </summary>
internal static class NumberOptions
{
    /// <summary>Walks <paramref name="command"/> and its subcommands once, after the tree is built.</summary>
    public static void Describe(Command command)
    {
        foreach (var option in command.Options)
        {
            Describe(option);
        }

        foreach (var subcommand in command.Subcommands)
        {
            Describe(subcommand);
        }
    }

    private static void Describe(Option option)
    {
        switch (option)
        {
            case Option<int> o: Plain(o, "an integer"); break;
            case Option<int?> o: Nullable(o, "an integer"); break;
            case Option<long> o: Plain(o, "an integer"); break;
            case Option<ulong> o: Plain(o, "a non-negative integer"); break;
            case Option<double> o: Plain(o, "a number"); break;
            case Option<double?> o: Nullable(o, "a number"); break;
            case Option<float> o: Plain(o, "a number"); break;
            case Option<float?> o: Nullable(o, "a number"); break;
        }
    }

    private static void Plain<T>(Option<T> option, string what)
        where T : struct, INumber<T>, IMinMaxValue<T>
    {
        var fallback = option.DefaultValueFactory;
        option.CustomParser = result =>
            result.Tokens.Count == 0 ? (fallback is null ? default : fallback(result))
            : Parse<T>(result, option.Name, what) ?? default;
    }

    private static void Nullable<T>(Option<T?> option, string what)
        where T : struct, INumber<T>, IMinMaxValue<T>
    {
        var fallback = option.DefaultValueFactory;
        option.CustomParser = result =>
            result.Tokens.Count == 0 ? fallback?.Invoke(result)
            : Parse<T>(result, option.Name, what);
    }

    /// <summary>The last token as a number in the invariant culture, or null with the error added to <paramref name="result"/>.</summary>
    private static T? Parse<T>(ArgumentResult result, string name, string what)
        where T : struct, INumber<T>, IMinMaxValue<T>
    {
        string text = result.Tokens[^1].Value;
        bool integer = typeof(T) != typeof(double) && typeof(T) != typeof(float);
        if (T.TryParse(text, integer ? NumberStyles.Integer : NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        // A whole number out of the type's range is a different mistake from a word; say which.
        bool outOfRange = integer && BigInteger.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
        result.AddError(outOfRange
            ? $"Option '{name}' takes {what} from {T.MinValue} to {T.MaxValue}; '{text}' is out of range."
            : $"Option '{name}' takes {what}; '{text}' is not one.");
        return null;
    }
}
