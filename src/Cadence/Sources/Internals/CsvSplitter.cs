namespace Cadence.Sources.Internals;

/// <summary>A byte range of a CSV file holding whole rows, and the line its first row starts on.</summary>
internal readonly record struct CsvChunk(long Offset, long Length, long FirstLine);

/// <summary>
/// Cuts an uncompressed CSV file into ranges of whole rows so that each can be parsed on its own
/// thread. Sep's ParallelEnumerate parses on one thread and maps on others through an ordered
/// PLINQ pipeline, which on two cores barely beat one (measured: 0.93 s against 1.1 s for 1M
/// rows); independent ranges scale with the cores.
/// </summary>
/// <remarks>
/// A newline is a row boundary only outside quotes. RFC 4180 escapes a quote inside a quoted
/// field by doubling it, so the parity of the number of quote characters before a position says
/// whether it is inside a field: one vectorized pass over the bytes before each cut finds a safe
/// newline and counts the lines, exactly, for any quoting.
/// </remarks>
internal static class CsvSplitter
{
    private const int BlockSize = 1 << 20;

    /// <summary>Splits the rows after the header line into at most <paramref name="parts"/> chunks.</summary>
    public static IReadOnlyList<CsvChunk> Split(string path, int parts)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, BlockSize, FileOptions.SequentialScan);
        var length = file.Length;
        var buffer = new byte[BlockSize];
        var chunks = new List<CsvChunk>();

        long position = 0, line = 1, quotes = 0;
        long? chunkStart = null;
        long chunkFirstLine = 0;
        var nextCut = 0L;
        var cutsMade = 0;
        int read;
        while ((read = file.Read(buffer)) > 0)
        {
            var block = buffer.AsSpan(0, read);
            var offset = 0;
            while (offset < block.Length)
            {
                // Before the next cut point (or while looking for the header's end) whole spans
                // are counted at once; only around a cut are newlines examined one by one.
                var lookingForBoundary = chunkStart is null || position + offset >= nextCut;
                if (!lookingForBoundary)
                {
                    var span = block[offset..(int)Math.Min(block.Length, offset + (nextCut - position - offset))];
                    quotes += span.Count((byte)'"');
                    line += span.Count((byte)'\n');
                    offset += span.Length;
                    continue;
                }

                var rest = block[offset..];
                var newline = rest.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    quotes += rest.Count((byte)'"');
                    offset = block.Length;
                    continue;
                }
                quotes += rest[..newline].Count((byte)'"');
                offset += newline + 1;
                line++;
                if ((quotes & 1) != 0)
                    continue;

                var boundary = position + offset;
                if (chunkStart is { } start)
                {
                    chunks.Add(new CsvChunk(start, boundary - start, chunkFirstLine));
                    cutsMade++;
                }
                chunkStart = boundary;
                chunkFirstLine = line;
                var remaining = parts - cutsMade;
                if (remaining <= 1)
                    return Finish(chunks, boundary, chunkFirstLine, length);
                nextCut = boundary + (length - boundary) / remaining;
            }
            position += read;
        }
        return chunkStart is { } last ? Finish(chunks, last, chunkFirstLine, length) : chunks;
    }

    private static List<CsvChunk> Finish(List<CsvChunk> chunks, long start, long firstLine, long length)
    {
        // The last chunk runs to the end of the file; nothing after the last cut needs scanning.
        if (start < length)
            chunks.Add(new CsvChunk(start, length - start, firstLine));
        return chunks;
    }
}

/// <summary>A window onto a byte range of a file, read forwards only.</summary>
internal sealed class FileRangeStream : ForwardOnlyStream
{
    private long _remaining;

    public FileRangeStream(string path, long offset, long length)
        : base(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan))
    {
        Inner.Seek(offset, SeekOrigin.Begin);
        _remaining = length;
    }

    public override int Read(Span<byte> buffer)
    {
        if (_remaining <= 0)
            return 0;
        var n = Inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        _remaining -= n;
        return n;
    }
}
