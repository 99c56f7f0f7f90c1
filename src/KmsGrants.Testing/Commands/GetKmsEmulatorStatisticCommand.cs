using System.Management.Automation;

namespace KmsGrants.Testing.Commands;

/// <summary>Get-KmsEmulatorStatistic: the emulator's counts (GET /_emulator/stats as objects): operations (per
/// operation: requests, succeeded, errors, throttled, faultsInjected), grantsAlive, keys, lastCaller, lastAccessKey,
/// lastRegion, and regions.REGION with its own operations, grantsAlive and keys.</summary>
[Cmdlet(VerbsCommon.Get, "KmsEmulatorStatistic")]
[OutputType(typeof(PSObject))]
public sealed class GetKmsEmulatorStatisticCommand : EmulatorCommandBase
{
    [Parameter(Position = 0, ValueFromPipeline = true)]
    public KmsEmulator? Emulator { get; set; }

    protected override void ProcessRecord() =>
        WriteObject(JsonToPSObject.FromJson(Resolve(Emulator, mustRun: false).Service.Stats()));
}
