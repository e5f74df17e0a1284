using System.Text;

namespace Cadence.Simulation;

/// <summary>One row of labels.csv: a channel the generator made, and what it is.</summary>
/// <param name="Device">What Cadence calls the device in the chosen format: Defender's DeviceName, Zeek's originator address.</param>
/// <param name="Process">The initiating process file name; empty for Zeek, which has none.</param>
/// <param name="Destination">The host name the channel uses (HTTP Host, TLS server name, RemoteUrl).</param>
public sealed record ChannelLabel(string Device, string Process, string Destination, SimulationProfile Profile);

/// <summary>
/// The answer key: every (device, process, destination) channel that appears in the generated
/// data, with its label. Built from the connections as they are written, so a label never names a
/// channel the data lacks (an office-hours implant in a weekend-only run has no row).
/// </summary>
/// <remarks>
/// When two profiles share a channel (a Zeek device, where processes are invisible, browsing to
/// a host a browser tab also polls), the label goes to the implant first, then to the periodic
/// benign profile, then to browsing. In Zeek a connection shows its host name only through its
/// http or ssl record, which a failed connection lacks: there, only successes make labels.
/// </remarks>
internal sealed class LabelBook(SimulationFormat format)
{
    public const string FileName = "labels.csv";
    public const string Header = "device,process,destination,label,profile,expected_analytic,description";

    private readonly Dictionary<(string, string, string), ChannelLabel> _labels = [];
    private SimulatedConnection? _last;

    public void Record(SimulatedConnection c)
    {
        // Channels repeat: skip the lookup when the previous connection was the same one.
        if (_last is { } last && ReferenceEquals(last.Device, c.Device) && ReferenceEquals(last.Process, c.Process)
            && ReferenceEquals(last.Host, c.Host) && ReferenceEquals(last.Profile, c.Profile))
            return;
        if (format == SimulationFormat.Zeek && c.Outcome != ConnectionOutcome.Success)
            return;
        _last = c;
        var key = format == SimulationFormat.Defender
            ? (c.Device.DeviceName, c.Process.FileName, c.Host)
            : (c.Device.IPAddress, string.Empty, c.Host);
        if (!_labels.TryGetValue(key, out var held) || Rank(c.Profile) > Rank(held.Profile))
            _labels[key] = new ChannelLabel(key.Item1, key.Item2, key.Item3, c.Profile);
    }

    public IReadOnlyList<ChannelLabel> Labels =>
        [.. _labels.Values
            .OrderBy(l => l.Device, StringComparer.Ordinal)
            .ThenBy(l => l.Process, StringComparer.Ordinal)
            .ThenBy(l => l.Destination, StringComparer.Ordinal)];

    public void Write(string path)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
        writer.Write(Header);
        writer.Write('\n');
        var line = new StringBuilder(256);
        foreach (var label in Labels)
        {
            line.Clear();
            SimulationText.Csv(line, label.Device);
            line.Append(',');
            SimulationText.Csv(line, label.Process);
            line.Append(',');
            SimulationText.Csv(line, label.Destination);
            line.Append(',').Append(label.Profile.LabelText).Append(',').Append(label.Profile.Id).Append(',');
            SimulationText.Csv(line, label.Profile.ExpectedAnalytic);
            line.Append(',');
            SimulationText.Csv(line, label.Profile.Description);
            line.Append('\n');
            writer.Write(line);
        }
    }

    private static int Rank(SimulationProfile profile) =>
        profile.Label == SimulationLabel.Implant ? 2 : profile == BenignProfiles.Browsing.Profile ? 0 : 1;
}
