using System.Text.RegularExpressions;

namespace KmsGrants.Testing.Emulator;

/// <summary>What an emulator is started with. Each knob maps to a behaviour tests and benchmarks need to set up; the
/// console host (tests/KmsEmulator) fills it from its command line, Start-KmsEmulator from its parameters.</summary>
public sealed partial class EmulatorOptions
{
    public const string DefaultRegion = "us-east-1";
    public const string DefaultAccount = "111122223333";
    public const string DefaultAccessKey = "testing";
    public const int DefaultRequestLogSize = 10_000;

    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; set; }
    /// <summary>The Regions served, in this order (seeded keys are made in this order); none means us-east-1.</summary>
    public List<string> Regions { get; } = new();
    /// <summary>The default account: of the default identity, of seeded keys, and of an identity whose ARN names none.</summary>
    public string Account { get; set; } = DefaultAccount;
    /// <summary>Who may sign requests; none means testing/testing as the account's root.</summary>
    public List<EmulatorIdentity> Identities { get; } = new();
    /// <summary>Added to every KMS request before it is answered.</summary>
    public int LatencyMs { get; set; }
    /// <summary>Operation → requests per second (a token bucket holding one second's worth, in each Region).</summary>
    public Dictionary<string, double> Quotas { get; } = new(StringComparer.Ordinal);
    public double FaultRate { get; set; }
    /// <summary>The faults to pick from; none (with a fault rate) means all of them.</summary>
    public HashSet<FaultKind> FaultKinds { get; } = new();
    /// <summary>Operations faults are injected into; empty means all.</summary>
    public HashSet<string> FaultOperations { get; } = new(StringComparer.Ordinal);
    /// <summary>Seeds the fault dice, for runs that must repeat.</summary>
    public int? Seed { get; set; }
    /// <summary>Grants made before listening, on one key of <see cref="Account"/> in each Region.</summary>
    public int SeedGrants { get; set; }
    /// <summary>The seeded grants' retiring principal; none means the account's root.</summary>
    public string? RetiringPrincipal { get; set; }
    /// <summary>How many requests the request log keeps (the latest); 0 keeps none. Counts in the stats are totals.</summary>
    public int RequestLogSize { get; set; } = DefaultRequestLogSize;
    /// <summary>An account shape for audit benchmarks (the console host's --keys and friends), made before listening.</summary>
    public AuditShape Audit { get; } = new();
    /// <summary>IAM users and roles deleted before listening, after the grants are made (--deleted-principal).</summary>
    public List<string> DeletedPrincipals { get; } = new();

    public string RootPrincipal => Principals.Root(Account);

    // \z, not $: in .NET, $ also matches before a final newline, which would let "us-east-1\n" through.
    // A Region name of an AWS partition (their region patterns: us-, eu-, ap-, …, cn-, us-gov-, us-iso-, eusc-de-), so
    // that the emulator serves no Region a client would refuse to sign for.
    [GeneratedRegex(@"^(?:af|ap|ca|cn|eu|eusc|il|me|mx|sa|us)(-[a-z]+)+-[1-9][0-9]?\z")] private static partial Regex RegionPattern();
    [GeneratedRegex(@"^[0-9]{12}\z")] private static partial Regex AccountPattern();
    [GeneratedRegex(@"^[\w+=,.@:/-]{1,256}\z", RegexOptions.ECMAScript)] private static partial Regex PrincipalPattern();
    // An access key ID ends at the first '/' of a SigV4 credential and may not hold a separator of that header.
    [GeneratedRegex(@"^[^/,\s=]+\z")] private static partial Regex AccessKeyPattern();
    // A session token travels in a header (X-Amz-Security-Token): no white space or control character.
    [GeneratedRegex(@"^[\x21-\x7e]+\z")] private static partial Regex SessionTokenPattern();

    /// <summary>Checks every knob and fills in the defaults (Regions, Identities, FaultKinds); throws
    /// <see cref="EmulatorOptionsException"/> naming the first thing wrong, before anything listens.</summary>
    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new EmulatorOptionsException(OptionProblem.Port, $"The port must be 0-65535 (0 picks a free one), not {Port}.");
        if (Regions.Count == 0) Regions.Add(DefaultRegion);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in Regions)
        {
            if (r == null || !RegionPattern().IsMatch(r)) throw new EmulatorOptionsException(OptionProblem.Region, $"'{r}' is not an AWS Region name (e.g. us-east-1, eu-west-2, ap-southeast-1, cn-north-1, us-gov-west-1).");
            if (!seen.Add(r)) throw new EmulatorOptionsException(OptionProblem.Region, $"The Region {r} is given twice.");
        }
        if (Account == null || !AccountPattern().IsMatch(Account))
            throw new EmulatorOptionsException(OptionProblem.Account, $"The account must be a 12-digit account ID, not '{Account}'.");
        ValidateIdentities();
        if (Quotas.Count > 0)
        {
            Dictionary<string, double?> quotas;
            try { quotas = QuotaTable.Check(Quotas.Select(p => (p.Key, (object?)p.Value))); }
            catch (ArgumentException e) { throw new EmulatorOptionsException(OptionProblem.Quota, e.Message); }
            Quotas.Clear();
            foreach (var (op, rate) in quotas) if (rate is { } r) Quotas[op] = r;   // 0 means none, as when changed later
        }
        if (LatencyMs < 0) throw new EmulatorOptionsException(OptionProblem.Latency, $"The latency must be 0 ms or more, not {LatencyMs}.");
        if (!(FaultRate is >= 0 and <= 1)) throw new EmulatorOptionsException(OptionProblem.Fault, $"The fault rate must be 0-1, not {FaultRate}.");
        foreach (var op in FaultOperations)
            if (!KmsState.Operations.Contains(op))
                throw new EmulatorOptionsException(OptionProblem.Fault, $"Faults are injected into operations the emulator implements ({string.Join(", ", KmsState.Operations)}), not '{op}'.");
        if (FaultRate > 0 && FaultKinds.Count == 0)
            foreach (var k in Enum.GetValues<FaultKind>()) FaultKinds.Add(k);
        if (SeedGrants is < 0 or > KmsState.MaxGrantsPerKey)
            throw new EmulatorOptionsException(OptionProblem.SeedGrants, $"Seeded grants must be 0-{KmsState.MaxGrantsPerKey} (a key's grant limit), not {SeedGrants}.");
        if (RetiringPrincipal != null && !PrincipalPattern().IsMatch(RetiringPrincipal))
            throw new EmulatorOptionsException(OptionProblem.Principal, $"'{RetiringPrincipal}' is not a principal (1-256 characters of [\\w+=,.@:/-]).");
        if (RequestLogSize < 0) throw new EmulatorOptionsException(OptionProblem.RequestLog, $"The request log size must be 0 or more, not {RequestLogSize}.");
        Audit.Validate();
        foreach (var p in DeletedPrincipals)
            if (p == null || !IamDirectory.IsEntity(p))
                throw new EmulatorOptionsException(OptionProblem.Principal, $"'{p}' is not the ARN of an IAM user or role (arn:aws:iam::ACCOUNT:role/NAME or user/NAME) to delete.");
    }

    void ValidateIdentities()
    {
        if (Identities.Count == 0) Identities.Add(new EmulatorIdentity(DefaultAccessKey, DefaultAccessKey, RootPrincipal));
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in Identities)
        {
            if (string.IsNullOrEmpty(i.AccessKey) || !AccessKeyPattern().IsMatch(i.AccessKey))
                throw new EmulatorOptionsException(OptionProblem.Identity, $"An identity needs an access key ID without '/', ',', '=' or white space, not '{i.AccessKey}'.");
            if (string.IsNullOrEmpty(i.SecretKey))
                throw new EmulatorOptionsException(OptionProblem.Identity, $"The identity {i.AccessKey} has no secret key: requests are signed with it.");
            if (i.SessionToken != null && !SessionTokenPattern().IsMatch(i.SessionToken))
                throw new EmulatorOptionsException(OptionProblem.Identity, $"The identity {i.AccessKey} has a session token that is empty or holds white space or control characters: it is sent in a header.");
            if (string.IsNullOrEmpty(i.Principal) || !PrincipalPattern().IsMatch(i.Principal) || !Principals.IsCaller(i.Principal))
                throw new EmulatorOptionsException(OptionProblem.Identity, $"The identity {i.AccessKey} needs the ARN of a principal that signs requests — an account's root, an IAM user or role, an STS session (e.g. arn:aws:iam::{Account}:role/ci) — not '{i.Principal}'.");
            if (!keys.Add(i.AccessKey))
                throw new EmulatorOptionsException(OptionProblem.Identity, $"The access key {i.AccessKey} is given twice.");
        }
    }
}

