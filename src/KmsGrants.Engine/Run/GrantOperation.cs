using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;

namespace KmsGrants.Engine
{
    /// <summary>The KMS grant operations as a run carries them out, each item one request at a time through its Region's
    /// lane: RetireGrant (the retiring principal or grantee cleaning up; by token, or key and grant ID), RevokeGrant (the
    /// key's administrators; key and grant ID), CreateGrant (a new grant from a <see cref="GrantSpec"/>), and ListGrants /
    /// ListRetirableGrants (a key's or a principal's grants, a page per request). Pacing, retries, the DryRun proof, stops
    /// and results are the same run for all; what differs is here.</summary>
    public abstract class GrantOperation
    {
        public static readonly GrantOperation Retire = new RetireOperation();
        public static readonly GrantOperation Revoke = new RevokeOperation();
        public static readonly GrantOperation Create = new CreateOperation();
        public static readonly GrantOperation ListGrants = new ListGrantsOperation();
        public static readonly GrantOperation ListRetirableGrants = new ListRetirableGrantsOperation();

        /// <summary>The KMS API name (RetireGrant), which is also the emulator's and KMS's quota name.</summary>
        public abstract string ApiName { get; }
        /// <summary>"retire", "revoke", "create", "list": for messages.</summary>
        public abstract string Verb { get; }
        /// <summary>"retired", "revoked", "created", "listed".</summary>
        public abstract string PastParticiple { get; }
        /// <summary>"Retiring", "Revoking", "Creating", "Listing".</summary>
        public abstract string Gerund { get; }
        /// <summary>"retirement", "revocation", "creation", "listing".</summary>
        public abstract string Noun { get; }
        /// <summary>Whether a grant may be named by its token (RevokeGrant's model has no GrantToken member).</summary>
        public virtual bool TakesTokens => false;
        /// <summary>Whether a request changes grants: one whose answer is lost may have taken effect. Listings change
        /// nothing, so none of their outcomes is unknown, and they have no DryRun.</summary>
        public virtual bool ChangesGrants => true;
        /// <summary>A NotFound after a lost answer means an earlier attempt did it (RetireGrant, RevokeGrant).</summary>
        internal virtual bool GoneAfterLostAnswerIsDone => false;

        /// <summary>A new, empty result of this operation's type.</summary>
        public abstract GrantResult NewResult(GrantOutcome outcome);
        /// <summary>A run's tally ($KmsGrantsLastRun) for the operations that change grants.</summary>
        public virtual GrantRunSummary NewSummary() => throw new NotSupportedException($"{ApiName} keeps no tally.");

        /// <summary>One request for <paramref name="item"/>: its answer (null when KMS's answer carries nothing the run
        /// keeps). Throws what the SDK throws.</summary>
        internal abstract Task<object?> SendAsync(IAmazonKeyManagementService client, RunItem item, bool dryRun, CancellationToken cancellation);

        /// <summary>Sets what is known of an item before its first request: a CreateGrant without a Name must not be sent
        /// again after a lost answer; a key ListKeys named may be gone by the time it is listed.</summary>
        internal virtual void Prepare(RunItem item) { }

        /// <summary>Fills what the result holds beyond the common fields (a new grant's ID, token and specification).</summary>
        internal virtual void Complete(GrantResult result, RunItem item) { }

        /// <summary>After a successful answer: the grants it lists (a listing's page), or null.</summary>
        internal virtual IReadOnlyList<GrantInfo>? GrantsIn(object? answer, Func<string, string> redact) => null;

        /// <summary>After a successful answer: whether another request follows for the item (a listing's next page), or
        /// the answer's problem (a NextMarker given before, which would go round for ever).</summary>
        internal virtual (bool More, KmsError? Problem) Next(RunItem item, object? answer) => (false, null);

        /// <summary>The DryRun requests, each of a grant that cannot exist, that KMS must all refuse before a DryRun of a real
        /// grant may go (<see cref="DryRunProof"/>): an endpoint that ignores DryRun shows itself by accepting one. RetireGrant's
        /// is the one that catches moto (it retires nothing and answers success for any grant); RevokeGrant's alone would not
        /// (moto refuses an unknown grant's revocation, then revokes a real one), so revocation asks both. CreateGrant asks
        /// RetireGrant's on the new grant's key: a CreateGrant that an endpoint accepted would make a grant.</summary>
        internal virtual IReadOnlyList<(GrantOperation Operation, GrantReference Grant)> Canaries(GrantReference sample) => new[] { (Retire, CanaryFor(sample)) };

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
            internal override bool GoneAfterLostAnswerIsDone => true;
            public override GrantResult NewResult(GrantOutcome outcome) => new RetireResult { Status = RetireResult.StatusOf(outcome) };
            public override GrantRunSummary NewSummary() => new RetireSummary();

