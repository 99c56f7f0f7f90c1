using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService.Model;

namespace KmsGrants.Engine
{
    /// <summary>Pages of grants from ListGrants or ListRetirableGrants, fetched one at a time through the SDK's
    /// paginator (which starts from the request's Marker): the next page is requested only when the caller asks for it,
    /// so a consumer that stops early (-First, -NoAutoIteration) sends no further requests.</summary>
    public sealed class GrantPager : IDisposable
    {
        readonly IAsyncEnumerator<GrantPage> _pages;

        GrantPager(IAsyncEnumerable<GrantPage> pages, CancellationToken cancellation)
        {
            _pages = pages.GetAsyncEnumerator(cancellation);
        }

        public GrantPage Current => _pages.Current;
        public int PagesReceived { get; private set; }

        /// <summary>Blocks the calling (pipeline) thread while the request runs on the thread pool.</summary>
        public bool MoveNext()
        {
            var more = _pages.MoveNextAsync().AsTask().GetAwaiter().GetResult();
            if (more) PagesReceived++;
            return more;
        }

        public void Dispose() => _pages.DisposeAsync().AsTask().GetAwaiter().GetResult();

        public static GrantPager ListRetirableGrants(RegionClients clients, string retiringPrincipal, int pageSize, string? marker, CancellationToken cancellation)
        {
            var request = new ListRetirableGrantsRequest { RetiringPrincipal = retiringPrincipal, Limit = pageSize };
            if (!string.IsNullOrEmpty(marker)) request.Marker = marker;
            var responses = clients.List.Paginators.ListRetirableGrants(request).Responses;
            return new GrantPager(Pages(responses, marker, r => (r.Grants, r.NextMarker, r.Truncated), clients.RedactSecrets), cancellation);
        }

        public static GrantPager ListGrants(RegionClients clients, string keyId, string? grantId, string? granteePrincipal, int pageSize, string? marker, CancellationToken cancellation)
        {
            var request = new ListGrantsRequest { KeyId = keyId, Limit = pageSize };
            if (!string.IsNullOrEmpty(grantId)) request.GrantId = grantId;
            if (!string.IsNullOrEmpty(granteePrincipal)) request.GranteePrincipal = granteePrincipal;
            if (!string.IsNullOrEmpty(marker)) request.Marker = marker;
            var responses = clients.List.Paginators.ListGrants(request).Responses;
            return new GrantPager(Pages(responses, marker, r => (r.Grants, r.NextMarker, r.Truncated), clients.RedactSecrets), cancellation);
        }

        static async IAsyncEnumerable<GrantPage> Pages<TResponse>(IAsyncEnumerable<TResponse> responses, string? firstMarker,
            Func<TResponse, (List<GrantListEntry>? Grants, string? NextMarker, bool? Truncated)> read, Func<string, string> redact,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation = default)
        {
            // The paginator asks for the next page with the last NextMarker for as long as there is one: an endpoint that
            // is not KMS could make the listing go round for ever.
            var markers = new MarkerGuard(pagesAreFull: false, firstMarker);
            await foreach (var response in responses.WithCancellation(cancellation).ConfigureAwait(false))
            {
                var (grants, nextMarker, truncated) = read(response);
                markers.Next(nextMarker, truncated ?? true, grants?.Count ?? 0);
                // What reaches the pipeline carries none of the session's secrets, whatever the endpoint echoed (the
                // paginator keeps the marker as sent, for the next request to the endpoint that sent it).
                yield return new GrantPage
                {
                    Grants = (grants ?? new List<GrantListEntry>()).Select(e => ToGrantInfo(e, redact)).ToArray(),
                    NextMarker = nextMarker == null ? null : redact(nextMarker),
                    Truncated = truncated ?? !string.IsNullOrEmpty(nextMarker),
                };
            }
        }

        internal static GrantInfo ToGrantInfo(GrantListEntry e, Func<string, string> redact)
        {
            string? Clean(string? text) => text == null ? null : redact(text);
            Dictionary<string, string>? CleanContext(Dictionary<string, string>? context) =>
                context?.ToDictionary(p => redact(p.Key), p => p.Value == null ? p.Value! : redact(p.Value));
            return new GrantInfo
            {
                KeyId = Clean(e.KeyId) ?? "",
                GrantId = Clean(e.GrantId) ?? "",
                Name = Clean(e.Name),
                CreationDate = e.CreationDate,
                GranteePrincipal = Clean(e.GranteePrincipal),
                RetiringPrincipal = Clean(e.RetiringPrincipal),
                IssuingAccount = Clean(e.IssuingAccount),
                Operations = e.Operations?.Select(redact).ToArray() ?? Array.Empty<string>(),
                Constraints = e.Constraints == null ? null : new GrantConstraints
                {
                    EncryptionContextEquals = CleanContext(e.Constraints.EncryptionContextEquals),
                    EncryptionContextSubset = CleanContext(e.Constraints.EncryptionContextSubset),
                },
            };
        }
    }
}
