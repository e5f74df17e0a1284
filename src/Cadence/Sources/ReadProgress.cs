namespace Cadence.Sources;

/// <summary>Bytes read so far against the total size of the inputs; polled by a progress display on another thread.</summary>
public sealed class ReadProgress
{
    private long _bytesRead;

    /// <summary>Total size of the input files on disk; standard input adds nothing (its size is unknown).</summary>
    public long TotalBytes { get; internal set; }

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    internal void Add(long bytes) => Interlocked.Add(ref _bytesRead, bytes);
}
