using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Analytics;

/// <summary>How widely the fleet uses a destination, in the tuning file's <c>prevalence:</c> words.</summary>
public enum DestinationRarity
{
    /// <summary>Too few devices in the data to tell: every destination of one host is "100 % of the fleet".</summary>
    Unknown,

    /// <summary>Reached by few devices (<see cref="PrevalenceTuning.IsRare"/>).</summary>
    Rare,

    /// <summary>Neither rare nor common.</summary>
    Ordinary,

    /// <summary>Reached by much of the fleet (<see cref="PrevalenceTuning.IsCommon"/>).</summary>
    Common,
}

/// <summary>The one place analytics turn a <see cref="Prevalence"/> into rare or common, with the fleet policy's floor.</summary>
public static class Rarity
{
    public static DestinationRarity Of(Prevalence prevalence, PrevalenceTuning rules)
    {
        // The same floor as the fleet policy (prevalence.min_fleet_devices): an analytic must not call rare what the policy cannot.
        if (prevalence.FleetDevices < rules.MinFleetDevices)
            return DestinationRarity.Unknown;
        if (rules.IsRare(prevalence.Devices, prevalence.FleetDevices))
            return DestinationRarity.Rare;
        return rules.IsCommon(prevalence.Devices, prevalence.FleetDevices) ? DestinationRarity.Common : DestinationRarity.Ordinary;
    }

    /// <summary>"3 of 150 devices reach it", for reasons.</summary>
    public static string Describe(Prevalence prevalence) => $"{prevalence.Devices} of {prevalence.FleetDevices} devices reach it";
}
