using System.Text.Json;
using System.Text.Json.Nodes;
using BmeQuant.Reporting;
using BmeQuant.Testing;

namespace BmeQuant.Reporting.Tests;

/// <summary>report.json must follow the published schema in docs/report.schema.json, field for field.</summary>
public class ReportSchemaTests
{
    private static string SchemaPath => Path.Combine(TestPaths.RepoRoot, "docs", "report.schema.json");

    private static IReadOnlyList<string> Validate(string json)
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(SchemaPath));
        using var doc = JsonDocument.Parse(json);
        return JsonSchemaValidator.Validate(schema.RootElement, doc.RootElement);
    }

    [Fact]
    public void WriteJson_ThreeTimepointsWithTrajectory_FollowsSchema()
    {
        var dir = TestPaths.NewOutputFolder("report-schema");
        var path = Path.Combine(dir, "report.json");
        ReportWriters.WriteJson(ReportWritersTests.Sample(), path);
        var errors = Validate(File.ReadAllText(path));
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    [Fact]
    public void WriteJson_TwoTimepointsWithDatesAndCentroids_FollowsSchema()
    {
        var tps = new[]
        {
            TimepointComparerTests.Tp("baseline", 0, ("femur", 4000), ("tibia", 0)) with { Date = new DateOnly(2026, 1, 5) },
            TimepointComparerTests.Tp("visit 2", 60, ("femur", 0), ("tibia", 0)) with { Date = new DateOnly(2026, 3, 6) },
        };
        var comparison = TimepointComparer.Compare(tps, patient: null);
        Assert.Null(comparison.Trajectory);
        var errors = Validate(JsonSerializer.Serialize(comparison, ReportWriters.JsonOptions));
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    [Theory]
    [InlineData("overallStatus", "\"bogus\"")]
    [InlineData("schemaVersion", "\"0.9.0\"")]
    [InlineData("timepoints", "[{\"label\":\"x\"}]")]
    [InlineData("unexpectedField", "1")]
    public void Validate_DriftedReport_IsRejected(string property, string replacement)
    {
        var node = JsonNode.Parse(JsonSerializer.Serialize(ReportWritersTests.Sample(), ReportWriters.JsonOptions))!.AsObject();
        node[property] = JsonNode.Parse(replacement);
        Assert.NotEmpty(Validate(node.ToJsonString()));
    }
}
