namespace AgentMem.Common.Validation;

/// <summary>
/// An options object's <see cref="ArgumentException"/> as a message for whoever set the value: a person at a command line
/// or an HTTP client, who typed <c>--budget</c> or <c>budget</c>, not the C# property <c>TokenBudget</c>.
/// </summary>
public static class OptionsMessage
{
    /// <summary>
    /// <paramref name="exception"/>'s message in one line, without the BCL's <c>" (Parameter 'TokenBudget')"</c> suffix and
    /// the <c>"Actual value was -1."</c> line an out-of-range value adds; a property listed in <paramref name="names"/> is
    /// called by the name its caller set it by (a flag, a request field).
    /// </summary>
    public static string OneLine(ArgumentException exception, params (string Property, string Name)[] names)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(names);
        string message = exception.Message;
        if (exception is ArgumentOutOfRangeException { ActualValue: not null } && message.LastIndexOf('\n') is int end and > 0)
        {
            message = message[..end].TrimEnd('\r');
        }

        if (exception.ParamName is { Length: > 0 } property)
        {
            message = message.Replace($" (Parameter '{property}')", string.Empty, StringComparison.Ordinal);
            foreach (var (name, callerName) in names)
            {
                if (string.Equals(name, property, StringComparison.Ordinal))
                {
                    message = message.Replace(property, callerName, StringComparison.Ordinal);
                }
            }
        }

        return message;
    }
}
