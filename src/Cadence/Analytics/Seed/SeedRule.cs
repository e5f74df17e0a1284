using Cadence.Channels;
using Cadence.Telemetry;

namespace Cadence.Analytics.Seed;

/// <summary>
/// The seed document's KQL beaconing rule (../shared/seed), executed with Kusto's semantics:
/// <code>
/// DeviceNetworkEvents
/// | where Timestamp > ago(TimeWindow)
/// | where RemotePort in (80, 443, 8080, 8443)
/// | where RemoteIPType == "Public"
/// | where ActionType == "ConnectionSuccess"
/// | summarize ConnectionCount = count(), BytesSent = sum(SentBytes), BytesReceived = sum(ReceivedBytes),
///     UniqueURLs = dcount(RemoteUrl), FirstSeen = min(Timestamp), LastSeen = max(Timestamp)
///     by DeviceName, InitiatingProcessFileName, RemoteIP, RemotePort
/// | extend Duration = datetime_diff('second', LastSeen, FirstSeen)
/// | extend AvgInterval = iff(ConnectionCount > 1, Duration / (ConnectionCount - 1), 0)
/// | where ConnectionCount > 15
/// | where AvgInterval between (1 .. 900)
/// | extend SentRecvRatio = iff(BytesReceived > 0, toreal(BytesSent) / toreal(BytesReceived), 999.0)
/// | extend BeaconConfidence = case(...)
/// | sort by ConnectionCount desc
/// </code>
/// </summary>
public static class SeedRule
{
    public const string Name = "seed";

    /// <summary>The rule's <c>TimeWindow</c>.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    /// <summary>
    /// The fields the rule reads; without them it cannot run. The process is not among them: on a
    /// network sensor (Zeek) it is unknown and the rule groups by device, remote IP and port.
    /// </summary>
    public const TelemetryFields Requires = TelemetryFields.Timestamp | TelemetryFields.DeviceName
        | TelemetryFields.RemoteIP | TelemetryFields.RemotePort | TelemetryFields.RemoteIPType
        | TelemetryFields.ActionType;

    /// <summary>
    /// The row filters before summarize, except the time window, in the KQL's order so each
    /// dropped event has one reason. Comparisons are case-sensitive, as KQL's == and in are.
    /// </summary>
    public static SeedRowFilter Filter(in NetworkEvent e) => Filter(e.RemotePort, e.RemoteIPType, e.ActionType);

    /// <summary>As <see cref="Filter(in NetworkEvent)"/>, on the three fields it reads.</summary>
    public static SeedRowFilter Filter(int remotePort, ReadOnlySpan<char> remoteIPType, ReadOnlySpan<char> actionType)
    {
        if (remotePort is not (80 or 443 or 8080 or 8443))
            return SeedRowFilter.PortNotWeb;
        if (!remoteIPType.SequenceEqual("Public"))
            return SeedRowFilter.RemoteIPTypeNotPublic;
        if (!actionType.SequenceEqual("ConnectionSuccess"))
            return SeedRowFilter.ActionTypeNotConnectionSuccess;
        return SeedRowFilter.Admitted;
    }

    public static bool Admits(in NetworkEvent e) => Filter(e) == SeedRowFilter.Admitted;

    /// <summary>The rule's summarize key.</summary>
    public static ChannelKey KeyOf(in NetworkEvent e) =>
        new(e.DeviceName, e.InitiatingProcessFileName, e.RemoteIP, e.RemotePort);

    /// <summary>Everything after summarize: the derived columns, the two filters, the confidence and the sort.</summary>
    /// <param name="bytesKnown">False when the input has no byte columns at all: the byte columns are then empty, not 0.</param>
    public static IReadOnlyList<SeedResult> Evaluate(IReadOnlyDictionary<ChannelKey, ConnectionSummary> channels, bool bytesKnown)
    {
        var results = new List<SeedResult>();
        foreach (var (key, summary) in channels)
        {
            if (Evaluate(key, summary, bytesKnown) is { } result)
                results.Add(result);
        }
        return Sort(results);
    }

