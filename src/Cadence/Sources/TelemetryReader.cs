using System.IO.Compression;
using Cadence.Sources.Defender;
using Cadence.Sources.CommonSecurityLog;
using Cadence.Sources.Internals;
using Cadence.Sources.Proxy;
using Cadence.Sources.Sysmon;
using Cadence.Sources.Zeek;
using Cadence.Telemetry;

namespace Cadence.Sources;

/// <summary>
/// Reads any mix of files, directories (walked) and standard input ("-"), gzip or not, each in
/// the format its content shows, as one stream of normalized events.
/// </summary>
public sealed class TelemetryReader
{
    // Enough to hold a wide Defender header (some 60 columns) or a JSON document's first record.
    private const int HeadLength = 64 * 1024;

    private readonly ReadContext _context;
    private readonly IReadOnlyList<ITelemetryFormat> _formats;

    public TelemetryReader(ReadContext context, IReadOnlyList<ITelemetryFormat>? formats = null)
    {
        _context = context;
        _formats = formats ?? DefaultFormats;
    }

    /// <summary>Every format Cadence reads, in detection order.</summary>
    public static IReadOnlyList<ITelemetryFormat> DefaultFormats { get; } =
    [
        new DefenderCsvFormat(),
        new DefenderJsonFormat(),
        new ZeekLogFormat(),
        // After DefenderJsonFormat, so a Defender NDJSON export is tried as Defender first.
        new ZeekJsonFormat(),
        new SysmonXmlFormat(),
        new SysmonLinuxSyslogFormat(),
        new SquidAccessLogFormat(),
        new W3CExtendedLogFormat(),
        new CommonSecurityLogCsvFormat(),
        new CommonSecurityLogJsonFormat(),
        // Last: its check is the loosest (it looks through up to 64 lines for a CEF record).
        new CefSyslogFormat(),
    ];

    public ReadProgress Progress => _context.Progress;

