using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KmsGrants.Testing.Emulator;

/// <summary>The keys, aliases and grants of one Region, for every account, with KMS's rules for them (the KMS API
/// reference). One Region holds all accounts' keys because a grant's key may be in another account than its
/// principals, and ListRetirableGrants lists grants on keys of any account. One lock guards everything: the
/// operations are short. The operations are split by concept: the table and dispatch (KmsState.Operations.cs), keys
/// and aliases (KmsState.Keys.cs), grants (KmsState.Grants.cs), paging (KmsState.Paging.cs); IAM's users and roles are
/// the emulator's <see cref="IamDirectory"/>; what the cmdlets do without a signed request is at the end here.</summary>
public sealed partial class KmsState
{
    /// <summary>Grants per customer managed key (KMS's resource quota; AWS managed keys have none).</summary>
    public const int MaxGrantsPerKey = 50_000;
    /// <summary>What a grant may allow (the service model's GrantOperation enum).</summary>
    public static readonly IReadOnlySet<string> GrantOperations = new SortedSet<string>(ModelInput.GrantOperations, StringComparer.Ordinal);

    readonly object _gate = new();
    /// <summary>By key ID: IDs are UUIDs, unique across accounts; a lookup still checks the account.</summary>
    readonly Dictionary<string, KmsKey> _keys = new(StringComparer.Ordinal);
    readonly Dictionary<(string Account, string Name), KmsKey> _aliases = new();
    readonly Dictionary<(string Account, string Name), DateTimeOffset> _aliasDates = new();
    readonly Dictionary<string, Grant> _grantsByToken = new(StringComparer.Ordinal);
    /// <summary>By retiring principal as written (an ARN): ListRetirableGrants filters by what each grant shows.</summary>
    readonly Dictionary<string, GrantSequence> _grantsByRetiringPrincipal = new(StringComparer.Ordinal);
    readonly byte[] _markerKey = RandomNumberGenerator.GetBytes(32);
    readonly IamDirectory _iam;
    long _sequence;
    int _grantsAlive;

    public KmsState(string region, IamDirectory? iam = null)
    {
        Region = region;
        _iam = iam ?? new IamDirectory();
    }

    public string Region { get; }
    public IamDirectory Iam => _iam;

    public int GrantsAlive { get { lock (_gate) return _grantsAlive; } }
    public int KeyCount { get { lock (_gate) return _keys.Count; } }

    // The service model's patterns, anchored with \z: in .NET, $ also matches before a final newline, and KMS refuses
    // "name\n" where a $-anchored pattern would take it.
    [GeneratedRegex(@"^[0-9a-f]{64}\z")] private static partial Regex GrantIdPattern();
    [GeneratedRegex(@"^arn:aws:kms:(?<region>[a-z0-9-]+):(?<account>\d{12}):(?<kind>key|alias)/(?<id>.+)\z")] private static partial Regex KmsArnPattern();

    // ---- request fields and shared rules ----

    /// <summary>Only principals of the key's own account manage it and its grants here (the default key policy).</summary>
    static void RequireKeyAccount(Caller caller, KmsKey key, string operation)
    {
        if (caller.Account != key.Account)
            throw KmsException.AccessDenied($"User: {caller.Arn} is not authorized to perform: kms:{operation} on resource: {key.Arn}");
    }

    /// <summary>An AWS managed key's policy lets its account describe and list it and revoke its grants; everything
    /// else (CreateGrant among them) is for the AWS service that uses it, through kms:ViaService.</summary>
    static void RequireCustomerManaged(Caller caller, KmsKey key, string operation)
    {
        if (key.IsAwsManaged)
            throw KmsException.AccessDenied($"User: {caller.Arn} is not authorized to perform: kms:{operation} on resource: {key.Arn} because no resource-based policy allows the kms:{operation} action");
    }

    static void ValidateGrantId(string grantId)
    {
        if (Violation.Length("grantId", grantId, 1, 128) is { } length) throw Violation.Exception(length);
        if (!GrantIdPattern().IsMatch(grantId)) throw new KmsException("InvalidGrantIdException", $"Invalid grant ID {grantId}.");
    }

    static string? Principal(JsonObject request, string name, bool required)
    {
        var value = Str(request, name, required);
        if (value != null) CheckPrincipal(value, name);
        return value;
    }

    static void CheckPrincipal(string value, string name)
    {
        if (Violation.OfPrincipal(name, value) is { Count: > 0 } violations) throw Violation.Exception(violations);
    }

