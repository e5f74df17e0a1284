using System.Text;
using Cadence.Sources;
using Cadence.Sources.Internals;

namespace Cadence.Tests.Sources;

public sealed class FileRangeTextReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cadence-range-text-").FullName;

    public static TheoryData<string> Inputs => new()
    {
        "ascii",
        "multibyte across blocks",
        "invalid bytes",
        "truncated at the end",
        "carriage returns",
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void DecodesARangeAsAStreamReaderDecodesTheSameBytes(string input)
    {
        var bytes = Bytes(input);
        var path = Path.Combine(_root, "range.bin");
        // Junk before and after the range, which must not be read.
        File.WriteAllBytes(path, [.. "junk\n"u8.ToArray(), .. bytes, .. "after"u8.ToArray()]);
        var expected = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: false).ReadToEnd();

        foreach (var readSize in new[] { 1, 2, 3, 7, 8, 9, 1000, 24_000, 200_000 })
        {
            var progress = new ReadProgress();
            using var reader = new FileRangeTextReader(path, 5, bytes.Length, progress);
            var text = new StringBuilder();
            var buffer = new char[readSize];
            int n;
            while ((n = reader.Read(buffer.AsSpan())) > 0)
                text.Append(buffer, 0, n);
            Assert.True(expected == text.ToString(), $"read size {readSize}");
            Assert.Equal(bytes.Length, progress.BytesRead);
        }
    }

    [Fact]
    public void AByteOrderMarkAtTheStartOfARangeIsData()
    {
        var bytes = Encoding.UTF8.GetBytes("\uFEFFrow\n");
        var path = Path.Combine(_root, "bom.bin");
        File.WriteAllBytes(path, bytes);
        using var reader = new FileRangeTextReader(path, 0, bytes.Length, new ReadProgress());
        Assert.Equal("\uFEFFrow\n", reader.ReadToEnd());
    }

    private static byte[] Bytes(string input)
    {
        var random = new Random(3);
        var text = new StringBuilder();
        switch (input)
        {
            case "ascii":
                for (var i = 0; i < 20_000; i++)
                    text.Append("2024-01-01T00:00:00Z,host,\"a,b\"\n");
                return Encoding.UTF8.GetBytes(text.ToString());
            case "multibyte across blocks":
                // Two-, three- and four-byte characters (a surrogate pair in UTF-16) at every
                // offset, so some straddle the reader's 64 KB blocks and a one-char read.
                for (var i = 0; i < 60_000; i++)
                    text.Append((i % 4) switch { 0 => "é", 1 => "€", 2 => "\U0001F600", _ => "a" });
                return Encoding.UTF8.GetBytes(text.ToString());
            case "invalid bytes":
            {
                var bytes = Encoding.UTF8.GetBytes(new string('x', 150_000));
                for (var i = 0; i < bytes.Length; i += random.Next(1, 5_000))
                    bytes[i] = (byte)random.Next(0x80, 0x100);
                return bytes;
            }
            case "truncated at the end":
                return [.. Encoding.UTF8.GetBytes(new string('y', 70_000)), 0xF0, 0x9F, 0x98];
            default:
                for (var i = 0; i < 30_000; i++)
                    text.Append(i % 3 == 0 ? "a\r" : i % 3 == 1 ? "b\r\n" : "c\n");
                return Encoding.UTF8.GetBytes(text.ToString());
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
