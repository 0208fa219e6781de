using System.Net;
using System.Text;
using BmeQuant.Dicom.Web;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests.Web;

public class DicomWebClientTests
{
    private sealed class FakeHandler(Func<HttpRequestMessage, int, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        public List<HttpRequestMessage> Requests { get; } = [];

        public List<byte[]> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            Bodies.Add(request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken));
            return respond(request, Calls++);
        }
    }

    /// <summary>Stream that returns at most <c>chunk</c> bytes per read, to split boundaries across reads.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }

    private static byte[] Instance(string sopUid, int size, int seed)
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.4");
        ds.Add(DicomTag.SOPInstanceUID, sopUid);
        var pixels = new byte[size];
        new Random(seed).NextBytes(pixels);

        // Plant the boundary's prefix inside the payload: the parser must not stop there.
        if (size > 20)
        {
            "\r\n--bou"u8.CopyTo(pixels.AsSpan(size / 2));
        }

        ds.Add(new DicomElement(DicomTag.PixelData, DicomVR.OB, pixels));
        using var ms = new MemoryStream();
        new DicomFile(ds).Save(ms);
        return ms.ToArray();
    }

    private static byte[] Multipart(string boundary, params byte[][] parts)
    {
        using var ms = new MemoryStream();
        ms.Write("preamble text\r\n"u8);
        foreach (var p in parts)
        {
            ms.Write(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n"));
            ms.Write(p);
            ms.Write("\r\n"u8);
        }

        ms.Write(Encoding.ASCII.GetBytes($"--{boundary}--\r\nepilogue"));
        return ms.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public async Task RetrieveSeries_MultipartInChunks_WritesEachInstanceIntact(int chunk)
    {
        var parts = new[] { Instance("1.2.3.1", 70_000, 1), Instance("1.2.3.2", 10, 2), Instance("1.2.3.3", 200_001, 3) };
        var body = Multipart("boundary-42", parts);
        using var handler = new FakeHandler((_, _) =>
        {
            var content = new StreamContent(new TrickleStream(body, chunk));
            content.Headers.TryAddWithoutValidation("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=\"boundary-42\"");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        });
        using var client = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri("http://pacs/dicom-web") }, handler);
        var folder = TestPaths.NewOutputFolder("wado");
        var files = await client.RetrieveSeriesAsync("1.2", "1.2.3", folder, TestContext.Current.CancellationToken);

        Assert.Equal(3, files.Count);
        for (var i = 0; i < parts.Length; i++)
        {
            Assert.Equal($"1.2.3.{i + 1}.dcm", Path.GetFileName(files[i]));
            Assert.Equal(parts[i], await File.ReadAllBytesAsync(files[i], TestContext.Current.CancellationToken));
        }

        Assert.Equal("http://pacs/dicom-web/studies/1.2/series/1.2.3", handler.Requests[0].RequestUri!.ToString());
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }

    [Fact]
    public async Task RetrieveSeries_TruncatedBody_ThrowsDicomWebException()
    {
        var body = Multipart("b", Instance("1.2.3.1", 1000, 1));
        var truncated = body.AsSpan(0, body.Length - 30).ToArray();
        using var handler = new FakeHandler((_, _) =>
        {
            var content = new ByteArrayContent(truncated);
            content.Headers.TryAddWithoutValidation("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=b");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        });
        using var client = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri("http://pacs/") }, handler);
        var ex = await Assert.ThrowsAsync<DicomWebException>(() => client.RetrieveStudyAsync("1.2", TestPaths.NewOutputFolder("wado-trunc"), TestContext.Current.CancellationToken));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetrieveSeries_CutInTheSecondPart_KeepsTheFirstInstanceUnderItsNameAndNoPartialFile()
    {
        var first = Instance("1.2.3.1", 5000, 1);
        var body = Multipart("boundary-42", first, Instance("1.2.3.2", 5000, 2));
        var cut = body.AsSpan(0, body.Length - 3000).ToArray();
        using var handler = new FakeHandler((_, _) =>
        {
            var content = new ByteArrayContent(cut);
            content.Headers.TryAddWithoutValidation("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=boundary-42");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        });
        using var client = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri("http://pacs/") }, handler);
        var folder = TestPaths.NewOutputFolder("wado-cut");

        await Assert.ThrowsAsync<DicomWebException>(() => client.RetrieveSeriesAsync("1.2", "1.2.3", folder, TestContext.Current.CancellationToken));

        Assert.Equal(["1.2.3.1.dcm"], Directory.GetFiles(folder).Select(Path.GetFileName));
        Assert.Equal(first, await File.ReadAllBytesAsync(Path.Combine(folder, "1.2.3.1.dcm"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RetrieveInstance_OnePart_RequestsTheInstancePathAndReturnsTheFile()
    {
        var part = Instance("1.2.3.9", 300, 9);
        using var handler = new FakeHandler((_, _) =>
        {
            var content = new ByteArrayContent(Multipart("boundary-42", part));
            content.Headers.TryAddWithoutValidation("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=boundary-42");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        });
        using var client = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri("http://pacs/dicom-web/") }, handler);

        var file = await client.RetrieveInstanceAsync("1.2", "1.2.3", "1.2.3.9", TestPaths.NewOutputFolder("wado-one"), TestContext.Current.CancellationToken);

        Assert.Equal("http://pacs/dicom-web/studies/1.2/series/1.2.3/instances/1.2.3.9", handler.Requests[0].RequestUri!.ToString());
        Assert.Equal(part, await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Search_ServerErrorsThenSuccess_RetriesWithBasicAuth()
    {
        using var handler = new FakeHandler((_, call) => call < 2
            ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""[{"0020000D":{"vr":"UI","Value":["1.2.9"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^J"}]}}]""") });
        using var client = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri("http://pacs/"), Username = "bme", Password = "pw", InitialBackoff = TimeSpan.FromMilliseconds(1) }, handler);
        var matches = await client.SearchStudiesAsync(new Dictionary<string, string> { ["PatientID"] = "P 1" }, TestContext.Current.CancellationToken);
        Assert.Equal(3, handler.Calls);
        Assert.Equal("1.2.9", Assert.Single(matches).StudyInstanceUid);
        Assert.Equal("Doe^J", matches[0].Get(DicomTag.PatientName));
        Assert.Equal("Basic", handler.Requests[2].Headers.Authorization!.Scheme);
        Assert.Equal(Convert.ToBase64String("bme:pw"u8.ToArray()), handler.Requests[2].Headers.Authorization!.Parameter);
        Assert.Equal("http://pacs/studies?PatientID=P%201", handler.Requests[2].RequestUri!.AbsoluteUri);
    }

    [Fact]
    public async Task Search_ClientError_NoRetryAndStatusInException()
    {
        using var handler = new FakeHandler((_, _) => new HttpResponseMessage(HttpStatusCode.Unauthorized));
        using var client = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri("http://pacs/"), BearerToken = "tok", InitialBackoff = TimeSpan.FromMilliseconds(1) }, handler);
        var ex = await Assert.ThrowsAsync<DicomWebException>(() => client.SearchStudiesAsync(new Dictionary<string, string>(), TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Equal(1, handler.Calls);
        Assert.Equal("Bearer", handler.Requests[0].Headers.Authorization!.Scheme);
    }

    [Fact]
    public async Task Search_PersistentServerError_GivesUpAfterMaxRetries()
    {
        using var handler = new FakeHandler((_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway));
        using var client = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri("http://pacs/"), MaxRetries = 2, InitialBackoff = TimeSpan.FromMilliseconds(1) }, handler);
        await Assert.ThrowsAsync<DicomWebException>(() => client.SearchStudiesAsync(new Dictionary<string, string>(), TestContext.Current.CancellationToken));
        Assert.Equal(3, handler.Calls);
    }

    [Fact]
    public async Task Store_TwoFiles_SendsParsableMultipart()
    {
        var folder = TestPaths.NewOutputFolder("stow");
        var files = new[] { Path.Combine(folder, "a.dcm"), Path.Combine(folder, "b.dcm") };
        var bytes = new[] { Instance("1.2.5.1", 3000, 5), Instance("1.2.5.2", 6, 6) };
        for (var i = 0; i < 2; i++)
        {
            await File.WriteAllBytesAsync(files[i], bytes[i], TestContext.Current.CancellationToken);
        }

        using var handler = new FakeHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("""{"00081199":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":["1.2.5.1"]}},{"00081155":{"vr":"UI","Value":["1.2.5.2"]}}]}}"""),
        });
        using var client = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri("http://pacs/") }, handler);
        var result = await client.StoreAsync(files, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["1.2.5.1", "1.2.5.2"], result.Stored);

        // The body we sent parses back into the two files, byte for byte.
        var contentType = handler.Requests[0].Content!.Headers.ContentType!.ToString();
        Assert.StartsWith("multipart/related", contentType, StringComparison.Ordinal);
        var boundary = contentType.Split("boundary=")[1].Trim('"');
        var back = Path.Combine(folder, "back");
        using var echo = new FakeHandler((_, _) =>
        {
            var c = new ByteArrayContent(handler.Bodies[0]);
            c.Headers.TryAddWithoutValidation("Content-Type", contentType);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = c };
        });
        using var reader = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri("http://pacs/") }, echo);
        var parsed = await reader.RetrieveStudyAsync("1.2", back, TestContext.Current.CancellationToken);
        Assert.Equal(bytes[0], await File.ReadAllBytesAsync(parsed[0], TestContext.Current.CancellationToken));
        Assert.Equal(bytes[1], await File.ReadAllBytesAsync(parsed[1], TestContext.Current.CancellationToken));
        Assert.NotEmpty(boundary);
    }
}
