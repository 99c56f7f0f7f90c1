using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>Keys and aliases: CreateKey, DescribeKey, ListKeys, key states, CreateAlias, ListAliases, and finding a key
/// by ID, ARN or alias as KMS does.</summary>
public sealed partial class KmsState
{
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
                Region = Region,
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
        CheckAliasName(name);
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

    static void CheckAliasName(string name)
    {
        if (!name.StartsWith("alias/", StringComparison.Ordinal) || name.StartsWith("alias/aws/", StringComparison.Ordinal))
            throw KmsException.Validation("AliasName must begin with 'alias/' and not 'alias/aws/'.");
        if (name.Length > 256 || !AliasNamePattern().IsMatch(name))
            throw KmsException.Validation($"1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$");
    }

    KmsKey FindAlias(string account, string name, string asGiven) =>
        _aliases.TryGetValue((account, name), out var key) ? key : throw KmsException.NotFound($"Alias {asGiven} is not found.");
}
