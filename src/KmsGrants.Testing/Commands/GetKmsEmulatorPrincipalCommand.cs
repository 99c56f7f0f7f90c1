using System.Management.Automation;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>Get-KmsEmulatorPrincipal: the IAM users and roles the emulator knows — named by a grant or an identity, made
/// by New-KmsEmulatorPrincipal, deleted by Remove-KmsEmulatorPrincipal — with their unique IDs, oldest first. A deleted
/// principal and the one made again with its ARN are two.</summary>
[Cmdlet(VerbsCommon.Get, "KmsEmulatorPrincipal")]
[OutputType(typeof(EmulatorPrincipal))]
public sealed class GetKmsEmulatorPrincipalCommand : EmulatorCommandBase
{
    [Parameter(ValueFromPipeline = true)]
    public KmsEmulator? Emulator { get; set; }

    /// <summary>ARNs or unique IDs; wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [Alias("Arn")]
    public string[] Principal { get; set; } = [];

    [Parameter]
    public SwitchParameter Deleted { get; set; }

    protected override void ProcessRecord()
    {
        var emulator = Resolve(Emulator, mustRun: false);
        var patterns = Principal.Select(p => new WildcardPattern(p, WildcardOptions.None)).ToArray();
        foreach (var p in emulator.Service.Iam.Snapshot())
        {
            if (patterns.Length > 0 && !patterns.Any(w => w.IsMatch(p.Arn) || w.IsMatch(p.UniqueId))) continue;
            if (Deleted && !p.IsDeleted) continue;
            WriteObject(new EmulatorPrincipal(p, emulator));
        }
    }
}
