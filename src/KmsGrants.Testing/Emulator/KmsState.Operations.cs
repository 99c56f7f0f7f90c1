using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>One KMS operation the emulator implements: the name X-Amz-Target carries (TrentService.NAME), one line on
/// what the emulator does with it (for generated docs), and its handler in <see cref="KmsState"/>.</summary>
public sealed class KmsOperation
{
    internal KmsOperation(string name, string summary, Func<KmsState, JsonObject, Caller, JsonObject> handler)
    {
        Name = name;
        Summary = summary;
        Handler = handler;
    }

    public string Name { get; }
    public string Summary { get; }
    internal Func<KmsState, JsonObject, Caller, JsonObject> Handler { get; }

    public override string ToString() => Name;
}

/// <summary>The operations the emulator implements, in one table: <see cref="Handle"/> dispatches through it, quotas and
/// faults are checked against it (<see cref="Operations"/>), Start-KmsEmulator's -FaultOperation validates and completes
/// from it, and docs can be generated from it. Adding an operation is adding a row here.</summary>
public sealed partial class KmsState
{
    /// <summary>Every operation the emulator implements, in the order the docs list them.</summary>
    public static readonly IReadOnlyList<KmsOperation> OperationTable =
    [
        new("CreateKey", "A key of the caller's account: Description (0-8,192 characters), KeySpec and KeyUsage (checked together), customer managed.",
            static (s, r, c) => s.CreateKey(r, c)),
        new("DescribeKey", "A key's metadata by key ID, key ARN, alias name or alias ARN; another account's key by ARN.",
            static (s, r, c) => s.DescribeKey(r, c)),
        new("ListKeys", "The caller's account's keys in the Region, AWS managed ones included; Limit 1-1,000 (default 100), opaque markers.",
            static (s, r, c) => s.ListKeys(r, c)),
        new("EnableKey", "Enables a customer managed key of the caller's account.", static (s, r, c) => s.SetKeyState(r, c, "Enabled")),
        new("DisableKey", "Disables a customer managed key of the caller's account (CreateGrant then gets DisabledException).",
            static (s, r, c) => s.SetKeyState(r, c, "Disabled")),
        new("ScheduleKeyDeletion", "PendingDeletion after 7-30 days (the key's grants can no longer be listed, retired or revoked).",
            static (s, r, c) => s.ScheduleKeyDeletion(r, c)),
        new("CancelKeyDeletion", "Back to Disabled.", static (s, r, c) => s.CancelKeyDeletion(r, c)),
        new("CreateAlias", "alias/NAME (not alias/aws/...) for a customer managed key of the caller's account.",
            static (s, r, c) => s.CreateAlias(r, c)),
        new("ListAliases", "The caller's account's aliases (alias/aws/... of AWS managed keys included), optionally of one key; Limit 1-100.",
            static (s, r, c) => s.ListAliases(r, c)),
        new("CreateGrant", "A grant, or with a Name and identical parameters the existing grant's ID and a new token; principals that exist and have propagated; operations the key spec allows; 50,000 per customer managed key; DryRun.",
            static (s, r, c) => s.CreateGrant(r, c)),
        new("ListGrants", "A key's grants, filtered by GrantId or GranteePrincipal; a deleted principal shows as its unique ID; Limit 1-100.",
            static (s, r, c) => s.ListGrants(r, c)),
        new("ListRetirableGrants", "The Region's grants whose retiring principal, as the grant shows it, is the one given (of the caller's account).",
            static (s, r, c) => s.ListRetirableGrants(r, c)),
        new("RetireGrant", "By any of the grant's tokens, or key and grant ID: the retiring principal, a grantee allowed RetireGrant, or the key's account; DryRun.",
            static (s, r, c) => s.RetireGrant(r, c)),
        new("RevokeGrant", "By key and grant ID, as the key's account; DryRun.", static (s, r, c) => s.RevokeGrant(r, c)),
    ];

    static readonly Dictionary<string, KmsOperation> OperationsByName = OperationTable.ToDictionary(o => o.Name, StringComparer.Ordinal);

    /// <summary>The names of <see cref="OperationTable"/>, sorted (what quotas and faults are checked against).</summary>
    public static readonly IReadOnlySet<string> Operations = new SortedSet<string>(OperationTable.Select(o => o.Name), StringComparer.Ordinal);

    /// <summary>The operation of that name, or null when the emulator does not implement it.</summary>
    public static KmsOperation? FindOperation(string name) => OperationsByName.GetValueOrDefault(name);

    /// <summary>Answers one operation: the service model's constraints first (all at once, as KMS words them), then the
    /// operation's own rules, under the state's lock.</summary>
    public JsonObject Handle(string operation, JsonObject request, Caller caller)
    {
        var op = FindOperation(operation) ?? throw new KmsException("UnknownOperationException", $"The emulator does not implement {operation}.");
        ModelInput.Check(op.Name, request);
        lock (_gate) return op.Handler(this, request, caller);
    }
}
