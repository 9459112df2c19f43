using AgentMem.ModelHost.Training;

namespace AgentMem.ModelHost.Tests.Training;

/// <summary><see cref="OptimizerSettings"/>: each trainer's defaults, the schedule and optimiser it builds, the recipe entries it writes.</summary>
public sealed class OptimizerSettingsTests
{
    [Fact]
    public void Each_trainer_keeps_its_own_defaults()
    {
        Assert.Equal(new OptimizerSettings { Steps = 200, LearningRate = 0.02f, WarmupSteps = 10, WeightDecay = 0f, MaxGradientNorm = 1f }, new SelfStudyOptions().Optimizer);
        Assert.Equal(new OptimizerSettings { Steps = 60, LearningRate = 1e-2f, WarmupSteps = 5, WeightDecay = 0.01f, MaxGradientNorm = 1f }, new LoraTrainingOptions().Optimizer);
    }

    [Fact]
    public void Builds_the_schedule_and_optimiser_and_writes_the_recipe_in_order()
    {
        var s = new OptimizerSettings { Steps = 12, LearningRate = 0.03f, WarmupSteps = 3, WeightDecay = 0.05f, MaxGradientNorm = 0.5f };
        s.Validate();
        var schedule = s.CreateSchedule();
        Assert.Equal((0.03f, 3, 12, 0f), (schedule.PeakLearningRate, schedule.WarmupSteps, schedule.TotalSteps, schedule.MinLearningRate));
        Assert.Equal(0.05f, s.CreateOptimizer([new float[2]]).WeightDecay);

        var recipe = new Dictionary<string, string> { ["method"] = "m" };
        s.AddTo(recipe);
        Assert.Equal(
            ["method=m", "steps=12", "learning_rate=0.03", "warmup_steps=3", "weight_decay=0.05", "max_gradient_norm=0.5"],
            recipe.Select(kv => kv.Key + "=" + kv.Value));
    }
}
