namespace KmsGrants
{
    /// <summary>What became of one item of a run, in words that fit every grant operation; each result's own Status says
    /// it in the operation's words (Retired, Revoked, Created). Numbered from 1: no outcome is falsy.</summary>
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
        /// <summary>Not done: KMS refused (ErrorCode says why), or the request never reached the endpoint.</summary>
        Failed,
        /// <summary>A request may have reached KMS but no answer came. Check whether the grant exists.</summary>
        Unknown,
        /// <summary>Never sent (or, under -WhatIf, no verdict): the command stopped first, or the endpoint could not be
        /// trusted with a DryRun.</summary>
        NotAttempted,
    }
}
