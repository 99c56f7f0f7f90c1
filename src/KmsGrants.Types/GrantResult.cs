using System;

namespace KmsGrants
{
    /// <summary>What became of one grant, in words that fit both ways of deleting a grant (RetireGrant, RevokeGrant).
    /// Numbered from 1: no outcome is falsy.</summary>
    public enum GrantOutcome
    {
        /// <summary>KMS answered the request with success.</summary>
        Succeeded = 1,
        /// <summary>Gone after a lost response: an earlier attempt's answer was lost and the retry found the grant gone, so
        /// this run's earlier attempt probably deleted it.</summary>
        SucceededOnRetry,
        /// <summary>-WhatIf: KMS answered the DryRun with DryRunOperationException, so the real call would succeed.</summary>
        WouldSucceed,
        /// <summary>-WhatIf: the DryRun got the error the real call would get.</summary>
        WouldFail,
        /// <summary>Not deleted: KMS refused (ErrorCode says why), or the request never reached the endpoint.</summary>
        Failed,
        /// <summary>A request may have reached KMS but no answer came. Check whether the grant still exists.</summary>
        Unknown,
        /// <summary>Never sent: the command stopped first, or the endpoint could not be trusted with a DryRun.</summary>
        NotAttempted,
    }

    /// <summary>One result per grant a run took in (Remove-KmsGrant and Revoke-KmsGrant -PassThru). The operation's own
    /// subclass (<see cref="RetireResult"/>, <see cref="RevokeResult"/>) adds a Status worded for it; <see cref="Outcome"/>
    /// reads the same for both.</summary>
    public abstract class GrantResult
    {
        public string? KeyId { get; set; }
        public string? GrantId { get; set; }
        public string? GrantToken { get; set; }
        /// <summary>The Region the request went to: the key ARN's, or the command's Region.</summary>
        public string? Region { get; set; }
        /// <summary>The KMS API: RetireGrant or RevokeGrant.</summary>
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

    /// <summary>The fate of one grant given to Remove-KmsGrant (RetireGrant).</summary>
    public enum RetireStatus
    {
        Retired = 1,
        /// <summary>Gone after a lost response; this run's earlier attempt probably retired it (another run or principal
        /// retiring it at the same moment cannot be ruled out).</summary>
        RetiredOnRetry,
        WouldRetire,
        WouldFail,
        Failed,
        Unknown,
        NotAttempted,
    }

    public sealed class RetireResult : GrantResult
    {
        public RetireStatus Status { get; set; }
        public override string Operation => "RetireGrant";
        public override GrantOutcome Outcome => (GrantOutcome)(int)Status;
        protected override string StatusText => Status.ToString();

        /// <summary>The status that says <paramref name="outcome"/> of a retirement (the members are parallel).</summary>
        public static RetireStatus StatusOf(GrantOutcome outcome) => (RetireStatus)(int)outcome;
    }

    /// <summary>The fate of one grant given to Revoke-KmsGrant (RevokeGrant).</summary>
    public enum RevokeStatus
    {
        Revoked = 1,
        /// <summary>Gone after a lost response; this run's earlier attempt probably revoked it.</summary>
        RevokedOnRetry,
        WouldRevoke,
        WouldFail,
        Failed,
        Unknown,
        NotAttempted,
    }

    public sealed class RevokeResult : GrantResult
    {
        public RevokeStatus Status { get; set; }
        public override string Operation => "RevokeGrant";
        public override GrantOutcome Outcome => (GrantOutcome)(int)Status;
        protected override string StatusText => Status.ToString();

        public static RevokeStatus StatusOf(GrantOutcome outcome) => (RevokeStatus)(int)outcome;
    }
}
