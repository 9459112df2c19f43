using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace AgentMem.Common.Settings;

/// <summary>
/// Copies a settings object property by property, so a component can keep the settings it was opened with while the
/// caller goes on changing its own object. A hand-written copy must name every property and silently drops one added
/// later; this one cannot forget any.
/// </summary>
public static class SettingsCopy
{
    /// <summary>
    /// A new <typeparamref name="T"/> holding the value of every instance property of <paramref name="source"/> that can
    /// be read and written (public or not). Values are copied as they are: settings hold values, not objects to share.
    /// </summary>
    public static T Of<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.NonPublicProperties)] T>(T source)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(source);
        var copy = new T();
        foreach (var property in typeof(T).GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (property.GetIndexParameters().Length == 0 && property.GetGetMethod(nonPublic: true) is not null && property.GetSetMethod(nonPublic: true) is not null)
            {
                property.SetValue(copy, property.GetValue(source));
            }
        }

        return copy;
    }
}
