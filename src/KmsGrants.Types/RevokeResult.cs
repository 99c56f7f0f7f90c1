using System.ComponentModel;

namespace KmsGrants
{
    /// <summary>The fate of one grant given to Revoke-KmsGrant (RevokeGrant).</summary>
    public enum RevokeStatus
    {
        [Description("KMS answered RevokeGrant with success.")]
        Revoked = 1,
        [Description("Gone after a lost response: the retry found the grant gone, so this run's earlier attempt probably revoked it.")]
        RevokedOnRetry,
        [Description("-WhatIf: KMS's DryRun says the revocation would succeed.")]
        WouldRevoke,
        [Description("-WhatIf: the DryRun got the error the real call would get.")]
        WouldFail,
        [Description("Not revoked: KMS refused (ErrorCode says why), or the request never reached the endpoint.")]
        Failed,
        [Description("A request may have reached KMS but no answer came. Check whether the grant still exists.")]
        Unknown,
        [Description("Never sent: the run stopped first; or, under -WhatIf, no verdict could be had.")]
        NotAttempted,
    }

    public sealed class RevokeResult : GrantResult
    {
        [Description("Revoked, RevokedOnRetry, WouldRevoke, WouldFail, Failed, Unknown or NotAttempted.")]
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
