using System.Globalization;

namespace Cadence.Analytics.Beacon;

/// <summary>Durations as an analyst reads them in a reason: 45 s, 4.2 min, 1.5 h, 2.0 d.</summary>
internal static class Seconds
{
    public static string Format(double seconds) => seconds switch
    {
        < 10 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.#} s"),
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.#} min"),
        < 172800 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.#} h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 86400:0.#} d"),
    };
}
