namespace Cadence.Sources.Defender;

/// <summary>Which ActionType values belong to DeviceNetworkEvents (as opposed to other tables in a union export).</summary>
internal static class DefenderActionTypes
{
    // The documented values; the table's list is not closed, so the two naming patterns below
    // (Connection*, *Inspected) admit values Microsoft adds later.
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "ConnectionSuccess", "ConnectionFailed", "ConnectionRequest", "ConnectionFound", "ConnectionAttempt",
        "InboundConnectionAccepted", "ListeningConnectionCreated",
        "ConnectionSuccessAggregatedReport", "ConnectionFailedAggregatedReport", "ConnectionAcknowledged",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> KnownLookup =
        Known.GetAlternateLookup<ReadOnlySpan<char>>();

    // The prefix test first: nearly every row of an export is a Connection* value, and a prefix
    // compare costs less than hashing the value for the set (about 2 % of a seed-rule run).
    public static bool IsNetworkEvent(ReadOnlySpan<char> actionType) =>
        actionType.StartsWith("Connection", StringComparison.Ordinal)
        || actionType.EndsWith("Inspected", StringComparison.Ordinal)
        || KnownLookup.Contains(actionType);
}
