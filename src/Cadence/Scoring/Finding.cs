namespace Cadence.Scoring;

/// <summary>How widely a destination is used across the fleet in the data.</summary>
/// <param name="Devices">Devices that reached the destination.</param>
/// <param name="FleetDevices">Devices seen in the data at all.</param>
public readonly record struct Prevalence(int Devices, int FleetDevices)
{
    public double Share => FleetDevices == 0 ? 0 : (double)Devices / FleetDevices;
}

/// <summary>
/// One thing worth an analyst's look: a channel (device, process, destination), the analytic
/// that flagged it, how strongly and why. Every analytic reports in this one shape, so writers
/// and the evaluation know nothing of how a score was made.
/// </summary>
public sealed record Finding
{
    public required string Device { get; init; }

    /// <summary>The initiating process's file name; empty when the telemetry does not see processes (network sensors).</summary>
    public required string Process { get; init; }

    /// <summary>The host name the device asked for, or the remote address when no name is known.</summary>
    public required string Destination { get; init; }

    public IReadOnlyList<string> RemoteIPs { get; init; } = [];

    public IReadOnlyList<int> RemotePorts { get; init; } = [];

    /// <summary>Which analytic made the finding: beacon, user-agent, websocket, long-connection, ja3, process.</summary>
    public required string Analytic { get; init; }

    /// <summary>The analytic's score in [0, 1].</summary>
    public required double Score { get; init; }

    public required Severity Severity { get; init; }

    public long ConnectionCount { get; init; }

    public long FirstSeenTicks { get; init; }

    public long LastSeenTicks { get; init; }

    public double? PeriodSeconds { get; init; }

    /// <summary>Half the 5-95 % interval range relative to the period.</summary>
    public double? Jitter { get; init; }

    /// <summary>Total bytes sent in the window; null when the telemetry has no byte counts.</summary>
    public long? BytesSent { get; init; }

    public long? BytesReceived { get; init; }

    public Prevalence Prevalence { get; init; }

    /// <summary>Each component of the score by name; null where it could not be computed (and a reason says why).</summary>
    public IReadOnlyDictionary<string, double?> SubScores { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, double?>.Empty;

    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>Where the raw evidence starts: file:line of the channel's first event.</summary>
    public string? Evidence { get; init; }

    /// <summary>
    /// True when the finding rests on a known-bad indicator (a listed user agent or TLS
    /// fingerprint): fleet prevalence never lowers it, since malware on many devices is still malware.
    /// </summary>
    public bool MatchesIndicator { get; init; }

    /// <summary>The allowlist entry that suppressed the finding; null for a finding that stands.</summary>
    public string? SuppressedBy { get; init; }
}
