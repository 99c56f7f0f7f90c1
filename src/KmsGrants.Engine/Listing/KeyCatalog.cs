using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService.Model;

namespace KmsGrants.Engine
{
    /// <summary>A key of the caller's account in one Region, as ListKeys names it, with its aliases when ListAliases was
    /// asked.</summary>
    public sealed class CatalogKey
    {
        public CatalogKey(string keyArn, string keyId)
        {
            KeyArn = keyArn;
            KeyId = keyId;
        }

        public string KeyArn { get; }
        public string KeyId { get; }
    }

    /// <summary>One Region's keys and aliases, for the listings that name keys by pattern (Get-KmsGrant -KeyId *,
    /// Find-KmsStaleGrant): ListKeys and ListAliases, page by page (streamed, so that the keys' listings start while the
    /// catalog is still read). Each page is retried as a listing's request is (<see cref="AttemptPolicy"/>: throttles 30
    /// times, faults as the retry mode allows, backing off since nothing paces these), so that a throttled page does not
    /// leave the rest of a Region unlisted. A listing that cannot be KMS's stops it (<see cref="MarkerGuard"/>). ListKeys
    /// names only the caller's account's keys, AWS managed ones included.</summary>
    public static class KeyCatalog
    {
        /// <summary>ListKeys' largest page.</summary>
        const int PageSize = 1000;

        public static async IAsyncEnumerable<CatalogKey> KeysAsync(RegionClients clients, [EnumeratorCancellation] CancellationToken cancellation)
        {
            string? marker = null;
            var markers = new MarkerGuard(pagesAreFull: true);
            do
            {
                var request = new ListKeysRequest { Limit = PageSize };
                if (marker != null) request.Marker = marker;
                var page = await WithRetriesAsync(clients, () => clients.List.ListKeysAsync(request, cancellation), cancellation).ConfigureAwait(false);
                foreach (var key in page.Keys ?? new List<KeyListEntry>())
                    if (!string.IsNullOrEmpty(key.KeyArn) && !string.IsNullOrEmpty(key.KeyId))
                        yield return new CatalogKey(clients.RedactSecrets(key.KeyArn), clients.RedactSecrets(key.KeyId));
                marker = markers.Next(page.NextMarker, page.Truncated, page.Keys?.Count ?? 0);
            } while (marker != null);
        }

        /// <summary>Each alias of the Region that names a key: its name (alias/NAME), its ARN, and its key's ARN.</summary>
        public static async IAsyncEnumerable<(string Name, string Arn, string KeyArn)> AliasesAsync(RegionClients clients, [EnumeratorCancellation] CancellationToken cancellation)
        {
            string? marker = null;
            var markers = new MarkerGuard(pagesAreFull: true);
            do
            {
                var request = new ListAliasesRequest { Limit = 100 };
                if (marker != null) request.Marker = marker;
                var page = await WithRetriesAsync(clients, () => clients.List.ListAliasesAsync(request, cancellation), cancellation).ConfigureAwait(false);
                foreach (var alias in page.Aliases ?? new List<AliasListEntry>())
                {
                    // An alias ARN is arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME; its key's ARN differs only in key/ID.
                    if (string.IsNullOrEmpty(alias.TargetKeyId) || string.IsNullOrEmpty(alias.AliasArn) || string.IsNullOrEmpty(alias.AliasName)) continue;
                    var at = alias.AliasArn.IndexOf(":alias/", StringComparison.Ordinal);
                    if (at < 0) continue;
                    var keyArn = alias.AliasArn.Substring(0, at) + ":key/" + alias.TargetKeyId;
                    yield return (clients.RedactSecrets(alias.AliasName), clients.RedactSecrets(alias.AliasArn), clients.RedactSecrets(keyArn));
                }
                marker = markers.Next(page.NextMarker, page.Truncated, page.Aliases?.Count ?? 0);
            } while (marker != null);
        }

        static async Task<T> WithRetriesAsync<T>(RegionClients clients, Func<Task<T>> send, CancellationToken cancellation)
        {
            var policy = new AttemptPolicy(GrantOperation.ListGrants, dryRun: false, KmsSession.MinimumRetireAttempts);
            var attempts = new GrantAttempts();
            var random = new Random();
            while (true)
            {
                try
                {
                    return await send().ConfigureAwait(false);
                }
                catch (Exception e) when (!(e is OperationCanceledException && cancellation.IsCancellationRequested))
                {
                    var error = KmsError.From(e, clients.RedactSecrets);
                    var decision = policy.AfterAttempt(attempts, error, 1, stopping: false, random);
                    if (!decision.IsRetry) throw;
                    await Task.Delay(AttemptPolicy.UnpacedRetryDelay(decision, error, attempts, random), cancellation).ConfigureAwait(false);
                }
            }
        }
    }
}
