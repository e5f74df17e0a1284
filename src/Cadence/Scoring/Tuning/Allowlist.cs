namespace Cadence.Scoring.Tuning;

/// <summary>The known false-positive classes of beacon rules, one per <c>class:</c> value in the allowlist.</summary>
public enum AllowlistClass
{
    /// <summary><c>browser-refresh</c>: web mail and dashboards that reload on a timer.</summary>
    BrowserRefresh,

    /// <summary><c>long-polling</c>: chat and push channels that hold a request open and renew it.</summary>
    LongPolling,

    /// <summary><c>cloud-sync</c>: file sync clients polling for changes.</summary>
    CloudSync,

    /// <summary><c>software-update</c>: updaters checking on a schedule.</summary>
    SoftwareUpdate,

    /// <summary><c>monitoring-agent</c>: EDR, log shipping and management agents reporting home.</summary>
    MonitoringAgent,

    /// <summary><c>health-probe</c>: connectivity and heartbeat checks.</summary>
    HealthProbe,
}

/// <summary>
/// A known-benign beacon: these processes reaching these domains (as dot-boundary suffixes).
/// Keyed by both, always: an entry keyed by the domain alone would hide a beacon that malware
/// sends to the same cloud service, and one keyed by the process alone would hide a beacon
/// injected into chrome.exe.
/// </summary>
public sealed record AllowlistEntry(
    string Name,
    AllowlistClass Class,
    IReadOnlyList<string> Processes,
    IReadOnlyList<string> Domains,
    string Reason)
{
    /// <summary>
    /// True when <paramref name="process"/> (file name or full path, any case) is one of
    /// <see cref="Processes"/> and <paramref name="destination"/> is under one of <see cref="Domains"/>.
    /// An unknown process (network sensors such as Zeek see none) never matches: the entry
    /// vouches for a process talking to a service, and without the process that cannot be checked.
    /// </summary>
    public bool Matches(string? process, string? destination)
    {
        var name = NameMatching.FileName(process);
        if (name.IsEmpty)
            return false;
        var host = NameMatching.Host(destination);
        if (host.IsEmpty)
            return false;
        var processMatches = false;
        foreach (var candidate in Processes)
        {
            if (name.Equals(candidate, StringComparison.OrdinalIgnoreCase))
            {
                processMatches = true;
                break;
            }
        }
        if (!processMatches)
            return false;
        foreach (var domain in Domains)
        {
            if (NameMatching.IsUnder(host, domain))
                return true;
        }
        return false;
    }

    /// <summary>The name written in the tuning file for <paramref name="value"/> (browser-refresh...).</summary>
    public static string ClassName(AllowlistClass value) => value switch
    {
        AllowlistClass.BrowserRefresh => "browser-refresh",
        AllowlistClass.LongPolling => "long-polling",
        AllowlistClass.CloudSync => "cloud-sync",
        AllowlistClass.SoftwareUpdate => "software-update",
        AllowlistClass.MonitoringAgent => "monitoring-agent",
        AllowlistClass.HealthProbe => "health-probe",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
    };

    internal static AllowlistClass? ParseClass(string text)
    {
        foreach (var value in Enum.GetValues<AllowlistClass>())
        {
            if (string.Equals(ClassName(value), text, StringComparison.OrdinalIgnoreCase))
                return value;
        }
        return null;
    }
}

/// <summary><c>allowlist:</c> in the tuning file.</summary>
public sealed record Allowlist(IReadOnlyList<AllowlistEntry> Entries)
{
    /// <summary>The first entry keyed by both <paramref name="process"/> and <paramref name="destination"/>; null when none is (always for an unknown process).</summary>
    public AllowlistEntry? Match(string? process, string destination)
    {
        foreach (var entry in Entries)
        {
            if (entry.Matches(process, destination))
                return entry;
        }
        return null;
    }
}
