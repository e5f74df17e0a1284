using Cadence.Scoring;
using Cadence.Telemetry;

namespace Cadence.Analytics.Sessions;

/// <summary>What <see cref="WebSocketAnalytic.Assess"/> makes of a channel's upgrades.</summary>
/// <param name="Severity">Null when the upgrades are no finding (none, or to a destination the fleet commonly uses).</param>
public sealed record WebSocketAssessment(Severity? Severity, double Score, IReadOnlyList<string> Reasons);

/// <summary>
/// A WebSocket upgrade (Upgrade: websocket, or a 101 Switching Protocols answer, where the
/// telemetry shows it) turns a web request into a two-way channel held open for as long as the
/// implant likes: no polling, so no timing for the beacon analytic to see. Chat, collaboration
/// and trading sites upgrade too, and the whole fleet uses them; an upgrade to a destination few
/// devices reach is what deserves a look.
/// </summary>
public sealed class WebSocketAnalytic : IChannelAnalytic
{
    public const string AnalyticName = "websocket";

    public string Name => AnalyticName;

    public TelemetryFields Requires => TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.WebSocketUpgrade;

    public IReadOnlyList<Finding> Evaluate(HuntContext context)
    {
        var findings = new List<Finding>();
        foreach (var (key, series) in context.Channels.Channels.WithDetails)
        {
            if (series.WebSocketUpgrades == 0)
                continue;
            var prevalence = context.PrevalenceOf(key.Destination);
            var assessment = Assess(series.WebSocketUpgrades, Rarity.Of(prevalence, context.Tuning.Prevalence), prevalence);
            if (assessment.Severity is not { } severity || !context.Builds(severity, key, series))
                continue;
            findings.Add(HuntContext.Describe(key, series, Name, assessment.Score, severity, prevalence) with
            {
                SubScores = new Dictionary<string, double?> { ["upgrades"] = series.WebSocketUpgrades },
                Reasons = assessment.Reasons,
            });
        }
        return findings;
    }

    /// <summary>
    /// Rare destination: medium (the fleet policy then raises it a step, as it does every finding
    /// to a rare destination). Neither rare nor common, or a fleet too small to tell: low, shown
    /// but not alerted on. Common: no finding, the fleet's own chat and collaboration apps.
    /// </summary>
    public static WebSocketAssessment Assess(long upgrades, DestinationRarity rarity, Prevalence prevalence)
    {
        if (upgrades <= 0)
            return new WebSocketAssessment(null, 0, []);
        var what = upgrades == 1 ? "1 WebSocket upgrade" : $"{upgrades:N0} WebSocket upgrades";
        return rarity switch
        {
            DestinationRarity.Rare => new WebSocketAssessment(Severity.Medium, 0.8,
                [$"{what} (Upgrade: websocket or 101 Switching Protocols) to a destination few devices use: {Rarity.Describe(prevalence)}"]),
            DestinationRarity.Ordinary => new WebSocketAssessment(Severity.Low, 0.5,
                [$"{what} to a destination neither rare nor common: {Rarity.Describe(prevalence)}"]),
            DestinationRarity.Unknown => new WebSocketAssessment(Severity.Low, 0.5,
                [$"{what}; too few devices in the data ({prevalence.FleetDevices}) to tell a rare destination from a common one"]),
            _ => new WebSocketAssessment(null, 0, []),
        };
    }
}
