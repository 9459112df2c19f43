using AgentMem.Retrieval.Hybrid.Signals;

namespace AgentMem.Retrieval.Tests.Hybrid;

public sealed class OffloadedWorkTests
{
    [Fact]
    public void The_work_runs_exactly_once_whoever_claims_it_and_its_result_or_exception_reaches_the_caller()
    {
        for (int i = 0; i < 200; i++)
        {
            int runs = 0;
            int value = i;
            var work = OffloadedWork<int>.Start(() =>
            {
                Interlocked.Increment(ref runs);
                return value * 2;
            });
            if (i % 2 == 0)
            {
                Thread.SpinWait(i * 50); // sometimes the pool gets there first, sometimes the caller
            }

            Assert.Equal(i * 2, work.Join());
            Assert.Equal(1, Volatile.Read(ref runs));
        }

        var failing = OffloadedWork<int>.Start(() => throw new InvalidDataException("bad row"));
        Assert.Equal("bad row", Assert.Throws<InvalidDataException>(() => failing.Join()).Message);
    }
}
