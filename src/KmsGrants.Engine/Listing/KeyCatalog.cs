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

    /// <summary>The paginators ask for the next page with the last NextMarker for as long as there is one: one given before
    /// would make a listing go round for ever, so it stops the listing as an answer that is not KMS's.</summary>
    internal sealed class MarkerGuard
    {
        readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);

        public T Checked<T>(string? nextMarker, T page)
        {
            if (!string.IsNullOrEmpty(nextMarker) && !_seen.Add(nextMarker!)) throw KmsAnswerCheck.RepeatedMarker();
            return page;
        }
    }

    /// <summary>One Region's keys and aliases, for the listings that name keys by pattern (Get-KmsGrant -KeyId *,
    /// Find-KmsStaleGrant): ListKeys and ListAliases through the SDK's paginators (their own quotas; a handful of requests
    /// per Region, so the SDK's retry mode paces them), streamed page by page so that the keys' listings start while
    /// the catalog is still read. ListKeys names only the caller's account's keys, AWS managed ones included.</summary>
    public static class KeyCatalog
    {
        /// <summary>ListKeys' largest page.</summary>
        const int PageSize = 1000;

        public static async IAsyncEnumerable<CatalogKey> KeysAsync(RegionClients clients, [EnumeratorCancellation] CancellationToken cancellation)
        {
            var request = new ListKeysRequest { Limit = PageSize };
            var markers = new MarkerGuard();
            await foreach (var page in clients.List.Paginators.ListKeys(request).Responses.WithCancellation(cancellation).ConfigureAwait(false))
                foreach (var key in markers.Checked(page.NextMarker, page.Keys) ?? new List<KeyListEntry>())
                    if (!string.IsNullOrEmpty(key.KeyArn) && !string.IsNullOrEmpty(key.KeyId))
                        yield return new CatalogKey(clients.RedactSecrets(key.KeyArn), clients.RedactSecrets(key.KeyId));
        }

        /// <summary>Each alias of the Region that names a key: its name (alias/NAME), its ARN, and its key's ARN.</summary>
        public static async IAsyncEnumerable<(string Name, string Arn, string KeyArn)> AliasesAsync(RegionClients clients, [EnumeratorCancellation] CancellationToken cancellation)
        {
            var request = new ListAliasesRequest { Limit = 100 };
            var markers = new MarkerGuard();
            await foreach (var page in clients.List.Paginators.ListAliases(request).Responses.WithCancellation(cancellation).ConfigureAwait(false))
                foreach (var alias in markers.Checked(page.NextMarker, page.Aliases) ?? new List<AliasListEntry>())
                {
                    // An alias ARN is arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME; its key's ARN differs only in key/ID.
                    if (string.IsNullOrEmpty(alias.TargetKeyId) || string.IsNullOrEmpty(alias.AliasArn) || string.IsNullOrEmpty(alias.AliasName)) continue;
                    var at = alias.AliasArn.IndexOf(":alias/", StringComparison.Ordinal);
                    if (at < 0) continue;
                    var keyArn = alias.AliasArn.Substring(0, at) + ":key/" + alias.TargetKeyId;
                    yield return (clients.RedactSecrets(alias.AliasName), clients.RedactSecrets(alias.AliasArn), clients.RedactSecrets(keyArn));
                }
        }
    }
}
