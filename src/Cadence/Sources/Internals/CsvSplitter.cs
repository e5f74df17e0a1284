using System.Buffers;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Cadence.Sources.Internals;

/// <summary>A byte range of a CSV file holding whole rows, and the line its first row starts on.</summary>
internal readonly record struct CsvChunk(long Offset, long Length, long FirstLine);

/// <summary>What <see cref="CsvSplitter.ReadRanges"/> read, and what it left to be read in order.</summary>
/// <param name="Results">What the body returned for each range read, in file order.</param>
/// <param name="Rest">
/// The rows from the first carriage return alone on (offset, length to the end of the file, line),
/// which the caller must read in order; null when every row was read.
/// </param>
internal sealed record CsvRangeRead<TResult>(IReadOnlyList<TResult> Results, CsvChunk? Rest)
{
    public bool AnyRead => Results.Count > 0;
}

/// <summary>
/// Reads the rows of an uncompressed CSV file after its header as ranges of whole rows, each on
/// the thread that takes it. Sep's ParallelEnumerate parses on one thread and maps on others
/// through an ordered PLINQ pipeline, which on two cores barely beat one (measured: 0.93 s against
/// 1.1 s for 1M rows); independent ranges scale with the cores.
/// </summary>
/// <remarks>
/// A newline is a row boundary only outside quotes. RFC 4180 escapes a quote inside a quoted
/// field by doubling it, so the parity of the number of quote characters before a position says
/// whether it is inside a field. Knowing that parity (and the line number) at a cut needs every
/// byte before it counted. The file is cut at raw byte offsets into slices of about
/// <see cref="SliceBytes"/>, taken in file order; each thread reads its slice once into memory,
/// counting its quotes and line breaks as it goes, publishes the counts, waits for those of the
/// slices before it (taken earlier, so counted by then or about to be), and only then knows
/// where its first row starts and on which line. Its rows run to the first row start after
/// the slice, read on from the file. Counting the whole file in a pass of its own before
/// parsing (the previous design) read every byte from the kernel twice: about a tenth of a
/// seed-rule run on a 1M-row export (perf, AOT binary).
/// <para>
/// The parser also ends a line at a carriage return alone (old Mac line ends, or one inside a
/// quoted field), which this split does not. Rows before the first such character are read in
/// ranges as usual (their cuts and lines do not depend on it); from the range that holds it on,
/// nothing is read here, and the caller reads the rest in order (<see cref="CsvRangeRead{TResult}.Rest"/>).
/// Nothing is delivered before a range's own start is known, so no row is read twice or missed.
/// </para>
/// </remarks>
internal static class CsvSplitter
{
    // Small enough that a slice the kernel has just copied in is mostly still in the core's L2
    // cache (512 KiB to 1 MiB on these machines) when it is parsed, and that the threads finish
    // within a millisecond of each other; large enough that opening a range stays negligible.
    internal const int SliceBytes = 1 << 20;

    // Small enough that a block is counted while it is still in L1/L2 after the kernel copied it.
    private const int CountBlockSize = 128 << 10;

