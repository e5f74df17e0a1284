using System.Text.Json;

namespace Cadence.Reporting;

/// <summary>Writes rows as one indented JSON array, or as NDJSON (one compact object per line), for every writer.</summary>
public static class JsonRows
{
    public static void Write<T>(IEnumerable<T> rows, TextWriter output, bool ndjson, Action<Utf8JsonWriter, T> writeRow)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = !ndjson }))
        {
            if (!ndjson)
                json.WriteStartArray();
            foreach (var row in rows)
            {
                writeRow(json, row);
                if (ndjson)
                {
                    json.Flush();
                    buffer.WriteByte((byte)'\n');
                    json.Reset();
                }
            }
            if (!ndjson)
                json.WriteEndArray();
        }
        output.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        if (!ndjson)
            output.WriteLine();
    }
}
