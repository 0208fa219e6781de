namespace BmeQuant.Testing;

/// <summary>Locates the repository and the shared third-party test data folders.</summary>
internal static class TestPaths
{
    /// <summary>The repository root (the folder holding BmeQuant.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>A folder named by <paramref name="environmentVariable"/>, else <c>../shared/testdata/{defaultRelative}</c> beside the repository.</summary>
    public static string DataFolder(string environmentVariable, string defaultRelative)
    {
        var fromEnv = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return Path.GetFullPath(fromEnv);
        }

        return Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "testdata", defaultRelative));
    }

    /// <summary>A fresh folder under the test output's ActualOutput directory.</summary>
    public static string NewOutputFolder(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "ActualOutput", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BmeQuant.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("BmeQuant.sln not found above " + AppContext.BaseDirectory);
    }
}
