using System.Reflection;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests;

/// <summary>
/// A store that forwards every call to a real one, but lets a test act first on a call of its choosing (a freeze landing
/// just before a purge's transaction) or answer it itself (a memory purged between a listing and its history read).
/// </summary>
public class InterceptedStore : DispatchProxy
{
    private IMemoryStore inner = null!;
    private Func<string, object?[], object?>? intercept;

    /// <summary>
    /// <paramref name="inner"/> behind a proxy: <paramref name="intercept"/> sees each call (method name, arguments) first
    /// and returns the call's result to answer it, or null to let the real store answer.
    /// </summary>
    public static IMemoryStore Over(IMemoryStore inner, Func<string, object?[], object?> intercept)
    {
        var store = Create<IMemoryStore, InterceptedStore>();
        var proxy = (InterceptedStore)(object)store;
        (proxy.inner, proxy.intercept) = (inner, intercept);
        return store;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return intercept?.Invoke(targetMethod.Name, args ?? []) ?? targetMethod.Invoke(inner, args);
    }
}
