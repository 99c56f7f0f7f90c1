using System;
using System.ComponentModel;

namespace KmsGrants
{
    /// <summary>The fate of one grant given to New-KmsGrant (CreateGrant).</summary>
    public enum NewGrantStatus
    {
        [Description("KMS created the grant; or, for a request with a Name whose earlier answer was lost, returned the grant that request made: KMS's answer either way.")]
        Created = 1,
        [Description("KMS answered with the template grant itself (same key, grantee, operations, constraints and name): its grantee already held it, so nothing new was made.")]
        Existed,
        [Description("-WhatIf: KMS's DryRun says the grant would be created.")]
        WouldCreate = 3,
        [Description("-WhatIf: the DryRun got the error the real call would get.")]
        WouldFail,
        [Description("Not created: KMS refused (ErrorCode says why), or the request never reached the endpoint.")]
        Failed,
        [Description("A request may have reached KMS but no answer came: the grant may exist. Without a Name it is not sent again (a second request would make a second grant).")]
        Unknown,
        [Description("Never sent: the run stopped first; or, under -WhatIf, no verdict could be had.")]
        NotAttempted,
    }

    /// <summary>One grant New-KmsGrant created (or would create, under -WhatIf): its ID and token (the token makes the grant
    /// usable at once, before KMS's eventual consistency), and what it allows.</summary>
    public sealed class NewGrantResult : GrantResult
    {
        [Description("Created, Existed, WouldCreate, WouldFail, Failed, Unknown or NotAttempted (about_KmsGrants_Results).")]
        public NewGrantStatus Status { get; set; }
        public override string Operation => "CreateGrant";
        [Description("The grant's name, if it has one.")]
        public string? Name { get; set; }
        [Description("The principal the grant gives its operations to.")]
        public string? GranteePrincipal { get; set; }
        [Description("The principal that may retire the grant, if any.")]
        public string? RetiringPrincipal { get; set; }
        [Description("What the grant allows.")]
        public string[] Operations { get; set; } = Array.Empty<string>();
        [Description("The grant this one was copied from, when a grant object was piped in as a template.")]
        public string? TemplateGrantId { get; set; }
        public override GrantOutcome Outcome => Status switch
        {
            NewGrantStatus.Created or NewGrantStatus.Existed => GrantOutcome.Succeeded,
            NewGrantStatus.WouldCreate => GrantOutcome.WouldSucceed,
            NewGrantStatus.WouldFail => GrantOutcome.WouldFail,
            NewGrantStatus.Failed => GrantOutcome.Failed,
            NewGrantStatus.Unknown => GrantOutcome.Unknown,
            _ => GrantOutcome.NotAttempted,
        };
        protected override string StatusText => Status.ToString();

        /// <summary>The status that says <paramref name="outcome"/> of a creation (a creation is never "gone on retry").</summary>
        public static NewGrantStatus StatusOf(GrantOutcome outcome) => outcome switch
        {
            GrantOutcome.Succeeded or GrantOutcome.SucceededOnRetry => NewGrantStatus.Created,
            GrantOutcome.WouldSucceed => NewGrantStatus.WouldCreate,
            GrantOutcome.WouldFail => NewGrantStatus.WouldFail,
            GrantOutcome.Failed => NewGrantStatus.Failed,
            GrantOutcome.Unknown => NewGrantStatus.Unknown,
            _ => NewGrantStatus.NotAttempted,
        };
    }

    /// <summary>The result of listing one key's (or principal's) grants inside a run: the grants themselves are written as
    /// their pages arrive; this says how the listing ended.</summary>
    public sealed class ListingResult : GrantResult
    {
        public ListingResult(string operation, GrantOutcome outcome)
        {
            Operation = operation;
            Outcome = outcome;
        }

        public override string Operation { get; }
        public override GrantOutcome Outcome { get; }
        protected override string StatusText => Outcome.ToString();
    }
}
