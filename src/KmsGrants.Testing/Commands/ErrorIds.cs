using System.ComponentModel;

namespace KmsGrants.Testing;

/// <summary>Every error ID the module's cmdlets write (the FullyQualifiedErrorId before the comma), with when it happens:
/// stable, so that tests can assert on them; about_KmsGrants.Testing's table is generated from the descriptions.</summary>
public static class ErrorIds
{
    [Description("Start-KmsEmulator -Port names a port something else listens on.")]
    public const string PortInUse = "KmsGrants.Testing.PortInUse";
    [Description("Start-KmsEmulator could not listen on the loopback port for another reason (the message says which).")]
    public const string ListenFailed = "KmsGrants.Testing.ListenFailed";
    [Description("Start-KmsEmulator -Region names something that is not a Region, or a Region twice.")]
    public const string InvalidRegion = "KmsGrants.Testing.InvalidRegion";
    [Description("Start-KmsEmulator -Account is not a 12-digit account ID.")]
    public const string InvalidAccount = "KmsGrants.Testing.InvalidAccount";
    [Description("Start-KmsEmulator -Identity: an access key with '/', ',', '=' or white space, no secret key, an empty session token, a principal that cannot sign requests, or an access key given twice.")]
    public const string InvalidIdentity = "KmsGrants.Testing.InvalidIdentity";
    [Description("-Quota (Start-KmsEmulator, Set-KmsEmulatorQuota) names an operation the emulator does not implement, or a rate that is not a number of 0 or more; nothing is changed.")]
    public const string InvalidQuota = "KmsGrants.Testing.InvalidQuota";
    [Description("Start-KmsEmulator: a -FaultRate outside 0-1, a -FaultKind it does not know, or a -FaultOperation the emulator does not implement.")]
    public const string InvalidFault = "KmsGrants.Testing.InvalidFault";
    [Description("A principal that cannot be one: -RetiringPrincipal of Start-KmsEmulator, an ARN that names no IAM user or role (New-, Remove-KmsEmulatorPrincipal), or a grantee or retiring principal CreateGrant refuses (deleted, not yet propagated, a group).")]
    public const string InvalidPrincipal = "KmsGrants.Testing.InvalidPrincipal";
    [Description("Start-KmsEmulator: -Port outside 0-65535, a negative -LatencyMs or -RequestLogSize, or -SeedGrants beyond a key's 50,000 grants.")]
    public const string InvalidOption = "KmsGrants.Testing.InvalidOption";
    [Description("No emulator was given (-Emulator, or from the pipeline) and none started in this session is running.")]
    public const string NoEmulator = "KmsGrants.Testing.NoEmulator";
    [Description("No emulator was given and several started in this session are running: say which with -Emulator.")]
    public const string AmbiguousEmulator = "KmsGrants.Testing.AmbiguousEmulator";
    [Description("The emulator given is stopped, and the command changes its state.")]
    public const string EmulatorStopped = "KmsGrants.Testing.EmulatorStopped";
    [Description("-Region names a Region the emulator does not serve (New-KmsEmulatorKey, Get-KmsEmulatorGrant).")]
    public const string RegionNotServed = "KmsGrants.Testing.RegionNotServed";
    [Description("New-KmsEmulatorGrant: the key does not exist (in that Region or account).")]
    public const string KeyNotFound = "KmsGrants.Testing.KeyNotFound";
    [Description("New-KmsEmulatorGrant: CreateGrant's rules refuse the grant (operations the key spec does not allow, a constraint, a name, a -CreationDate in the future).")]
    public const string InvalidGrant = "KmsGrants.Testing.InvalidGrant";
    [Description("New-KmsEmulatorKey: the key cannot be made as asked: an -Alias CreateAlias refuses (alias/aws/SERVICE only with -AwsManaged, and then required), or a -KeySpec and -KeyUsage that do not go together.")]
    public const string InvalidAlias = "KmsGrants.Testing.InvalidAlias";
    [Description("New-KmsEmulatorGrant: the key is disabled or pending deletion.")]
    public const string InvalidKeyState = "KmsGrants.Testing.InvalidKeyState";
    [Description("New-KmsEmulatorGrant: the key holds its most grants (50,000 for a customer managed key).")]
    public const string LimitExceeded = "KmsGrants.Testing.LimitExceeded";
    [Description("New-KmsEmulatorKey -Alias: the alias exists already in that account and Region.")]
    public const string AliasExists = "KmsGrants.Testing.AliasExists";
    [Description("Remove-KmsEmulatorPrincipal: the principal is deleted already.")]
    public const string PrincipalNotFound = "KmsGrants.Testing.PrincipalNotFound";
    [Description("New-KmsEmulatorPrincipal: the principal exists (made, or named by a grant or identity, and not deleted).")]
    public const string PrincipalExists = "KmsGrants.Testing.PrincipalExists";
}
