using System.Collections;
using System.Management.Automation;
using System.Text.Json.Nodes;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>New-KmsEmulatorGrant: grants made directly in the emulator, checked as CreateGrant checks them (names,
/// principals, operations, the key's state and grant limit), with their tokens: the set-up of a runbook test.</summary>
[Cmdlet(VerbsCommon.New, "KmsEmulatorGrant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = NoConstraint)]
[OutputType(typeof(EmulatorGrant))]
public sealed class NewKmsEmulatorGrantCommand : EmulatorCommandBase
{
    const string NoConstraint = "NoConstraint";
    const string Subset = "EncryptionContextSubset";
    const string EqualsSet = "EncryptionContextEquals";

    /// <summary>A key from New-KmsEmulatorKey binds with its emulator.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public KmsEmulator? Emulator { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("KeyArn", "Arn")]
    [ValidateNotNullOrEmpty]
    public string KeyId { get; set; } = "";

    [Parameter]
    [ValidatePattern(@"^[\w+=,.@:/-]+\z")]
    [ValidateLength(1, 256)]
    public string? GranteePrincipal { get; set; }

    [Parameter]
    [ValidatePattern(@"^[\w+=,.@:/-]+\z")]
    [ValidateLength(1, 256)]
    public string? RetiringPrincipal { get; set; }

    [Parameter]
    [ValidatePattern("^[a-zA-Z0-9:/_-]+\\z")]
    [ValidateLength(1, 256)]
    public string[] Name { get; set; } = [];

    [Parameter]
    [ValidateSet("Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo",
        "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac", "DeriveSharedSecret")]
    public string[] Operations { get; set; } = ["Decrypt"];

    [Parameter(Mandatory = true, ParameterSetName = Subset)]
    [ValidateNotNullOrEmpty]
    public Hashtable? EncryptionContextSubset { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = EqualsSet)]
    [ValidateNotNullOrEmpty]
    public Hashtable? EncryptionContextEquals { get; set; }

    [Parameter]
    [ValidateRange(1, KmsState.MaxGrantsPerKey)]
    public int Count { get; set; } = 1;

    /// <summary>Back-dates the grants (ListGrants' CreationDate), e.g. (Get-Date).AddDays(-90); not in the future.</summary>
    [Parameter]
    public DateTime? CreationDate { get; set; }

    protected override void ProcessRecord()
    {
        var emulator = Resolve(Emulator, mustRun: true);
        // One grant per name (or unnamed), Count times over.
        var names = Name.Length == 0 ? [null] : Name.Select(n => (string?)n).ToArray();
        JsonObject? constraints;
        try { constraints = Constraints(); }
        catch (ArgumentException e)
        {
            WriteError(ErrorRecords.New(ErrorIds.InvalidGrant, ErrorCategory.InvalidArgument, e.Message, KeyId));
            return;
        }
        if (!ShouldProcess($"{emulator.Url} {KeyId}", $"Create {names.Length * Count} KMS grant(s)")) return;
        var grantee = GranteePrincipal ?? DefaultGrantee(emulator);
        for (var i = 0; i < Count; i++)
        {
            foreach (var name in names)
            {
                try
                {
                    var grant = emulator.Service.AddGrant(KeyId, grantee, RetiringPrincipal, Operations, name, constraints?.DeepClone() as JsonObject, When());
                    WriteObject(new EmulatorGrant(grant, emulator));
                }
                catch (KmsException e)
                {
                    // This key (or name) is refused; so would every other grant on it be, and the pipeline's next key may do.
                    WriteError(ErrorRecords.FromKms(e, ErrorIds.InvalidGrant, KeyId));
                    return;
                }
            }
        }
    }

    /// <summary>-CreationDate as an instant: a DateTime of unspecified kind ([datetime]'2025-01-01') is local time, as
    /// Get-Date's are.</summary>
    DateTimeOffset? When() => CreationDate is not { } d ? null
        : d.Kind == DateTimeKind.Utc ? new DateTimeOffset(d) : new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Local));

    /// <summary>A role of the key's account when no grantee is given: CreateGrant needs one, tests rarely care which.</summary>
    string DefaultGrantee(KmsEmulator emulator)
    {
        var parts = KeyId.Split(':');
        var account = parts.Length >= 6 && parts[0] == "arn" ? parts[4] : emulator.Account;
        return $"arn:aws:iam::{account}:role/grantee";
    }

    JsonObject? Constraints()
    {
        var (name, table) = ParameterSetName switch
        {
            Subset => ("EncryptionContextSubset", EncryptionContextSubset),
            EqualsSet => ("EncryptionContextEquals", EncryptionContextEquals),
            _ => ((string?)null, (Hashtable?)null),
        };
        if (name == null || table == null) return null;
        var context = new JsonObject();
        foreach (DictionaryEntry e in table)
        {
            // An encryption context maps text to text: $null or a list is not turned into "" or "1 2" behind the user's back.
            var value = e.Value is PSObject wrapped ? wrapped.BaseObject : e.Value;
            if (value is null or IEnumerable and not string)
                throw new ArgumentException($"-{name} maps names to text: the value of '{e.Key}' is {(value == null ? "$null" : "a list")}.");
            context[$"{e.Key}"] = LanguagePrimitives.ConvertTo<string>(value);
        }
        return new JsonObject { [name] = context };
    }
}
