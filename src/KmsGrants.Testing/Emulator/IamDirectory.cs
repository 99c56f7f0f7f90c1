using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace KmsGrants.Testing.Emulator;

/// <summary>IAM as KMS sees it: the users and roles that grants name and identities sign as. One for the whole emulator,
/// since IAM is global (every Region's <see cref="KmsState"/> reads it). A user or role nobody declared exists (tests need
/// not declare every principal they name) and gets its unique ID when first named. Deleting one ends that principal: KMS
/// then shows its unique ID (AROA… for a role, AIDA… for a user) wherever a grant named it, forever. Creating it again
/// with the same ARN makes a new principal with a new unique ID, which new grants name; one created with a propagation
/// delay is not yet visible to KMS (CreateGrant refuses it) until the delay has passed. Thread-safe: its own lock,
/// taken inside a KmsState's lock and never around one.</summary>
public sealed partial class IamDirectory
{
    readonly object _gate = new();
    /// <summary>ARN → its latest principal (alive, or deleted and not created again).</summary>
    readonly Dictionary<string, IamPrincipal> _current = new(StringComparer.Ordinal);
    readonly Dictionary<string, IamPrincipal> _byUniqueId = new(StringComparer.Ordinal);
    readonly List<IamPrincipal> _all = new();
    readonly TimeProvider _clock;

    public IamDirectory(TimeProvider? clock = null) => _clock = clock ?? TimeProvider.System;

    // An IAM user or role of any account and path (what has a unique ID and can be deleted).
    [GeneratedRegex(@"^arn:(?<partition>aws(?:-[a-z]+)*):iam::(?<account>[0-9]{12}):(?<kind>user|role)/(?:[\w+=,.@-]+/)*[\w+=,.@-]+\z")]
    private static partial Regex EntityPattern();
    [GeneratedRegex(@"^arn:(?<partition>aws(?:-[a-z]+)*):sts::(?<account>[0-9]{12}):assumed-role/(?<role>[\w+=,.@-]+)/[\w+=,.@-]+\z")]
    private static partial Regex SessionPattern();
    // A principal that is no IAM entity but that grants may name: an account's root, a federated user, a service.
    [GeneratedRegex(@"^(?:arn:aws(?:-[a-z]+)*:(?:iam::[0-9]{12}:root|sts::[0-9]{12}:federated-user/[\w+=,.@-]+)|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?)\z")]
    private static partial Regex OtherPrincipalPattern();
    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?\z")]
    private static partial Regex ServicePrincipalPattern();

    /// <summary>Whether <paramref name="arn"/> names an IAM user or role (any path): what this directory keeps.</summary>
    public static bool IsEntity(string arn) => EntityPattern().IsMatch(arn);

    /// <summary>An AWS service principal (ec2.amazonaws.com, logs.us-east-1.amazonaws.com): in no account.</summary>
    public static bool IsServicePrincipal(string principal) => ServicePrincipalPattern().IsMatch(principal);

    /// <summary>The role ARN an assumed-role session ARN is a session of; null for anything else.</summary>
    public static string? RoleOfSession(string arn)
    {
        var m = SessionPattern().Match(arn);
        return m.Success ? $"arn:{m.Groups["partition"].Value}:iam::{m.Groups["account"].Value}:role/{m.Groups["role"].Value}" : null;
    }

    /// <summary>The IAM user or role <paramref name="arn"/> names now (made, never deleted, when first named); null when
    /// it names no user or role.</summary>
    public IamPrincipal? Resolve(string arn)
    {
        if (!IsEntity(arn)) return null;
        lock (_gate) return _current.TryGetValue(arn, out var p) ? p : Add(arn, _clock.GetUtcNow(), visible: DateTimeOffset.MinValue);
    }

    /// <summary>The user or role behind a principal that signs requests: itself, or the role of an assumed-role
    /// session; null for anything else (an account's root, a federated user).</summary>
    public IamPrincipal? ResolveSigner(string arn) => Resolve(RoleOfSession(arn) ?? arn);

    /// <summary>Why KMS would refuse <paramref name="principal"/> as a grant's grantee or retiring principal now, or null
    /// when it is valid: a deleted user or role (or a session of one), one not yet propagated, or a value that names no
    /// principal at all (a group, a policy, a bare word).</summary>
    public string? WhyInvalid(string principal)
    {
        if (RoleOfSession(principal) is { } role) principal = role;
        else if (!IsEntity(principal)) return OtherPrincipalPattern().IsMatch(principal) ? null : "no principal";
        var p = Resolve(principal)!;
        if (p.IsDeleted) return "deleted";
        return p.VisibleDate > _clock.GetUtcNow() ? "not yet propagated" : null;
    }

