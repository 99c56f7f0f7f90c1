using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Get-KmsRetirableGrant: every grant, on keys in any account, that a principal may retire
    /// (KMS ListRetirableGrants), streamed page by page. A superset of AWS.Tools' Get-KMSRetirableGrant, which has the
    /// same name to PowerShell.</summary>
    [Cmdlet(VerbsCommon.Get, "KmsRetirableGrant", SupportsPaging = true)]
    [OutputType(typeof(GrantInfo), typeof(GrantPage))]
    public sealed class GetKmsRetirableGrantCommand : GrantListingCommandBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Principal")]
        [GrantIdentifier]
        public string RetiringPrincipal { get; set; } = "";

        protected override void ProcessRecord()
        {
            var invalid = InputValidation.Principal(RetiringPrincipal, "-RetiringPrincipal");
            if (invalid != null)
            {
                WriteError(ErrorRecords.Invalid(invalid, RetiringPrincipal));
                return;
            }
            if ((InputRegions ?? CommandRegions).Count > 1)
            {
                // Several Regions: listed side by side in a run, each at its own ListRetirableGrants quota.
                RequireManyListings("-Region with several Regions");
                foreach (var each in RegionsToList("listing the grants a principal may retire"))
                    SubmitListing(GrantOperation.ListRetirableGrants, new GrantReference(null, null, null), each, new ListingRequest { RetiringPrincipal = RetiringPrincipal });
                return;
            }
            // ListRetirableGrants lists one Region's grants, and a principal names no Region.
            if (RegionOrStop("listing the grants a principal may retire (ListRetirableGrants lists one Region)", RetiringPrincipal) is not string region) return;
            var clients = OpenSession().ClientsFor(region);
            WriteGrants((limit, marker) => GrantPager.ListRetirableGrants(clients, RetiringPrincipal, limit, marker, Cancellation),
                $"list grants retirable by {RetiringPrincipal}", RetiringPrincipal);
        }
    }
}
