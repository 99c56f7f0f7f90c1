using System;
using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Remove-KmsGrant: retires grants (KMS RetireGrant), identified by token or by key and grant ID, many at
    /// once (see <see cref="GrantRunCommandBase"/>). -WhatIf sends each request with DryRun=true and reports KMS's verdict.</summary>
    [Cmdlet(VerbsCommon.Remove, "KmsGrant", DefaultParameterSetName = ByTokenSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RetireResult))]
    public sealed class RemoveKmsGrantCommand : GrantRunCommandBase
    {
        // ByToken is the default set: a string piped in without -KeyId is a token; with -KeyId, a grant ID.
        const string ByIdSet = "ById";
        const string ByTokenSet = "ByToken";

        [Parameter(ParameterSetName = ByTokenSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [GrantIdentifier]
        public string[] GrantToken { get; set; } = Array.Empty<string>();

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyArn")]
        [GrantIdentifier]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [GrantIdentifier]
        public string[] GrantId { get; set; } = Array.Empty<string>();

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override GrantOperation Operation => GrantOperation.Retire;
        protected override bool WriteResults => PassThru;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ByTokenSet)
            {
                ExpectGrants(GrantToken.Length);
                foreach (var token in GrantToken) TakeIn(new GrantReference(null, null, token));
            }
            else
            {
                ExpectGrants(GrantId.Length);
                foreach (var id in GrantId) TakeIn(new GrantReference(KeyId, id, null));
            }
        }
    }
}
