using System.Collections;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing;

/// <summary>A key in an emulator (New-KmsEmulatorKey): KeyMetadata's KeyId and Arn, so it pipes into
/// New-KmsEmulatorGrant (-KeyId) and into KmsGrants' Get-KmsGrant, and its emulator for -Emulator.</summary>
public sealed class EmulatorKey
{
    internal EmulatorKey(KmsKey key, string? alias, KmsEmulator emulator)
    {
        KeyId = key.Id;
        Arn = key.Arn;
        Region = key.Region;
        Account = key.Account;
        Description = key.Description;
        Alias = alias;
        State = key.State;
        CreationDate = key.CreationDate;
        KeyManager = key.KeyManager;
        KeySpec = key.KeySpec;
        KeyUsage = key.KeyUsage;
        Emulator = emulator;
    }

    public string KeyId { get; }
    public string Arn { get; }
    public string Region { get; }
    public string Account { get; }
    public string Description { get; }
    public string? Alias { get; }
    public string State { get; }
    public DateTimeOffset CreationDate { get; }
    /// <summary>CUSTOMER, or AWS for an AWS managed key.</summary>
    public string KeyManager { get; }
    public string KeySpec { get; }
    public string KeyUsage { get; }
    public KmsEmulator Emulator { get; }

    public override string ToString() => Arn;
}

/// <summary>An IAM user or role as the emulator knows it (New-, Remove-, Get-KmsEmulatorPrincipal): its ARN, the unique
/// ID ListGrants shows once it is deleted, and when it was made, becomes visible to KMS and was deleted.</summary>
public sealed class EmulatorPrincipal
{
    internal EmulatorPrincipal(IamPrincipal principal, KmsEmulator emulator)
    {
        Principal = principal.Arn;
        UniqueId = principal.UniqueId;
        Kind = principal.Kind;
        Account = principal.Account;
        Deleted = principal.IsDeleted;
        ShownAs = principal.Shown;
        CreationDate = principal.CreationDate;
        VisibleDate = principal.VisibleDate == DateTimeOffset.MinValue ? null : principal.VisibleDate;
        DeletionDate = principal.DeletionDate;
        Emulator = emulator;
    }

    /// <summary>The ARN (arn:aws:iam::ACCOUNT:role/NAME or user/NAME).</summary>
    public string Principal { get; }
    /// <summary>AROA… for a role, AIDA… for a user: what grants naming it show once it is deleted.</summary>
    public string UniqueId { get; }
    /// <summary>role or user.</summary>
    public string Kind { get; }
    public string Account { get; }
    public bool Deleted { get; }
    /// <summary>What ListGrants shows for it on a grant that named it: the ARN, or the unique ID once deleted.</summary>
    public string ShownAs { get; }
    public DateTimeOffset CreationDate { get; }
    /// <summary>When KMS sees it (CreateGrant refuses it before); empty for a principal no one made explicitly.</summary>
    public DateTimeOffset? VisibleDate { get; }
    public DateTimeOffset? DeletionDate { get; }
    public KmsEmulator Emulator { get; }

    public override string ToString() => Principal;
}

/// <summary>A grant alive in an emulator, with its token: what New-KmsEmulatorGrant made, what Get-KmsEmulatorGrant
/// finds. Its property names are ListGrants' (GrantListEntry's), so it pipes into KmsGrants' Remove-KmsGrant, which
/// binds it by its token.</summary>
public sealed class EmulatorGrant
{
    internal EmulatorGrant(Grant grant, KmsEmulator emulator)
    {
        KeyId = grant.Key.Arn;
        GrantId = grant.Id;
        GrantToken = grant.Token;
        Name = grant.Name;
        CreationDate = grant.CreationDate;
        GranteePrincipal = grant.GranteePrincipal;
        RetiringPrincipal = grant.RetiringPrincipal;
        ListedGranteePrincipal = grant.ListedGranteePrincipal;
        ListedRetiringPrincipal = grant.ListedRetiringPrincipal;
        GrantTokens = [.. grant.Tokens];
        IssuingAccount = grant.IssuingAccount;
        Operations = [.. grant.Operations];
        Constraints = grant.Constraints == null ? null : new EmulatorGrantConstraints(
            ToHashtable(grant.Constraints["EncryptionContextSubset"]), ToHashtable(grant.Constraints["EncryptionContextEquals"]));
        Region = grant.Key.Region;
        Emulator = emulator;
    }

