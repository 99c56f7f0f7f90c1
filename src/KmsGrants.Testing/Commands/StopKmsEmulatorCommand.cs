using System.Management.Automation;

namespace KmsGrants.Testing.Commands;

/// <summary>Stop-KmsEmulator: stops listening and frees the port. Stopping a stopped emulator (or $null, as an AfterAll
/// after a failed BeforeAll gives it) does nothing.</summary>
[Cmdlet(VerbsLifecycle.Stop, "KmsEmulator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KmsEmulator))]
public sealed class StopKmsEmulatorCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyCollection]
    public KmsEmulator?[]? Emulator { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var emulator in Emulator ?? [])
        {
            if (emulator == null) continue;
            if (emulator.IsRunning && ShouldProcess(emulator.Url, "Stop KMS emulator")) emulator.Stop();
            if (PassThru) WriteObject(emulator);
        }
    }
}