    /// <summary>A text member (its constraints are <see cref="ModelInput"/>'s, checked before).</summary>
    static string? Str(JsonObject request, string name, bool required = false)
    {
        var node = request[name];
        if (node == null) return required ? throw Violation.Exception(Violation.Null(Violation.MemberName(name))) : null;
        return node.GetValue<string>();
    }

    static bool DryRun(JsonObject request) => request["DryRun"]?.GetValue<bool>() == true;

    // ---- for the cmdlets: no signed request, no caller; the same rules for what is made ----

    /// <summary>A key of <paramref name="account"/>, with an alias if given (CreateKey, then CreateAlias, as its account).
    /// An AWS managed key must be given its alias/aws/SERVICE alias, which only such a key may have.</summary>
    public KmsKey AddKey(string account, string description, string? alias, bool awsManaged = false, string? keySpec = null, string? keyUsage = null)
    {
        lock (_gate)
        {
            if (awsManaged)
            {
                if (alias == null || !alias.StartsWith("alias/aws/", StringComparison.Ordinal) || alias.Length <= "alias/aws/".Length)
                    throw KmsException.Validation("An AWS managed key has an alias alias/aws/SERVICE, e.g. alias/aws/ebs.");
                CheckAliasPattern(alias);
                if (keySpec is not (null or "SYMMETRIC_DEFAULT") || keyUsage is not (null or "ENCRYPT_DECRYPT"))
                    throw KmsException.Validation("AWS managed keys are symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).");
            }
            else if (alias != null) CheckAliasName(alias);
            if (alias != null && _aliases.ContainsKey((account, alias)))
                throw new KmsException("AlreadyExistsException", $"An alias with the name arn:aws:kms:{Region}:{account}:{alias} already exists");
            var (spec, usage) = KeySpecs.Check(keySpec, keyUsage);
            var key = NewKey(account, description, awsManaged ? "AWS" : "CUSTOMER", spec, usage);
            if (alias != null) AddAlias(account, alias, key);
            return key;
        }
    }

    /// <summary>A grant on a key named by key ID (any account) or key ARN, checked as CreateGrant checks it, but as no
    /// one in particular (an AWS service, for an AWS managed key): any account's key takes it. A back-dated
    /// <paramref name="creationDate"/> must not be in the future.</summary>
    public Grant AddGrant(string keyId, string grantee, string? retiring, string[] operations, string? name, JsonObject? constraints, DateTimeOffset? creationDate = null)
    {
        lock (_gate)
        {
            var key = FindKeyOfAnyAccount(keyId);
            CheckPrincipal(grantee, "GranteePrincipal");
            if (retiring != null) CheckPrincipal(retiring, "RetiringPrincipal");
            CheckGrantShape(key, operations, name, constraints);
            CheckPrincipalsExist(grantee, retiring);
            CheckKeyTakesGrants(key);
            if (creationDate is { } date && date > _iam.Now.AddSeconds(1))
                throw KmsException.Validation($"A grant's creation date cannot be in the future ({date:O}).");
            return NewGrant(key, grantee, retiring, operations, name, constraints, creationDate).Grant;
        }
    }

    /// <summary>Whether this Region has the key (key ID of any account, or key ARN).</summary>
    public bool HasKey(string keyId)
    {
        lock (_gate)
        {
            try { FindKeyOfAnyAccount(keyId); return true; }
            catch (KmsException) { return false; }
        }
    }

    /// <summary>The grants alive now, in creation order, that <paramref name="include"/> accepts (a snapshot).</summary>
    public List<Grant> Grants(Func<Grant, bool> include)
    {
        lock (_gate)
            return _keys.Values.SelectMany(k => k.Grants).Where(include).OrderBy(g => g.Sequence).ToList();
    }

    static readonly Caller Anyone = new("", "", "");

    KmsKey FindKeyOfAnyAccount(string keyId)
    {
        if (keyId.StartsWith("arn:", StringComparison.Ordinal))
        {
            var m = KmsArnPattern().Match(keyId);
            if (!m.Success || m.Groups["kind"].Value != "key") throw KmsException.InvalidArn($"{keyId} is not a valid key ARN.");
            return FindKey(keyId, Anyone, allowAlias: false);   // a key ARN names its account: the caller's is not read
        }
        return _keys.TryGetValue(keyId, out var key) ? key : throw KmsException.NotFound($"Key '{keyId}' does not exist in {Region}");
    }
}
