namespace KmsGrants.Testing;

/// <summary>Every error ID the module's cmdlets write (the FullyQualifiedErrorId before the comma): stable, so that
/// tests can assert on them. about_KmsGrants.Testing lists them all (a test compares).</summary>
public static class ErrorIds
{
    public const string PortInUse = "KmsGrants.Testing.PortInUse";
    public const string ListenFailed = "KmsGrants.Testing.ListenFailed";
    public const string InvalidRegion = "KmsGrants.Testing.InvalidRegion";
    public const string InvalidAccount = "KmsGrants.Testing.InvalidAccount";
    public const string InvalidIdentity = "KmsGrants.Testing.InvalidIdentity";
    public const string InvalidQuota = "KmsGrants.Testing.InvalidQuota";
    public const string InvalidFault = "KmsGrants.Testing.InvalidFault";
    public const string InvalidPrincipal = "KmsGrants.Testing.InvalidPrincipal";
    public const string InvalidOption = "KmsGrants.Testing.InvalidOption";
    public const string NoEmulator = "KmsGrants.Testing.NoEmulator";
    public const string AmbiguousEmulator = "KmsGrants.Testing.AmbiguousEmulator";
    public const string EmulatorStopped = "KmsGrants.Testing.EmulatorStopped";
    public const string RegionNotServed = "KmsGrants.Testing.RegionNotServed";
    public const string KeyNotFound = "KmsGrants.Testing.KeyNotFound";
    public const string InvalidGrant = "KmsGrants.Testing.InvalidGrant";
    public const string InvalidAlias = "KmsGrants.Testing.InvalidAlias";
    public const string InvalidKeyState = "KmsGrants.Testing.InvalidKeyState";
    public const string LimitExceeded = "KmsGrants.Testing.LimitExceeded";
    public const string AliasExists = "KmsGrants.Testing.AliasExists";
    public const string PrincipalNotFound = "KmsGrants.Testing.PrincipalNotFound";
    public const string PrincipalExists = "KmsGrants.Testing.PrincipalExists";
}
