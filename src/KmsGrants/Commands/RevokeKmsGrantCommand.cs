using System;
using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Revoke-KmsGrant: revokes grants (KMS RevokeGrant) — the key administrator's way to delete a grant, at once
    /// and at the Region's RevokeGrant quota, on the same run as Remove-KmsGrant (see <see cref="GrantRunCommandBase"/>).
    /// RevokeGrant names a grant by key and grant ID only.</summary>
    [Cmdlet(VerbsSecurity.Revoke, "KmsGrant", DefaultParameterSetName = ByIdSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RevokeResult))]
    public sealed class RevokeKmsGrantCommand : GrantRunCommandBase
    {
        const string ByIdSet = "ById";
        // Only so that an object carrying a token and no key and grant ID (a CSV of tokens, a CreateGrant result) binds
        // and is refused with KmsGrants.GrantIdRequired, instead of the binder's generic error.
        const string TokenOnlySet = "TokenOnly";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyArn")]
        [GrantIdentifier]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [GrantIdentifier]
        public string[] GrantId { get; set; } = Array.Empty<string>();

        [Parameter(ParameterSetName = TokenOnlySet, Mandatory = true, ValueFromPipelineByPropertyName = true, DontShow = true)]
        [GrantIdentifier]
        public string GrantToken { get; set; } = "";

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override GrantOperation Operation => GrantOperation.Revoke;
        protected override bool WriteResults => PassThru;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == TokenOnlySet)
            {
                TakeIn(new GrantReference(null, null, GrantToken));
                return;
            }
            ExpectGrants(GrantId.Length);
            foreach (var id in GrantId) TakeIn(new GrantReference(KeyId, id, null));
        }
    }
}
