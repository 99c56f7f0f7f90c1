using System.Management.Automation;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>Get-KmsEmulatorGrant: the grants alive in the emulator now, read from its state (not over KMS's API), so
/// that a test's assertions do not depend on the client under test.</summary>
[Cmdlet(VerbsCommon.Get, "KmsEmulatorGrant")]
[OutputType(typeof(EmulatorGrant))]
public sealed class GetKmsEmulatorGrantCommand : EmulatorCommandBase
{
    [Parameter(ValueFromPipeline = true)]
    public KmsEmulator? Emulator { get; set; }

    /// <summary>Key ID or key ARN; a key from New-KmsEmulatorKey binds by property name.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("KeyArn", "Arn")]
    public string? KeyId { get; set; }

    [Parameter]
    public string? Region { get; set; }

    /// <summary>As written on the grant (the ARN), or as ListGrants shows it (a deleted principal's unique ID).</summary>
    [Parameter]
    public string? RetiringPrincipal { get; set; }

    [Parameter]
    public string? GranteePrincipal { get; set; }

    [Parameter]
    public string[] GrantId { get; set; } = [];

    /// <summary>Wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        var emulator = Resolve(Emulator, mustRun: false);
        if (Region != null && !emulator.Regions.Contains(Region, StringComparer.Ordinal))
        {
            WriteError(ErrorRecords.RegionNotServed(emulator, Region));
            return;
        }
        var name = Name == null ? null : new WildcardPattern(Name, WildcardOptions.None);
        var ids = GrantId.Length == 0 ? null : new HashSet<string>(GrantId, StringComparer.Ordinal);
        var grants = emulator.Service.Grants(Region, g =>
            (KeyId == null || EmulatorService.IsOnKey(g, KeyId))
            && (RetiringPrincipal == null || g.RetiringPrincipal == RetiringPrincipal || g.ListedRetiringPrincipal == RetiringPrincipal)
            && (GranteePrincipal == null || g.GranteePrincipal == GranteePrincipal || g.ListedGranteePrincipal == GranteePrincipal)
            && (ids == null || ids.Contains(g.Id))
            && (name == null || (g.Name != null && name.IsMatch(g.Name))));
        foreach (var grant in grants) WriteObject(new EmulatorGrant(grant, emulator));
    }
}
