using System;

namespace KmsGrants
{
    /// <summary>Why Find-KmsStaleGrant says a grant should go. Numbered from 1: none is falsy.</summary>
    public enum StaleReason
    {
        /// <summary>Its grantee or retiring principal shows as an IAM unique ID (AROA…, AIDA…): a deleted role or user.</summary>
        PrincipalDeleted = 1,
        /// <summary>Another grant of the key gives the same access (grantee, retiring principal, operations, constraints)
        /// and is newer.</summary>
        Duplicate,
    }

    /// <summary>A grant Find-KmsStaleGrant found: the grant itself — every property of <see cref="GrantInfo"/>, so it binds
    /// into Revoke-KmsGrant and Remove-KmsGrant as it is — with why it should go, in words a reviewer can check.</summary>
    public sealed class StaleGrant : GrantInfo
    {
        public StaleReason Reason { get; set; }
        public string Evidence { get; set; } = "";
        /// <summary>For a duplicate, the newer grant that is kept.</summary>
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
