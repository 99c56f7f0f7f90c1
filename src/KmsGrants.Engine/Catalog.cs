using System;
using System.Collections.Generic;
using System.Linq;
using Amazon;
using Amazon.Runtime.CredentialManagement;

namespace KmsGrants.Engine
{
    /// <summary>Names for argument completion, from the SDK's own region list and the profiles on disk.</summary>
    public static class Catalog
    {
        public static IReadOnlyList<KeyValuePair<string, string>> Regions() =>
            RegionEndpoint.EnumerableAllRegions
                .Select(r => new KeyValuePair<string, string>(r.SystemName, r.DisplayName ?? r.SystemName))
                .OrderBy(r => r.Key, StringComparer.Ordinal)
                .ToList();

        public static IReadOnlyList<string> ProfileNames(string? profileLocation)
        {
            try
            {
                return new CredentialProfileStoreChain(profileLocation).ListProfiles()
                    .Select(p => p.Name).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToList();
            }
            catch (Exception)
            {
                return Array.Empty<string>();   // a completer must never throw at the user
            }
        }
    }
}
