using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KmsEmulator;

public sealed class KmsKey
{
    public required string Id { get; init; }
    public required string Arn { get; init; }
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

/// <summary>The keys and grants of one account in one Region, with KMS's rules for them
/// (shared/docs/kms-grants.md). One lock guards everything: the operations are short.</summary>
public sealed partial class KmsState
{
    public const int MaxGrantsPerKey = 50_000;
    static readonly HashSet<string> GrantOperations = new(StringComparer.Ordinal)
    {
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo",
        "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac", "DeriveSharedSecret",
    };

    readonly object _gate = new();
    readonly EmulatorOptions _options;
    readonly Dictionary<string, KmsKey> _keys = new(StringComparer.Ordinal);
    readonly Dictionary<string, KmsKey> _aliases = new(StringComparer.Ordinal);
    readonly Dictionary<string, Grant> _grantsByToken = new(StringComparer.Ordinal);
    readonly Dictionary<string, SortedDictionary<long, Grant>> _grantsByRetiringPrincipal = new(StringComparer.Ordinal);
    readonly byte[] _markerKey = RandomNumberGenerator.GetBytes(32);
    long _sequence;
    int _grantsAlive;

    public KmsState(EmulatorOptions options) => _options = options;

    public int GrantsAlive { get { lock (_gate) return _grantsAlive; } }
    public int KeyCount { get { lock (_gate) return _keys.Count; } }

    [GeneratedRegex(@"^[\w+=,.@:/-]+$", RegexOptions.ECMAScript)] private static partial Regex PrincipalPattern();
    [GeneratedRegex(@"^[a-zA-Z0-9:/_-]+$")] private static partial Regex GrantNamePattern();
    [GeneratedRegex(@"^[0-9a-f]{64}$")] private static partial Regex GrantIdPattern();
    [GeneratedRegex(@"^arn:aws:kms:(?<region>[a-z0-9-]+):(?<account>\d{12}):(?<kind>key|alias)/(?<id>.+)$")] private static partial Regex KmsArnPattern();
    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::(?<account>\d{12}):")] private static partial Regex IamArnPattern();

    public JsonObject Handle(string operation, JsonObject request, string caller)
    {
        lock (_gate)
        {
            return operation switch
            {
                "CreateKey" => CreateKey(request),
                "DescribeKey" => new JsonObject { ["KeyMetadata"] = Metadata(FindKey(Str(request, "KeyId", required: true)!, allowAlias: true)) },
                "ListKeys" => ListKeys(request),
                "EnableKey" => SetKeyState(request, caller, "Enabled"),
                "DisableKey" => SetKeyState(request, caller, "Disabled"),
                "ScheduleKeyDeletion" => ScheduleKeyDeletion(request, caller),
                "CancelKeyDeletion" => CancelKeyDeletion(request, caller),
                "CreateAlias" => CreateAlias(request, caller),
                "CreateGrant" => CreateGrant(request, caller),
                "ListGrants" => ListGrants(request, caller),
                "ListRetirableGrants" => ListRetirableGrants(request),
                "RetireGrant" => RetireGrant(request, caller),
                "RevokeGrant" => RevokeGrant(request, caller),
                _ => throw new KmsException("UnknownOperationException", $"The emulator does not implement {operation}."),
            };
        }
    }

    // ---- keys ----

    public KmsKey NewKey(string description = "")
    {
        lock (_gate)
        {
            var id = Guid.NewGuid().ToString();
            var key = new KmsKey
            {
                Id = id,
                Arn = $"arn:aws:kms:{_options.Region}:{_options.Account}:key/{id}",
                CreationDate = DateTimeOffset.UtcNow,
                Description = description,
            };
            _keys[id] = key;
            return key;
        }
    }

    JsonObject CreateKey(JsonObject request) =>
        new() { ["KeyMetadata"] = Metadata(NewKey(Str(request, "Description") ?? "")) };

    JsonObject Metadata(KmsKey key) => new()
    {
        ["AWSAccountId"] = _options.Account,
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

    JsonObject ListKeys(JsonObject request)
    {
        var (limit, after) = Paging(request, "keys");
        var page = _keys.Values.OrderBy(k => k.CreationDate).ThenBy(k => k.Id, StringComparer.Ordinal)
            .Select((k, i) => (k, i: (long)i + 1)).Where(x => x.i > after).Take(limit + 1).ToList();
        var result = new JsonObject { ["Keys"] = new JsonArray(page.Take(limit).Select(x => (JsonNode)new JsonObject { ["KeyId"] = x.k.Id, ["KeyArn"] = x.k.Arn }).ToArray()) };
        return WithMarker(result, page.Count > limit, page.Count > limit ? page[limit - 1].i : 0, "keys");
    }

    JsonObject SetKeyState(JsonObject request, string caller, string state)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, allowAlias: false);
        RequireKeyAccount(caller, key, state == "Enabled" ? "EnableKey" : "DisableKey");
        if (key.State == "PendingDeletion")
            throw KmsException.InvalidState($"{key.Arn} is pending deletion.");
        key.State = state;
        return new JsonObject();
    }

