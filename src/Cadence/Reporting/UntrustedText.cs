using System.Text;

namespace Cadence.Reporting;

/// <summary>
/// Attackers control the strings Cadence shows (URLs, process and device names, user agents).
/// These helpers make them inert in each place they land.
/// </summary>
public static class UntrustedText
{
    /// <summary>
    /// Neutralizes spreadsheet formula injection: a cell starting with = + - @, a tab or a carriage
    /// return gets a leading apostrophe, as OWASP recommends, so Excel shows it as text.
    /// </summary>
    public static string ForCsvCell(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    /// <summary>
    /// Replaces control characters (ESC sequences could repaint or retitle the analyst's terminal)
    /// with visible \uXXXX escapes.
    /// </summary>
    public static string ForTerminal(string value)
    {
        var firstControl = value.AsSpan().IndexOfAnyInRange('\0', '\x1f');
        if (firstControl < 0 && !value.Contains('\x7f', StringComparison.Ordinal) && !ContainsC1(value))
            return value;
        var builder = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            if (char.IsControl(c))
                builder.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else
                builder.Append(c);
        }
        return builder.ToString();
    }

    private static bool ContainsC1(string value) => value.AsSpan().IndexOfAnyInRange('\x80', '\x9f') >= 0;
}
