namespace Cadence.Sources.Defender;

/// <summary>The DeviceNetworkEvents columns Cadence reads; every other column is ignored.</summary>
internal enum DefenderColumn
{
    Timestamp,
    DeviceName,
    ActionType,
    RemoteIP,
    RemotePort,
    RemoteIPType,
    RemoteUrl,
    InitiatingProcessFileName,
    SentBytes,
    ReceivedBytes,
    LocalIP,
    LocalPort,
    Protocol,
    InitiatingProcessId,
    InitiatingProcessCommandLine,
    AdditionalFields,
}
