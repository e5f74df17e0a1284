namespace Cadence.Bench;

/// <summary>RFC 4180 quoting, the way Defender's export and Cadence's CSV writer quote.</summary>
internal static class Csv
{
    public static string Escape(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
