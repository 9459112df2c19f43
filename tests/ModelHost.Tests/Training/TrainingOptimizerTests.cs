using AgentMem.ModelHost.Training;

namespace AgentMem.ModelHost.Tests.Training;

/// <summary>AdamW, the cosine schedule, global-norm clipping and the step loop, against hand-computed values.</summary>
public sealed class TrainingOptimizerTests
{
    [Fact]
    public void AdamW_matches_the_decoupled_update_written_out()
    {
        float[] p = [1f, -2f, 0.5f];
        float[] g1 = [0.1f, -0.3f, 0f];
        float[] g2 = [-0.2f, 0.4f, 1f];
        const float Lr = 0.01f, B1 = 0.9f, B2 = 0.99f, Eps = 1e-8f, Wd = 0.1f;
        var optimizer = new AdamW([p], B1, B2, Eps, Wd);
        var expected = new double[] { 1, -2, 0.5 };
        var m = new double[3];
        var v = new double[3];
        foreach (var (g, t) in new[] { (g1, 1), (g2, 2) })
        {
            optimizer.Step([g], Lr);
            for (int i = 0; i < 3; i++)
            {
                expected[i] *= 1 - (Lr * Wd);
                m[i] = (B1 * m[i]) + ((1 - B1) * g[i]);
                v[i] = (B2 * v[i]) + ((1 - B2) * g[i] * g[i]);
                double mHat = m[i] / (1 - Math.Pow(B1, t)), vHat = v[i] / (1 - Math.Pow(B2, t));
                expected[i] -= Lr * mHat / (Math.Sqrt(vHat) + Eps);
            }

            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(expected[i], p[i], 1e-6);
            }
        }

        Assert.Equal(2, optimizer.StepCount);

