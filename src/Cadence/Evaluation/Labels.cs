using nietras.SeparatedValues;

namespace Cadence.Evaluation;

/// <summary>One labelled channel of a simulated (or hand-labelled) data set.</summary>
/// <param name="Device">What Cadence calls the device in that telemetry (Defender DeviceName, Zeek originator address).</param>
/// <param name="Process">The process file name; empty when the telemetry has none (then any process matches).</param>
/// <param name="Destination">The host name (or address) the channel reaches.</param>
/// <param name="IsImplant">True for C2, false for benign software or browsing.</param>
/// <param name="Profile">A stable short name for the behaviour (cobaltstrike-60s-j50, onedrive-sync...).</param>
/// <param name="ExpectedAnalytic">The analytic meant to find an implant (beacon, user-agent, websocket, ja3, process); empty for benign.</param>
public sealed record Label(string Device, string Process, string Destination, bool IsImplant, string Profile, string ExpectedAnalytic, string Description);

/// <summary>Reads labels.csv as <c>cadence simulate</c> writes it: device,process,destination,label,profile,expected_analytic,description.</summary>
public static class LabelsFile
{
    public static readonly IReadOnlyList<string> Columns = ["device", "process", "destination", "label", "profile", "expected_analytic", "description"];

    /// <exception cref="InvalidDataException">A missing column or a label other than implant/benign, naming the file and line.</exception>
    public static IReadOnlyList<Label> Read(string path)
    {
        using var reader = Sep.Reader(o => o with { Unescape = true }).FromFile(path);
        foreach (var column in Columns.Take(5))
        {
            if (!reader.Header.TryIndexOf(column, out _))
                throw new InvalidDataException($"{path}:1: labels file lacks the '{column}' column (expected {string.Join(',', Columns)})");
        }
        var hasExpected = reader.Header.TryIndexOf("expected_analytic", out var expectedIndex);
        var hasDescription = reader.Header.TryIndexOf("description", out var descriptionIndex);
        var labels = new List<Label>();
        foreach (var row in reader)
        {
            var kind = row["label"].ToString();
            var isImplant = kind switch
            {
                "implant" => true,
                "benign" => false,
                _ => throw new InvalidDataException($"{path}:{row.LineNumberFrom}: label '{kind}' is neither 'implant' nor 'benign'"),
            };
            labels.Add(new Label(
                row["device"].ToString(), row["process"].ToString(), row["destination"].ToString().ToLowerInvariant(), isImplant,
                row["profile"].ToString(), hasExpected ? row[expectedIndex].ToString() : string.Empty,
                hasDescription ? row[descriptionIndex].ToString() : string.Empty));
        }
        return labels;
    }
}
