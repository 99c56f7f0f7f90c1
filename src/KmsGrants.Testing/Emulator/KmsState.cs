using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KmsGrants.Testing.Emulator;

/// <summary>The keys, aliases and grants of one Region, for every account, with KMS's rules for them (the KMS API
/// reference). One Region holds all accounts' keys because a grant's key may be in another account than its
/// principals, and ListRetirableGrants lists grants on keys of any account. One lock guards everything: the
/// operations are short. The operations are split by concept: keys and aliases (KmsState.Keys.cs), grants
/// (KmsState.Grants.cs), paging (KmsState.Paging.cs); what the cmdlets do without a signed request is at the end here.</summary>
public sealed partial class KmsState
{
    public const int MaxGrantsPerKey = 50_000;
    /// <summary>The operations the emulator implements.</summary>
    public static readonly IReadOnlySet<string> Operations = new SortedSet<string>(StringComparer.Ordinal)
    {
        "CreateKey", "DescribeKey", "ListKeys", "EnableKey", "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion",
        "CreateAlias", "ListAliases", "CreateGrant", "ListGrants", "ListRetirableGrants", "RetireGrant", "RevokeGrant",
    };
    /// <summary>What a grant may allow (the service model's GrantOperation enum).</summary>
    public static readonly IReadOnlySet<string> GrantOperations = new SortedSet<string>(StringComparer.Ordinal)
    {
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo",
        "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac", "DeriveSharedSecret",
    };

    readonly object _gate = new();
    /// <summary>By key ID: IDs are UUIDs, unique across accounts; a lookup still checks the account.</summary>
    readonly Dictionary<string, KmsKey> _keys = new(StringComparer.Ordinal);
    readonly Dictionary<(string Account, string Name), KmsKey> _aliases = new();
    readonly Dictionary<string, Grant> _grantsByToken = new(StringComparer.Ordinal);
    readonly Dictionary<string, GrantSequence> _grantsByRetiringPrincipal = new(StringComparer.Ordinal);
    readonly byte[] _markerKey = RandomNumberGenerator.GetBytes(32);
    long _sequence;
    int _grantsAlive;

    public KmsState(string region) => Region = region;

    public string Region { get; }

    public int GrantsAlive { get { lock (_gate) return _grantsAlive; } }
    public int KeyCount { get { lock (_gate) return _keys.Count; } }

    // The service model's patterns, anchored with \z: in .NET, $ also matches before a final newline, and KMS refuses
    // "name\n" where a $-anchored pattern would take it.
    [GeneratedRegex(@"^[\w+=,.@:/-]+\z", RegexOptions.ECMAScript)] private static partial Regex PrincipalPattern();
    [GeneratedRegex(@"^[a-zA-Z0-9:/_-]+\z")] private static partial Regex GrantNamePattern();
    [GeneratedRegex(@"^[0-9a-f]{64}\z")] private static partial Regex GrantIdPattern();
    [GeneratedRegex(@"^[a-zA-Z0-9:/_-]+\z")] private static partial Regex AliasNamePattern();
    [GeneratedRegex(@"^arn:aws:kms:(?<region>[a-z0-9-]+):(?<account>\d{12}):(?<kind>key|alias)/(?<id>.+)\z")] private static partial Regex KmsArnPattern();

    public JsonObject Handle(string operation, JsonObject request, Caller caller)
    {
        lock (_gate)
        {
            return operation switch
            {
                "CreateKey" => CreateKey(request, caller),
                // No account check: DescribeKey by key ARN works across accounts (the key policy would decide on KMS).
                "DescribeKey" => new JsonObject { ["KeyMetadata"] = Metadata(FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: true)) },
                "ListKeys" => ListKeys(request, caller),
                "EnableKey" => SetKeyState(request, caller, "Enabled"),
                "DisableKey" => SetKeyState(request, caller, "Disabled"),
                "ScheduleKeyDeletion" => ScheduleKeyDeletion(request, caller),
                "CancelKeyDeletion" => CancelKeyDeletion(request, caller),
                "CreateAlias" => CreateAlias(request, caller),
                "ListAliases" => ListAliases(request, caller),
                "CreateGrant" => CreateGrant(request, caller),
                "ListGrants" => ListGrants(request, caller),
                "ListRetirableGrants" => ListRetirableGrants(request, caller),
                "RetireGrant" => RetireGrant(request, caller),
                "RevokeGrant" => RevokeGrant(request, caller),
                _ => throw new KmsException("UnknownOperationException", $"The emulator does not implement {operation}."),
            };
        }
    }

    // ---- request fields and shared rules ----

    /// <summary>Only principals of the key's own account manage it and its grants here (the default key policy).</summary>
    static void RequireKeyAccount(Caller caller, KmsKey key, string operation)
    {
        if (caller.Account != key.Account)
            throw KmsException.AccessDenied($"User: {caller.Arn} is not authorized to perform: kms:{operation} on resource: {key.Arn}");
    }

    static void ValidateGrantId(string grantId)
    {
        if (grantId.Length is 0 or > 128) throw KmsException.Validation("GrantId must be 1-128 characters.");
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
        if (value.Length > 256 || !PrincipalPattern().IsMatch(value))
            throw KmsException.Validation($"1 validation error detected: Value '{value}' at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$");
    }

    static string? Str(JsonObject request, string name, bool required = false)
    {
        var node = request[name];
        if (node == null)
            return required ? throw KmsException.Validation($"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null") : null;
        var value = node.GetValue<string>();
        if (value.Length == 0) throw KmsException.Validation($"Value at '{name}' failed to satisfy constraint: Member must have length greater than or equal to 1");
        return value;
    }

    static bool DryRun(JsonObject request) => request["DryRun"]?.GetValue<bool>() == true;

    // ---- for the cmdlets: no signed request, no caller; the same rules for what is made ----

    /// <summary>A key of <paramref name="account"/>, with an alias if given (CreateKey, then CreateAlias, as its account).</summary>
    public KmsKey AddKey(string account, string description, string? alias)
    {
        lock (_gate)
        {
            if (alias != null) CheckAliasName(alias);
            if (alias != null && _aliases.ContainsKey((account, alias)))
                throw new KmsException("AlreadyExistsException", $"An alias with the name {alias} already exists.");
            var key = NewKey(account, description);
            if (alias != null) _aliases[(account, alias)] = key;
            return key;
        }
    }

    /// <summary>A grant on a key named by key ID (any account) or key ARN, checked as CreateGrant checks it, but as no
    /// one in particular: any account's key takes it.</summary>
    public Grant AddGrant(string keyId, string grantee, string? retiring, string[] operations, string? name, JsonObject? constraints)
    {
        lock (_gate)
        {
            var key = FindKeyOfAnyAccount(keyId);
            CheckPrincipal(grantee, "GranteePrincipal");
            if (retiring != null) CheckPrincipal(retiring, "RetiringPrincipal");
            CheckGrantShape(operations, name);
            CheckKeyTakesGrants(key);
            return NewGrant(key, grantee, retiring, operations, name, constraints).Grant;
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
