using System;

namespace KmsGrants
{
    /// <summary>The fate of one grant given to Remove-KmsGrant. Numbered from 1: no status is falsy, so
    /// <c>Where-Object Status</c> keeps every result.</summary>
    public enum RetireStatus
    {
        /// <summary>KMS answered RetireGrant with success.</summary>
        Retired = 1,
        /// <summary>Gone after a lost response: an earlier attempt's answer was lost (a fault, a dropped connection, a copy
        /// the HTTP stack re-sent) and the retry found the grant gone, so this run's earlier attempt probably retired it
        /// (another run or principal retiring it at the same moment cannot be ruled out).</summary>
        RetiredOnRetry,
        /// <summary>-WhatIf: KMS answered DryRunOperationException, so the real call would succeed.</summary>
        WouldRetire,
        /// <summary>-WhatIf: the DryRun call got the error the real call would get.</summary>
        WouldFail,
        /// <summary>Not retired: KMS refused (ErrorCode says why), or the request never reached the endpoint.</summary>
        Failed,
        /// <summary>Not known: a request may have reached KMS but no answer came (a time-out, a dropped connection, an
        /// answer that was not KMS's, a stop while it was in flight). Check whether the grant still exists.</summary>
        Unknown,
        /// <summary>Never sent: the command stopped first, or the endpoint was found not to honour -WhatIf.</summary>
        NotAttempted,
    }

    /// <summary>One result per grant, emitted by Remove-KmsGrant -PassThru.</summary>
    public sealed class RetireResult
    {
        public string? KeyId { get; set; }
        public string? GrantId { get; set; }
        public string? GrantToken { get; set; }
        /// <summary>The Region the request went to: the key ARN's, or the command's Region.</summary>
        public string? Region { get; set; }
        public RetireStatus Status { get; set; }
        public bool DryRun { get; set; }
        public int Attempts { get; set; }
        /// <summary>The KMS error code of the final attempt (e.g. NotFoundException), or null.</summary>
        public string? ErrorCode { get; set; }
        public string? Message { get; set; }
        public TimeSpan Elapsed { get; set; }

        /// <summary>How the grant was identified, for messages: token (shortened) or key and ID.</summary>
        public string Target => GrantReference.Describe(KeyId, GrantId, GrantToken);

        public override string ToString() => $"{Target}: {Status}";
    }
}
