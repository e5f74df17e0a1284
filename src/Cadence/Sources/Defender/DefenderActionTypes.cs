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

    public static bool IsNetworkEvent(ReadOnlySpan<char> actionType) =>
        KnownLookup.Contains(actionType)
        || actionType.StartsWith("Connection", StringComparison.Ordinal)
        || actionType.EndsWith("Inspected", StringComparison.Ordinal);
}