    /// <summary>
    /// Reads the rows after the header line on up to <paramref name="threads"/> threads, each with
    /// state of its own: calls <paramref name="body"/> once per range with the range and its text.
    /// </summary>
    public static CsvRangeRead<TResult> ReadRanges<TState, TResult>(string path, int threads, ReadProgress progress,
        Func<TState> state, Func<CsvChunk, TextReader, TState, TResult> body, int sliceBytes = SliceBytes)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = RandomAccess.GetLength(file);
        var slices = RangeCount(length, sliceBytes);
        var counts = new SliceCounts(slices);
        var found = new FoundStart?[slices];
        var results = new TResult[slices];
        RangeWorkers.ForEach(slices, threads, () => (Buffer: new byte[sliceBytes], State: state()), (i, worker) =>
        {
            var from = length * i / slices;
            var to = length * (i + 1) / slices;
            int read;
            Counts own;
            try
            {
                read = ReadAndCount(file, from, to, length, worker.Buffer, out own);
            }
            catch
            {
                // The slices after this one would wait for its counts for ever.
                counts.Abandon();
                throw;
            }
            var bytes = worker.Buffer.AsSpan(0, read);
            counts.Publish(i, own);
            // Null when a slice before it could not be read: its error ends the read.
            if (counts.Before(i) is not { } before)
                return;
            // A carriage return alone before this slice: an earlier range stopped, and so does this one.
            if (before.LoneCarriageReturns > 0)
                return;
            var start = FirstRowStart(bytes, (before.Quotes & 1) != 0, out var lineBreaks);
            // None here (inside the header or a quoted field longer than the slice), or only the
            // end of the file.
            if (start < 0 || from + start >= length)
                return;
            var chunkStart = from + start;
            var line = 1 + before.LineBreaks + lineBreaks;
            var (end, tailLoneCarriageReturns) = to >= length
                ? (length, 0L)
                : RowStartAfter(file, to, length, ((before.Quotes + own.Quotes) & 1) != 0);
            var clean = own.LoneCarriageReturns + tailLoneCarriageReturns == 0;
            found[i] = new FoundStart(new CsvChunk(chunkStart, end - chunkStart, line), clean);
            if (!clean)
                return;
            var head = worker.Buffer.AsMemory(start, bytes.Length - start);
            using var text = new FileRangeTextReader(path, to, end - to, progress, head);
            results[i] = body(found[i]!.Value.Chunk, text, worker.State);
        });

