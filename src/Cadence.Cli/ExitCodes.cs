namespace Cadence.Cli;

/// <summary>The process exit codes every verb uses.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The run failed: unreadable input, a malformed row under --strict, an I/O error.</summary>
    public const int RuntimeError = 1;

    /// <summary>The command line or a configuration is wrong.</summary>
    public const int UsageError = 2;
}
