using System.Management.Automation;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>New-KmsEmulatorPrincipal: makes an IAM user or role, or makes one again after Remove-KmsEmulatorPrincipal (a
/// new principal with a new unique ID), optionally not yet visible to KMS: CreateGrant refuses it as KMS refuses a
/// principal IAM has not propagated yet, until -PropagationSeconds have passed.</summary>
[Cmdlet(VerbsCommon.New, "KmsEmulatorPrincipal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(EmulatorPrincipal))]
public sealed class NewKmsEmulatorPrincipalCommand : EmulatorCommandBase
{
    /// <summary>A principal from Get-KmsEmulatorPrincipal binds with its emulator.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public KmsEmulator? Emulator { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Arn")]
    [ValidatePattern(@"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(user|role)/([\w+=,.@-]+/)*[\w+=,.@-]+\z")]
    [ValidateLength(1, 256)]
    public string[] Principal { get; set; } = [];

    [Parameter]
    [ValidateRange(0, 86_400)]
    public int PropagationSeconds { get; set; }

    protected override void ProcessRecord()
    {
        var emulator = Resolve(Emulator, mustRun: true);
        foreach (var arn in Principal)
        {
            var when = PropagationSeconds > 0 ? $", visible to KMS after {PropagationSeconds} s" : "";
            if (!ShouldProcess($"{emulator.Url} {arn}", $"Create IAM principal{when}")) continue;
            try
            {
                WriteObject(new EmulatorPrincipal(emulator.Service.Iam.Create(arn, TimeSpan.FromSeconds(PropagationSeconds)), emulator));
            }
            catch (IamException e)
            {
                WriteError(ErrorRecords.FromIam(e, arn));
            }
        }
    }
}