/// <summary>Who may sign requests: an access key, its secret, the session token when they are temporary credentials
/// (requests must then carry it; without one, a request that carries any is refused), and the principal it acts as (any
/// account, IAM or STS assumed-role ARN). Its text never includes the secret or the token.</summary>
public sealed class EmulatorIdentity(string accessKey, string secretKey, string principal, string? sessionToken = null)
{
    public string AccessKey { get; } = accessKey;
    public string SecretKey { get; } = secretKey;
    public string Principal { get; } = principal;
    public string? SessionToken { get; } = sessionToken;
    public override string ToString() => $"{AccessKey} = {Principal}";
}

/// <summary>The account an audit of stale grants reads, made in each Region before listening (all of the emulator's
/// account). <see cref="Keys"/> customer keys with <see cref="GrantsPerKey"/> grants each, a big key with
/// <see cref="BigKeyGrants"/>, and the AWS managed key alias/aws/ebs with <see cref="AwsManagedGrants"/> grants to the
/// EC2 service. Every key's grants follow one pattern of five, by position j on the key:
/// <list type="bullet">
/// <item>j % 5 = 0, 1: named audit-j, to role/audit-app-N (alive), retiring principal role/audit-ci.</item>
/// <item>j % 5 = 2: unnamed, to role/audit-app-N; j % 5 = 3: its duplicate (same grantee, retiring principal, operations,
/// constraints; unnamed, as an unnamed CreateGrant retried makes one).</item>
/// <item>j % 5 = 4: to role/audit-deleted-N (N = key number % 10), deleted once the grants are made: ListGrants shows its
/// AROA… unique ID.</item>
/// </list>
/// With <see cref="GrantAgeDays"/>, the n-th grant made is back-dated n % (days + 1) days.</summary>
public sealed class AuditShape
{
    public int Keys { get; set; }
    public int GrantsPerKey { get; set; }
    public int BigKeyGrants { get; set; }
    public int AwsManagedGrants { get; set; }
    public int GrantAgeDays { get; set; }
    public bool Any => Keys > 0 || BigKeyGrants > 0 || AwsManagedGrants > 0;