    /// <summary>Deletes the user or role <paramref name="arn"/> names now. Throws <see cref="IamException"/> when it names
    /// none, or when it is deleted already (IAM's NoSuchEntity).</summary>
    public IamPrincipal Delete(string arn)
    {
        if (!IsEntity(arn)) throw new IamException(IamProblem.NotAnEntity, $"'{arn}' is not the ARN of an IAM user or role (arn:aws:iam::ACCOUNT:role/NAME or user/NAME).");
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            var p = _current.TryGetValue(arn, out var known) ? known : Add(arn, now, DateTimeOffset.MinValue);
            if (p.IsDeleted) throw new IamException(IamProblem.NoSuchEntity, $"{arn} is deleted already (its unique ID was {p.UniqueId}).");
            p.DeletionDate = now;
            return p;
        }
    }

    /// <summary>Creates the user or role <paramref name="arn"/> names, visible to KMS after <paramref name="propagation"/>
    /// (a new principal with a new unique ID when one of that ARN was deleted). Throws <see cref="IamException"/> when it
    /// names none, or when it exists (IAM's EntityAlreadyExists): a principal named before exists.</summary>
    public IamPrincipal Create(string arn, TimeSpan propagation)
    {
        if (!IsEntity(arn)) throw new IamException(IamProblem.NotAnEntity, $"'{arn}' is not the ARN of an IAM user or role (arn:aws:iam::ACCOUNT:role/NAME or user/NAME).");
        if (propagation < TimeSpan.Zero) throw new IamException(IamProblem.NotAnEntity, "The propagation delay must be 0 or more.");
        lock (_gate)
        {
            if (_current.TryGetValue(arn, out var known) && !known.IsDeleted)
                throw new IamException(IamProblem.EntityAlreadyExists, $"{arn} exists (unique ID {known.UniqueId}): delete it first to make a new one.");
            var now = _clock.GetUtcNow();
            return Add(arn, now, now + propagation);
        }
    }

    /// <summary>The principal with that unique ID, deleted or not; null for none.</summary>
    public IamPrincipal? FindByUniqueId(string uniqueId)
    {
        lock (_gate) return _byUniqueId.GetValueOrDefault(uniqueId);
    }

    /// <summary>Every principal known, oldest first (a deleted one and the one made again with its ARN both).</summary>
    public List<IamPrincipal> Snapshot()
    {
        lock (_gate) return [.. _all];
    }

    public DateTimeOffset Now => _clock.GetUtcNow();

    IamPrincipal Add(string arn, DateTimeOffset created, DateTimeOffset visible)
    {
        var m = EntityPattern().Match(arn);
        var kind = m.Groups["kind"].Value;
        string id;
        do id = (kind == "role" ? "AROA" : "AIDA") + RandomId(17);
        while (_byUniqueId.ContainsKey(id));
        var p = new IamPrincipal(arn, id, kind, m.Groups["account"].Value, created, visible);
        _current[arn] = p;
        _byUniqueId[id] = p;
        _all.Add(p);
        return p;
    }

    // IAM's unique IDs: upper-case letters and the digits 2-7 (base 32), as seen in AROA…/AIDA… IDs.
    const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    static string RandomId(int length)
    {
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = IdAlphabet[bytes[i] & 31];
        return new string(chars);
    }
}

/// <summary>One IAM user or role: an ARN and the unique ID IAM gave it. Deleted once, it stays deleted; a user or role
/// made again with the same ARN is another <see cref="IamPrincipal"/>.</summary>
public sealed class IamPrincipal(string arn, string uniqueId, string kind, string account, DateTimeOffset created, DateTimeOffset visible)
{
    long _deletedTicks = long.MinValue;

    public string Arn { get; } = arn;
    public string UniqueId { get; } = uniqueId;
    /// <summary>role or user.</summary>
    public string Kind { get; } = kind;
    public string Account { get; } = account;
    public DateTimeOffset CreationDate { get; } = created;
    /// <summary>When KMS sees it (after IAM's propagation); MinValue for a principal never declared.</summary>
    public DateTimeOffset VisibleDate { get; } = visible;

    /// <summary>Set once (under the directory's lock); read without one by listings.</summary>
    public DateTimeOffset? DeletionDate
    {
        get => Interlocked.Read(ref _deletedTicks) is var t && t == long.MinValue ? null : new DateTimeOffset(t, TimeSpan.Zero);
        internal set => Interlocked.Exchange(ref _deletedTicks, value?.UtcTicks ?? long.MinValue);
    }

    public bool IsDeleted => DeletionDate != null;

    /// <summary>How KMS shows this principal on a grant: its ARN, or its unique ID once deleted.</summary>
    public string Shown => IsDeleted ? UniqueId : Arn;

    public override string ToString() => $"{Arn} ({UniqueId}{(IsDeleted ? ", deleted" : "")})";
}

public enum IamProblem { NotAnEntity, NoSuchEntity, EntityAlreadyExists }

/// <summary>What IAM refused: the cmdlets and endpoints turn each <see cref="IamProblem"/> into their own error.</summary>
public sealed class IamException(IamProblem problem, string message) : Exception(message)
{
    public IamProblem Problem { get; } = problem;
}
