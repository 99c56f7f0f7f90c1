using System;
using System.ComponentModel;

namespace KmsGrants
{
    /// <summary>One result per grant a run took in (Remove-KmsGrant and Revoke-KmsGrant with -PassThru, New-KmsGrant). The
    /// operation's own subclass (<see cref="RetireResult"/>, <see cref="RevokeResult"/>, <see cref="NewGrantResult"/>) adds a
    /// Status worded for it; <see cref="Outcome"/> reads the same for all.</summary>
    public abstract class GrantResult
    {
        [Description("The grant's key, as given or as the key ARN (New-KmsGrant: the key ARN).")]
        public string? KeyId { get; set; }
        [Description("The grant's ID (New-KmsGrant: the new grant's).")]
        public string? GrantId { get; set; }
        [Description("The grant token it was named by (New-KmsGrant: the new grant's token, usable at once).")]
        public string? GrantToken { get; set; }
        [Description("The Region the request went to: the key ARN's, the piped object's, or the command's.")]
        public string? Region { get; set; }
        [Description("The KMS API: RetireGrant, RevokeGrant or CreateGrant.")]
        public abstract string Operation { get; }
        [Description("The status in words every operation shares: Succeeded, SucceededOnRetry, WouldSucceed, WouldFail, Failed, Unknown, NotAttempted.")]
        public abstract GrantOutcome Outcome { get; }
        [Description("True under -WhatIf: the requests were DryRuns.")]
        public bool DryRun { get; set; }
        [Description("Requests sent for this grant (0: none).")]
        public int Attempts { get; set; }
        [Description("The KMS error code of the final attempt (e.g. NotFoundException), or a name for a failure without one; empty on success.")]
        public string? ErrorCode { get; set; }
        [Description("What happened, in words, when it was not a plain success.")]
        public string? Message { get; set; }
        [Description("From when the grant was taken in to its result.")]
        public TimeSpan Elapsed { get; set; }

        [Description("How the grant was named, for messages: its key and ID, or its shortened token.")]
        public string Target => GrantReference.Describe(KeyId, GrantId, GrantToken);

        protected abstract string StatusText { get; }

        public override string ToString() => $"{Target}: {StatusText}";
    }
}
