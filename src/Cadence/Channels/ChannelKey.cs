namespace Cadence.Channels;

/// <summary>
/// Identifies a channel: one device (and process, where known) talking to one destination.
/// The destination is whatever the analytic groups by: the seed rule uses the remote IP and port.
/// </summary>
/// <param name="Port">Part of the key when the analytic groups by port; -1 otherwise.</param>
public readonly record struct ChannelKey(string Device, string Process, string Destination, int Port);
