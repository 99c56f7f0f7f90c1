using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;

namespace KmsGrants.Engine
{
    /// <summary>The two ways KMS deletes a grant, as the run needs them: RetireGrant (the retiring principal or grantee
    /// cleaning up; by token, or by key and grant ID) and RevokeGrant (the key's administrators; by key and grant ID only).
    /// Everything else — pacing, retries, DryRun proof, stops, results — is the same run for both.</summary>
    public abstract class GrantOperation
    {
        public static readonly GrantOperation Retire = new RetireOperation();
        public static readonly GrantOperation Revoke = new RevokeOperation();

        /// <summary>The KMS API name (RetireGrant), which is also the emulator's and KMS's quota name.</summary>
        public abstract string ApiName { get; }
        /// <summary>"retire", "revoke": for messages.</summary>
        public abstract string Verb { get; }
        /// <summary>"retired", "revoked".</summary>
        public abstract string PastParticiple { get; }
        /// <summary>"Retiring", "Revoking".</summary>
        public abstract string Gerund { get; }
        /// <summary>"retirement", "revocation".</summary>
        public abstract string Noun { get; }
        /// <summary>Whether a grant may be named by its token (RevokeGrant's model has no GrantToken member).</summary>
        public abstract bool TakesTokens { get; }

        /// <summary>A new, empty result of this operation's type.</summary>
        public abstract GrantResult NewResult(GrantOutcome outcome);
        public abstract GrantRunSummary NewSummary();

        internal abstract Task SendAsync(IAmazonKeyManagementService client, GrantReference grant, bool dryRun, CancellationToken cancellation);

        /// <summary>The DryRun requests, each of a grant that cannot exist, that KMS must all refuse before a DryRun of a real
        /// grant may go (<see cref="DryRunProof"/>): an endpoint that ignores DryRun shows itself by accepting one. RetireGrant's
        /// is the one that catches moto (it retires nothing and answers success for any grant); RevokeGrant's alone would not
        /// (moto refuses an unknown grant's revocation, then revokes a real one), so revocation asks both.</summary>
        internal abstract IReadOnlyList<(GrantOperation Operation, GrantReference Grant)> Canaries(GrantReference sample);

        /// <summary>A grant that cannot exist, named as <paramref name="sample"/> is: on its key, or by a token no CreateGrant
        /// issued.</summary>
        internal static GrantReference CanaryFor(GrantReference sample) => sample.ByToken
            ? new GrantReference(null, null, "AQpAM2KmsGrantsDryRunCheck" + Guid.NewGuid().ToString("N"))
            : new GrantReference(sample.KeyId, new string('0', 64), null);

        sealed class RetireOperation : GrantOperation
        {
            public override string ApiName => "RetireGrant";
            public override string Verb => "retire";
            public override string PastParticiple => "retired";
            public override string Gerund => "Retiring";
            public override string Noun => "retirement";
            public override bool TakesTokens => true;
            public override GrantResult NewResult(GrantOutcome outcome) => new RetireResult { Status = RetireResult.StatusOf(outcome) };
            public override GrantRunSummary NewSummary() => new RetireSummary();
            internal override IReadOnlyList<(GrantOperation, GrantReference)> Canaries(GrantReference sample) => new[] { (Retire, CanaryFor(sample)) };

            internal override Task SendAsync(IAmazonKeyManagementService client, GrantReference grant, bool dryRun, CancellationToken cancellation)
            {
                var request = new RetireGrantRequest();
                if (grant.ByToken) request.GrantToken = grant.GrantToken;
                else { request.KeyId = grant.KeyId; request.GrantId = grant.GrantId; }
                if (dryRun) request.DryRun = true;
                return client.RetireGrantAsync(request, cancellation);
            }
        }

        sealed class RevokeOperation : GrantOperation
        {
            public override string ApiName => "RevokeGrant";
            public override string Verb => "revoke";
            public override string PastParticiple => "revoked";
            public override string Gerund => "Revoking";
            public override string Noun => "revocation";
            public override bool TakesTokens => false;
            public override GrantResult NewResult(GrantOutcome outcome) => new RevokeResult { Status = RevokeResult.StatusOf(outcome) };
            public override GrantRunSummary NewSummary() => new RevokeSummary();
            internal override IReadOnlyList<(GrantOperation, GrantReference)> Canaries(GrantReference sample) =>
                new[] { (Retire, CanaryFor(sample)), (Revoke, CanaryFor(sample)) };

            internal override Task SendAsync(IAmazonKeyManagementService client, GrantReference grant, bool dryRun, CancellationToken cancellation)
            {
                if (grant.ByToken) throw new InvalidOperationException("RevokeGrant names a grant by key and grant ID only.");
                var request = new RevokeGrantRequest { KeyId = grant.KeyId, GrantId = grant.GrantId };
                if (dryRun) request.DryRun = true;
                return client.RevokeGrantAsync(request, cancellation);
            }
        }
    }
}
