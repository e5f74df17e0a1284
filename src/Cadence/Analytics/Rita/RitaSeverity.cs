using Cadence.Scoring;

namespace Cadence.Analytics.Rita;

/// <summary>RITA's severity bands on beacon x 100: below 50 none, 50 to 70 low, 70 to 90 medium, 90 and above high.</summary>
public static class RitaSeverity
{
    /// <summary>RITA's "none" is <see cref="Severity.Info"/>; RITA has no band above high.</summary>
    public static Severity FromBeacon(double beacon)
    {
        // Compared in whole thousandths, the precision the beacon score is rounded to: 0.57 * 100
        // is 56.99999999999999 in binary floating point, and a band edge must not depend on that.
        var thousandths = Math.Round(beacon * 1000, MidpointRounding.AwayFromZero);
        return thousandths switch
        {
            < 500 => Severity.Info,
            < 700 => Severity.Low,
            < 900 => Severity.Medium,
            _ => Severity.High,
        };
    }
}
