namespace AgentMem.ModelHost.Tests.Backends;

/// <summary>
/// Tests that set the process-wide AGENTMEM_ILGPU_DEVICE and start the shared ILGPU backend run alone: a test loading a model
/// in parallel would read the variable they set.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IlgpuDeviceVariableCollection
{
    public const string Name = "ilgpu-device-variable";
}
