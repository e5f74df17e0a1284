using System.Globalization;
using System.Text.Json;

namespace Cadence.Sources.Defender;

/// <summary>What AdditionalFields adds to a network row; all null for a plain connection.</summary>
internal readonly record struct InspectedDetails(
    string? Host, string? Url, string? Method, string? UserAgent, int? StatusCode, bool? WebSocketUpgrade,
    string? Ja3, string? Ja3s, int? AggregatedCount);

/// <summary>
/// Reads the AdditionalFields JSON of Defender's network inspection rows (Zeek-based, so the keys
/// are Zeek's): HttpConnectionInspected (host, uri, method, user_agent, status_code),
/// SslConnectionInspected (server_name, ja3, ja3s) and the hourly
/// ConnectionSuccessAggregatedReport / ConnectionFailedAggregatedReport (uniqueEventsAggregated).
/// Values arrive as JSON strings ("status_code":"200") or numbers; both are accepted.
/// </summary>
internal static class DefenderInspection
{
    public static bool Wants(ReadOnlySpan<char> actionType) =>
        actionType.SequenceEqual("HttpConnectionInspected") || actionType.SequenceEqual("SslConnectionInspected")
        || actionType.EndsWith("AggregatedReport", StringComparison.Ordinal);

    // Out of line: a JSON reader's state is large, and inlined into the row mapper it was zeroed
    // for every row, though only inspected and aggregated rows come here.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static bool TryRead(ReadOnlySpan<char> actionType, ReadOnlySpan<char> json, out InspectedDetails details, out string problem)
    {
        details = default;
        problem = string.Empty;
        if (json.IsEmpty || json.IsWhiteSpace())
            return true;
        JsonDocument document;
        try
        {
            // Hostile input: the default depth limit (64) and no comments or trailing commas.
            document = JsonDocument.Parse(json.ToString());
        }
        catch (JsonException ex)
        {
            problem = ex.Message;
            return false;
        }
        using (document)
        {
            var root = document.RootElement;
            // Sentinel's copy sometimes double-encodes: a JSON string holding the object.
            if (root.ValueKind == JsonValueKind.String)
                return TryRead(actionType, root.GetString(), out details, out problem);
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = $"a JSON {root.ValueKind}, not an object";
                return false;
            }

            if (actionType.SequenceEqual("HttpConnectionInspected"))
            {
                var host = Text(root, "host");
                var uri = Text(root, "uri");
                var method = Text(root, "method");
                var status = Number(root, "status_code");
                var upgrade = Text(root, "upgrade");
                details = new InspectedDetails(
                    Host: StripPort(host),
                    Url: method == "CONNECT" ? uri : host is null ? uri : $"http://{host}{uri}",
                    Method: method,
                    UserAgent: Text(root, "user_agent"),
                    StatusCode: status,
                    WebSocketUpgrade: status == 101 || string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase) ? true : null,
                    Ja3: null, Ja3s: null, AggregatedCount: null);
            }
            else if (actionType.SequenceEqual("SslConnectionInspected"))
            {
                details = new InspectedDetails(
                    Host: Text(root, "server_name"), Url: null, Method: null, UserAgent: null, StatusCode: null, WebSocketUpgrade: null,
                    Ja3: Text(root, "ja3"), Ja3s: Text(root, "ja3s"), AggregatedCount: null);
            }
            else
            {
                details = new InspectedDetails(null, null, null, null, null, null, null, null, Number(root, "uniqueEventsAggregated"));
            }
            return true;
        }
    }

    private static string? Text(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
            return null;
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
        return string.IsNullOrEmpty(text) || text == "-" ? null : text;
    }

    private static int? Number(JsonElement root, string name) =>
        Text(root, name) is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static string? StripPort(string? host)
    {
        if (host is null || host.StartsWith('['))
            return host;
        var colon = host.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon == host.LastIndexOf(':') ? host[..colon] : host;
    }
}
