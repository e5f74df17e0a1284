using System.Globalization;

namespace Cadence.Scoring.Tuning;

/// <summary>One thing wrong with a tuning file, where it is and which key it concerns.</summary>
/// <param name="File">The file as the user named it.</param>
/// <param name="Line">1-based; 0 when the problem is the file as a whole (unreadable, too large).</param>
/// <param name="Column">1-based; 0 with <paramref name="Line"/> 0.</param>
/// <param name="Path">The key path, such as <c>severity.medium</c> or <c>allowlist[2].domains[0]</c>; empty for the whole file.</param>
/// <param name="Message">What is wrong, and what is expected.</param>
public sealed record TuningError(string File, long Line, long Column, string Path, string Message)
{
    /// <summary><c>FILE:LINE:COLUMN: PATH: MESSAGE</c>, the compiler shape editors and terminals turn into links.</summary>
    public override string ToString()
    {
        var where = Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}:{Column}") : File;
        return Path.Length > 0 ? $"{where}: {Path}: {Message}" : $"{where}: {Message}";
    }
}
