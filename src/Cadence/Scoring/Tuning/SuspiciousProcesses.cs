namespace Cadence.Scoring.Tuning;

/// <summary>A script host or living-off-the-land binary whose web connections raise severity, and why.</summary>
public sealed record SuspiciousProcess(string Name, string Reason);

/// <summary><c>suspicious_processes:</c> in the tuning file.</summary>
public sealed record SuspiciousProcesses(IReadOnlyList<SuspiciousProcess> Entries)
{
    /// <summary>
    /// The entry for <paramref name="processName"/> (a file name or a full path, compared
    /// case-insensitively by file name), or null.
    /// </summary>
    public SuspiciousProcess? Match(string? processName)
    {
        var name = NameMatching.FileName(processName);
        if (name.IsEmpty)
            return null;
        foreach (var entry in Entries)
        {
            if (name.Equals(entry.Name, StringComparison.OrdinalIgnoreCase))
                return entry;
        }
        return null;
    }
}

/// <summary>A command-line fragment that builds a web client (Net.WebClient, Invoke-WebRequest...), and why it matters.</summary>
public sealed record SuspiciousCommandLine(string Contains, string Reason);

/// <summary><c>suspicious_command_lines:</c> in the tuning file.</summary>
public sealed record SuspiciousCommandLines(IReadOnlyList<SuspiciousCommandLine> Entries)
{
    /// <summary>The first entry whose text occurs in <paramref name="commandLine"/>, ignoring case; null when none does.</summary>
    public SuspiciousCommandLine? Match(string? commandLine)
    {
        if (string.IsNullOrEmpty(commandLine))
            return null;
        foreach (var entry in Entries)
        {
            if (commandLine.Contains(entry.Contains, StringComparison.OrdinalIgnoreCase))
                return entry;
        }
        return null;
    }
}