    /// <summary>Expands directories (recursively, in ordinal order) and checks every path exists.</summary>
    /// <exception cref="UnreadableInputException">A path that does not exist.</exception>
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> paths) => [.. Expand(paths).Select(f => f.Path)];

    /// <summary>Each file to read, and whether it was found by walking a directory rather than named.</summary>
    private static List<(string Path, bool Walked)> Expand(IEnumerable<string> paths)
    {
        var files = new List<(string, bool)>();
        foreach (var path in paths)
        {
            if (path == "-")
                files.Add((path, false));
            else if (Directory.Exists(path))
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => (f, true)));
            else if (File.Exists(path))
                files.Add((path, false));
            else
                throw new UnreadableInputException($"{path}: no such file or directory");
        }
        return files;
    }

    public IEnumerable<NetworkEvent> Read(IEnumerable<string> paths)
    {
        var used = new HashSet<ITelemetryFormat>();
        foreach (var file in Plan(paths))
        {
            foreach (var e in ReadOne(file, used))
                yield return e;
        }
        foreach (var format in used)
        {
            foreach (var e in format.Finish(_context))
                yield return e;
        }
    }

    /// <summary>
    /// The inputs in the order they are read: the user's order, except that inputs whose format
    /// asks to go first (logs that enrich others) do.
    /// </summary>
    private List<string> Plan(IEnumerable<string> paths)
    {
        var expanded = Expand(paths);
        var files = new List<string>(expanded.Count);
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (file, walked) in expanded)
        {
            files.Add(file);
            // Standard input can be read only once, so it is never opened ahead; nor is anything
            // that reports no size (a FIFO, /dev/stdin, a process substitution): opening it twice
            // would wait forever for a second writer. An empty regular file loses nothing.
            if (file == "-" || order.ContainsKey(file) || new FileInfo(file).Length == 0)
                continue;
            using var content = Open(file, out var head, out var headLength, out _, countProgress: false);
            var format = Detect(head.AsSpan(0, headLength));
            // A file named on the command line must be read; one a directory walk came across (a
            // README, a labels file beside the logs) is set aside, and the summary says so.
            if (format is null && walked)
            {
                files.RemoveAt(files.Count - 1);
                _context.Log.Warn($"{file}: not a format Cadence reads; set aside (found in a directory)");
                continue;
            }
            order[file] = format?.ReadOrder(SkipBom(head.AsSpan(0, headLength))) ?? 0;
        }
        Progress.TotalBytes = files.Where(f => f != "-").Sum(f => new FileInfo(f).Length);
        return [.. files.Select((f, i) => (File: f, Index: i)).OrderBy(f => order.GetValueOrDefault(f.File)).ThenBy(f => f.Index).Select(f => f.File)];
    }

    /// <summary>
    /// Reads every input into <paramref name="sink"/>, letting formats that can parse on several
    /// threads do so. Inputs are read one after the other.
    /// </summary>
    public void ReadInto(IEnumerable<string> paths, IEventSink sink)
    {
        var used = new HashSet<ITelemetryFormat>();
        foreach (var file in Plan(paths))
        {
            using var content = Open(file, out var format, out var compressed);
            used.Add(format);
            var input = new InputFile(file, file == "-" || compressed ? null : file);
            Guard(file, () => format.ReadInto(content, input, _context, sink));
        }
        foreach (var format in used)
        {
            foreach (var e in format.Finish(_context))
                sink.Accept(e);
        }
    }

    private IEnumerable<NetworkEvent> ReadOne(string path, HashSet<ITelemetryFormat> used)
    {
        using var content = Open(path, out var format, out _);
        used.Add(format);
        using var events = format.Read(content, new InputFile(path), _context).GetEnumerator();
        while (Guard(path, events.MoveNext))
            yield return events.Current;
    }

    private Stream Open(string path, out ITelemetryFormat format, out bool compressed)
    {
        var content = Open(path, out var head, out var headLength, out compressed);
        format = Detect(head.AsSpan(0, headLength))!;
        if (format is null)
        {
            content.Dispose();
            throw new UnreadableInputException(
                $"{path}: not a format Cadence reads (it reads: {string.Join("; ", _formats.Select(f => f.Name))}; gzip-compressed or not)");
        }
        return content;
    }

    /// <summary>
    /// Turns failures in the middle of a file into an error naming the file: a truncated gzip
    /// stream, a read error, or a row longer than Sep's 16 Mi-character limit (an unterminated
    /// quote in a large export). Parallel readers deliver these wrapped in an AggregateException.
    /// </summary>
    private static T Guard<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (AggregateException ex) when (ex.Flatten().InnerExceptions is [var inner, ..])
        {
            throw Translate(path, inner);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException)
        {
            throw Translate(path, ex);
        }
    }

    private static Exception Translate(string path, Exception ex) => ex switch
    {
        UnreadableInputException or MalformedInputException => ex,
        InvalidDataException => new UnreadableInputException($"{path}: corrupt compressed data ({ex.Message})", ex),
        NotSupportedException => new UnreadableInputException(
            $"{path}: a row longer than Sep's limit of 16 Mi characters (an unterminated quote?): {ex.Message}", ex),
        IOException => new UnreadableInputException($"{path}: {ex.Message}", ex),
        _ => ex,
    };

    private static void Guard(string path, Action read) => Guard(path, () => { read(); return true; });

    private ITelemetryFormat? Detect(ReadOnlySpan<byte> head)
    {
        head = SkipBom(head);
        foreach (var format in _formats)
        {
            if (format.Recognizes(head))
                return format;
        }
        return null;
    }

    private Stream Open(string path, out byte[] head, out int headLength, out bool compressed, bool countProgress = true)
    {
        Stream raw;
        try
        {
            raw = path == "-"
                ? Console.OpenStandardInput()
                : new FileStream(path, new FileStreamOptions { Options = FileOptions.SequentialScan, BufferSize = 1 << 16 });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UnreadableInputException($"{path}: {ex.Message}", ex);
        }

        Stream stream = countProgress ? new CountingStream(raw, Progress) : raw;
        var magic = new byte[2];
        var got = ReadFully(stream, magic);
        stream = new PeekableStream(magic, got, stream);
        compressed = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        if (compressed)
        {
            stream = new GZipStream(stream, CompressionMode.Decompress);
            if (raw.CanSeek && raw.Length >= 18 && TrailerLength(path) is { } trailerLength)
            {
                stream = new GzipLengthCheckStream(stream, trailerLength, (actual, recorded) => _context.Log.Warn(
                    $"{path}: the gzip data ends after {actual:N0} bytes but its trailer records {recorded:N0} (mod 2^32): " +
                    "the file looks truncated, so its last rows may be missing (or it is several gzip members concatenated)"));
            }
        }

        head = new byte[HeadLength];
        try
        {
            headLength = ReadFully(stream, head);
        }
        catch (InvalidDataException ex)
        {
            stream.Dispose();
            throw new UnreadableInputException($"{path}: corrupt gzip data ({ex.Message})", ex);
        }
        return new PeekableStream(head, headLength, stream);
    }

    /// <summary>The ISIZE field: the last four bytes of a gzip file, little-endian.</summary>
    private static uint? TrailerLength(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        file.Seek(-4, SeekOrigin.End);
        Span<byte> isize = stackalloc byte[4];
        return ReadFully(file, isize) == 4 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(isize) : null;
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer[total..]);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }

    private static ReadOnlySpan<byte> SkipBom(ReadOnlySpan<byte> head) =>
        head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? head[3..] : head;
}
