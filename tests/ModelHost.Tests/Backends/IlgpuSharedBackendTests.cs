using AgentMem.ModelHost.Backends.Ilgpu;

namespace AgentMem.ModelHost.Tests.Backends;

/// <summary>The process-wide ILGPU backend every <see cref="ComputeBackendKind.Ilgpu"/> load shares.</summary>
[Collection(IlgpuDeviceVariableCollection.Name)]
public sealed class IlgpuSharedBackendTests
{
    [Fact]
    public void A_failed_start_is_tried_again_on_the_next_load()
    {
        // The shared backend kept its first start's exception for the life of the process: once a wrong device name (or a
        // CUDA context that could not be made) failed a load, every later ILGPU load threw it again, whatever had changed.
        // Nothing else in this test process starts the shared backend, so the first load here is its first start.
        string? before = Environment.GetEnvironmentVariable(IlgpuBackend.DeviceVariable);
        var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        try
        {
            Environment.SetEnvironmentVariable(IlgpuBackend.DeviceVariable, "gpu");
            var ex = Assert.Throws<NotSupportedException>(() => new LlamaModel(checkpoint.Config, checkpoint.Weights, WeightQuantization.None, ComputeBackendKind.Ilgpu));
            Assert.Contains("'gpu'", ex.Message, StringComparison.Ordinal);

            Environment.SetEnvironmentVariable(IlgpuBackend.DeviceVariable, "cpu");
            var model = new LlamaModel(checkpoint.Config, checkpoint.Weights, WeightQuantization.None, ComputeBackendKind.Ilgpu);
            Assert.Equal(ComputeBackendKind.Ilgpu, model.Backend);
            Assert.Contains("CPU accelerator", model.BackendDescription, StringComparison.Ordinal);
            var expected = Stories.Model.Forward(1, 0, Stories.Model.CreateCache()).ToArray();
            var actual = model.Forward(1, 0, model.CreateCache()).ToArray();
            Assert.Equal(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(expected), System.Numerics.Tensors.TensorPrimitives.IndexOfMax(actual));
            model.Dispose();
        }
        finally
        {
            Environment.SetEnvironmentVariable(IlgpuBackend.DeviceVariable, before);
        }
    }
}