        var read = new List<TResult>();
        for (var i = 0; i < slices; i++)
        {
            if (found[i] is not { } f)
                continue;
            if (!f.Clean)
                return new CsvRangeRead<TResult>(read, f.Chunk with { Length = length - f.Chunk.Offset });
            read.Add(results[i]);
        }
        return new CsvRangeRead<TResult>(read, null);
    }

    private static int RangeCount(long length, int sliceBytes) => (int)Math.Max(1, (length + sliceBytes - 1) / sliceBytes);

    private readonly record struct FoundStart(CsvChunk Chunk, bool Clean);

    internal readonly record struct Counts(long Quotes, long LineBreaks, long LoneCarriageReturns);

    /// <summary>Each slice's counts, published by the thread that read it, and their sums over the slices before each.</summary>
    internal sealed class SliceCounts(int slices)
    {
        // An object, not a Lock: the waits below need Monitor.
        private readonly object _lock = new();
        private readonly Counts?[] _own = new Counts?[slices];
        private readonly Counts[] _before = new Counts[slices + 1];

        // Slices whose predecessors are all counted: _before[0.._known] is final.
        private int _known;
        private bool _abandoned;

        public void Publish(int slice, Counts own)
        {
            lock (_lock)
            {
                _own[slice] = own;
                while (_known < _own.Length && _own[_known] is { } next)
                {
                    var sum = _before[_known];
                    _before[++_known] = new Counts(sum.Quotes + next.Quotes, sum.LineBreaks + next.LineBreaks,
                        sum.LoneCarriageReturns + next.LoneCarriageReturns);
                }
                Monitor.PulseAll(_lock);
            }
        }

        /// <summary>
        /// The sums over the slices before <paramref name="slice"/>, once all are published. They
        /// were taken before it, and a thread publishes before it waits (or abandons the read:
        /// then null), so this always returns.
        /// </summary>
        public Counts? Before(int slice)
        {
            lock (_lock)
            {
                while (_known < slice && !_abandoned)
                    Monitor.Wait(_lock);
                return _known >= slice ? _before[slice] : null;
            }
        }

        /// <summary>Wakes every thread waiting for counts that will not come.</summary>
        public void Abandon()
        {
            lock (_lock)
            {
                _abandoned = true;
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>
    /// Reads [<paramref name="from"/>, <paramref name="to"/>) into <paramref name="buffer"/>,
    /// counting its quotes, line breaks and carriage returns not followed by a line feed block by
    /// block, while each block is still in cache; returns the bytes read.
    /// </summary>
    private static int ReadAndCount(SafeFileHandle file, long from, long to, long length, byte[] buffer, out Counts counts)
    {
        var total = (int)(to - from);
        var bytes = new ByteCounts();
        var read = 0;
        while (read < total)
        {
            var n = RandomAccess.Read(file, buffer.AsSpan(read, Math.Min(CountBlockSize, total - read)), from + read);
            if (n == 0)
                break;
            bytes.Add(buffer.AsSpan(read, n));
            read += n;
        }
        // A carriage return ending the slice is lone unless the next slice starts with a line feed.
        Span<byte> next = stackalloc byte[1];
        var end = from + read;
        if (bytes.EndsWithCarriageReturn
            && (end >= length || RandomAccess.Read(file, next, end) == 0 || next[0] != (byte)'\n'))
            bytes.LoneCarriageReturns++;
        counts = new Counts(bytes.Quotes, bytes.LineBreaks, bytes.LoneCarriageReturns);
        return read;
    }

    /// <summary>
    /// The offset in <paramref name="bytes"/> just after its first line break outside quotes, and
    /// the line breaks before that offset; -1 when there is none.
    /// </summary>
    private static int FirstRowStart(ReadOnlySpan<byte> bytes, bool inQuotes, out long lineBreaks)
    {
        lineBreaks = 0;
        var offset = 0;
        int newline;
        while ((newline = bytes[offset..].IndexOf((byte)'\n')) >= 0)
        {
            inQuotes ^= (bytes.Slice(offset, newline).Count((byte)'"') & 1) != 0;
            offset += newline + 1;
            lineBreaks++;
            if (!inQuotes)
                return offset;
        }
        return -1;
    }

    /// <summary>
    /// The first row start at or after <paramref name="position"/> (just after a line break
    /// outside quotes), or the end of the file; and the carriage returns alone before it.
    /// </summary>
    /// <remarks>
    /// Usually a few hundred bytes on; past an unterminated quote, the end of the file, read
    /// once (by the range before it: the slices after it find no row start of their own).
    /// </remarks>
    private static (long End, long LoneCarriageReturns) RowStartAfter(SafeFileHandle file, long position, long length, bool inQuotes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var counts = new ByteCounts();
            while (position < length)
            {
                var read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - position)), position);
                if (read == 0)
                    break;
                var block = buffer.AsSpan(0, read);
                var offset = 0;
                int newline;
                while ((newline = block[offset..].IndexOf((byte)'\n')) >= 0)
                {
                    inQuotes ^= (block.Slice(offset, newline).Count((byte)'"') & 1) != 0;
                    offset += newline + 1;
                    if (!inQuotes)
                    {
                        counts.Add(block[..offset]);
                        return (position + offset, counts.LoneCarriageReturns);
                    }
                }
                // Read in small blocks, so the usual search reads little; it grows past an open quote.
                counts.Add(block);
                position += read;
                if (buffer.Length < CountBlockSize)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(CountBlockSize);
                }
            }
            // The file's last byte: a carriage return there is alone.
            if (counts.EndsWithCarriageReturn)
                counts.LoneCarriageReturns++;
            return (length, counts.LoneCarriageReturns);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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

/// <summary>
/// The text of a byte range of a UTF-8 file, for a parser that reads it once from start to end:
/// each block read from the file is decoded straight into the parser's buffer.
/// </summary>
/// <remarks>
/// A StreamReader over a FileStream copies every byte twice before the parser sees it (into the
/// FileStream's buffer, then into its own, 1 KB at a time) and decodes 1 KB per call: on a
/// 1M-row export, 250,000 reads through three streams, each adding to the shared progress count.
/// Here one read of <see cref="BlockSize"/> bytes goes from the kernel to a block the decoder
/// widens into the caller's span. Unlike a StreamReader, a byte-order mark is not looked for:
/// a range starts mid-file, where one is data (as it is to the reader that reads the file
/// whole), so a row that begins with one reads the same wherever the cuts fall.
/// </remarks>
internal sealed class FileRangeTextReader : TextReader
{
    // Large enough that a read call costs little against the bytes it brings; small enough to
    // stay in the L2 cache while it is decoded.
    private const int BlockSize = 64 << 10;