    JsonObject ScheduleKeyDeletion(JsonObject request, string caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, allowAlias: false);
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

    JsonObject CancelKeyDeletion(JsonObject request, string caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, allowAlias: false);
        RequireKeyAccount(caller, key, "CancelKeyDeletion");
        if (key.State != "PendingDeletion") throw KmsException.InvalidState($"{key.Arn} is not pending deletion.");
        key.State = "Disabled";
        key.DeletionDate = null;
        return new JsonObject { ["KeyId"] = key.Arn };
    }

    JsonObject CreateAlias(JsonObject request, string caller)
    {
        var name = Str(request, "AliasName", required: true)!;
        if (!name.StartsWith("alias/", StringComparison.Ordinal) || name.StartsWith("alias/aws/", StringComparison.Ordinal))
            throw KmsException.Validation("AliasName must begin with 'alias/' and not 'alias/aws/'.");
        var key = FindKey(Str(request, "TargetKeyId", required: true)!, allowAlias: false);
        RequireKeyAccount(caller, key, "CreateAlias");
        if (!_aliases.TryAdd(name, key)) throw new KmsException("AlreadyExistsException", $"An alias with the name {name} already exists.");
        return new JsonObject();
    }

    /// <summary>A key by ID or key ARN, and by alias name or alias ARN where the operation allows.</summary>
    KmsKey FindKey(string keyId, bool allowAlias)
    {
        if (keyId.Length is 0 or > 2048) throw KmsException.Validation("KeyId must be 1-2048 characters.");
        if (keyId.StartsWith("arn:", StringComparison.Ordinal))
        {
            var m = KmsArnPattern().Match(keyId);
            if (!m.Success) throw KmsException.InvalidArn($"{keyId} is not a valid KMS ARN.");
            if (m.Groups["region"].Value != _options.Region || m.Groups["account"].Value != _options.Account)
                throw KmsException.NotFound($"Key '{keyId}' does not exist");
            if (m.Groups["kind"].Value == "alias")
                return allowAlias ? FindAlias("alias/" + m.Groups["id"].Value, keyId) : throw KmsException.NotFound($"Key '{keyId}' does not exist");
            keyId = m.Groups["id"].Value;
        }
        else if (keyId.StartsWith("alias/", StringComparison.Ordinal))
        {
            return allowAlias ? FindAlias(keyId, keyId) : throw KmsException.NotFound($"Key '{keyId}' does not exist");
        }
        return _keys.TryGetValue(keyId, out var key) ? key : throw KmsException.NotFound($"Key '{_options.KeyArn(keyId)}' does not exist");
    }

    KmsKey FindAlias(string name, string asGiven) =>
        _aliases.TryGetValue(name, out var key) ? key : throw KmsException.NotFound($"Alias {asGiven} is not found.");

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
                IssuingAccount = _options.RootPrincipal,
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

    JsonObject CreateGrant(JsonObject request, string caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, allowAlias: false);
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

    JsonObject ListGrants(JsonObject request, string caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, allowAlias: false);
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

    JsonObject ListRetirableGrants(JsonObject request)
    {
        var principal = Principal(request, "RetiringPrincipal", required: true)!;
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

    JsonObject RetireGrant(JsonObject request, string caller)
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
            var key = FindKey(keyId, allowAlias: false);
            ValidateGrantId(grantId);
            grant = key.GrantsById.TryGetValue(grantId, out var g) ? g : throw KmsException.NotFound($"Grant ID {grantId} not found on key {key.Arn}.");
        }
        else
        {
            throw KmsException.Validation("Specify either GrantToken, or both KeyId and GrantId.");
        }

        var callerAccount = AccountOf(caller);
        var allowed = caller == grant.RetiringPrincipal
            || (caller == grant.GranteePrincipal && grant.Operations.Contains("RetireGrant"))
            || caller == $"arn:aws:iam::{_options.Account}:root";
        if (!allowed)
            throw KmsException.AccessDenied($"User: {caller} is not authorized to perform: kms:RetireGrant on this grant"
                + (callerAccount == null ? "" : $" (account {callerAccount})") + ".");
        if (grant.Key.State == "PendingDeletion") throw KmsException.InvalidState($"{grant.Key.Arn} is pending deletion.");
        if (DryRun(request)) throw KmsException.DryRun();
        Remove(grant);
        return new JsonObject();
    }

    JsonObject RevokeGrant(JsonObject request, string caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, allowAlias: false);
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

    /// <summary>Only principals of the key's account manage its grants here (the key policy's default).</summary>
    void RequireKeyAccount(string caller, KmsKey key, string operation)
    {
        if (AccountOf(caller) != _options.Account)
            throw KmsException.AccessDenied($"User: {caller} is not authorized to perform: kms:{operation} on resource: {key.Arn}");
    }

    static string? AccountOf(string principal)
    {
        var m = IamArnPattern().Match(principal);
        return m.Success ? m.Groups["account"].Value : null;
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

public static class EmulatorOptionsExtensions
{
    public static string KeyArn(this EmulatorOptions o, string keyId) => $"arn:aws:kms:{o.Region}:{o.Account}:key/{keyId}";
}
