using BmeQuant.Imaging.Filters;

namespace BmeQuant.Imaging.Tests.Filters;

public class ConnectedComponentsTests
{
    [Theory]
    [InlineData(Connectivity.Face6, 8)]
    [InlineData(Connectivity.Edge18, 7)]
    [InlineData(Connectivity.Vertex26, 5)]
    public void Label_ConstructedPattern_CountsPerConnectivity(Connectivity connectivity, int expected)
    {
        // Eight 2×2×2 cubes: two apart from everything; a pair touching along an edge only (joined from 18);
        // two pairs touching at a corner only (joined at 26). So 8, 7 and 5 components.
        var mask = new Volume<byte>(new ImageGeometry(20, 20, 10));
        Cube(mask, 1, 1, 1);
        Cube(mask, 6, 1, 1);
        Cube(mask, 1, 8, 1);
        Cube(mask, 3, 10, 1, extentZ: 2, offsetZ: 0); // edge neighbour of the previous along z
        Cube(mask, 10, 10, 2);
        Cube(mask, 12, 12, 4); // corner neighbour
        Cube(mask, 15, 1, 5);
        Cube(mask, 17, 3, 7); // corner neighbour
        var result = ConnectedComponents.Label(mask, connectivity);
        Assert.Equal(expected, result.Count);
        Assert.Equal(mask.Data.Count(v => v != 0), result.Components.Sum(c => c.VoxelCount));
        Assert.Equal(expected, result.Labels.Data.Max());
    }

    [Fact]
    public void Label_Box_ReportsSizeVolumeBoundingBoxAndCentroidInMm()
    {
        var g = new ImageGeometry(30, 20, 10, new Vector3D(0.5, 0.8, 2.0), new Vector3D(-10, 4, 7), Matrix3D.FromEulerXyz(0, 0, Math.PI / 2));
        var mask = new Volume<byte>(g);
        for (var k = 2; k <= 5; k++)
        {
            for (var j = 3; j <= 9; j++)
            {
                for (var i = 10; i <= 24; i++)
                {
                    mask[i, j, k] = 1;
                }
            }
        }

        var c = Assert.Single(ConnectedComponents.Label(mask).Components);
        Assert.Equal(1, c.Label);
        Assert.Equal(15 * 7 * 4, c.VoxelCount);
        Assert.Equal(15 * 7 * 4 * 0.5 * 0.8 * 2.0, c.VolumeMm3, 9);
        Assert.Equal(new IndexBox(10, 3, 2, 24, 9, 5), c.BoundingBox);
        var expected = g.TransformIndexToPhysicalPoint(17, 6, 3.5);
        Assert.True((c.CentroidMm - expected).Length < 1e-9, $"{c.CentroidMm} vs {expected}");
    }

    [Theory]
    [InlineData(Connectivity.Face6, 1)]
    [InlineData(Connectivity.Edge18, 2)]
    [InlineData(Connectivity.Vertex26, 3)]
    public void Label_RandomMask_EqualsFloodFillReference(Connectivity connectivity, int seed)
    {
        var mask = FilterTestData.RandomMask(27, 19, 11, new Vector3D(1, 1, 1), seed, fill: 0.2);
        var result = ConnectedComponents.Label(mask, connectivity);
        var reference = FloodFill(mask, connectivity);

        // Both number components in raster order of their first voxel, so the maps are identical.
        Assert.Equal(0, FilterTestData.Differences(reference, result.Labels));
        Assert.Equal(reference.Data.Max(), result.Count);
    }

