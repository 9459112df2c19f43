namespace AgentMem.ModelHost.Backends.Ilgpu;

internal sealed class IlgpuBackend
{
    public static IComputeBackend Shared => throw new NotSupportedException("todo");
}
