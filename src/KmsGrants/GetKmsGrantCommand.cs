using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Get-KmsGrant: the grants of one KMS key (KMS ListGrants), streamed page by page.</summary>
    [Cmdlet(VerbsCommon.Get, "KmsGrant", SupportsPaging = true)]
    [OutputType(typeof(GrantInfo))]
    public sealed class GetKmsGrantCommand : GrantListingCommandBase
    {
        /// <summary>Key ID or key ARN (use the ARN for a key in another account).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyArn")]
        public string KeyId { get; set; } = "";

        /// <summary>Only this grant.</summary>
        [Parameter]
        public string? GrantId { get; set; }

        /// <summary>Only grants for this grantee principal.</summary>
        [Parameter]
        public string? GranteePrincipal { get; set; }

        protected override void ProcessRecord()
        {
            var invalid = InputValidation.KeyId(KeyId)
                ?? (GrantId == null ? null : InputValidation.GrantId(GrantId))
                ?? (GranteePrincipal == null ? null : InputValidation.Principal(GranteePrincipal, "-GranteePrincipal"));
            if (invalid != null)
            {
                WriteError(ErrorRecords.Invalid(invalid, KeyId));
                return;
            }
            WriteGrants(limit => GrantPager.ListGrants(Connection, KeyId, GrantId, GranteePrincipal, limit, Cancellation),
                $"list grants of key {KeyId}", KeyId);
        }
    }
}
