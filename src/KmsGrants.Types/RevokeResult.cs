namespace KmsGrants
{
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
        public override GrantOutcome Outcome => Status switch
        {
            RevokeStatus.Revoked => GrantOutcome.Succeeded,
            RevokeStatus.RevokedOnRetry => GrantOutcome.SucceededOnRetry,
            RevokeStatus.WouldRevoke => GrantOutcome.WouldSucceed,
            RevokeStatus.WouldFail => GrantOutcome.WouldFail,
            RevokeStatus.Failed => GrantOutcome.Failed,
            RevokeStatus.Unknown => GrantOutcome.Unknown,
            _ => GrantOutcome.NotAttempted,
        };
        protected override string StatusText => Status.ToString();

        public static RevokeStatus StatusOf(GrantOutcome outcome) => outcome switch
        {
            GrantOutcome.Succeeded => RevokeStatus.Revoked,
            GrantOutcome.SucceededOnRetry => RevokeStatus.RevokedOnRetry,
            GrantOutcome.WouldSucceed => RevokeStatus.WouldRevoke,
            GrantOutcome.WouldFail => RevokeStatus.WouldFail,
            GrantOutcome.Failed => RevokeStatus.Failed,
            GrantOutcome.Unknown => RevokeStatus.Unknown,
            _ => RevokeStatus.NotAttempted,
        };
    }
}