            internal override async Task<object?> SendAsync(IAmazonKeyManagementService client, RunItem item, bool dryRun, CancellationToken cancellation)
            {
                var grant = item.Grant;
                var request = new RetireGrantRequest();
                if (grant.ByToken) request.GrantToken = grant.GrantToken;
                else { request.KeyId = grant.KeyId; request.GrantId = grant.GrantId; }
                if (dryRun) request.DryRun = true;
                await client.RetireGrantAsync(request, cancellation).ConfigureAwait(false);
                return null;
            }
        }

        sealed class RevokeOperation : GrantOperation
        {
            public override string ApiName => "RevokeGrant";
            public override string Verb => "revoke";
            public override string PastParticiple => "revoked";
            public override string Gerund => "Revoking";
            public override string Noun => "revocation";
            internal override bool GoneAfterLostAnswerIsDone => true;
            public override GrantResult NewResult(GrantOutcome outcome) => new RevokeResult { Status = RevokeResult.StatusOf(outcome) };
            public override GrantRunSummary NewSummary() => new RevokeSummary();
            internal override IReadOnlyList<(GrantOperation, GrantReference)> Canaries(GrantReference sample) =>
                new[] { (Retire, CanaryFor(sample)), (Revoke, CanaryFor(sample)) };

            internal override async Task<object?> SendAsync(IAmazonKeyManagementService client, RunItem item, bool dryRun, CancellationToken cancellation)
            {
                var grant = item.Grant;
                if (grant.ByToken) throw new InvalidOperationException("RevokeGrant names a grant by key and grant ID only.");
                var request = new RevokeGrantRequest { KeyId = grant.KeyId, GrantId = grant.GrantId };
                if (dryRun) request.DryRun = true;
                await client.RevokeGrantAsync(request, cancellation).ConfigureAwait(false);
                return null;
            }
        }

        sealed class CreateOperation : GrantOperation
        {
            public override string ApiName => "CreateGrant";
            public override string Verb => "create";
            public override string PastParticiple => "created";
            public override string Gerund => "Creating";
            public override string Noun => "creation";
            public override GrantResult NewResult(GrantOutcome outcome) => new NewGrantResult { Status = NewGrantResult.StatusOf(outcome) };
            public override GrantRunSummary NewSummary() => new NewGrantSummary();

            internal override async Task<object?> SendAsync(IAmazonKeyManagementService client, RunItem item, bool dryRun, CancellationToken cancellation)
            {
                var spec = (GrantSpec)item.Request!;
                var request = new CreateGrantRequest
                {
                    KeyId = item.Grant.KeyId,
                    GranteePrincipal = spec.GranteePrincipal,
                    Operations = spec.Operations.ToList(),
                };
                if (spec.RetiringPrincipal != null) request.RetiringPrincipal = spec.RetiringPrincipal;
                if (spec.Name != null) request.Name = spec.Name;
                if (spec.EncryptionContextSubset != null || spec.EncryptionContextEquals != null)
                    request.Constraints = new Amazon.KeyManagementService.Model.GrantConstraints
                    {
                        EncryptionContextSubset = spec.EncryptionContextSubset?.ToDictionary(p => p.Key, p => p.Value),
                        EncryptionContextEquals = spec.EncryptionContextEquals?.ToDictionary(p => p.Key, p => p.Value),
                    };
                if (spec.GrantTokens.Count > 0) request.GrantTokens = spec.GrantTokens.ToList();
                if (dryRun) request.DryRun = true;
                var response = await client.CreateGrantAsync(request, cancellation).ConfigureAwait(false);
                return response;
            }

            internal override void Prepare(RunItem item) => item.State.LostAnswerMayBeResent = ((GrantSpec)item.Request!).Name != null;

            internal override void Complete(GrantResult result, RunItem item)
            {
                var created = (NewGrantResult)result;
                var spec = (GrantSpec)item.Request!;
                created.GranteePrincipal = spec.GranteePrincipal;
                created.RetiringPrincipal = spec.RetiringPrincipal;
                created.Operations = spec.Operations.ToArray();
                created.Name = spec.Name;
                created.TemplateGrantId = spec.TemplateGrantId;
                if (item.Answer is CreateGrantResponse answer)
                {
                    created.GrantId = answer.GrantId;
                    created.GrantToken = answer.GrantToken;
                    // KMS's Name rule returned the template itself: its grantee already held it, and nothing was made.
                    if (spec.TemplateGrantId != null && answer.GrantId == spec.TemplateGrantId && created.Status == NewGrantStatus.Created)
                    {
                        created.Status = NewGrantStatus.Existed;
                        created.Message = RunMessages.TemplateItself;
                    }
                }
            }
        }

