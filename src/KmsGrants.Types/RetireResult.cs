using System.ComponentModel;

namespace KmsGrants
{
    /// <summary>The fate of one grant given to Remove-KmsGrant (RetireGrant).</summary>
    public enum RetireStatus
    {
        [Description("KMS answered RetireGrant with success.")]
        Retired = 1,
        [Description("Gone after a lost response: an earlier attempt's answer was lost (a fault, a dropped connection, a copy .NET's HTTP stack re-sent) and the retry found the grant gone, so this run's earlier attempt probably retired it (another run or principal retiring it at the same moment cannot be ruled out).")]
        RetiredOnRetry,
        [Description("-WhatIf: KMS's DryRun says the retirement would succeed.")]
        WouldRetire,
        [Description("-WhatIf: the DryRun got the error the real call would get.")]
        WouldFail,
        [Description("Not retired: KMS refused (ErrorCode says why), or the request never reached the endpoint (a refused connection).")]
        Failed,
        [Description("A request may have reached KMS but no answer came: a time-out, a dropped connection, an answer that was not KMS's, a stop while it was in flight. Check whether the grant still exists.")]
        Unknown,
        [Description("Never sent: the run stopped first; or, under -WhatIf, no verdict could be had.")]
        NotAttempted,
    }

    public sealed class RetireResult : GrantResult
    {
        [Description("Retired, RetiredOnRetry, WouldRetire, WouldFail, Failed, Unknown or NotAttempted.")]
        public RetireStatus Status { get; set; }
        public override string Operation => "RetireGrant";
        public override GrantOutcome Outcome => Status switch
        {
            RetireStatus.Retired => GrantOutcome.Succeeded,
            RetireStatus.RetiredOnRetry => GrantOutcome.SucceededOnRetry,
            RetireStatus.WouldRetire => GrantOutcome.WouldSucceed,
            RetireStatus.WouldFail => GrantOutcome.WouldFail,
            RetireStatus.Failed => GrantOutcome.Failed,
            RetireStatus.Unknown => GrantOutcome.Unknown,
            _ => GrantOutcome.NotAttempted,
        };
        protected override string StatusText => Status.ToString();

        /// <summary>The status that says <paramref name="outcome"/> of a retirement.</summary>
        public static RetireStatus StatusOf(GrantOutcome outcome) => outcome switch
        {
            GrantOutcome.Succeeded => RetireStatus.Retired,
            GrantOutcome.SucceededOnRetry => RetireStatus.RetiredOnRetry,
            GrantOutcome.WouldSucceed => RetireStatus.WouldRetire,
            GrantOutcome.WouldFail => RetireStatus.WouldFail,
            GrantOutcome.Failed => RetireStatus.Failed,
            GrantOutcome.Unknown => RetireStatus.Unknown,
            _ => RetireStatus.NotAttempted,
        };
    }
}
