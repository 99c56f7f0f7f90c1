using System;

namespace KmsGrants
{
    /// <summary>One result per grant a run took in (Remove-KmsGrant and Revoke-KmsGrant with -PassThru, New-KmsGrant). The
    /// operation's own subclass (<see cref="RetireResult"/>, <see cref="RevokeResult"/>, <see cref="NewGrantResult"/>) adds a
    /// Status worded for it; <see cref="Outcome"/> reads the same for all.</summary>
    public abstract class GrantResult
    {
        public string? KeyId { get; set; }
        public string? GrantId { get; set; }
        public string? GrantToken { get; set; }
        /// <summary>The Region the request went to: the key ARN's, or the command's Region.</summary>
        public string? Region { get; set; }
        /// <summary>The KMS API: RetireGrant, RevokeGrant, CreateGrant.</summary>
        public abstract string Operation { get; }
        public abstract GrantOutcome Outcome { get; }
        public bool DryRun { get; set; }
        public int Attempts { get; set; }
        /// <summary>The KMS error code of the final attempt (e.g. NotFoundException), or null.</summary>
        public string? ErrorCode { get; set; }
        public string? Message { get; set; }
        public TimeSpan Elapsed { get; set; }

        /// <summary>How the grant was identified, for messages: token (shortened) or key and ID.</summary>
        public string Target => GrantReference.Describe(KeyId, GrantId, GrantToken);

        protected abstract string StatusText { get; }

        public override string ToString() => $"{Target}: {StatusText}";
    }
}
