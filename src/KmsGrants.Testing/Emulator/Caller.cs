using System.Text.RegularExpressions;

namespace KmsGrants.Testing.Emulator;

/// <summary>Who signed a request.</summary>
/// <param name="Arn">The identity's ARN as configured with --identity (what AccessDenied messages name).</param>
/// <param name="Account">The account the identity belongs to: keys it creates are that account's.</param>
/// <param name="Principal">The principal grants name it by: an assumed-role session acts as its role.</param>
public sealed record Caller(string Arn, string Account, string Principal)
{
    /// <summary>The IAM user or role the identity signs as (a session's role), as it was when the emulator started; null
    /// for an account's root or a federated user. Once deleted, its identity's requests are refused.</summary>
    public IamPrincipal? Entity { get; init; }

    public static Caller From(string arn, string defaultAccount) =>
        new(arn, Principals.AccountOf(arn) ?? defaultAccount, Principals.AsGrantPrincipal(arn));

    /// <summary>Whether a principal written on a grant names this caller: its own ARN, or the role it is a session of.</summary>
    public bool Is(string? principal) => principal != null && (principal == Principal || principal == Arn);

    public bool IsRootOf(string account) => Principal == Principals.Root(account);
}

public static partial class Principals
{
    [GeneratedRegex(@"^arn:aws[a-z-]*:(?:iam|sts)::(?<account>[0-9]{12}):")] private static partial Regex PrincipalArnPattern();
    [GeneratedRegex(@"^arn:(?<partition>aws[a-z-]*):sts::(?<account>[0-9]{12}):assumed-role/(?<role>[^/]+)/[^/]+\z")] private static partial Regex AssumedRolePattern();

    // What can sign a request: an account's root, an IAM user or role, an STS session (assumed role, federated user).
    [GeneratedRegex(@"^arn:aws(?:-[a-z]+)*:(?:iam::[0-9]{12}:(?:root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+)|sts::[0-9]{12}:(?:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+|federated-user/[\w+=,.@-]+))\z")]
    private static partial Regex CallerArnPattern();

    /// <summary>Whether an ARN names a principal that can sign a request (not a group, a policy or a bare account).</summary>
    public static bool IsCaller(string principal) => CallerArnPattern().IsMatch(principal);

    /// <summary>The account an IAM or STS principal ARN names; null for anything else (a service principal such as
    /// kms.amazonaws.com), which belongs to no account.</summary>
    public static string? AccountOf(string principal)
    {
        var m = PrincipalArnPattern().Match(principal);
        return m.Success ? m.Groups["account"].Value : null;
    }

    /// <summary>arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION → arn:aws:iam::ACCOUNT:role/ROLE: a role named on a grant
    /// is used by the sessions of that role. Anything else is itself.</summary>
    public static string AsGrantPrincipal(string arn)
    {
        var m = AssumedRolePattern().Match(arn);
        return m.Success ? $"arn:{m.Groups["partition"].Value}:iam::{m.Groups["account"].Value}:role/{m.Groups["role"].Value}" : arn;
    }

    public static string Root(string account) => $"arn:aws:iam::{account}:root";
}
