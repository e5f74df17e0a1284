using System.Globalization;
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
    /// and invisible format characters (bidi overrides such as U+202E could reorder a process
    /// name or URL on screen) with visible \uXXXX escapes.
    /// </summary>
    public static string ForTerminal(string value)
    {
        if (!NeedsEscape(value))
            return value;
        var builder = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            if (char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
                builder.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else
                builder.Append(c);
        }
        return builder.ToString();
    }

    private static bool NeedsEscape(string value)
    {
        foreach (var c in value)
        {
            if (c < ' ' || (c >= '\x7f' && (char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)))
                return true;
        }
        return false;
    }
}
