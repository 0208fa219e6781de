[assembly: AssemblyFixture(typeof(BmeQuant.Packaging.Tests.ScratchCleanup))]

namespace BmeQuant.Packaging.Tests;

/// <summary>Removes the packaging scratch folder (feed, consumer, tools, package cache) after the run.</summary>
public sealed class ScratchCleanup : IDisposable
{
    /// <inheritdoc/>
    public void Dispose() => LocalFeed.CleanUp();
}
