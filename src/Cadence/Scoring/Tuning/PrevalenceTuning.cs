namespace Cadence.Scoring.Tuning;

/// <summary>
/// How fleet prevalence moves severity (<c>prevalence:</c> in the tuning file): a destination few
/// devices reach is suspicious, one much of the fleet reaches on the same cadence is fleet software.
/// </summary>
public sealed record PrevalenceTuning(
    int MinFleetDevices,
    int RareMaxDevices,
    double RareMaxShare,
    int CommonMinDevices,
    double CommonMinShare,
    int RareRaise,
    int CommonLower)
{
    /// <summary>Reached by at most <see cref="RareMaxDevices"/> devices, or at most <see cref="RareMaxShare"/> of the <paramref name="fleetDevices"/>.</summary>
    public bool IsRare(int devices, int fleetDevices) =>
        devices <= RareMaxDevices || Share(devices, fleetDevices) <= RareMaxShare;

    /// <summary>Reached by at least <see cref="CommonMinDevices"/> devices and at least <see cref="CommonMinShare"/> of the <paramref name="fleetDevices"/>.</summary>
    public bool IsCommon(int devices, int fleetDevices) =>
        devices >= CommonMinDevices && Share(devices, fleetDevices) >= CommonMinShare;

    private static double Share(int devices, int fleetDevices) => fleetDevices <= 0 ? 0 : (double)devices / fleetDevices;
}