    /// <summary>The key ARN, as ListGrants gives it.</summary>
    public string KeyId { get; }
    public string GrantId { get; }
    /// <summary>Not a secret (KMS says so): it names the grant, as CreateGrant returned it.</summary>
    public string GrantToken { get; }
    public string? Name { get; }
    public DateTimeOffset CreationDate { get; }
    /// <summary>As written when the grant was made (an ARN).</summary>
    public string GranteePrincipal { get; }
    public string? RetiringPrincipal { get; }
    /// <summary>As ListGrants shows it now: as written, or the unique ID (AROA…, AIDA…) of a user or role deleted since.</summary>
    public string ListedGranteePrincipal { get; }
    public string? ListedRetiringPrincipal { get; }
    /// <summary>Every token of the grant (CreateGrant retried with its Name and identical parameters adds one); any names it.</summary>
    public string[] GrantTokens { get; }
    public string IssuingAccount { get; }
    public string[] Operations { get; }
    public EmulatorGrantConstraints? Constraints { get; }
    public string Region { get; }
    public KmsEmulator Emulator { get; }

    public override string ToString() => GrantId;

    static Hashtable? ToHashtable(System.Text.Json.Nodes.JsonNode? node)
    {
        if (node is not System.Text.Json.Nodes.JsonObject obj) return null;
        var table = new Hashtable(StringComparer.Ordinal);
        foreach (var (k, v) in obj) table[k] = v?.ToString();
        return table;
    }
}

/// <summary>A grant's encryption context constraint, shaped like the AWS SDK's GrantConstraints.</summary>
public sealed class EmulatorGrantConstraints(Hashtable? subset, Hashtable? equals)
{
    public Hashtable? EncryptionContextSubset { get; } = subset;
    public Hashtable? EncryptionContextEquals { get; } = equals;
}

/// <summary>One KMS request as the emulator saw it: what a test asserts on ("only DryRun requests were sent", "signed for
/// eu-west-1 by the CI role"). Written by the emulator, read by Get-KmsEmulatorRequest and GET /_emulator/requests.</summary>
public sealed class EmulatorRequest
{
    /// <summary>Increases by one per request, from 1: what came after a point in a test.</summary>
    public long Sequence { get; init; }
    public DateTimeOffset Time { get; init; }
    /// <summary>From X-Amz-Target; "(none)" when it named no TrentService operation.</summary>
    public string Operation { get; init; } = "";
    /// <summary>The Region of the signature's credential scope (served or not); null when unsigned.</summary>
    public string? Region { get; init; }
    /// <summary>The caller's ARN once the signature was verified; null when it was not (throttled, faulted or refused first).</summary>
    public string? Caller { get; init; }
    /// <summary>The access key ID the request was signed with (never the secret).</summary>
    public string? AccessKeyId { get; init; }
    public bool DryRun { get; init; }
    public string? KeyId { get; init; }
    public string? GrantId { get; init; }
    /// <summary>Whether a grant token was given (GrantToken, or GrantTokens): tokens themselves are not kept.</summary>
    public bool GrantTokenGiven { get; init; }
    /// <summary>The HTTP status answered; null when the connection was cut before any answer (a reset fault).</summary>
    public int? StatusCode { get; init; }
    /// <summary>The KMS error code answered (ThrottlingException included); null on success.</summary>
    public string? ErrorCode { get; init; }
    /// <summary>The fault injected into this request (internal, unavailable, reset, commit-then-drop); null for none.</summary>
    public string? Fault { get; init; }
}
