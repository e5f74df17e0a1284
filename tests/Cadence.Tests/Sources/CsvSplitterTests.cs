using System.Text;
using Cadence.Sources.Internals;

namespace Cadence.Tests.Sources;

public sealed class CsvSplitterTests : IDisposable
{
    private readonly TempFiles _files = new();

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(7, 2)]
    [InlineData(32, 2)]
    [InlineData(200, 3)]
    public void ChunksStartOnRowsOutsideQuotesCoverEveryRowOnceAndKnowTheirLine(int parts, int threads)
    {
        // Rows with quoted commas, doubled quotes and quoted line breaks (some spanning several
        // lines, one longer than a slice), so a cut inside a quoted field would show.
        var random = new Random(7);
        var text = new StringBuilder("Timestamp,DeviceName,InitiatingProcessCommandLine\n");
        for (var i = 0; i < 3_000; i++)
        {
            var field = (i % 5) switch
            {
                0 => "\"a,b \"\"quoted\"\" c\"",
                1 => "\"line one\nline two\n\"\"three\"\"\"",
                2 => "plain",
                3 => i == 1_500 ? "\"" + new string('\n', 2_000) + "\"" : "\"\"",
                _ => "\"" + new string('x', random.Next(200)) + "\n\"",
            };
            text.Append($"2024-01-01T00:00:{i % 60:00}Z,host-{i},{field}\n");
        }
        var content = text.ToString();
        var path = _files.Write("split.csv", content);
        var bytes = File.ReadAllBytes(path);

        var expected = RowStarts(bytes);
        var chunks = CsvSplitter.Split(path, parts, threads);

        Assert.NotNull(chunks);
        Assert.InRange(chunks.Count, 1, parts);
        // Contiguous from the first row to the end of the file.
        Assert.Equal(expected[0], chunks[0].Offset);
        for (var i = 1; i < chunks.Count; i++)
            Assert.Equal(chunks[i - 1].Offset + chunks[i - 1].Length, chunks[i].Offset);
        Assert.Equal(bytes.Length, chunks[^1].Offset + chunks[^1].Length);
        foreach (var chunk in chunks)
        {
            Assert.Contains(chunk.Offset, expected);
            Assert.Equal(1 + bytes.AsSpan(0, (int)chunk.Offset).Count((byte)'\n'), chunk.FirstLine);
        }
    }

    [Fact]
    public void AFileWithOnlyAHeaderHasNoChunks()
    {
        var path = _files.Write("header.csv", "Timestamp,DeviceName\n");
        Assert.Empty(CsvSplitter.Split(path, 4, 2)!);
    }

    [Theory]
    [InlineData("Timestamp,DeviceName\r2024-01-01T00:00:00Z,a\r2024-01-01T00:00:01Z,b\r")]
    [InlineData("Timestamp,DeviceName\r\n2024-01-01T00:00:00Z,\"a\rb\"\r\n2024-01-01T00:00:01Z,b\r\n")]
    [InlineData("Timestamp,DeviceName\n2024-01-01T00:00:00Z,a\n2024-01-01T00:00:01Z,b\r")]
    public void ALoneCarriageReturnAnywhereMeansTheFileIsReadInOrder(string content)
    {
        // The parser ends a line at a carriage return alone; the split would not, so it declines.
        var path = _files.Write("cr.csv", content);
        foreach (var parts in new[] { 1, 3, 16 })
            Assert.Null(CsvSplitter.Split(path, parts, 2));
    }

    [Fact]
    public void CarriageReturnLineFeedFilesAreSplit()
    {
        var text = new StringBuilder("Timestamp,DeviceName\r\n");
        for (var i = 0; i < 5_000; i++)
            text.Append($"2024-01-01T00:00:00Z,host-{i}\r\n");
        var path = _files.Write("crlf.csv", text.ToString());
        var chunks = CsvSplitter.Split(path, 16, 2);
        Assert.NotNull(chunks);
        Assert.True(chunks.Count > 1);
        Assert.Equal(new FileInfo(path).Length, chunks[^1].Offset + chunks[^1].Length);
    }

    [Fact]
    public void AnUnterminatedQuoteEndsTheCutsWithoutReadingOnPerSlice()
    {
        // Past the stray quote every line break looks quoted: no later cut, one chunk from the header on.
        var text = new StringBuilder("Timestamp,DeviceName\n2024-01-01T00:00:00Z,\"unterminated\n");
        for (var i = 0; i < 20_000; i++)
            text.Append($"2024-01-01T00:00:00Z,host-{i}\n");
        var path = _files.Write("open-quote.csv", text.ToString());
        var chunks = CsvSplitter.Split(path, 64, 2);
        Assert.NotNull(chunks);
        Assert.Single(chunks);
        Assert.Equal("Timestamp,DeviceName\n".Length, chunks[0].Offset);
    }

    /// <summary>Row starts found the slow way, one byte at a time; the first is the row after the header.</summary>
    private static List<long> RowStarts(byte[] bytes)
    {
        var starts = new List<long>();
        var inQuotes = false;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'"')
                inQuotes = !inQuotes;
            else if (bytes[i] == (byte)'\n' && !inQuotes)
                starts.Add(i + 1);
        }
        return starts;
    }

    public void Dispose() => _files.Dispose();
}
