using System;
using System.ComponentModel;

namespace KmsGrants
{
    /// <summary>Why Find-KmsStaleGrant says a grant should go. Numbered from 1: none is falsy.</summary>
    public enum StaleReason
    {
        [Description("Its grantee shows as an IAM unique ID (AROA... for a role, AIDA... for a user): a deleted role or user, so the grant gives its access to no one; the grant is older than -MinimumAge.")]
        PrincipalDeleted = 1,
        [Description("Another grant of the same key gives the same access (grantee, retiring principal, operations as a set, constraints) and is newer: the newest of each group is kept.")]
        Duplicate,
    }

    /// <summary>A grant Find-KmsStaleGrant found: the grant itself — every property of <see cref="GrantInfo"/>, so it binds
    /// into Revoke-KmsGrant and Remove-KmsGrant as it is — with why it should go, in words a reviewer can check.</summary>
    public sealed class StaleGrant : GrantInfo
    {
        [Description("Why it should go: PrincipalDeleted or Duplicate.")]
        public StaleReason Reason { get; set; }
        [Description("What shows it, in words a reviewer can check: the unique ID and the grant's age, or the kept grant and what the two share.")]
        public string Evidence { get; set; } = "";
        [Description("For a duplicate, the newer grant that is kept.")]
        public string? KeptGrantId { get; set; }

        public static StaleGrant From(GrantInfo grant, StaleReason reason, string evidence, string? keptGrantId) => new StaleGrant
        {
            KeyId = grant.KeyId,
            GrantId = grant.GrantId,
            Name = grant.Name,
            CreationDate = grant.CreationDate,
            GranteePrincipal = grant.GranteePrincipal,
            RetiringPrincipal = grant.RetiringPrincipal,
            IssuingAccount = grant.IssuingAccount,
            Operations = grant.Operations,
            Constraints = grant.Constraints,
            Reason = reason,
            Evidence = evidence,
            KeptGrantId = keptGrantId,
        };
    }
}
