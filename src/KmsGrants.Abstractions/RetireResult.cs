using System;

namespace KmsGrants
{
    /// <summary>The fate of one grant given to Remove-KmsGrant.</summary>
    public enum RetireStatus
    {
        /// <summary>RetireGrant succeeded.</summary>
        Retired,
        /// <summary>An earlier attempt's response was lost (fault or dropped connection) and the retry found the grant
        /// gone: the first attempt retired it.</summary>
        RetiredOnRetry,
        /// <summary>-WhatIf: KMS answered DryRunOperationException, so the real call would succeed.</summary>
        WouldRetire,
        /// <summary>-WhatIf: the DryRun call got the error the real call would get.</summary>
        WouldFail,
        /// <summary>The grant was not retired; Error says why.</summary>
        Failed,
        /// <summary>The command was stopped before this grant's request was sent.</summary>
        NotAttempted,
    }

    /// <summary>One result per grant, emitted by Remove-KmsGrant -PassThru.</summary>
    public sealed class RetireResult
    {
        public string? KeyId { get; set; }
        public string? GrantId { get; set; }
        public string? GrantToken { get; set; }
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
