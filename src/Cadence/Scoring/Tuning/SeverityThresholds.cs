namespace Cadence.Scoring.Tuning;

/// <summary>Beacon score cut-offs for each severity (<c>severity:</c> in the tuning file), strictly increasing in [0, 1].</summary>
public sealed record SeverityThresholds(double Low, double Medium, double High, double Critical)
{
    /// <summary>The highest severity whose threshold <paramref name="score"/> reaches; Info below Low (and for NaN).</summary>
    public Severity Classify(double score) =>
        score >= Critical ? Severity.Critical
        : score >= High ? Severity.High
        : score >= Medium ? Severity.Medium
        : score >= Low ? Severity.Low
        : Severity.Info;

    /// <summary>
    /// <paramref name="severity"/> moved <paramref name="steps"/> levels (negative lowers), clamped to
    /// Info..Critical: a rare destination can raise a critical finding no higher.
    /// </summary>
    public static Severity Raise(Severity severity, int steps) =>
        (Severity)Math.Clamp((long)severity + steps, (long)Severity.Info, (long)Severity.Critical);
}
