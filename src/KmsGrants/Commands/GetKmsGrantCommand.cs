using System;
using System.Collections.Generic;
using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Get-KmsGrant: the grants of KMS keys (KMS ListGrants), streamed page by page. One key in one Region is
    /// listed as AWS.Tools' Get-KMSGrantList lists it (its parameters too). Keys named by pattern (-KeyId *, alias/app-*,
    /// key IDs or ARNs with wildcards), or several Regions, are listed side by side in a run, each Region at its
    /// ListGrants quota (see <see cref="GrantListingCommandBase"/>).</summary>
    [Cmdlet(VerbsCommon.Get, "KmsGrant", SupportsPaging = true)]
    [OutputType(typeof(GrantInfo), typeof(GrantPage))]
    public sealed class GetKmsGrantCommand : GrantListingCommandBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyArn")]
        [GrantIdentifier]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        [SupportsWildcards]
        public string KeyId { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? GrantId { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? GranteePrincipal { get; set; }

        protected override void ProcessRecord()
        {
            var byPattern = WildcardPattern.ContainsWildcardCharacters(KeyId);
            var invalid = (byPattern ? PatternProblem(KeyId) : InputValidation.KeyId(KeyId))
                ?? (string.IsNullOrEmpty(GrantId) ? null : InputValidation.GrantId(GrantId))
                ?? (string.IsNullOrEmpty(GranteePrincipal) ? null : InputValidation.Principal(GranteePrincipal, "-GranteePrincipal"));
            if (invalid != null)
            {
                WriteError(ErrorRecords.Invalid(invalid, KeyId));
                return;
            }
            if (byPattern || SeveralRegions)
            {
                // Many listings side by side, each Region at its ListGrants quota.
                RequireManyListings(byPattern ? $"-KeyId '{KeyId}'" : "-Region with several Regions");
                SubmitKeys(KeyId, Request);
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

        ListingRequest Request() => new ListingRequest { GrantId = NullIfEmpty(GrantId), GranteePrincipal = NullIfEmpty(GranteePrincipal) };

        static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
    }
}
