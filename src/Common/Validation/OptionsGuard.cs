using System.Globalization;
using System.Runtime.CompilerServices;

namespace AgentMem.Common.Validation;

/// <summary>
/// The range checks the options classes' <c>Validate</c> methods make beyond the BCL's integer bounds
/// (<see cref="ArgumentOutOfRangeException.ThrowIfLessThan{T}(T, T, string?)"/> and its kin): finite floating-point
/// values, intervals, time spans and enum members. Each throws <see cref="ArgumentOutOfRangeException"/> whose
/// <see cref="ArgumentException.ParamName"/> is the setting (the argument's expression at the call site: pass the
/// property itself) and whose message is one line, "<c>Name must be …; got value.</c>", so a command line can show it as it is.
/// </summary>
public static class OptionsGuard
{
    /// <summary>Throws unless <paramref name="value"/> is a finite number above zero.</summary>
    public static void Positive(double value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        Check(double.IsFinite(value) && value > 0, value, "must be a positive number", name);

    /// <summary>Throws unless <paramref name="value"/> is a finite number, zero or above.</summary>
    public static void NonNegative(double value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        Check(double.IsFinite(value) && value >= 0, value, "must be a finite number, zero or more", name);

    /// <summary>Throws unless <paramref name="value"/> is a fraction in (0, 1] (zero is no share at all).</summary>
    public static void Fraction(double value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        Check(value > 0 && value <= 1, value, "must be in (0, 1]", name);

    /// <summary>Throws unless <paramref name="value"/> lies in [<paramref name="min"/>, <paramref name="max"/>] (NaN does not).</summary>
    public static void Between<T>(T value, T min, T max, [CallerArgumentExpression(nameof(value))] string? name = null)
        where T : IComparable<T> =>
        Check(value.CompareTo(min) >= 0 && value.CompareTo(max) <= 0, value, string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}"), name);

    /// <summary>Throws unless <paramref name="value"/> is longer than zero.</summary>
    public static void Positive(TimeSpan value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        Check(value > TimeSpan.Zero, value, "must be positive", name);

    /// <summary>Throws unless <paramref name="value"/> is a named member of its enum.</summary>
    public static void Defined<TEnum>(TEnum value, [CallerArgumentExpression(nameof(value))] string? name = null)
        where TEnum : struct, Enum =>
        Check(Enum.IsDefined(value), value, string.Create(CultureInfo.InvariantCulture, $"must be one of {string.Join(", ", Enum.GetNames<TEnum>())}"), name);

    /// <summary>
    /// Throws unless <paramref name="condition"/> holds, saying what <paramref name="value"/> <paramref name="requirement"/>
    /// ("must be odd, so it is centred on a slot"): for the rules the named checks do not cover.
    /// </summary>
    public static void Check<T>(bool condition, T value, string requirement, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(name, string.Create(CultureInfo.InvariantCulture, $"{name} {requirement}; got {value}."));
        }
    }
}
