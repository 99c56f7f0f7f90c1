namespace KmsGrants
{
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
