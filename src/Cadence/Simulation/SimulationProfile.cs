namespace Cadence.Simulation;

/// <summary>Whether a simulated channel is command and control or ordinary traffic.</summary>
public enum SimulationLabel
{
    Benign,
    Implant,
}

/// <summary>
/// One kind of simulated channel: what runs, where it connects, at what cadence, on how much of
/// the fleet. Every row of labels.csv names one of these by <see cref="Id"/>.
/// </summary>
/// <param name="Id">Stable short id (labels.csv's profile column), e.g. cobaltstrike-60s-j50.</param>
/// <param name="ExpectedAnalytic">
/// The analytic that should find it: <c>beacon</c> for periodic implants; <c>user-agent</c>,
/// <c>websocket</c>, <c>ja3</c> or <c>process</c> for the non-periodic ones; empty for benign.
/// </param>
/// <param name="Process">The initiating process file name (Defender).</param>
/// <param name="Destination">The host name it connects to, or a description when it uses many.</param>
/// <param name="Cadence">The timing model with its parameters.</param>
/// <param name="Prevalence">On which devices it runs.</param>
public sealed record SimulationProfile(
    string Id, SimulationLabel Label, string ExpectedAnalytic, string Process, string Destination, int Port,
    string Cadence, string Prevalence, string Description)
{
    public string LabelText => Label == SimulationLabel.Implant ? "implant" : "benign";
}
