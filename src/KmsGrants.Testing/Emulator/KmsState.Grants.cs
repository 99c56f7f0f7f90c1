using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant (with who may retire), RevokeGrant.</summary>
public sealed partial class KmsState
{
    public (Grant Grant, string Token) NewGrant(KmsKey key, string grantee, string? retiring, string[] operations, string? name, JsonObject? constraints)
    {
        lock (_gate)
        {
            if (key.Grants.Count >= MaxGrantsPerKey)
                throw new KmsException("LimitExceededException", $"Key {key.Arn} already has {MaxGrantsPerKey} grants.");
            var grant = new Grant
            {
                Sequence = ++_sequence,
                Id = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant(),
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
            key.Grants.Add(grant);
            key.GrantsById[grant.Id] = grant;
            _grantsByToken[grant.Token] = grant;
            if (retiring != null)
            {
                if (!_grantsByRetiringPrincipal.TryGetValue(retiring, out var set))
                    _grantsByRetiringPrincipal[retiring] = set = new GrantSequence();
                set.Add(grant);
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
        var name = Str(request, "Name");
        CheckGrantShape(operations, name);
        RequireKeyAccount(caller, key, "CreateGrant");
        CheckKeyTakesGrants(key);
        if (DryRun(request)) throw KmsException.DryRun();
        var (grant, token) = NewGrant(key, grantee, retiring, operations, name, request["Constraints"]?.DeepClone() as JsonObject);
        return new JsonObject { ["GrantToken"] = token, ["GrantId"] = grant.Id };
    }

    static void CheckGrantShape(string[] operations, string? name)
    {
        if (operations.Length == 0) throw KmsException.Validation("Operations must not be empty.");
        foreach (var op in operations)
            if (!GrantOperations.Contains(op)) throw KmsException.Validation($"Value '{op}' at 'operations' failed to satisfy constraint: Member must satisfy enum value set.");
        if (name != null && (name.Length is 0 or > 256 || !GrantNamePattern().IsMatch(name)))
            throw KmsException.Validation("Name must be 1-256 characters of [a-zA-Z0-9:/_-].");
    }

    static void CheckKeyTakesGrants(KmsKey key)
    {
        if (key.State == "Disabled") throw new KmsException("DisabledException", $"{key.Arn} is disabled.");
        if (key.State == "PendingDeletion") throw KmsException.InvalidState($"{key.Arn} is pending deletion.");
        if (key.Grants.Count >= MaxGrantsPerKey)
            throw new KmsException("LimitExceededException", $"Key {key.Arn} already has {MaxGrantsPerKey} grants.");
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
        var grants = key.Grants.After(after);
        if (grantId != null) grants = grants.Where(g => g.Id == grantId);
        if (grantee != null) grants = grants.Where(g => g.GranteePrincipal == grantee);
        return GrantPage(grants, limit, key.Id);
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
        var grants = _grantsByRetiringPrincipal.TryGetValue(principal, out var set) ? set.After(after) : [];
        return GrantPage(grants, limit, "retirable:" + principal);
    }

    /// <summary>A page of grants that follow the marker's position (<see cref="GrantSequence.After"/>).</summary>
    JsonObject GrantPage(IEnumerable<Grant> grants, int limit, string scope)
    {
        var page = grants.Take(limit + 1).ToList();
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
        grant.Key.Grants.Remove(grant);
        grant.Key.GrantsById.Remove(grant.Id);
        _grantsByToken.Remove(grant.Token);
        if (grant.RetiringPrincipal != null && _grantsByRetiringPrincipal.TryGetValue(grant.RetiringPrincipal, out var set))
        {
            set.Remove(grant);
            if (set.Count == 0) _grantsByRetiringPrincipal.Remove(grant.RetiringPrincipal);
        }
        _grantsAlive--;
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