        // The first step of Adam moves each weight by about lr against its gradient's sign, whatever the gradient's size.
        float[] q = [0f, 0f];
        new AdamW([q], weightDecay: 0f).Step([[1000f, -0.001f]], 0.05f);
        Assert.Equal(-0.05f, q[0], 1e-6f);
        Assert.Equal(0.05f, q[1], 1e-3f);
    }

    [Fact]
    public void AdamW_checks_every_shape_before_changing_anything()
    {
        float[] p0 = [1f, 2f];
        float[] p1 = [1f, 2f, 3f];
        var optimizer = new AdamW([p0, p1]);
        Assert.Throws<ArgumentException>(() => optimizer.Step([[0.5f, 0.5f], [0.5f, 0.5f]], 0.1f));
        Assert.Equal([1f, 2f], p0);
        Assert.Equal(0, optimizer.StepCount);

        // The moments are untouched too: the next step is a fresh optimiser's first.
        float[][] gradients = [[0.5f, -0.5f], [0.5f, 0.5f, -0.5f]];
        optimizer.Step(gradients, 0.1f);
        float[] q0 = [1f, 2f];
        float[] q1 = [1f, 2f, 3f];
        new AdamW([q0, q1]).Step(gradients, 0.1f);
        Assert.Equal(q0, p0);
        Assert.Equal(q1, p1);
    }

    [Fact]
    public void Cosine_schedule_warms_up_linearly_then_decays_to_the_minimum()
    {
        var s = new CosineSchedule(1e-2f, warmupSteps: 4, totalSteps: 14, minLearningRate: 1e-3f);
        Assert.Equal(2.5e-3f, s.LearningRate(0), 1e-7f);
        Assert.Equal(1e-2f, s.LearningRate(3), 1e-7f);
        Assert.Equal(1e-2f, s.LearningRate(4), 1e-7f);
        Assert.Equal(1e-3f, s.LearningRate(13), 1e-7f);
        Assert.Equal(1e-3f, s.LearningRate(100), 1e-7f);
        float mid = s.LearningRate(4 + 9 / 2);
        Assert.InRange(mid, 5e-3f, 6.5e-3f);
        for (int step = 4; step < 13; step++)
        {
            Assert.True(s.LearningRate(step + 1) < s.LearningRate(step));
        }
    }

    [Fact]
    public void Clipping_scales_all_tensors_together_only_above_the_bound()
    {
        float[] a = [3f, 0f];
        float[] b = [0f, 4f];
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm([a, b], 10f), 1e-6f);
        Assert.Equal([3f, 0f], a);
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm([a, b], 1f), 1e-6f);
        Assert.Equal(0.6f, a[0], 1e-6f);
        Assert.Equal(0.8f, b[1], 1e-6f);
        Assert.Equal(1f, GradientClipping.GlobalNorm([a, b]), 1e-6f);
    }

    [Fact]
    public void Clipping_sums_squares_in_double_and_refuses_a_gradient_that_is_not_finite()
    {
        // 3e19² overflows a float although the norm, 5e19, fits one; 3e38 fits a float although the norm of two does not.
        float[] g = [3e19f, 4e19f];
        Assert.Equal(5e19f, GradientClipping.ClipByGlobalNorm([g], 1f), 5e13f);
        Assert.Equal(0.6f, g[0], 1e-6f);
        Assert.Equal(0.8f, g[1], 1e-6f);
        float[] huge = [3e38f, -3e38f];
        GradientClipping.ClipByGlobalNorm([huge], 1f);
        Assert.Equal(MathF.Sqrt(0.5f), huge[0], 1e-6f);
        Assert.Equal(-MathF.Sqrt(0.5f), huge[1], 1e-6f);

        // A NaN or infinite element leaves no direction to keep: refused, the gradients as they were.
        float[] nan = [1f, float.NaN];
        Assert.Throws<ArithmeticException>(() => GradientClipping.ClipByGlobalNorm([[1f], nan], 1f));
        Assert.Equal(1f, nan[0]);
        Assert.Throws<ArithmeticException>(() => GradientClipping.ClipByGlobalNorm([[float.PositiveInfinity, 1f]], 1f));
    }

    [Fact]
    public void Loop_refuses_a_gradient_that_is_not_finite_and_leaves_the_parameters()
    {
        // A finite loss with a NaN gradient: a step would write NaN into every parameter.
        float[] p = [1f, 2f];
        float[] g = [0f, 0f];
        var optimizer = new AdamW([p]);
        float Compute()
        {
            g[1] = float.NaN;
            return 1f;
        }

        var ex = Assert.Throws<TrainingDivergedException>(() => TrainingLoop.Run(Compute, [g], optimizer, new CosineSchedule(0.1f, 0, 3), 1f));
        Assert.Equal(1, ex.Step);
        Assert.StartsWith("training diverged at step 1: the gradients' global norm is NaN", ex.Message, StringComparison.Ordinal);
        Assert.Equal([1f, 2f], p);
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void Loop_reports_each_step_and_stops_when_cancelled()
    {
        // Minimise (p − 3)²: the loop must clear the gradient, clip, step and report.
        float[] p = [0f];
        float[] g = [0f];
        using var cts = new CancellationTokenSource();
        var reports = new List<TrainingProgress>();
        var progress = new SynchronousProgress<TrainingProgress>(r =>
        {
            reports.Add(r);
            if (r.Step == 3)
            {
                cts.Cancel();
            }
        });
        float Compute()
        {
            g[0] += 2 * (p[0] - 3);
            return (p[0] - 3) * (p[0] - 3);
        }

        var schedule = new CosineSchedule(0.1f, 1, 10);
        Assert.Throws<OperationCanceledException>(() => TrainingLoop.Run(Compute, [g], new AdamW([p], weightDecay: 0f), schedule, 1f, progress, cts.Token));
        Assert.Equal([1, 2, 3], reports.Select(r => r.Step));
        Assert.Equal(9f, reports[0].Loss);
        Assert.Equal(6f, reports[0].GradientNorm);
        Assert.Equal(0.1f, reports[0].LearningRate);
        Assert.All(reports, r => Assert.Equal(10, r.TotalSteps));
        Assert.True(reports[2].Elapsed >= reports[0].Elapsed);

        float[] q = [0f];
        float[] gq = [0f];
        float Compute2()
        {
            gq[0] += 2 * (q[0] - 3);
            return (q[0] - 3) * (q[0] - 3);
        }

        var losses = TrainingLoop.Run(Compute2, [gq], new AdamW([q], weightDecay: 0f), new CosineSchedule(0.5f, 2, 60), 10f);
        Assert.Equal(60, losses.Length);
        Assert.True(losses[^1] < 0.01f * losses[0], $"{losses[0]} → {losses[^1]}");
    }
}
