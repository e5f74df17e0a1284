namespace Cadence.Scoring;

/// <summary>How urgently a finding deserves an analyst's time, weakest first (so comparisons read naturally).</summary>
public enum Severity
{
    Info,
    Low,
    Medium,
    High,
    Critical,
}
