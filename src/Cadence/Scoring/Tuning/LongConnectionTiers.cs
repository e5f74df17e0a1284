namespace Cadence.Scoring.Tuning;

/// <summary>One rung of <c>long_connections:</c>: a channel connected this long in total is at least this severe.</summary>
public sealed record LongConnectionTier(TimeSpan AtLeast, Severity Severity);

/// <summary>Severity by cumulative connection time per channel over the window, tiers in increasing order.</summary>
public sealed record LongConnectionTiers(IReadOnlyList<LongConnectionTier> Tiers)
{
    /// <summary>The severity of the highest tier <paramref name="connected"/> reaches; null below the first.</summary>
    public Severity? Classify(TimeSpan connected)
    {
        Severity? severity = null;
        foreach (var tier in Tiers)
        {
            if (connected >= tier.AtLeast)
                severity = tier.Severity;
        }
        return severity;
    }
}
