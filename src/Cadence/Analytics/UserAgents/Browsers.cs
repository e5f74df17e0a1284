using Cadence.Scoring.Tuning;

namespace Cadence.Analytics.UserAgents;

/// <summary>Which user agents claim to be a current browser, and which processes are browsers.</summary>
public static class Browsers
{
    // Browsers and the engines applications embed to show web pages (WebView2, CEF, Electron
    // hosts announce themselves in the user agent, see below). A browser user agent from one of
    // these is the browser's own.
    private static readonly HashSet<string> Processes = new(StringComparer.OrdinalIgnoreCase)
    {
        "chrome.exe", "msedge.exe", "firefox.exe", "brave.exe", "opera.exe", "vivaldi.exe", "iexplore.exe",
        "msedgewebview2.exe", "chromium.exe", "waterfox.exe", "librewolf.exe", "arc.exe",
        "chrome", "chromium", "chromium-browser", "google-chrome", "firefox", "firefox-esr", "msedge", "microsoft-edge",
        "brave", "opera", "vivaldi", "safari", "Google Chrome", "Google Chrome Helper", "Microsoft Edge", "Microsoft Edge Helper",
        "Firefox", "Safari", "com.apple.WebKit.Networking",
    };

    // Tokens of a current browser's user agent. Internet Explorer's (Trident, MSIE) are left out
    // on purpose: applications that embed the WebBrowser control or call WinINet send them from
    // their own process every day, so "IE user agent from a non-browser" would be noise.
    private static readonly string[] BrowserTokens = ["Chrome/", "Edg/", "Firefox/", "Safari/"];

    // Applications built on a browser engine send its user agent with their own token added:
    // Electron apps (Teams classic, Slack, VS Code), Chromium Embedded Framework hosts, and
    // WebView2 controls that append the app's name.
    private static readonly string[] EmbeddedEngineTokens = ["Electron/", "CEF/", "WebView2", "wv)"];

    /// <summary>True for a file name (or a full path, reduced to its file name) of a browser or a browser engine host.</summary>
    public static bool IsBrowserProcess(string processName)
    {
        var name = NameMatching.FileName(processName);
        return !name.IsEmpty && Processes.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name);
    }

    /// <summary>A Mozilla/5.0 user agent naming a current browser engine, not an application that embeds one.</summary>
    public static bool IsBrowserUserAgent(string userAgent)
    {
        if (!userAgent.StartsWith("Mozilla/5.0", StringComparison.OrdinalIgnoreCase))
            return false;
        var browser = false;
        foreach (var token in BrowserTokens)
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
