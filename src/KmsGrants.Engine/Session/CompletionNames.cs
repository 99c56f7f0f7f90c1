using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime.CredentialManagement;

namespace KmsGrants.Engine
{
    /// <summary>Names for argument completion: the SDK's Region list, the profiles on disk, and the keys and aliases of
    /// a Region. A completer must never throw at the user or keep them waiting: failures give no names.</summary>
    public static class CompletionNames
    {
        /// <summary>How long completing -KeyId may ask KMS before giving up silently.</summary>
        public static readonly TimeSpan KeyNamesTimeout = TimeSpan.FromSeconds(2);

        // Per identity, Region and endpoint, for the life of the PowerShell session: aliases change rarely, and a prompt must be quick.
        static readonly ConcurrentDictionary<string, IReadOnlyList<string>> KeyNamesByRegion = new ConcurrentDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

        /// <summary>The SDK's Regions as first read: not the names it registered since (a typo given to -Region, a profile's
        /// bad region), which RegionEndpoint.EnumerableAllRegions would list too.</summary>
        public static IReadOnlyList<KeyValuePair<string, string>> Regions() => RegionCatalog.KnownRegionNames();

        public static IReadOnlyList<string> ProfileNames(string? profileLocation)
        {
            try
            {
                return new CredentialProfileStoreChain(profileLocation).ListProfiles()
                    .Select(p => p.Name).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToList();
            }
            catch (Exception)
            {
                return Array.Empty<string>();
            }
        }

        /// <summary>Alias names and key IDs of the Region these options resolve to (ListAliases), cached per identity and Region for the
        /// session; nothing if KMS cannot be asked within <see cref="KeyNamesTimeout"/>.</summary>
        public static IReadOnlyList<string> KeyNames(ConnectionOptions options)
        {
            using var cancellation = new CancellationTokenSource(KeyNamesTimeout);
            var lookup = Task.Run(async () =>
            {
                using var session = KmsSession.Open(options);
                var cacheKey = session.AccessKeyId + "|" + session.DefaultRegion + "|" + session.Endpoint;
                if (KeyNamesByRegion.TryGetValue(cacheKey, out var cached)) return cached;
                var names = await session.ListAliasNamesAsync(cancellation.Token).ConfigureAwait(false);
                return KeyNamesByRegion[cacheKey] = names;
            });
            try
            {
                return lookup.Wait(KeyNamesTimeout) ? lookup.Result : Array.Empty<string>();
            }
            catch (Exception)
            {
                return Array.Empty<string>();
            }
        }
    }
}
