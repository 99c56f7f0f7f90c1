using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KmsEmulator;

public sealed class KmsKey
{
    public required string Id { get; init; }
    public required string Arn { get; init; }
    /// <summary>The account that owns the key: that of the identity that created it.</summary>
    public required string Account { get; init; }
    public required DateTimeOffset CreationDate { get; init; }
    public string Description { get; set; } = "";
    public string State { get; set; } = "Enabled";   // Enabled | Disabled | PendingDeletion
    public DateTimeOffset? DeletionDate { get; set; }
    /// <summary>Grants by creation sequence: the listing order, and what a marker points into.</summary>
    public SortedDictionary<long, Grant> Grants { get; } = new();
    public Dictionary<string, Grant> GrantsById { get; } = new(StringComparer.Ordinal);
}

public sealed class Grant
{
    public required long Sequence { get; init; }
    public required string Id { get; init; }
    public required string Token { get; init; }
    public required KmsKey Key { get; init; }
    public string? Name { get; init; }
    public required DateTimeOffset CreationDate { get; init; }
    public required string GranteePrincipal { get; init; }
    public string? RetiringPrincipal { get; init; }
    public required string IssuingAccount { get; init; }
    public required string[] Operations { get; init; }
    public JsonObject? Constraints { get; init; }
}

/// <summary>The keys, aliases and grants of one Region, for every account, with KMS's rules for them (the KMS API
/// reference). One Region holds all accounts' keys because a grant's key may be in another account than its
/// principals, and ListRetirableGrants lists grants on keys of any account. One lock guards everything: the
/// operations are short.</summary>
public sealed partial class KmsState
{
    public const int MaxGrantsPerKey = 50_000;
    /// <summary>The operations the emulator implements.</summary>
    public static readonly IReadOnlySet<string> Operations = new SortedSet<string>(StringComparer.Ordinal)
    {
        "CreateKey", "DescribeKey", "ListKeys", "EnableKey", "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion",
        "CreateAlias", "ListAliases", "CreateGrant", "ListGrants", "ListRetirableGrants", "RetireGrant", "RevokeGrant",
    };
    static readonly HashSet<string> GrantOperations = new(StringComparer.Ordinal)
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
    readonly Dictionary<string, SortedDictionary<long, Grant>> _grantsByRetiringPrincipal = new(StringComparer.Ordinal);
    readonly byte[] _markerKey = RandomNumberGenerator.GetBytes(32);
    long _sequence;
    int _grantsAlive;

    public KmsState(string region) => Region = region;

    public string Region { get; }

    public int GrantsAlive { get { lock (_gate) return _grantsAlive; } }
    public int KeyCount { get { lock (_gate) return _keys.Count; } }

    [GeneratedRegex(@"^[\w+=,.@:/-]+$", RegexOptions.ECMAScript)] private static partial Regex PrincipalPattern();
    [GeneratedRegex(@"^[a-zA-Z0-9:/_-]+$")] private static partial Regex GrantNamePattern();
    [GeneratedRegex(@"^[0-9a-f]{64}$")] private static partial Regex GrantIdPattern();
    [GeneratedRegex(@"^arn:aws:kms:(?<region>[a-z0-9-]+):(?<account>\d{12}):(?<kind>key|alias)/(?<id>.+)$")] private static partial Regex KmsArnPattern();

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

    // ---- keys ----

    public KmsKey NewKey(string account, string description = "")
    {
        lock (_gate)
        {
            var id = Guid.NewGuid().ToString();
            var key = new KmsKey
            {
                Id = id,
                Arn = KeyArn(account, id),
                Account = account,
                CreationDate = DateTimeOffset.UtcNow,
                Description = description,
            };
            _keys[id] = key;
            return key;
        }
    }

    string KeyArn(string account, string keyId) => $"arn:aws:kms:{Region}:{account}:key/{keyId}";

    JsonObject CreateKey(JsonObject request, Caller caller) =>
        new() { ["KeyMetadata"] = Metadata(NewKey(caller.Account, Str(request, "Description") ?? "")) };

    static JsonObject Metadata(KmsKey key) => new()
    {
        ["AWSAccountId"] = key.Account,
        ["KeyId"] = key.Id,
        ["Arn"] = key.Arn,
        ["CreationDate"] = key.CreationDate.ToUnixTimeMilliseconds() / 1000.0,
        ["Enabled"] = key.State == "Enabled",
        ["Description"] = key.Description,
        ["KeyUsage"] = "ENCRYPT_DECRYPT",
        ["KeyState"] = key.State,
        ["Origin"] = "AWS_KMS",
        ["KeyManager"] = "CUSTOMER",
        ["CustomerMasterKeySpec"] = "SYMMETRIC_DEFAULT",
        ["KeySpec"] = "SYMMETRIC_DEFAULT",
        ["EncryptionAlgorithms"] = new JsonArray("SYMMETRIC_DEFAULT"),
        ["MultiRegion"] = false,
        ["DeletionDate"] = key.DeletionDate is { } d ? d.ToUnixTimeSeconds() : null,
    };

