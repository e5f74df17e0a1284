namespace Cadence.Sources.CommonSecurityLog;

/// <summary>
/// Defender's ActionType words for a network device's verdict (CEF <c>act</c>, CommonSecurityLog
/// DeviceAction), so the seed rule's <c>ActionType == "ConnectionSuccess"</c> means the same on
/// every source.
/// </summary>
internal static class DeviceActions
{
    public const string Success = "ConnectionSuccess";
    public const string Failed = "ConnectionFailed";

    /// <summary>A connection the device saw but gave no verdict for: it existed, nothing more is known.</summary>
    public const string NoAction = "ConnectionFound";

    // Only verdicts whose meaning is the same on every vendor are translated; anything else
    // (PAN-OS "alert", Fortinet "timeout", "client-rst" and "server-rst", which may or may not
    // follow a completed handshake) keeps the device's own word, so the seed rule does not count
    // it as a success it cannot prove. Case is ignored: Check Point writes "Accept", PAN-OS "allow".
    private static readonly Dictionary<string, string> Verdicts = new(StringComparer.OrdinalIgnoreCase)
    {
        // Let through.
        ["allow"] = Success,
        ["allowed"] = Success,
        ["accept"] = Success,
        ["accepted"] = Success,
        ["permit"] = Success,
        ["permitted"] = Success,
        ["pass"] = Success,
        ["success"] = Success,
        // Fortinet logs an accepted TCP session that ended normally as "close".
        ["close"] = Success,

        // Stopped by the device.
        ["deny"] = Failed,
        ["denied"] = Failed,
        ["drop"] = Failed,
        ["dropped"] = Failed,
        ["block"] = Failed,
        ["blocked"] = Failed,
        ["reject"] = Failed,
        ["rejected"] = Failed,
        ["reset"] = Failed,
        ["prevent"] = Failed,
        // PAN-OS: the firewall itself reset or dropped the session.
        ["reset-client"] = Failed,
        ["reset-server"] = Failed,
        ["reset-both"] = Failed,
        ["drop-icmp"] = Failed,
        ["drop-all-packets"] = Failed,
        ["block-url"] = Failed,
    };

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> VerdictLookup =
        Verdicts.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Defender's word for the verdict, or null when it has none and the raw value stands.</summary>
    public static string? Translate(ReadOnlySpan<char> action) =>
        VerdictLookup.TryGetValue(action.Trim(), out var translated) ? translated : null;
}