    [Fact]
    public void RemoveSmall_DropsComponentsBelowTheVolume()
    {
        var g = new ImageGeometry(20, 20, 6, 0.5, 0.5, 2);
        var mask = new Volume<byte>(g);
        Cube(mask, 1, 1, 1); // 8 voxels = 4 mm³
        mask[10, 10, 3] = 1; // 1 voxel = 0.5 mm³
        for (var i = 12; i < 18; i++)
        {
            mask[i, 15, 2] = 1; // 6 voxels = 3 mm³
        }

        var kept = ConnectedComponents.RemoveSmall(mask, 3.0);
        Assert.Equal(14, kept.Data.Count(v => v != 0));
        Assert.Equal(0, kept[10, 10, 3]);
        Assert.Equal(1, kept[12, 15, 2]);
        Assert.Equal(8, ConnectedComponents.RemoveSmall(mask, 3.5).Data.Count(v => v != 0));
        Assert.Equal(8, ConnectedComponents.KeepLargest(mask).Data.Count(v => v != 0));
    }

    [Fact]
    public void Label_VoxelisedEllipsoid_VolumeNearAnalytic()
    {
        // Ellipsoid with semi-axes 9, 6, 4 mm on 0.5×0.5×1 mm voxels: 4/3·π·abc = 904.78 mm³; voxelisation error
        // scales with surface × voxel size and stays well under 2 % here.
        var g = new ImageGeometry(48, 32, 14, new Vector3D(0.5, 0.5, 1.0), Vector3D.Zero);
        var mask = new Volume<byte>(g);
        var c = new Vector3D(11.7, 7.9, 6.6);
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var p = g.TransformIndexToPhysicalPoint(i, j, k) - c;
                    if (Math.Pow(p.X / 9, 2) + Math.Pow(p.Y / 6, 2) + Math.Pow(p.Z / 4, 2) <= 1)
                    {
                        mask[i, j, k] = 1;
                    }
                }
            }
        }

        var comp = Assert.Single(ConnectedComponents.Label(mask, Connectivity.Face6).Components);
        var analytic = 4.0 / 3.0 * Math.PI * 9 * 6 * 4;
        Assert.InRange(comp.VolumeMm3, analytic * 0.98, analytic * 1.02);
        Assert.True((comp.CentroidMm - c).Length < 0.1, $"centroid {comp.CentroidMm} vs {c}");
    }

    private static void Cube(Volume<byte> m, int x, int y, int z, int extentZ = 2, int offsetZ = 0)
    {
        for (var k = z + offsetZ; k < z + offsetZ + extentZ; k++)
        {
            for (var j = y; j < y + 2; j++)
            {
                for (var i = x; i < x + 2; i++)
                {
                    m[i, j, k] = 1;
                }
            }
        }
    }

    private static Volume<int> FloodFill(Volume<byte> m, Connectivity connectivity)
    {
        var labels = m.CreateLike<int>();
        var next = 0;
        var stack = new Stack<(int, int, int)>();
        for (var k = 0; k < m.SizeZ; k++)
        {
            for (var j = 0; j < m.SizeY; j++)
            {
                for (var i = 0; i < m.SizeX; i++)
                {
                    if (m[i, j, k] == 0 || labels[i, j, k] != 0)
                    {
                        continue;
                    }

                    next++;
                    labels[i, j, k] = next;
                    stack.Push((i, j, k));
                    while (stack.Count > 0)
                    {
                        var (x, y, z) = stack.Pop();
                        for (var dz = -1; dz <= 1; dz++)
                        {
                            for (var dy = -1; dy <= 1; dy++)
                            {
                                for (var dx = -1; dx <= 1; dx++)
                                {
                                    var order = Math.Abs(dx) + Math.Abs(dy) + Math.Abs(dz);
                                    var allowed = connectivity switch { Connectivity.Face6 => 1, Connectivity.Edge18 => 2, _ => 3 };
                                    if (order == 0 || order > allowed || !m.Geometry.Contains(x + dx, y + dy, z + dz))
                                    {
                                        continue;
                                    }

                                    if (m[x + dx, y + dy, z + dz] != 0 && labels[x + dx, y + dy, z + dz] == 0)
                                    {
                                        labels[x + dx, y + dy, z + dz] = next;
                                        stack.Push((x + dx, y + dy, z + dz));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return labels;
    }
}