    // Below this many chars asked for (the parser asks for one after a carriage return), a block
    // is decoded into a buffer of its own first: a character outside the BMP takes two chars.
    private const int MinDirectChars = 8;

    private readonly SafeFileHandle _file;
    private readonly ReadProgress _progress;

    // As a StreamReader decodes by default: invalid bytes become U+FFFD, none throws.
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private byte[]? _bytes = ArrayPool<byte>.Shared.Rent(BlockSize);
    private int _byteStart;
    private int _byteEnd;
    private long _position;
    private readonly long _end;
    private bool _flushed;

    private readonly char[] _pending = new char[256];
    private int _pendingStart;
    private int _pendingEnd;

    // Bytes of the range already read (by CsvSplitter), decoded before the rest is read from the file.
    private readonly ReadOnlyMemory<byte> _head;
    private int _headStart;

    /// <param name="head">The range's first bytes, already in memory; <paramref name="offset"/> and <paramref name="length"/> give the rest.</param>
    public FileRangeTextReader(string path, long offset, long length, ReadProgress progress, ReadOnlyMemory<byte> head = default)
    {
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.SequentialScan);
        _position = offset;
        _end = offset + length;
        _progress = progress;
        _head = head;
        progress.Add(head.Length);
    }

    public override int Read(Span<char> buffer)
    {
        if (buffer.IsEmpty)
            return 0;
        if (_pendingStart < _pendingEnd)
            return TakePending(buffer);
        if (buffer.Length >= MinDirectChars)
            return Decode(buffer);
        _pendingStart = 0;
        _pendingEnd = Decode(_pending);
        return _pendingEnd == 0 ? 0 : TakePending(buffer);
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Peek() => throw new NotSupportedException();

    public override int Read()
    {
        Span<char> one = stackalloc char[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    private int TakePending(Span<char> buffer)
    {
        var n = Math.Min(buffer.Length, _pendingEnd - _pendingStart);
        _pending.AsSpan(_pendingStart, n).CopyTo(buffer);
        _pendingStart += n;
        return n;
    }

    /// <summary>Decodes into <paramref name="chars"/> (at least two long); 0 at the end of the range.</summary>
    private int Decode(Span<char> chars)
    {
        var bytes = _bytes ?? throw new ObjectDisposedException(nameof(FileRangeTextReader));
        while (true)
        {
            if (_headStart < _head.Length)
            {
                _decoder.Convert(_head.Span[_headStart..], chars, flush: false, out var usedHead, out var decodedHead, out _);
                _headStart += usedHead;
                if (decodedHead > 0)
                    return decodedHead;
                continue;
            }
            if (_byteStart == _byteEnd)
            {
                var read = _position < _end ? RandomAccess.Read(_file, bytes.AsSpan(0, (int)Math.Min(bytes.Length, _end - _position)), _position) : 0;
                if (read == 0)
                {
                    if (_flushed)
                        return 0;
                    // Bytes of an incomplete character at the end become U+FFFD, as a StreamReader leaves them.
                    _flushed = true;
                    _decoder.Convert(ReadOnlySpan<byte>.Empty, chars, flush: true, out _, out var flushedChars, out _);
                    return flushedChars;
                }
                _position += read;
                _progress.Add(read);
                _byteStart = 0;
                _byteEnd = read;
            }
            _decoder.Convert(bytes.AsSpan(_byteStart, _byteEnd - _byteStart), chars, flush: false, out var used, out var decoded, out _);
            _byteStart += used;
            if (decoded > 0)
                return decoded;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
            if (_bytes is { } bytes)
                ArrayPool<byte>.Shared.Return(bytes);
            _bytes = null;
        }
        base.Dispose(disposing);
    }
}
