namespace Cadence.Sources.Internals;

/// <summary>A forward-only wrapper over another stream: the members every such wrapper shares.</summary>
internal abstract class ForwardOnlyStream(Stream inner) : Stream
{
    protected Stream Inner { get; } = inner;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public abstract override int Read(Span<byte> buffer);

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Replays bytes already read for format detection, then continues with the rest of the stream:
/// standard input and gzip streams cannot seek back.
/// </summary>
internal sealed class PeekableStream(byte[] head, int headLength, Stream rest) : ForwardOnlyStream(rest)
{
    private int _headPosition;

    public override int Read(Span<byte> buffer)
    {
        if (_headPosition < headLength)
        {
            var n = Math.Min(buffer.Length, headLength - _headPosition);
            head.AsSpan(_headPosition, n).CopyTo(buffer);
            _headPosition += n;
            return n;
        }
        return Inner.Read(buffer);
    }
}

/// <summary>Counts the raw bytes pulled from a file, for the progress display.</summary>
internal sealed class CountingStream(Stream inner, ReadProgress progress) : ForwardOnlyStream(inner)
{
    public override int Read(Span<byte> buffer)
    {
        var n = Inner.Read(buffer);
        progress.Add(n);
        return n;
    }
}

/// <summary>
/// Checks a gzip file's decompressed length against the ISIZE its trailer records: .NET's
/// GZipStream ends quietly at a truncated file, and a copy cut short in transfer must not pass
/// for a complete export.
/// </summary>
/// <remarks>
/// ISIZE is the length mod 2^32 of the last gzip member only, so a file of several concatenated
/// members may differ without being damaged: hence a warning, not an error.
/// </remarks>
internal sealed class GzipLengthCheckStream(Stream decompressed, uint trailerLength, Action<long, uint> onMismatch) : ForwardOnlyStream(decompressed)
{
    private long _length;
    private bool _checked;

    public override int Read(Span<byte> buffer)
    {
        var n = Inner.Read(buffer);
        _length += n;
        if (n == 0 && buffer.Length > 0 && !_checked)
        {
            _checked = true;
            if ((uint)_length != trailerLength)
                onMismatch(_length, trailerLength);
        }
        return n;
    }
}