    /// <summary>As <see cref="Evaluate(IReadOnlyDictionary{ChannelKey, ConnectionSummary}, bool)"/>, over the channels in place, on up to <paramref name="threads"/> threads.</summary>
    public static IReadOnlyList<SeedResult> Evaluate(WindowedChannels channels, bool bytesKnown, int threads) =>
        Sort(channels.Select((in ChannelKey key, in ConnectionSummary summary) => Evaluate(key, summary, bytesKnown), threads));

    /// <summary>
    /// `sort by ConnectionCount desc`; Kusto leaves ties in no particular order, Cadence breaks
    /// them by the grouping columns so two runs print the same thing, whatever order the rows
    /// were found in.
    /// </summary>
    private static List<SeedResult> Sort(List<SeedResult> results)
    {
        results.Sort(static (a, b) =>
        {
            var c = b.ConnectionCount.CompareTo(a.ConnectionCount);
            if (c == 0) c = string.CompareOrdinal(a.DeviceName, b.DeviceName);
            if (c == 0) c = string.CompareOrdinal(a.InitiatingProcessFileName, b.InitiatingProcessFileName);
            if (c == 0) c = string.CompareOrdinal(a.RemoteIP, b.RemoteIP);
            if (c == 0) c = a.RemotePort.CompareTo(b.RemotePort);
            return c;
        });
        return results;
    }

    /// <summary>One group through the post-summarize stages; null when the rule's filters drop it.</summary>
    public static SeedResult? Evaluate(in ChannelKey key, in ConnectionSummary summary, bool bytesKnown)
    {
        var count = summary.Count;
        var duration = KustoSemantics.DatetimeDiffSeconds(summary.LastTicks, summary.FirstTicks);
        var avgInterval = count > 1 ? KustoSemantics.LongDivide(duration, count - 1) : 0;
        if (count <= 15 || !KustoSemantics.Between(avgInterval, 1, 900))
            return null;

        long? sent = bytesKnown ? summary.BytesSent : null;
        long? received = bytesKnown ? summary.BytesReceived : null;
        double? ratio = bytesKnown ? SentRecvRatio(sent, received) : null;
        return new SeedResult(
            FirstSeenTicks: summary.FirstTicks,
            LastSeenTicks: summary.LastTicks,
            DeviceName: key.Device,
            InitiatingProcessFileName: key.Process,
            RemoteIP: key.Destination,
            RemotePort: key.Port,
            ConnectionCount: count,
            DurationSeconds: duration,
            AvgInterval: avgInterval,
            BytesSent: sent,
            BytesReceived: received,
            SentRecvRatio: ratio,
            UniqueUrls: summary.DistinctUrls,
            BeaconConfidence: Confidence(count, avgInterval));
    }

    /// <summary><c>iff(BytesReceived > 0, toreal(BytesSent) / toreal(BytesReceived), 999.0)</c>; a null comparison is false in a Kusto iff.</summary>
    public static double? SentRecvRatio(long? sent, long? received)
    {
        if (received is not > 0)
            return 999.0;
        // toreal(null) is null and null / x is null in Kusto: a group whose SentBytes are all null has no ratio.
        return sent is { } s ? (double)s / received.Value : null;
    }

    /// <summary>The rule's <c>case()</c>: the first true branch wins.</summary>
    public static string Confidence(long connectionCount, long avgInterval)
    {
        if (KustoSemantics.Between(avgInterval, 55, 65)) return "high";
        if (KustoSemantics.Between(avgInterval, 295, 305)) return "high";
        if (KustoSemantics.Between(avgInterval, 895, 905)) return "high";
        if (connectionCount > 100 && avgInterval < 120) return "high";
        return "medium";
    }
}

/// <summary>Which of the rule's where clauses an event fails first.</summary>
public enum SeedRowFilter
{
    Admitted,
    PortNotWeb,
    RemoteIPTypeNotPublic,
    ActionTypeNotConnectionSuccess,
}

/// <summary>One row of the seed rule's output, with the intermediate columns the KQL computes but does not project.</summary>
public sealed record SeedResult(
    long FirstSeenTicks,
    long LastSeenTicks,
    string DeviceName,
    string InitiatingProcessFileName,
    string RemoteIP,
    int RemotePort,
    long ConnectionCount,
    long DurationSeconds,
    long AvgInterval,
    long? BytesSent,
    long? BytesReceived,
    double? SentRecvRatio,
    int UniqueUrls,
    string BeaconConfidence);
