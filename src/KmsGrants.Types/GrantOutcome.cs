using System.ComponentModel;

namespace KmsGrants
{
    /// <summary>What became of one item of a run, in words that fit every grant operation; each result's own Status says
    /// it in the operation's words (Retired, Revoked, Created). Numbered from 1: no outcome is falsy. The descriptions are
    /// the generated docs' (about_KmsGrants_Results).</summary>
    public enum GrantOutcome
    {
        [Description("KMS answered the request with success.")]
        Succeeded = 1,
        [Description("Gone after a lost response: an earlier attempt's answer was lost and the retry found the grant gone, so this run's earlier attempt probably deleted it.")]
        SucceededOnRetry,
        [Description("-WhatIf: KMS answered the DryRun with DryRunOperationException, so the real call would succeed.")]
        WouldSucceed,
        [Description("-WhatIf: the DryRun got the error the real call would get (ErrorCode and Message say which).")]
        WouldFail,
        [Description("Not done: KMS refused (ErrorCode says why), or the request never reached the endpoint.")]
        Failed,
        [Description("A request may have reached KMS but no answer came (a time-out, a dropped connection, an answer that was not KMS's, a stop while it was in flight). Check whether the grant exists.")]
        Unknown,
        [Description("Never sent: the command stopped first; or, under -WhatIf, no verdict could be had (the endpoint could not be trusted with a DryRun, or KMS gave none: a throttle or fault was the last answer).")]
        NotAttempted,
    }
}
