using System.Management.Automation;

namespace KmsGrants.Testing.Commands;

/// <summary>Stop-KmsEmulator: stops listening and frees the port. Stopping a stopped emulator (or $null, as an AfterAll
/// after a failed BeforeAll gives it) does nothing; with no -Emulator at all, the one this session started, and nothing
/// when none is running (a second bare Stop-KmsEmulator, an AfterAll whose BeforeAll failed before starting one).</summary>
[Cmdlet(VerbsLifecycle.Stop, "KmsEmulator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KmsEmulator))]
public sealed class StopKmsEmulatorCommand : EmulatorCommandBase
{
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyCollection]
    public KmsEmulator?[]? Emulator { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        // Not named at all (not even as $null): as the other cmdlets, the one emulator running here (several: ambiguous).
        KmsEmulator?[] emulators;
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Emulator))) emulators = Emulator ?? [];
        else if (Resolve(null, mustRun: false, noneIsNull: true) is { } running) emulators = [running];
        else
        {
            WriteVerbose("No KMS emulator started in this session is running: nothing to stop.");
            return;
        }
        foreach (var emulator in emulators)
        {
            if (emulator == null) continue;
            if (emulator.IsRunning && ShouldProcess(emulator.Url, "Stop KMS emulator")) emulator.Stop();
            if (PassThru) WriteObject(emulator);
        }
    }
}
