using System.Text;
using Cadence.Sources;
using Cadence.Sources.Internals;

namespace Cadence.Tests.Sources;

public sealed class CsvSplitterTests : IDisposable
{
    private readonly TempFiles _files = new();

    [Theory]
    [InlineData(1 << 20, 1)]
    [InlineData(1 << 20, 2)]
    [InlineData(100_000, 2)]
    [InlineData(20_000, 2)]
    [InlineData(3_000, 3)]
    [InlineData(700, 2)]
    public void RangesStartOnRowsOutsideQuotesCoverEveryRowOnceAndKnowTheirLine(int sliceBytes, int threads)
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
        var path = _files.Write("split.csv", text.ToString());
        var bytes = File.ReadAllBytes(path);

        var expected = RowStarts(bytes);
        var read = Read(path, threads, sliceBytes);

        Assert.Null(read.Rest);
        var chunks = read.Results.Select(r => r.Chunk).ToList();
        Assert.InRange(chunks.Count, 1, bytes.Length / sliceBytes + 1);
        // Contiguous from the first row to the end of the file.
        Assert.Equal(expected[0], chunks[0].Offset);
        for (var i = 1; i < chunks.Count; i++)
            Assert.Equal(chunks[i - 1].Offset + chunks[i - 1].Length, chunks[i].Offset);
        Assert.Equal(bytes.Length, chunks[^1].Offset + chunks[^1].Length);
        foreach (var (chunk, content) in read.Results)
        {
            Assert.Contains(chunk.Offset, expected);
            Assert.Equal(1 + bytes.AsSpan(0, (int)chunk.Offset).Count((byte)'\n'), chunk.FirstLine);
            // The text handed over is the range's bytes, those in memory and those read on alike.
            Assert.Equal(Encoding.UTF8.GetString(bytes, (int)chunk.Offset, (int)chunk.Length), content);
        }
    }

    [Fact]
    public void AFileWithOnlyAHeaderHasNoRanges()
    {
        var path = _files.Write("header.csv", "Timestamp,DeviceName\n");
        var read = Read(path, 2);
        Assert.False(read.AnyRead);
        Assert.Null(read.Rest);
    }

    [Theory]
    [InlineData("Timestamp,DeviceName\r2024-01-01T00:00:00Z,a\r2024-01-01T00:00:01Z,b\r", 8)]
    [InlineData("Timestamp,DeviceName\r2024-01-01T00:00:00Z,a\r2024-01-01T00:00:01Z,b\r", 1 << 20)]
    [InlineData("Timestamp,DeviceName\r\n2024-01-01T00:00:00Z,\"a\rb\"\r\n2024-01-01T00:00:01Z,b\r\n", 8)]
    [InlineData("Timestamp,DeviceName\r\n2024-01-01T00:00:00Z,\"a\rb\"\r\n2024-01-01T00:00:01Z,b\r\n", 20)]
    [InlineData("Timestamp,DeviceName\r\n2024-01-01T00:00:00Z,\"a\rb\"\r\n2024-01-01T00:00:01Z,b\r\n", 1 << 20)]
    [InlineData("Timestamp,DeviceName\n2024-01-01T00:00:00Z,a\n2024-01-01T00:00:01Z,b\r", 1 << 20)]
    public void ALoneCarriageReturnInTheFirstRangeMeansTheFileIsReadInOrder(string content, int sliceBytes)
    {
        // The parser ends a line at a carriage return alone; the split would not, so nothing is read.
        var path = _files.Write("cr.csv", content);
        Assert.False(Read(path, 2, sliceBytes).AnyRead);
    }

    [Theory]
    [InlineData("\"quoted\rreturn\"")]
    [InlineData("a-return\ralone")]
    public void RowsFromTheRangeWithALoneCarriageReturnOnAreLeftToBeReadInOrder(string field)
    {
        // Rows before it are read in ranges; the rest, from the start of the range that holds it
        // (with its line), is left for the caller, and no row after it is read twice.
        var text = new StringBuilder("Timestamp,DeviceName\n");
        for (var i = 0; i < 2_000; i++)
            text.Append(i == 1_200 ? $"2024-01-01T00:00:00Z,{field}\n" : $"2024-01-01T00:00:00Z,host-{i}\n");
        var path = _files.Write("cr-late.csv", text.ToString());
        var bytes = File.ReadAllBytes(path);
        var carriageReturn = Array.IndexOf(bytes, (byte)'\r');

        foreach (var sliceBytes in new[] { 500, 4_096, 30_000 })
        {
            var read = Read(path, 2, sliceBytes);
            Assert.True(read.AnyRead);
            var rest = Assert.NotNull(read.Rest);
            var chunks = read.Results.Select(r => r.Chunk).ToList();
            Assert.Equal(chunks[^1].Offset + chunks[^1].Length, rest.Offset);
            Assert.InRange(carriageReturn, rest.Offset, rest.Offset + 2 * sliceBytes);
            Assert.Equal(bytes.Length, rest.Offset + rest.Length);
            Assert.Equal(1 + bytes.AsSpan(0, (int)rest.Offset).Count((byte)'\n'), rest.FirstLine);
            Assert.Equal((byte)'\n', bytes[(int)rest.Offset - 1]);
        }
    }

    [Fact]
    public void CarriageReturnLineFeedFilesAreSplit()
    {
        var text = new StringBuilder("Timestamp,DeviceName\r\n");
        for (var i = 0; i < 5_000; i++)
            text.Append($"2024-01-01T00:00:00Z,host-{i}\r\n");
        var path = _files.Write("crlf.csv", text.ToString());
        var read = Read(path, 2, 10_000);
        Assert.Null(read.Rest);
        Assert.True(read.Results.Count > 1);
        Assert.Equal(new FileInfo(path).Length, read.Results[^1].Chunk.Offset + read.Results[^1].Chunk.Length);
    }

    [Fact]
    public void AnUnterminatedQuoteEndsTheCuts()
    {
        // Past the stray quote every line break looks quoted: no later cut, one range from the header on.
        var text = new StringBuilder("Timestamp,DeviceName\n2024-01-01T00:00:00Z,\"unterminated\n");
        for (var i = 0; i < 20_000; i++)
            text.Append($"2024-01-01T00:00:00Z,host-{i}\n");
        var path = _files.Write("open-quote.csv", text.ToString());
        var read = Read(path, 2, 8_192);
        Assert.Null(read.Rest);
        var chunk = Assert.Single(read.Results).Chunk;
        Assert.Equal("Timestamp,DeviceName\n".Length, chunk.Offset);
        Assert.Equal(new FileInfo(path).Length, chunk.Offset + chunk.Length);
    }

    [Fact]
    public async Task SlicesWaitForTheCountsBeforeThemAndAreReleasedWhenAReadFails()
    {
        var counts = new CsvSplitter.SliceCounts(4);
        counts.Publish(1, new CsvSplitter.Counts(3, 5, 0));
        // Slice 2 waits on slice 0, published later from this thread.
        var waiting = Task.Run(() => counts.Before(2));
        Assert.False(waiting.IsCompleted);
        counts.Publish(0, new CsvSplitter.Counts(1, 2, 0));
        Assert.Equal(new CsvSplitter.Counts(4, 7, 0), await waiting.WaitAsync(TimeSpan.FromSeconds(30)));

        // Slice 2 failed to read: slice 3 gives up instead of waiting for ever.
        var abandoned = Task.Run(() => counts.Before(3));
        counts.Abandon();
        Assert.Null(await abandoned.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private static CsvRangeRead<(CsvChunk Chunk, string Text)> Read(string path, int threads, int sliceBytes = CsvSplitter.SliceBytes) =>
        CsvSplitter.ReadRanges(path, threads, new ReadProgress(), static () => 0, (chunk, text, _) => (chunk, text.ReadToEnd()), sliceBytes);

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
