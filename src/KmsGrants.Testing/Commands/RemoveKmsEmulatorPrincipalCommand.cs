using System.Management.Automation;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>Remove-KmsEmulatorPrincipal: deletes IAM users and roles. ListGrants and ListRetirableGrants then show the
/// unique ID (AROA… for a role, AIDA… for a user) wherever a grant named one, in every Region, for good; ListRetirableGrants
/// by the ARN no longer finds those grants; CreateGrant refuses the ARN (InvalidArnException) until
/// New-KmsEmulatorPrincipal makes it again. Identities that sign as a deleted user are refused
/// (UnrecognizedClientException); as a deleted role or one of its sessions, allowed nothing (AccessDeniedException).</summary>
[Cmdlet(VerbsCommon.Remove, "KmsEmulatorPrincipal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(EmulatorPrincipal))]
public sealed class RemoveKmsEmulatorPrincipalCommand : EmulatorCommandBase
{
    /// <summary>A principal from Get-KmsEmulatorPrincipal binds with its emulator.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public KmsEmulator? Emulator { get; set; }

    /// <summary>ARNs, from the pipeline too (strings, or objects with a Principal or Arn property).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Arn")]
    [ValidatePattern(@"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(user|role)/([\w+=,.@-]+/)*[\w+=,.@-]+\z")]
    [ValidateLength(1, 256)]
    public string[] Principal { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var emulator = Resolve(Emulator, mustRun: true);
        foreach (var arn in Principal)
        {
            if (!ShouldProcess($"{emulator.Url} {arn}", "Delete IAM principal")) continue;
            try
            {
                var deleted = emulator.Service.Iam.Delete(arn);
                if (PassThru) WriteObject(new EmulatorPrincipal(deleted, emulator));
            }
            catch (IamException e)
            {
                WriteError(ErrorRecords.FromIam(e, arn));
            }
        }
    }
}