        /// <summary>ListGrants and ListRetirableGrants: one page per request, the next while KMS says more follow.</summary>
        abstract class ListingOperation : GrantOperation
        {
            public override string Verb => "list";
            public override string PastParticiple => "listed";
            public override string Gerund => "Listing";
            public override string Noun => "listing";
            public override bool ChangesGrants => false;
            public override GrantResult NewResult(GrantOutcome outcome) => new ListingResult(ApiName, outcome);
            internal override IReadOnlyList<(GrantOperation, GrantReference)> Canaries(GrantReference sample) => Array.Empty<(GrantOperation, GrantReference)>();

            internal override void Prepare(RunItem item) => item.State.GoneIsSkipped = ((ListingRequest)item.Request!).FromKeyList;

            internal override IReadOnlyList<GrantInfo>? GrantsIn(object? answer, Func<string, string> redact) =>
                ((List<GrantListEntry>?)(answer as ListGrantsResponse)?.Grants ?? (answer as ListRetirableGrantsResponse)?.Grants ?? new List<GrantListEntry>())
                    .Select(e => GrantPager.ToGrantInfo(e, redact)).ToArray();

            internal override (bool More, KmsError? Problem) Next(RunItem item, object? answer)
            {
                var listing = (ListingRequest)item.Request!;
                var (next, truncated) = answer switch
                {
                    ListGrantsResponse g => (g.NextMarker, g.Truncated),
                    ListRetirableGrantsResponse r => (r.NextMarker, r.Truncated),
                    _ => (null, null),
                };
                if (string.IsNullOrEmpty(next) || truncated == false) return (false, null);
                // A marker given before would make the listing go round for ever.
                if (!listing.MarkersSeen.Add(next!)) return (false, KmsError.From(KmsAnswerCheck.RepeatedMarker()));
                listing.Marker = next;
                return (true, null);
            }
        }

        sealed class ListGrantsOperation : ListingOperation
        {
            public override string ApiName => "ListGrants";

            internal override async Task<object?> SendAsync(IAmazonKeyManagementService client, RunItem item, bool dryRun, CancellationToken cancellation)
            {
                var listing = (ListingRequest)item.Request!;
                var request = new ListGrantsRequest { KeyId = item.Grant.KeyId, Limit = listing.PageSize };
                if (listing.GrantId != null) request.GrantId = listing.GrantId;
                if (listing.GranteePrincipal != null) request.GranteePrincipal = listing.GranteePrincipal;
                if (listing.Marker != null) request.Marker = listing.Marker;
                return await client.ListGrantsAsync(request, cancellation).ConfigureAwait(false);
            }
        }

        sealed class ListRetirableGrantsOperation : ListingOperation
        {
            public override string ApiName => "ListRetirableGrants";

            internal override async Task<object?> SendAsync(IAmazonKeyManagementService client, RunItem item, bool dryRun, CancellationToken cancellation)
            {
                var listing = (ListingRequest)item.Request!;
                var request = new ListRetirableGrantsRequest { RetiringPrincipal = listing.RetiringPrincipal, Limit = listing.PageSize };
                if (listing.Marker != null) request.Marker = listing.Marker;
                return await client.ListRetirableGrantsAsync(request, cancellation).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A new grant, as CreateGrant takes it: New-KmsGrant's parameters, or a grant object used as a template.</summary>
    public sealed class GrantSpec
    {
        public string GranteePrincipal { get; set; } = "";
        public string? RetiringPrincipal { get; set; }
        public IReadOnlyList<string> Operations { get; set; } = Array.Empty<string>();
        /// <summary>With a Name, CreateGrant is idempotent: the same request again returns the same grant, so a request whose
        /// answer was lost may be sent again. Without one, a second request makes a second grant.</summary>
        public string? Name { get; set; }
        public IReadOnlyDictionary<string, string>? EncryptionContextSubset { get; set; }
        public IReadOnlyDictionary<string, string>? EncryptionContextEquals { get; set; }
        public IReadOnlyList<string> GrantTokens { get; set; } = Array.Empty<string>();
        /// <summary>The grant this one was copied from, when a grant object was the template.</summary>
        public string? TemplateGrantId { get; set; }
    }

    /// <summary>A listing as the run pages it: its filters, and the marker of the next page.</summary>
    public sealed class ListingRequest
    {
        public int PageSize { get; set; } = 100;
        public string? GrantId { get; set; }
        public string? GranteePrincipal { get; set; }
        public string? RetiringPrincipal { get; set; }
        public string? Marker { get; set; }
        /// <summary>The key came from ListKeys (or ListAliases), not from the user: if it is gone, it was deleted since.</summary>
        public bool FromKeyList { get; set; }
        internal HashSet<string> MarkersSeen { get; } = new HashSet<string>(StringComparer.Ordinal);
    }
}
