namespace Cadence.Scoring.Tuning;

/// <summary>
/// Which processes are browsers, and which user agents claim to be one (<c>browsers:</c> in the
/// tuning file): what the user-agent analytic needs to call a browser user agent sent by a
/// process that is not a browser.
/// </summary>
/// <param name="Processes">File names of browsers and of the hosts of the browser engines applications embed, matched ignoring case.</param>
/// <param name="UserAgentTokens">Substrings of a Mozilla/5.0 user agent that name a current browser engine, matched with case.</param>
/// <param name="EmbeddedEngineTokens">Substrings an application adds to the user agent of the engine it embeds, matched with case.</param>
public sealed record BrowserTuning(IReadOnlyList<string> Processes, IReadOnlyList<string> UserAgentTokens, IReadOnlyList<string> EmbeddedEngineTokens)
{
    /// <summary>True for a file name (or a full path, reduced to its file name) in <see cref="Processes"/>.</summary>
    public bool IsBrowserProcess(string? processName)
    {
        var name = NameMatching.FileName(processName);
        if (name.IsEmpty)
            return false;
        // A few dozen names, looked at once per channel: a scan is all it takes.
        foreach (var browser in Processes)
        {
            if (name.Equals(browser, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>
    /// A Mozilla/5.0 user agent (every current browser's opening) holding one of the
    /// <see cref="UserAgentTokens"/> and none of the <see cref="EmbeddedEngineTokens"/>: a browser's,
    /// not an application's that embeds one.
    /// </summary>
    public bool IsBrowserUserAgent(string userAgent)
    {
        if (!userAgent.StartsWith("Mozilla/5.0", StringComparison.OrdinalIgnoreCase))
            return false;
        var browser = false;
        foreach (var token in UserAgentTokens)
            browser |= userAgent.Contains(token, StringComparison.Ordinal);
        if (!browser)
            return false;
        foreach (var token in EmbeddedEngineTokens)
        {
            if (userAgent.Contains(token, StringComparison.Ordinal))
                return false;
        }
        return true;
    }
}

/// <summary>How the ja3 analytic tells a client's own steady fingerprint from a randomized one (<c>ja3:</c> in the tuning file).</summary>
/// <param name="RandomizingProcesses">Browsers known to permute their ClientHello extensions, matched by file name ignoring case.</param>
/// <param name="RandomizingFingerprints">Distinct JA3 values a device's process shows, over all its channels, that make it a randomizing client.</param>
/// <param name="StableHandshakes">Handshakes with one and the same JA3 a channel needs before the fingerprint counts as the client's own.</param>
/// <param name="BrowserStackLower">
/// Severity steps a beacon finding loses when its channel's handshakes show a permuting browser
/// TLS stack (at least <paramref name="RandomizingFingerprints"/> distinct JA3 on the channel)
/// towards a destination that is not rare; 0 turns this off.
/// </param>
public sealed record Ja3Tuning(IReadOnlyList<string> RandomizingProcesses, int RandomizingFingerprints, int StableHandshakes, int BrowserStackLower)
{
    /// <summary>True for a file name (or a full path, reduced to its file name) in <see cref="RandomizingProcesses"/>.</summary>
    public bool IsRandomizingProcess(string? processName)
    {
        var name = NameMatching.FileName(processName);
        if (name.IsEmpty)
            return false;
        foreach (var browser in RandomizingProcesses)
        {
            if (name.Equals(browser, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }
}
