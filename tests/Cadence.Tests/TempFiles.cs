using System.IO.Compression;
using System.Text;

namespace Cadence.Tests;

/// <summary>A temporary directory for test inputs, removed afterwards.</summary>
internal sealed class TempFiles : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("cadence-test-").FullName;

    public string Write(string name, string content, bool bom = false, bool gzip = false)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new UTF8Encoding(bom).GetPreamble().Concat(Encoding.UTF8.GetBytes(content)).ToArray();
        if (gzip)
        {
            using var file = File.Create(path);
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            zip.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
