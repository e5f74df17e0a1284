using System.Net;
using System.Net.Sockets;

namespace Cadence.Telemetry;

/// <summary>
/// What kind of address a remote IP is, for sources that do not say (Zeek, Sysmon, proxies).
/// The names follow Defender's RemoteIPType where it has one (Public, Private, Loopback, Teredo,
/// FourToSixMapping, Broadcast, Reserved), so the seed rule's <c>RemoteIPType == "Public"</c>
/// means the same on every source.
/// </summary>
public enum AddressClass
{
    Unknown,
    Public,
    Private,
    Loopback,
    LinkLocal,
    CarrierGradeNat,
    Multicast,
    Broadcast,
    Reserved,
    Documentation,
    Teredo,
    FourToSixMapping,
}

/// <summary>Classifies IPv4 and IPv6 addresses (IPv4-mapped IPv6 is classified as the IPv4 address it carries).</summary>
public static class AddressClassifier
{
    public static AddressClass Classify(ReadOnlySpan<char> text) =>
        IPAddress.TryParse(text, out var address) ? Classify(address) : AddressClass.Unknown;

    public static AddressClass Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ClassifyV4(address),
            AddressFamily.InterNetworkV6 => ClassifyV6(address),
            _ => AddressClass.Unknown,
        };
    }

    /// <summary>Defender's spelling of a class, as the RemoteIPType column would carry it.</summary>
    public static string ToRemoteIPType(AddressClass addressClass) => addressClass switch
    {
        AddressClass.Unknown => string.Empty,
        _ => addressClass.ToString(),
    };

    private static AddressClass ClassifyV4(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        var (a0, a1, a2) = (b[0], b[1], b[2]);
        if (a0 == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255) return AddressClass.Broadcast;
        if (a0 == 127) return AddressClass.Loopback;
        if (a0 == 10 || (a0 == 172 && a1 is >= 16 and <= 31) || (a0 == 192 && a1 == 168)) return AddressClass.Private;
        if (a0 == 169 && a1 == 254) return AddressClass.LinkLocal;
        if (a0 == 100 && a1 is >= 64 and <= 127) return AddressClass.CarrierGradeNat;
        if (a0 is >= 224 and <= 239) return AddressClass.Multicast;
        // RFC 5737 documentation ranges: never routed, often used by test data and by attackers' decoys.
        if ((a0 == 192 && a1 == 0 && a2 == 2) || (a0 == 198 && a1 == 51 && a2 == 100) || (a0 == 203 && a1 == 0 && a2 == 113))
            return AddressClass.Documentation;
        // 0/8 "this network", 192.0.0/24 IETF, 198.18/15 benchmarking, 240/4 future use.
        if (a0 == 0 || (a0 == 192 && a1 == 0 && a2 == 0) || (a0 == 198 && a1 is 18 or 19) || a0 >= 240)
            return AddressClass.Reserved;
        return AddressClass.Public;
    }

    private static AddressClass ClassifyV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6Loopback)) return AddressClass.Loopback;
        if (address.Equals(IPAddress.IPv6None)) return AddressClass.Reserved;
        if (address.IsIPv6LinkLocal) return AddressClass.LinkLocal;
        if (address.IsIPv6Multicast) return AddressClass.Multicast;
        if (address.IsIPv6Teredo) return AddressClass.Teredo;
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if ((b[0] & 0xfe) == 0xfc) return AddressClass.Private;            // fc00::/7 unique local
        if (b[0] == 0x20 && b[1] == 0x02) return AddressClass.FourToSixMapping; // 2002::/16 6to4
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return AddressClass.Documentation; // 2001:db8::/32
        if (address.IsIPv6SiteLocal) return AddressClass.Reserved;           // fec0::/10, deprecated
        // Global unicast is 2000::/3; anything else is unassigned or special.
        return (b[0] & 0xe0) == 0x20 ? AddressClass.Public : AddressClass.Reserved;
    }
}
