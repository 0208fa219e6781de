namespace BmeQuant.Loading;

/// <summary>Reports stage + overall fraction to an optional <see cref="IProgress{T}"/>, never going backwards.</summary>
internal sealed class ProgressReporter(IProgress<BmeQuantProgress>? target)
{
    private double _last;

    public void Report(BmeQuantStage stage, double fraction, string message)
    {
        if (target is null)
        {
            return;
        }

        _last = Math.Clamp(Math.Max(_last, fraction), 0, 1);
        target.Report(new BmeQuantProgress(stage, _last, message));
    }
}
