using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService.Model;

namespace KmsGrants.Engine
{
    /// <summary>Pages of grants from ListGrants or ListRetirableGrants, fetched one at a time through the SDK's
    /// paginator: the next page is requested only when the caller asks for it, so a consumer that stops early
    /// (-First) sends no further requests.</summary>
    public sealed class GrantPager : IDisposable
    {
        readonly IAsyncEnumerator<IReadOnlyList<GrantInfo>> _pages;

        GrantPager(IAsyncEnumerable<IReadOnlyList<GrantInfo>> pages, CancellationToken cancellation)
        {
            _pages = pages.GetAsyncEnumerator(cancellation);
        }

        public IReadOnlyList<GrantInfo> Current => _pages.Current;
        public int PagesReceived { get; private set; }

        /// <summary>Blocks the calling (pipeline) thread while the request runs on the thread pool.</summary>
        public bool MoveNext()
        {
            var more = _pages.MoveNextAsync().AsTask().GetAwaiter().GetResult();
            if (more) PagesReceived++;
            return more;
        }

        public void Dispose() => _pages.DisposeAsync().AsTask().GetAwaiter().GetResult();

        public static GrantPager ListRetirableGrants(KmsConnection connection, string retiringPrincipal, int pageSize, CancellationToken cancellation)
        {
            var request = new ListRetirableGrantsRequest { RetiringPrincipal = retiringPrincipal, Limit = pageSize };
            var responses = connection.Client.Paginators.ListRetirableGrants(request).Responses;
            return new GrantPager(Select(responses, r => r.Grants), cancellation);
        }

        public static GrantPager ListGrants(KmsConnection connection, string keyId, string? grantId, string? granteePrincipal, int pageSize, CancellationToken cancellation)
        {
            var request = new ListGrantsRequest { KeyId = keyId, Limit = pageSize };
            if (!string.IsNullOrEmpty(grantId)) request.GrantId = grantId;
            if (!string.IsNullOrEmpty(granteePrincipal)) request.GranteePrincipal = granteePrincipal;
            var responses = connection.Client.Paginators.ListGrants(request).Responses;
            return new GrantPager(Select(responses, r => r.Grants), cancellation);
        }

        static async IAsyncEnumerable<IReadOnlyList<GrantInfo>> Select<TResponse>(IAsyncEnumerable<TResponse> responses,
            Func<TResponse, List<GrantListEntry>?> grants,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation = default)
        {
            await foreach (var response in responses.WithCancellation(cancellation).ConfigureAwait(false))
                yield return (grants(response) ?? new List<GrantListEntry>()).Select(ToGrantInfo).ToList();
        }

        internal static GrantInfo ToGrantInfo(GrantListEntry e) => new GrantInfo
        {
            KeyId = e.KeyId ?? "",
            GrantId = e.GrantId ?? "",
            Name = e.Name,
            CreationDate = e.CreationDate,
            GranteePrincipal = e.GranteePrincipal,
            RetiringPrincipal = e.RetiringPrincipal,
            IssuingAccount = e.IssuingAccount,
            Operations = e.Operations?.Select(op => op).ToArray() ?? Array.Empty<string>(),
            EncryptionContextSubset = e.Constraints?.EncryptionContextSubset,
            EncryptionContextEquals = e.Constraints?.EncryptionContextEquals,
        };
    }
}
