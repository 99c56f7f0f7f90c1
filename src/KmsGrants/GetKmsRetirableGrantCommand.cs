using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Get-KmsRetirableGrant: every grant, on keys in any account, that a principal may retire
    /// (KMS ListRetirableGrants), streamed page by page.</summary>
    [Cmdlet(VerbsCommon.Get, "KmsRetirableGrant", SupportsPaging = true)]
    [OutputType(typeof(GrantInfo))]
    public sealed class GetKmsRetirableGrantCommand : GrantListingCommandBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Principal")]
        public string RetiringPrincipal { get; set; } = "";

        protected override void ProcessRecord()
        {
            var invalid = InputValidation.Principal(RetiringPrincipal, "-RetiringPrincipal");
            if (invalid != null)
            {
                WriteError(ErrorRecords.Invalid(invalid, RetiringPrincipal));
                return;
            }
            WriteGrants(limit => GrantPager.ListRetirableGrants(Connection, RetiringPrincipal, limit, Cancellation),
                $"list grants retirable by {RetiringPrincipal}", RetiringPrincipal);
        }
    }
}
