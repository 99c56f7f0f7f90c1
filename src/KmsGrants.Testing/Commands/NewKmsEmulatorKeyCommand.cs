using System.Management.Automation;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>New-KmsEmulatorKey: a key in the emulator (as CreateKey, then CreateAlias, by its account would make it).</summary>
[Cmdlet(VerbsCommon.New, "KmsEmulatorKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(EmulatorKey))]
public sealed class NewKmsEmulatorKeyCommand : EmulatorCommandBase
{
    [Parameter(ValueFromPipeline = true)]
    public KmsEmulator? Emulator { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    [Parameter]
    [ValidatePattern("^[0-9]{12}\\z")]
    public string? Account { get; set; }

    [Parameter]
    [ValidateLength(0, 8192)]
    public string Description { get; set; } = "";

    [Parameter]
    [ValidatePattern("^alias/[a-zA-Z0-9/_-]+\\z")]
    [ValidateLength(7, 256)]
    public string? Alias { get; set; }

    /// <summary>An AWS managed key (KeyManager AWS), which needs -Alias alias/aws/SERVICE.</summary>
    [Parameter]
    public SwitchParameter AwsManaged { get; set; }

    [Parameter]
    [ValidateSet("SYMMETRIC_DEFAULT", "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521",
        "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87")]
    public string? KeySpec { get; set; }

    [Parameter]
    [ValidateSet("ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT")]
    public string? KeyUsage { get; set; }

    protected override void ProcessRecord()
    {
        var emulator = Resolve(Emulator, mustRun: true);
        var region = Region ?? emulator.Region;
        if (!emulator.Regions.Contains(region, StringComparer.Ordinal))
        {
            WriteError(ErrorRecords.RegionNotServed(emulator, region));
            return;
        }
        if (!ShouldProcess($"{emulator.Url} {region}", $"Create {(AwsManaged ? "AWS managed " : "")}KMS key{(Alias != null ? " " + Alias : "")}")) return;
        try
        {
            // ValidateSet matches in any case; KMS's enums are upper-case.
            var key = emulator.Service.AddKey(region, Account, Description, Alias, AwsManaged, KeySpec?.ToUpperInvariant(), KeyUsage?.ToUpperInvariant());
            WriteObject(new EmulatorKey(key, Alias, emulator));
        }
        catch (KmsException e)
        {
            WriteError(ErrorRecords.FromKms(e, ErrorIds.InvalidAlias, Alias));
        }
    }
}
