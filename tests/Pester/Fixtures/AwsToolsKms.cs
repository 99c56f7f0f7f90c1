// A stand-in for AWS.Tools.KeyManagementService (which cannot be installed here): binary cmdlets with the names,
// parameters, aliases and pipeline attributes of Get-KMSRetirableGrant, Get-KMSGrantList and Disable-KMSGrant, as in
// the AWS Tools' source. They call nothing: each writes one marker object saying which cmdlet answered and what bound,
// so a test can tell which module PowerShell picked for a name. Compiled by AwsTools.Tests.ps1 with Add-Type
// -OutputAssembly; a script function would not do, as functions outrank cmdlets of the same name.
using System.Linq;
using System.Management.Automation;

namespace AwsToolsStandIn
{
    public abstract class StandInCmdlet : PSCmdlet
    {
        public const string StandInName = "AWS.Tools.KeyManagementService stand-in";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("RegionToCall")]
        public object Region { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("StoredCredentials", "AWSProfileName")]
        public string ProfileName { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("AWSProfilesLocation", "ProfilesLocation")]
        public string ProfileLocation { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("AK")]
        public string AccessKey { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("SK", "SecretAccessKey")]
        public string SecretKey { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("ST")]
        public string SessionToken { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public object Credential { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string EndpointUrl { get; set; }

        protected override void ProcessRecord()
        {
            var marker = new PSObject();
            marker.Properties.Add(new PSNoteProperty("StandIn", StandInName));
            marker.Properties.Add(new PSNoteProperty("Command", MyInvocation.MyCommand.Name));
            marker.Properties.Add(new PSNoteProperty("Bound", string.Join(",", MyInvocation.BoundParameters.Keys.OrderBy(k => k))));
            WriteObject(marker);
        }
    }

    [Cmdlet("Get", "KMSRetirableGrant")]
    [OutputType("Amazon.KeyManagementService.Model.GrantListEntry")]
    public sealed class GetKMSRetirableGrantCmdlet : StandInCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public string RetiringPrincipal { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("MaxItems")]
        public int? Limit { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("NextToken")]
        public string Marker { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string Select { get; set; } = "Grants";

        [Parameter]
        public SwitchParameter NoAutoIteration { get; set; }
    }

    [Cmdlet("Get", "KMSGrantList")]
    [OutputType("Amazon.KeyManagementService.Model.GrantListEntry")]
    public sealed class GetKMSGrantListCmdlet : StandInCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public string KeyId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string GrantId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string GranteePrincipal { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("MaxItems")]
        public int? Limit { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("NextToken")]
        public string Marker { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string Select { get; set; } = "Grants";

        [Parameter]
        public SwitchParameter NoAutoIteration { get; set; }
    }

    [Cmdlet("Disable", "KMSGrant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    public sealed class DisableKMSGrantCmdlet : StandInCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public string GrantToken { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string KeyId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string GrantId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public bool? DryRun { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string Select { get; set; } = "*";

        [Parameter]
        public SwitchParameter Force { get; set; }
    }
}