    internal void Validate()
    {
        if (Keys is < 0 or > 100_000) throw new EmulatorOptionsException(OptionProblem.SeedGrants, $"--keys must be 0-100000 (KMS's keys per account and Region), not {Keys}.");
        foreach (var (name, n) in new[] { ("--grants-per-key", GrantsPerKey), ("--big-key-grants", BigKeyGrants) })
            if (n is < 0 or > KmsState.MaxGrantsPerKey) throw new EmulatorOptionsException(OptionProblem.SeedGrants, $"{name} must be 0-{KmsState.MaxGrantsPerKey} (a key's grant limit), not {n}.");
        if (AwsManagedGrants is < 0 or > 1_000_000) throw new EmulatorOptionsException(OptionProblem.SeedGrants, $"--aws-managed-grants must be 0-1000000, not {AwsManagedGrants}.");
        if (GrantAgeDays is < 0 or > 36_500) throw new EmulatorOptionsException(OptionProblem.SeedGrants, $"--grant-age-days must be 0-36500, not {GrantAgeDays}.");
    }
}

/// <summary>Which knob was wrong: the cmdlets turn each into its own error ID.</summary>
public enum OptionProblem { Port, Region, Account, Identity, Quota, Latency, Fault, SeedGrants, Principal, RequestLog }

public sealed class EmulatorOptionsException(OptionProblem problem, string message) : ArgumentException(message)
{
    public OptionProblem Problem { get; } = problem;
}

public enum FaultKind
{
    /// <summary>HTTP 500 KMSInternalException; nothing applied.</summary>
    Internal,
    /// <summary>HTTP 503 ServiceUnavailableException; nothing applied.</summary>
    Unavailable,
    /// <summary>The connection is cut before the request is handled; nothing applied.</summary>
    Reset,
    /// <summary>The request is applied, then the connection is cut mid-response.</summary>
    CommitThenDrop,
}

public static class FaultKinds
{
    /// <summary>The names the command line and Start-KmsEmulator take, in FaultKind order.</summary>
    public static readonly IReadOnlyList<string> Names = ["internal", "unavailable", "reset", "commit-then-drop"];

    public static FaultKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "internal" or "500" => FaultKind.Internal,
        "unavailable" or "503" => FaultKind.Unavailable,
        "reset" or "connection-reset" => FaultKind.Reset,
        "commit-then-drop" or "commit-drop" => FaultKind.CommitThenDrop,
        _ => throw new EmulatorOptionsException(OptionProblem.Fault, $"Unknown fault kind '{name}' ({string.Join(", ", Names)})."),
    };

    public static string Name(FaultKind kind) => Names[(int)kind];
}