    /// <summary>The caller's own account's keys in this Region, as on KMS.</summary>
    JsonObject ListKeys(JsonObject request, Caller caller)
    {
        var scope = "keys:" + caller.Account;
        var (limit, after) = Paging(request, scope);
        var page = _keys.Values.Where(k => k.Account == caller.Account).OrderBy(k => k.CreationDate).ThenBy(k => k.Id, StringComparer.Ordinal)
            .Select((k, i) => (k, i: (long)i + 1)).Where(x => x.i > after).Take(limit + 1).ToList();
        var result = new JsonObject { ["Keys"] = new JsonArray(page.Take(limit).Select(x => (JsonNode)new JsonObject { ["KeyId"] = x.k.Id, ["KeyArn"] = x.k.Arn }).ToArray()) };
        return WithMarker(result, page.Count > limit, page.Count > limit ? page[limit - 1].i : 0, scope);
    }

    JsonObject SetKeyState(JsonObject request, Caller caller, string state)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: false);
        RequireKeyAccount(caller, key, state == "Enabled" ? "EnableKey" : "DisableKey");
        if (key.State == "PendingDeletion")
            throw KmsException.InvalidState($"{key.Arn} is pending deletion.");
        key.State = state;
        return new JsonObject();
    }

    JsonObject ScheduleKeyDeletion(JsonObject request, Caller caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: false);
        RequireKeyAccount(caller, key, "ScheduleKeyDeletion");
        var days = request["PendingWindowInDays"]?.GetValue<int>() ?? 30;
        if (days is < 7 or > 30) throw KmsException.Validation("PendingWindowInDays must be between 7 and 30.");
        if (key.State == "PendingDeletion") throw KmsException.InvalidState($"{key.Arn} is pending deletion.");
        key.State = "PendingDeletion";
        key.DeletionDate = DateTimeOffset.UtcNow.AddDays(days);
        return new JsonObject
        {
            ["KeyId"] = key.Arn,
            ["DeletionDate"] = key.DeletionDate.Value.ToUnixTimeSeconds(),
            ["KeyState"] = key.State,
            ["PendingWindowInDays"] = days,
        };
    }

    JsonObject CancelKeyDeletion(JsonObject request, Caller caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: false);
        RequireKeyAccount(caller, key, "CancelKeyDeletion");
        if (key.State != "PendingDeletion") throw KmsException.InvalidState($"{key.Arn} is not pending deletion.");
        key.State = "Disabled";
        key.DeletionDate = null;
        return new JsonObject { ["KeyId"] = key.Arn };
    }

    JsonObject CreateAlias(JsonObject request, Caller caller)
    {
        var name = Str(request, "AliasName", required: true)!;
        if (!name.StartsWith("alias/", StringComparison.Ordinal) || name.StartsWith("alias/aws/", StringComparison.Ordinal))
            throw KmsException.Validation("AliasName must begin with 'alias/' and not 'alias/aws/'.");
        var key = FindKey(Str(request, "TargetKeyId", required: true)!, caller, allowAlias: false);
        RequireKeyAccount(caller, key, "CreateAlias");
        if (!_aliases.TryAdd((key.Account, name), key)) throw new KmsException("AlreadyExistsException", $"An alias with the name {name} already exists.");
        return new JsonObject();
    }

    /// <summary>The caller's account's aliases in this Region, by name (optionally of one key: KeyId), paged as ListKeys.</summary>
    JsonObject ListAliases(JsonObject request, Caller caller)
    {
        var scope = "aliases:" + caller.Account;
        var (limit, after) = Paging(request, scope);
        var only = Str(request, "KeyId") is string keyId ? FindKey(keyId, caller, allowAlias: false) : null;
        var page = _aliases.Where(a => a.Key.Account == caller.Account && (only == null || a.Value == only))
            .OrderBy(a => a.Key.Name, StringComparer.Ordinal)
            .Select((a, i) => (a, i: (long)i + 1)).Where(x => x.i > after).Take(limit + 1).ToList();
        var result = new JsonObject
        {
            ["Aliases"] = new JsonArray(page.Take(limit).Select(x => (JsonNode)new JsonObject
            {
                ["AliasName"] = x.a.Key.Name,
                ["AliasArn"] = $"arn:aws:kms:{Region}:{x.a.Key.Account}:{x.a.Key.Name}",
                ["TargetKeyId"] = x.a.Value.Id,
            }).ToArray()),
        };
        return WithMarker(result, page.Count > limit, page.Count > limit ? page[limit - 1].i : 0, scope);
    }

    /// <summary>A key by ID or key ARN, and by alias name or alias ARN where the operation allows. An ARN names the
    /// key's Region and account: another Region's is not found here, another account's is (cross-account use). A bare
    /// key ID or alias name is looked up in the caller's own account only, as on KMS.</summary>
    KmsKey FindKey(string keyId, Caller caller, bool allowAlias)
    {
        if (keyId.Length is 0 or > 2048) throw KmsException.Validation("KeyId must be 1-2048 characters.");
        var account = caller.Account;
        if (keyId.StartsWith("arn:", StringComparison.Ordinal))
        {
            var m = KmsArnPattern().Match(keyId);
            if (!m.Success) throw KmsException.InvalidArn($"{keyId} is not a valid KMS ARN.");
            if (m.Groups["region"].Value != Region)
                throw KmsException.NotFound($"Key '{keyId}' does not exist");
            account = m.Groups["account"].Value;
            if (m.Groups["kind"].Value == "alias")
                return allowAlias ? FindAlias(account, "alias/" + m.Groups["id"].Value, keyId) : throw KmsException.NotFound($"Key '{keyId}' does not exist");
            keyId = m.Groups["id"].Value;
        }
        else if (keyId.StartsWith("alias/", StringComparison.Ordinal))
        {
            return allowAlias ? FindAlias(account, keyId, keyId) : throw KmsException.NotFound($"Key '{keyId}' does not exist");
        }
        return _keys.TryGetValue(keyId, out var key) && key.Account == account
            ? key
            : throw KmsException.NotFound($"Key '{KeyArn(account, keyId)}' does not exist");
    }

    KmsKey FindAlias(string account, string name, string asGiven) =>
        _aliases.TryGetValue((account, name), out var key) ? key : throw KmsException.NotFound($"Alias {asGiven} is not found.");

    // ---- grants ----

    public (Grant Grant, string Token) NewGrant(KmsKey key, string grantee, string? retiring, string[] operations, string? name, JsonObject? constraints)
    {
        lock (_gate)
        {
            if (key.Grants.Count >= MaxGrantsPerKey)
                throw new KmsException("LimitExceededException", $"Key {key.Arn} already has {MaxGrantsPerKey} grants.");
            var grant = new Grant
            {
                Sequence = ++_sequence,
                Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
                Token = NewToken(),
                Key = key,
                Name = name,
                CreationDate = DateTimeOffset.UtcNow,
                GranteePrincipal = grantee,
                RetiringPrincipal = retiring,
                IssuingAccount = Principals.Root(key.Account),
                Operations = operations,
                Constraints = constraints,
            };
            key.Grants[grant.Sequence] = grant;
            key.GrantsById[grant.Id] = grant;
            _grantsByToken[grant.Token] = grant;
            if (retiring != null)
            {
                if (!_grantsByRetiringPrincipal.TryGetValue(retiring, out var set))
                    _grantsByRetiringPrincipal[retiring] = set = new SortedDictionary<long, Grant>();
                set[grant.Sequence] = grant;
            }
            _grantsAlive++;
            return (grant, grant.Token);
        }
    }

    JsonObject CreateGrant(JsonObject request, Caller caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: false);
        var grantee = Principal(request, "GranteePrincipal", required: true)!;
        var retiring = Principal(request, "RetiringPrincipal", required: false);
        var operations = (request["Operations"] as JsonArray)?.Select(n => n?.GetValue<string>() ?? "").ToArray() ?? [];
        if (operations.Length == 0) throw KmsException.Validation("Operations must not be empty.");
        foreach (var op in operations)
            if (!GrantOperations.Contains(op)) throw KmsException.Validation($"Value '{op}' at 'operations' failed to satisfy constraint: Member must satisfy enum value set.");
        var name = Str(request, "Name");
        if (name != null && (name.Length > 256 || !GrantNamePattern().IsMatch(name)))
            throw KmsException.Validation("Name must be 1-256 characters of [a-zA-Z0-9:/_-].");
        RequireKeyAccount(caller, key, "CreateGrant");
        if (key.State == "Disabled") throw new KmsException("DisabledException", $"{key.Arn} is disabled.");
        if (key.State == "PendingDeletion") throw KmsException.InvalidState($"{key.Arn} is pending deletion.");
        if (key.Grants.Count >= MaxGrantsPerKey)
            throw new KmsException("LimitExceededException", $"Key {key.Arn} already has {MaxGrantsPerKey} grants.");
        if (DryRun(request)) throw KmsException.DryRun();
        var (grant, token) = NewGrant(key, grantee, retiring, operations, name, request["Constraints"]?.DeepClone() as JsonObject);
        return new JsonObject { ["GrantToken"] = token, ["GrantId"] = grant.Id };
    }

    JsonObject ListGrants(JsonObject request, Caller caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: false);
        RequireKeyAccount(caller, key, "ListGrants");
        if (key.State == "PendingDeletion") throw KmsException.InvalidState($"{key.Arn} is pending deletion.");
        var grantId = Str(request, "GrantId");
        if (grantId != null) ValidateGrantId(grantId);
        var grantee = Principal(request, "GranteePrincipal", required: false);
        var (limit, after) = Paging(request, key.Id);
        IEnumerable<Grant> grants = key.Grants.Values;
        if (grantId != null) grants = grants.Where(g => g.Id == grantId);
        if (grantee != null) grants = grants.Where(g => g.GranteePrincipal == grantee);
        return GrantPage(grants, after, limit, key.Id);
    }

    /// <summary>Grants in this Region, on keys of any account, whose retiring principal is exactly the one given; which
    /// must be in the caller's account ("You must specify a principal in your Amazon Web Services account", the KMS
    /// API reference). A principal that is not an IAM or STS ARN (a service principal) is in no account: allowed.</summary>
    JsonObject ListRetirableGrants(JsonObject request, Caller caller)
    {
        var principal = Principal(request, "RetiringPrincipal", required: true)!;
        if (Principals.AccountOf(principal) is { } account && account != caller.Account)
            throw KmsException.AccessDenied($"User: {caller.Arn} is not authorized to perform: kms:ListRetirableGrants on resource: {principal} "
                + $"because the retiring principal is not in the caller's account {caller.Account}.");
        var (limit, after) = Paging(request, "retirable:" + principal);
        IEnumerable<Grant> grants = _grantsByRetiringPrincipal.TryGetValue(principal, out var set) ? set.Values : [];
        return GrantPage(grants, after, limit, "retirable:" + principal);
    }

    JsonObject GrantPage(IEnumerable<Grant> grants, long after, int limit, string scope)
    {
        var page = grants.SkipWhile(g => g.Sequence <= after).Take(limit + 1).ToList();
        var truncated = page.Count > limit;
        if (truncated) page.RemoveAt(limit);
        var result = new JsonObject { ["Grants"] = new JsonArray(page.Select(g => (JsonNode)Entry(g)).ToArray()) };
        return WithMarker(result, truncated, truncated ? page[^1].Sequence : 0, scope);
    }

    static JsonObject Entry(Grant g)
    {
        var entry = new JsonObject
        {
            ["KeyId"] = g.Key.Arn,
            ["GrantId"] = g.Id,
            ["CreationDate"] = g.CreationDate.ToUnixTimeMilliseconds() / 1000.0,
            ["GranteePrincipal"] = g.GranteePrincipal,
            ["IssuingAccount"] = g.IssuingAccount,
            ["Operations"] = new JsonArray(g.Operations.Select(o => (JsonNode)o).ToArray()),
        };
        if (g.Name != null) entry["Name"] = g.Name;
        if (g.RetiringPrincipal != null) entry["RetiringPrincipal"] = g.RetiringPrincipal;
        if (g.Constraints != null) entry["Constraints"] = g.Constraints.DeepClone();
        return entry;
    }

    JsonObject RetireGrant(JsonObject request, Caller caller)
    {
        var token = Str(request, "GrantToken");
        var keyId = Str(request, "KeyId");
        var grantId = Str(request, "GrantId");
        Grant grant;
        if (token != null)
        {
            if (token.Length > 8192) throw KmsException.Validation("GrantToken must be at most 8192 characters.");
            if (!IsWellFormedToken(token)) throw new KmsException("InvalidGrantTokenException", "The grant token is not valid.");
            grant = _grantsByToken.TryGetValue(token, out var g) ? g : throw KmsException.NotFound("Grant not found for the grant token.");
        }
        else if (keyId != null && grantId != null)
        {
            var key = FindKey(keyId, caller, allowAlias: false);
            ValidateGrantId(grantId);
            grant = key.GrantsById.TryGetValue(grantId, out var g) ? g : throw KmsException.NotFound($"Grant ID {grantId} not found on key {key.Arn}.");
        }
        else
        {
            throw KmsException.Validation("Specify either GrantToken, or both KeyId and GrantId.");
        }

        // Who may retire: the retiring principal; the grantee if the grant allows RetireGrant; the key's account (its root
        // here: the account in which the grant was created). A role on the grant is matched by its sessions too.
        var allowed = caller.Is(grant.RetiringPrincipal)
            || (caller.Is(grant.GranteePrincipal) && grant.Operations.Contains("RetireGrant"))
            || caller.IsRootOf(grant.Key.Account);
        if (!allowed)
            throw KmsException.AccessDenied($"User: {caller.Arn} is not authorized to perform: kms:RetireGrant on this grant (account {caller.Account}).");
        if (grant.Key.State == "PendingDeletion") throw KmsException.InvalidState($"{grant.Key.Arn} is pending deletion.");
        if (DryRun(request)) throw KmsException.DryRun();
        Remove(grant);
        return new JsonObject();
    }

    JsonObject RevokeGrant(JsonObject request, Caller caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: false);
        var grantId = Str(request, "GrantId", required: true)!;
        ValidateGrantId(grantId);
        RequireKeyAccount(caller, key, "RevokeGrant");
        var grant = key.GrantsById.TryGetValue(grantId, out var g) ? g : throw KmsException.NotFound($"Grant ID {grantId} not found on key {key.Arn}.");
        if (key.State == "PendingDeletion") throw KmsException.InvalidState($"{key.Arn} is pending deletion.");
        if (DryRun(request)) throw KmsException.DryRun();
        Remove(grant);
        return new JsonObject();
    }

    void Remove(Grant grant)
    {
        grant.Key.Grants.Remove(grant.Sequence);
        grant.Key.GrantsById.Remove(grant.Id);
        _grantsByToken.Remove(grant.Token);
        if (grant.RetiringPrincipal != null && _grantsByRetiringPrincipal.TryGetValue(grant.RetiringPrincipal, out var set))
        {
            set.Remove(grant.Sequence);
            if (set.Count == 0) _grantsByRetiringPrincipal.Remove(grant.RetiringPrincipal);
        }
        _grantsAlive--;
    }

    // ---- helpers ----

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

    string? Principal(JsonObject request, string name, bool required)
    {
        var value = Str(request, name, required);
        if (value != null && (value.Length > 256 || !PrincipalPattern().IsMatch(value)))
            throw KmsException.Validation($"1 validation error detected: Value '{value}' at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$");
        return value;
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

    /// <summary>Limit (1-100, default 50) and the position a marker points after.</summary>
    (int Limit, long After) Paging(JsonObject request, string scope)
    {
        var limit = request["Limit"]?.GetValue<int>() ?? 50;
        if (limit is < 1 or > 100) throw KmsException.Validation($"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100");
        var marker = Str(request, "Marker");
        return (limit, marker == null ? 0 : ReadMarker(marker, scope));
    }

    JsonObject WithMarker(JsonObject result, bool truncated, long last, string scope)
    {
        result["Truncated"] = truncated;
        if (truncated) result["NextMarker"] = WriteMarker(last, scope);
        return result;
    }

    // Markers are opaque to clients: position + scope, authenticated so that a forged or reused-elsewhere marker
    // gets InvalidMarkerException as on KMS.
    string WriteMarker(long position, string scope)
    {
        var body = $"{position}";
        return body + "." + Convert.ToHexStringLower(HMACSHA256.HashData(_markerKey, Encoding.UTF8.GetBytes(scope + "|" + body)))[..24];
    }

    long ReadMarker(string marker, string scope)
    {
        var dot = marker.IndexOf('.');
        if (dot > 0 && long.TryParse(marker[..dot], out var position) && SigV4.FixedTimeEquals(marker, WriteMarker(position, scope)))
            return position;
        throw new KmsException("InvalidMarkerException", "The request was rejected because the marker that specifies where pagination should next begin is not valid.");
    }

    static string NewToken()
    {
        // Opaque and long like KMS's; a fixed prefix lets malformed tokens get InvalidGrantTokenException.
        var bytes = RandomNumberGenerator.GetBytes(192);
        return "AQpAM2" + Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_').TrimEnd('=');
    }

    static bool IsWellFormedToken(string token) =>
        token.StartsWith("AQpAM2", StringComparison.Ordinal) && token.Length == 262 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
