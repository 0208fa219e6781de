using BmeQuant.Registry;
using BmeQuant.Testing;

namespace BmeQuant.Tests.Registry;

public sealed class ResultsRegistryTests
{
    private static RegistryTimepoint Tp(string folder, string patient, string timepoint, DateOnly? date, double total) =>
        new(patient, timepoint, date, "key-" + patient + timepoint, "{}", Path.Combine(folder, patient, timepoint, "findings.json"), total, 1.5, 3, "1.0", new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc));

    [Fact]
    public void Timepoints_MixedDatesAndLabels_OrderedByDateThenNaturalLabel()
    {
        var folder = TestPaths.NewOutputFolder("registry-order");
        var registry = ResultsRegistry.Open(Path.Combine(folder, ResultsRegistry.DefaultFileName));
        registry.Upsert(Tp(folder, "P1", "T10", null, 5));
        registry.Upsert(Tp(folder, "P1", "T2", null, 4));
        registry.Upsert(Tp(folder, "P1", "late", new DateOnly(2026, 5, 1), 3));
        registry.Upsert(Tp(folder, "P1", "early", new DateOnly(2026, 1, 1), 2));
        registry.Upsert(Tp(folder, "P2", "T0", null, 1));
        var rows = ResultsRegistry.OpenExisting(registry.FilePath).Timepoints("P1");
        Assert.Equal(["early", "late", "T2", "T10"], rows.Select(r => r.Timepoint));
        Assert.Equal(Path.Combine(folder, "P1", "early", "findings.json"), rows[0].FindingsPath);
        Assert.Equal(new DateOnly(2026, 1, 1), rows[0].Date);
        Assert.Equal(["P1", "P2"], registry.Patients());
        Assert.Empty(registry.Timepoints("p1"));
    }

    [Fact]
    public void Upsert_SameTimepointTwice_ReplacedAndFailureCleared()
    {
        var folder = TestPaths.NewOutputFolder("registry-upsert");
        var registry = ResultsRegistry.Open(Path.Combine(folder, "r.sqlite"));
        registry.RecordFailure(new RegistryFailure("key-P1T0", "P1", "T0", "CorruptInput", "DicomFormatException", "truncated", DateTime.UtcNow));
        Assert.Equal("truncated", registry.FindFailure("key-P1T0")!.Error);
        registry.Upsert(Tp(folder, "P1", "T0", null, 10));
        registry.Upsert(Tp(folder, "P1", "T0", null, 20) with { InputKey = "key-P1T0" });
        Assert.Equal(20, Assert.Single(registry.Timepoints("P1")).TotalEdemaVolumeMm3);
        Assert.Null(registry.FindFailure("key-P1T0"));
        Assert.Null(registry.Find("P1", "T9"));
    }

    [Fact]
    public void Open_FileThatIsNotARegistry_TypedError()
    {
        var folder = TestPaths.NewOutputFolder("registry-bad");
        var path = Path.Combine(folder, "not.sqlite");
        File.WriteAllText(path, "this is not an SQLite database, just text that is long enough to look like a header....");
        Assert.Throws<RegistryException>(() => ResultsRegistry.Open(path));
        Assert.Throws<FileNotFoundException>(() => ResultsRegistry.OpenExisting(Path.Combine(folder, "absent.sqlite")));
    }

    [Fact]
    public void Upsert_ParallelWriters_AllRowsKept()
    {
        var folder = TestPaths.NewOutputFolder("registry-parallel");
        var registry = ResultsRegistry.Open(Path.Combine(folder, ResultsRegistry.DefaultFileName));
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => registry.Upsert(Tp(folder, "P" + (i % 4), "T" + i, null, i)));
        Assert.Equal(40, registry.Patients().Sum(p => registry.Timepoints(p).Count));
    }
}
