using System.Runtime.ExceptionServices;

namespace BmeQuant.Quantification.Internal.Pipeline;

/// <summary>
/// Runs independent pieces of the analysis at the same time (stages that are single-threaded, or whose parallel loops
/// leave cores idle, overlap), and fails as the sequential order would: the first failing piece in argument order
/// rethrows its own exception (not an <see cref="AggregateException"/>). Each piece must write only its own outputs.
/// </summary>
internal static class Concurrent
{
    /// <summary>Runs <paramref name="actions"/> concurrently (one after the other when <paramref name="maxDegreeOfParallelism"/> is 1).</summary>
    public static void Run(int maxDegreeOfParallelism, params Action[] actions)
    {
        if (maxDegreeOfParallelism == 1 || actions.Length < 2)
        {
            foreach (var action in actions)
            {
                action();
            }

            return;
        }

        var errors = new Exception?[actions.Length];
        Parallel.For(0, actions.Length, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, i =>
        {
            try
            {
                actions[i]();
            }
#pragma warning disable CA1031 // Every failure is rethrown below, the first in argument order.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                errors[i] = ex;
            }
        });
        foreach (var error in errors)
        {
            if (error is not null)
            {
                ExceptionDispatchInfo.Throw(error);
            }
        }
    }

    /// <summary>Evaluates <paramref name="compute"/> for every item concurrently; results in item order (the first failure in item order rethrown as thrown).</summary>
    public static TResult[] Map<TItem, TResult>(IReadOnlyList<TItem> items, int maxDegreeOfParallelism, Func<TItem, TResult> compute)
    {
        var results = new TResult[items.Count];
        var actions = new Action[items.Count];
        for (var i = 0; i < actions.Length; i++)
        {
            var at = i;
            actions[i] = () => results[at] = compute(items[at]);
        }

        Run(maxDegreeOfParallelism, actions);
        return results;
    }
}
