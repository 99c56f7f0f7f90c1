using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>Grants: CreateGrant (with its Name's retry rule), ListGrants, ListRetirableGrants, RetireGrant (with who may
/// retire), RevokeGrant. A grant keeps its principals as written and the IAM user or role each named then: ListGrants
/// and ListRetirableGrants show the unique ID of one deleted since, as KMS does.</summary>
public sealed partial class KmsState
{
    /// <summary>Most encryption context pairs a constraint takes, and the longest value (CreateGrant's Constraints).</summary>
    const int MaxConstraintPairs = 8, MaxConstraintValue = 384;

    public (Grant Grant, string Token) NewGrant(KmsKey key, string grantee, string? retiring, string[] operations, string? name, JsonObject? constraints, DateTimeOffset? creationDate = null)
    {
        lock (_gate)
        {
            if (!key.IsAwsManaged && key.Grants.Count >= MaxGrantsPerKey) throw GrantLimit(key);
            var grant = new Grant
            {
                Sequence = ++_sequence,
                Id = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant(),
                Tokens = [NewToken()],
                Key = key,
                Name = name,
                CreationDate = creationDate ?? DateTimeOffset.UtcNow,
                GranteePrincipal = grantee,
                RetiringPrincipal = retiring,
                GranteeEntity = _iam.Resolve(grantee),
                RetiringEntity = retiring == null ? null : _iam.Resolve(retiring),
                IssuingAccount = Principals.Root(key.Account),
                Operations = operations,
                Constraints = constraints,
            };
            key.Grants.Add(grant);
            key.GrantsById[grant.Id] = grant;
            if (name != null)
            {
                if (!key.GrantsByName.TryGetValue(name, out var named)) key.GrantsByName[name] = named = [];
                named.Add(grant);
            }
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

    static KmsException GrantLimit(KmsKey key) =>
        new("LimitExceededException", $"The request was rejected because the grant limit for {key.Arn} ({MaxGrantsPerKey} grants) was exceeded.");

    /// <summary>CreateGrant. With a Name, a request whose parameters are identical to an alive grant's of that name on
    /// the key — grantee and retiring principal (the same IAM user or role, not one made again with that ARN),
    /// operations (in any order), constraints — returns that grant's ID and a new token, which names it as its others do
    /// ("the returned grant token is unique with every CreateGrant request ... All grant tokens for the same grant ID can
    /// be used interchangeably"). Any other request makes a new grant, with the same name if given: names are not unique.</summary>
    JsonObject CreateGrant(JsonObject request, Caller caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: false);
        var grantee = Principal(request, "GranteePrincipal", required: true)!;
        var retiring = Principal(request, "RetiringPrincipal", required: false);
        var operations = (request["Operations"] as JsonArray)?.Select(n => n?.GetValue<string>() ?? "").ToArray() ?? [];
        var name = Str(request, "Name");
        var constraints = request["Constraints"]?.DeepClone() as JsonObject;
        CheckGrantTokens(request);
        RequireKeyAccount(caller, key, "CreateGrant");
        RequireCustomerManaged(caller, key, "CreateGrant");
        CheckKeyState(key);
        CheckGrantShape(key, operations, name, constraints);
        CheckPrincipalsExist(grantee, retiring);
        var same = name == null ? null : FindIdentical(key, name, grantee, retiring, operations, constraints);
        if (same == null && !key.IsAwsManaged && key.Grants.Count >= MaxGrantsPerKey) throw GrantLimit(key);
        if (DryRun(request)) throw KmsException.DryRun();
        if (same != null)
        {
            var token = NewToken();
            same.Tokens = [.. same.Tokens, token];
            _grantsByToken[token] = same;
            return new JsonObject { ["GrantToken"] = token, ["GrantId"] = same.Id };
        }
        var (grant, first) = NewGrant(key, grantee, retiring, operations, name, constraints);
        return new JsonObject { ["GrantToken"] = first, ["GrantId"] = grant.Id };
    }

    Grant? FindIdentical(KmsKey key, string name, string grantee, string? retiring, string[] operations, JsonObject? constraints)
    {
        if (!key.GrantsByName.TryGetValue(name, out var named)) return null;
        var granteeEntity = _iam.Resolve(grantee);
        var retiringEntity = retiring == null ? null : _iam.Resolve(retiring);
        var ops = operations.ToHashSet(StringComparer.Ordinal);
        var context = Canonical(constraints);
        return named.FirstOrDefault(g => g.GranteePrincipal == grantee && g.GranteeEntity == granteeEntity
            && g.RetiringPrincipal == retiring && g.RetiringEntity == retiringEntity
            && ops.SetEquals(g.Operations) && Canonical(g.Constraints) == context);
    }

    /// <summary>Constraints as comparable text: maps in name order, so that member order does not matter.</summary>
    static string Canonical(JsonObject? constraints)
    {
        if (constraints == null) return "";
        static string Map(JsonNode? node) => node is JsonObject o
            ? string.Join("\u0001", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "\u0002" + p.Value?.GetValue<string>()))
            : "-";
        return Map(constraints["EncryptionContextSubset"]) + "\u0003" + Map(constraints["EncryptionContextEquals"]);
    }

    /// <summary>GrantTokens (at most 10, checked by the model): each must be a token KMS issued the shape of.</summary>
    static void CheckGrantTokens(JsonObject request)
    {
        if (request["GrantTokens"] is not JsonArray tokens) return;
        foreach (var t in tokens)
            if (!IsWellFormedToken(t!.GetValue<string>())) throw new KmsException("InvalidGrantTokenException", "The grant token is not valid.");
    }

    /// <summary>Operations (some, each one the key's spec supports), the name's shape, and the constraints: one of
    /// EncryptionContextSubset and EncryptionContextEquals, up to 8 pairs, values up to 384 characters, and only on a
    /// symmetric encryption key.</summary>
    static void CheckGrantShape(KmsKey key, string[] operations, string? name, JsonObject? constraints)
    {
        if (operations.Length == 0) throw Violation.Exception("Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1");
        var unknown = operations.Where(o => !GrantOperations.Contains(o)).ToList();
        if (unknown.Count > 0)
            throw Violation.Exception($"Value '[{string.Join(", ", operations)}]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{string.Join(", ", ModelInput.GrantOperations)}]]");
        if (name != null)
        {
            var violations = new List<string>();
            if (Violation.Length("name", name, 1, 256) is { } length) violations.Add(length);
            if (!ModelInput.NamePattern().IsMatch(name)) violations.Add(Violation.Pattern("name", name, ModelInput.NamePatternText));
            if (violations.Count > 0) throw Violation.Exception(violations);
        }
        if (constraints != null)
        {
            var subset = constraints["EncryptionContextSubset"] as JsonObject;
            var equals = constraints["EncryptionContextEquals"] as JsonObject;
            if (subset != null && equals != null) throw KmsException.Validation("More than one constraint supplied");
            foreach (var (member, map) in new[] { ("EncryptionContextSubset", subset), ("EncryptionContextEquals", equals) })
            {
                if (map == null) continue;
                if (map.Count > MaxConstraintPairs)
                    throw KmsException.Validation($"{member} has {map.Count} encryption context pairs: a grant constraint takes at most {MaxConstraintPairs}.");
                foreach (var (k, v) in map)
                {
                    var value = v?.GetValue<string>() ?? throw new InvalidOperationException($"The value of '{k}' in {member} is null.");
                    if (value.Length > MaxConstraintValue)
                        throw KmsException.Validation($"The value of '{k}' in {member} is {value.Length} characters: an encryption context value in a grant constraint takes at most {MaxConstraintValue}.");
                }
            }
        }
        KeySpecs.CheckGrant(key, operations, constraints);
    }

    /// <summary>KMS resolves a grant's principals when it is made: a deleted IAM user or role (or a session of one), one
    /// IAM has not yet propagated to KMS, or a value naming no principal is InvalidArnException, as KMS words it.</summary>
    void CheckPrincipalsExist(string grantee, string? retiring)
    {
        foreach (var p in retiring == null ? [grantee] : new[] { grantee, retiring })
            if (_iam.WhyInvalid(p) != null) throw KmsException.InvalidPrincipal(p);
    }

    static void CheckKeyState(KmsKey key)
    {
        if (key.State == "Disabled") throw new KmsException("DisabledException", $"{key.Arn} is disabled.");
        if (key.State == "PendingDeletion") throw KmsException.InvalidState($"{key.Arn} is pending deletion.");
    }

    static void CheckKeyTakesGrants(KmsKey key)
    {
        CheckKeyState(key);
        if (!key.IsAwsManaged && key.Grants.Count >= MaxGrantsPerKey) throw GrantLimit(key);
    }

    /// <summary>A key's grants (an AWS managed key's too: its policy lets the account list them), filtered by grant ID,
    /// or by grantee as ListGrants shows it (a deleted user's or role's unique ID, not its ARN).</summary>
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
        if (grantee != null) grants = grants.Where(g => g.ListedGranteePrincipal == grantee);
        return GrantPage(grants, limit, key.Id);
    }

    /// <summary>Grants in this Region, on keys of any account, whose retiring principal as the grant shows it is exactly
    /// the one given ("the retiring principal specified in the ListRetirableGrants request is the same retiring principal
    /// on the grant"): after a role is deleted, its ARN no longer finds the grants that named it, its unique ID does. The
    /// principal must be in the caller's account ("You must specify a principal in your Amazon Web Services account",
    /// the KMS API reference). A principal that is not an IAM or STS ARN (a service principal) is in no account: allowed.</summary>
    JsonObject ListRetirableGrants(JsonObject request, Caller caller)
    {
        var principal = Principal(request, "RetiringPrincipal", required: true)!;
        var byUniqueId = _iam.FindByUniqueId(principal);
        if ((byUniqueId?.Account ?? Principals.AccountOf(principal)) is { } account && account != caller.Account)
            throw KmsException.AccessDenied($"User: {caller.Arn} is not authorized to perform: kms:ListRetirableGrants on resource: {principal} "
                + $"because the retiring principal is not in the caller's account {caller.Account}.");
        var scope = "retirable:" + principal;
        var (limit, after) = Paging(request, scope);
        IEnumerable<Grant> grants;
        if (byUniqueId != null)
            grants = _grantsByRetiringPrincipal.TryGetValue(byUniqueId.Arn, out var named)
                ? named.After(after).Where(g => g.RetiringEntity == byUniqueId && byUniqueId.IsDeleted) : [];
        else
            grants = _grantsByRetiringPrincipal.TryGetValue(principal, out var set)
                ? set.After(after).Where(g => g.ListedRetiringPrincipal == principal) : [];
        return GrantPage(grants, limit, scope);
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
            ["GranteePrincipal"] = g.ListedGranteePrincipal,
            ["IssuingAccount"] = g.IssuingAccount,
            ["Operations"] = new JsonArray(g.Operations.Select(o => (JsonNode)o).ToArray()),
        };
        if (g.Name != null) entry["Name"] = g.Name;
        if (g.ListedRetiringPrincipal is { } retiring) entry["RetiringPrincipal"] = retiring;
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
        // here: the account in which the grant was created). A role on the grant is matched by its sessions too, and only
        // the role the grant named: not one made again with its ARN.
        var allowed = Names(caller, grant.RetiringPrincipal, grant.RetiringEntity)
            || (Names(caller, grant.GranteePrincipal, grant.GranteeEntity) && grant.Operations.Contains("RetireGrant"))
            || caller.IsRootOf(grant.Key.Account);
        if (!allowed)
            throw KmsException.AccessDenied($"User: {caller.Arn} is not authorized to perform: kms:RetireGrant on this grant (account {caller.Account}).");
        if (grant.Key.State == "PendingDeletion") throw KmsException.InvalidState($"{grant.Key.Arn} is pending deletion.");
        if (DryRun(request)) throw KmsException.DryRun();
        Remove(grant);
        return new JsonObject();
    }

    /// <summary>Whether a principal written on a grant names the caller: the same IAM user or role (or a session of that
    /// role) when it named one, else the same ARN.</summary>
    static bool Names(Caller caller, string? written, IamPrincipal? entity) =>
        caller.Is(written) && (entity == null || caller.Entity == entity);

    /// <summary>By key and grant ID, as the key's account; an AWS managed key's too (its policy lets the account revoke
    /// its grants).</summary>
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
        if (grant.Name != null && grant.Key.GrantsByName.TryGetValue(grant.Name, out var named))
        {
            named.Remove(grant);
            if (named.Count == 0) grant.Key.GrantsByName.Remove(grant.Name);
        }
        foreach (var token in grant.Tokens) _grantsByToken.Remove(token);
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
