using System.Net;

namespace Cadence.Scoring.Tuning;

/// <summary>
/// Indicators (<c>known_bad:</c> in the tuning file): a channel to one of these is critical
/// whatever its timing says. Domains match as dot-boundary suffixes; addresses exactly, or by
/// CIDR range. Indexed on construction, because a threat feed can hold hundreds of thousands.
/// </summary>
public sealed record KnownBad
{
    private readonly IReadOnlyList<string> _domains = [];
    private readonly IReadOnlyList<string> _ips = [];
    private readonly Dictionary<string, string> _domainIndex = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<IPAddress, string> _addressIndex = [];
    private readonly List<(IPNetwork Network, string Text)> _networks = [];

    public KnownBad(IReadOnlyList<string> domains, IReadOnlyList<string> ips)
    {
        Domains = domains;
        Ips = ips;
    }

    /// <summary>Domain suffixes: evil.example covers a.evil.example, not notevil.example.</summary>
    public IReadOnlyList<string> Domains
    {
        get => _domains;
        init
        {
            _domains = value;
            _domainIndex = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var domain in value)
                _domainIndex.TryAdd(domain.Trim().TrimEnd('.'), domain);
        }
    }

    /// <summary>Addresses (203.0.113.7) and CIDR ranges (203.0.113.0/24).</summary>
    public IReadOnlyList<string> Ips
    {
        get => _ips;
        init
        {
            _ips = value;
            _addressIndex = [];
            _networks = [];
            foreach (var text in value)
            {
                if (text.Contains('/', StringComparison.Ordinal))
                {
                    if (IPNetwork.TryParse(text, out var network))
                        _networks.Add((network, text));
                }
                else if (NameMatching.Address(text) is { } address)
                {
                    _addressIndex.TryAdd(address, text);
                }
            }
        }
    }

    /// <summary>The user's fingerprint files (<c>known_bad.ja3_files</c>), as written in the tuning file.</summary>
    public IReadOnlyList<string> Ja3Files { get; init; } = [];

    /// <summary>The user's own user agents (<c>known_bad.user_agents</c>), matched as substrings ignoring case by the user-agent analytic.</summary>
    public IReadOnlyList<string> UserAgents { get; init; } = [];

    /// <summary>Known-bad TLS client fingerprints: the shipped known-bad-ja3.csv and the entries of <see cref="Ja3Files"/>.</summary>
    public KnownBadJa3 Ja3 { get; init; } = KnownBadJa3.Shipped;

    /// <summary>True when the file lists no domain and no address: nothing can match.</summary>
    public bool IsEmpty => _domainIndex.Count == 0 && _addressIndex.Count == 0 && _networks.Count == 0;

    /// <summary>True when <paramref name="destination"/> (a host name, or an address) or <paramref name="ip"/> is an indicator.</summary>
    public bool Matches(string? destination, string? ip) => Match(destination, ip) is not null;

    /// <summary>The indicator that <paramref name="destination"/> or <paramref name="ip"/> matched, as written in the file; null when none.</summary>
    public string? Match(string? destination, string? ip)
    {
        var host = NameMatching.Host(destination);
        if (!host.IsEmpty && _domainIndex.Count > 0)
        {
            var lookup = _domainIndex.GetAlternateLookup<ReadOnlySpan<char>>();
            // Each dot-boundary suffix of the host, longest first: a.b.evil.example, b.evil.example, evil.example, example.
            var rest = host;
            while (true)
            {
                if (lookup.TryGetValue(rest, out var domain))
                    return domain;
                var dot = rest.IndexOf('.');
                if (dot < 0)
                    break;
                rest = rest[(dot + 1)..];
            }
        }
        return MatchAddress(NameMatching.Address(ip)) ?? MatchAddress(NameMatching.Address(host));
    }

    private string? MatchAddress(IPAddress? address)
    {
        if (address is null)
            return null;
        if (_addressIndex.TryGetValue(address, out var text))
            return text;
        foreach (var (network, range) in _networks)
        {
            if (network.Contains(address))
                return range;
        }
        return null;
    }

    public bool Equals(KnownBad? other) =>
        other is not null && Domains.SequenceEqual(other.Domains) && Ips.SequenceEqual(other.Ips) && Ja3Files.SequenceEqual(other.Ja3Files) && UserAgents.SequenceEqual(other.UserAgents);

    public override int GetHashCode() => HashCode.Combine(Domains.Count, Ips.Count);
}
