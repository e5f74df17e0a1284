namespace Cadence.Channels;

/// <summary>
/// Identifies a channel: one device (and process, where known) talking to one destination.
/// The destination is whatever the analytic groups by: the seed rule uses the remote IP and port.
/// </summary>
/// <param name="Port">Part of the key when the analytic groups by port; -1 otherwise.</param>
public readonly record struct ChannelKey(string Device, string Process, string Destination, int Port) : IComparable<ChannelKey>
{
    public int CompareTo(ChannelKey other)
    {
        var c = string.CompareOrdinal(Device, other.Device);
        if (c == 0) c = string.CompareOrdinal(Process, other.Process);
        if (c == 0) c = string.CompareOrdinal(Destination, other.Destination);
        return c != 0 ? c : Port.CompareTo(other.Port);
    }
}
