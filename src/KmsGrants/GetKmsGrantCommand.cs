using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Get-KmsGrant: the grants of one KMS key (KMS ListGrants), streamed page by page, from the key ARN's
    /// Region. Takes AWS.Tools' Get-KMSGrantList parameters too.</summary>
    [Cmdlet(VerbsCommon.Get, "KmsGrant", SupportsPaging = true)]
    [OutputType(typeof(GrantInfo), typeof(GrantPage))]
    public sealed class GetKmsGrantCommand : GrantListingCommandBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyArn")]
        [GrantIdentifier]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? GrantId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? GranteePrincipal { get; set; }

        protected override void ProcessRecord()
        {
            var invalid = InputValidation.KeyId(KeyId)
                ?? (string.IsNullOrEmpty(GrantId) ? null : InputValidation.GrantId(GrantId))
                ?? (string.IsNullOrEmpty(GranteePrincipal) ? null : InputValidation.Principal(GranteePrincipal, "-GranteePrincipal"));
            if (invalid != null)
            {
                WriteError(ErrorRecords.Invalid(invalid, KeyId));
                return;
            }
            // A bare key ID or alias name is looked up in its input object's Region or the default one; with none set,
            // only this key fails.
            if (RegionOfKeyOrReport(KeyId, $"the key {KeyId}", KeyId) is not string region) return;
            if (ResolveKey(KeyId, region, out var failure) is not string keyId)
            {
                if (failure != null) WriteServiceError(failure, $"resolve the alias {KeyId}", KeyId);
                return;
            }
            var clients = OpenSession().ClientsFor(region);
            WriteGrants((limit, marker) => GrantPager.ListGrants(clients, keyId, GrantId, GranteePrincipal, limit, marker, Cancellation),
                $"list grants of key {KeyId}", KeyId);
        }
    }
}
