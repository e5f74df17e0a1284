namespace Cadence.Reporting;

/// <summary>How results are written: one option, not a group of booleans.</summary>
public enum OutputFormat
{
    Table,
    Csv,
    Json,
    Ndjson,
}
