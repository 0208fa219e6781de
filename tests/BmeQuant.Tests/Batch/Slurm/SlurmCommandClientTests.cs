using BmeQuant.Batch.Slurm;

namespace BmeQuant.Tests.Batch.Slurm;

public sealed class SlurmCommandClientTests
{
    [Theory]
    [InlineData("4711\n", "4711")]
    [InlineData("4711;cluster-a\n", "4711")]
    [InlineData("sbatch: warning: x\n88\n", "88")]
    [InlineData("", null)]
    [InlineData("Submitted batch job 12\n", null)]
    public void ParseJobId_ParsableOutput_Id(string stdout, string? expected) =>
        Assert.Equal(expected, SlurmCommandClient.ParseJobId(stdout));

    [Fact]
    public void ParseQueue_ArrayTasksGroupedPendingAndSuffixes_OneStatePerLine()
    {
        var states = SlurmCommandClient.ParseQueue("12_0|COMPLETED|None\n12_1|FAILED|NonZeroExitCode\n12_[2-5]|PENDING|Resources\n13|RUNNING|None\n12_6|CANCELLED by 0|None\ngarbage\n");
        Assert.Equal(5, states.Count);
        Assert.Equal(new SlurmTaskState("12", 0, "COMPLETED", "None"), states[0]);
        Assert.True(states[1].IsFinal);
        Assert.Null(states[2].ArrayIndex);
        Assert.False(states[2].IsFinal);
        Assert.Equal(new SlurmTaskState("13", null, "RUNNING", "None"), states[3]);
        Assert.Equal("CANCELLED", states[4].State);
        Assert.True(states[4].IsFinal);
    }

    [Fact]
    public async Task SubmitAsync_ToolMissing_SlurmExceptionNamingTheFolder()
    {
        var client = new SlurmCommandClient(Path.Combine(Path.GetTempPath(), "no-slurm-here-" + Guid.NewGuid().ToString("N")));
        var ex = await Assert.ThrowsAsync<SlurmException>(() => client.SubmitAsync("/tmp/x.sh", [], TestContext.Current.CancellationToken));
        Assert.Contains("no-slurm-here-", ex.Message, StringComparison.Ordinal);
    }
}
