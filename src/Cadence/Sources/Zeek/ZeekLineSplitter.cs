using System.Buffers;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Cadence.Sources.Zeek;

/// <summary>A byte range of a file holding whole lines, and the 1-based line it starts on.</summary>
internal readonly record struct LineChunk(long Offset, long Length, long FirstLine);

/// <summary>A line starting with '#' (a Zeek header directive), where it is and what it says.</summary>
internal sealed record DirectiveLine(long Offset, long Line, string Text);

/// <summary>
/// Cuts an uncompressed file of lines (Zeek TSV or JSON lines: neither has a line break inside a
/// record) into ranges that can be read on their own threads, with the exact line each starts
/// on, and finds the header directives anywhere in it.
/// </summary>
/// <remarks>
/// Every byte must be looked at to number lines exactly, so the counting pass itself runs on
/// every core, one range each: cut points are first moved to the next line start, then each
/// range counts its line breaks and notes its lines starting with '#' (a vectorized search for
/// "\n#"). Directives are rare (one header block per rotation), so collecting them costs nothing
/// that shows; they let a range know the #fields in force where it begins.
/// </remarks>
internal static class ZeekLineSplitter
{
    private const int BlockSize = 1 << 20;

    // A directive longer than this is not one Zeek wrote; it is read no further.
    private const int MaxDirectiveBytes = 1 << 20;

    public static (IReadOnlyList<LineChunk> Chunks, IReadOnlyList<DirectiveLine> Directives) Split(
        string path, int parts, int degreeOfParallelism, bool findDirectives)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = RandomAccess.GetLength(file);
        var starts = new List<long> { 0 };
        for (var i = 1; i < parts; i++)
        {
            var start = NextLineStart(file, Math.Max(starts[^1], length * i / parts), length);
            if (start < length && start > starts[^1])
                starts.Add(start);
        }

        var counts = new long[starts.Count];
        var found = new List<(long Offset, long LineInChunk)>[starts.Count];
        Parallel.For(0, starts.Count, new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism }, i =>
        {
            var end = i + 1 < starts.Count ? starts[i + 1] : length;
            found[i] = [];
            counts[i] = Scan(file, starts[i], end, findDirectives ? found[i] : null);
        });

        var chunks = new List<LineChunk>(starts.Count);
        var directives = new List<DirectiveLine>();
        var line = 1L;
        for (var i = 0; i < starts.Count; i++)
        {
            var end = i + 1 < starts.Count ? starts[i + 1] : length;
            chunks.Add(new LineChunk(starts[i], end - starts[i], line));
            foreach (var (offset, lineInChunk) in found[i])
                directives.Add(new DirectiveLine(offset, line + lineInChunk, ReadLine(file, offset, length)));
            line += counts[i];
        }
        return (chunks, directives);
    }

    /// <summary>The first line start at or after <paramref name="position"/>; the file's length when there is none.</summary>
    private static long NextLineStart(SafeFileHandle file, long position, long length)
    {
        if (position == 0)
            return 0;
        var buffer = new byte[64 * 1024];
        // A line starts at `position` when the byte before it ends a line.
        var at = position - 1;
        while (at < length)
        {
            var read = RandomAccess.Read(file, buffer, at);
            if (read == 0)
                break;
            var newline = buffer.AsSpan(0, read).IndexOf((byte)'\n');
            if (newline >= 0)
                return at + newline + 1;
            at += read;
        }
        return length;
    }

    /// <summary>Counts the line breaks in [start, end) and notes where lines starting with '#' begin.</summary>
    private static long Scan(SafeFileHandle file, long start, long end, List<(long Offset, long LineInChunk)>? directives)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            long lines = 0;
            var position = start;
            var atLineStart = true;
            while (position < end)
            {
                var read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(BlockSize, end - position)), position);
                if (read == 0)
                    break;
                var block = buffer.AsSpan(0, read);
                if (directives is not null)
                {
                    if (atLineStart && block[0] == (byte)'#')
                        directives.Add((position, lines));
                    var from = 0;
                    int hit;
                    while ((hit = block[from..].IndexOf("\n#"u8)) >= 0)
                    {
                        var at = from + hit + 1;
                        directives.Add((position + at, lines + block[..at].Count((byte)'\n')));
                        from = at;
                    }
                }
                lines += block.Count((byte)'\n');
                atLineStart = block[^1] == (byte)'\n';
                position += read;
            }
            return lines;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string ReadLine(SafeFileHandle file, long offset, long length)
    {
        // Header lines are short; read a little at a time until the line ends.
        var line = new ArrayBufferWriter<byte>(4096);
        while (line.WrittenCount < MaxDirectiveBytes && offset < length)
        {
            var span = line.GetSpan(4096)[..4096];
            var read = RandomAccess.Read(file, span, offset);
            if (read == 0)
                break;
            var newline = span[..read].IndexOf((byte)'\n');
            line.Advance(newline < 0 ? read : newline);
            if (newline >= 0)
                break;
            offset += read;
        }
        return Encoding.UTF8.GetString(line.WrittenSpan);
    }
}
