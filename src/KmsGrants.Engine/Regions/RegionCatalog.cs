using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Amazon;

namespace KmsGrants.Engine
{
    /// <summary>The AWS Regions and partitions, from the AWS SDK's own data: which names are Regions, and which partition
    /// each is in.</summary>
    public static class RegionCatalog
    {
        /// <summary>The partition AWS Regions are in unless the SDK says otherwise.</summary>
        public const string StandardPartition = "aws";

        static readonly Regex RegionPattern = new Regex(@"^[a-z]{2,5}(-[a-z]+)+-[1-9]\d?\z", RegexOptions.ECMAScript | RegexOptions.CultureInvariant);

        // The SDK's own Region list, read once before anything can add to it: RegionEndpoint.GetBySystemName quietly
        // registers any name it is given (a -Region typo, a profile's region), so the list would otherwise accept every
        // typo made earlier in the session.
        static readonly Lazy<IReadOnlyDictionary<string, RegionEndpoint>> KnownRegionEndpoints = new Lazy<IReadOnlyDictionary<string, RegionEndpoint>>(() =>
            RegionEndpoint.EnumerableAllRegions.GroupBy(r => r.SystemName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal));
        static readonly Lazy<HashSet<string>> KnownRegions = new Lazy<HashSet<string>>(() =>
            new HashSet<string>(KnownRegionEndpoints.Value.Keys, StringComparer.Ordinal));
        // The words of the SDK's Region names, by place: a Region newer than the SDK is named with the same words
        // (us-east-7, ap-southeast-9), so a name with any other word is a typo (us-est-1), refused before sending.
        static readonly Lazy<HashSet<string>> KnownRegionPrefixes = new Lazy<HashSet<string>>(() =>
            new HashSet<string>(RegionShapes().Select(r => r.Prefix), StringComparer.Ordinal));
        static readonly Lazy<HashSet<string>> KnownQualifiers = new Lazy<HashSet<string>>(() =>
            new HashSet<string>(RegionShapes().SelectMany(r => r.Qualifiers), StringComparer.Ordinal));
        static readonly Lazy<HashSet<string>> KnownDirections = new Lazy<HashSet<string>>(() =>
            new HashSet<string>(RegionShapes().Select(r => r.Direction), StringComparer.Ordinal));
        // Each partition's Region pattern, from the SDK's data (RegionEndpoint.PartitionRegionRegex): the partition of a
        // Region newer than the SDK. The patterns do not overlap (aws's takes three parts, us-gov-… has four).
        static readonly Lazy<IReadOnlyList<(Regex Pattern, string Partition)>> PartitionPatterns = new Lazy<IReadOnlyList<(Regex, string)>>(() =>
            KnownRegionEndpoints.Value.Values
                .Where(r => !string.IsNullOrEmpty(r.PartitionName) && !string.IsNullOrEmpty(r.PartitionRegionRegex))
                .GroupBy(r => r.PartitionRegionRegex, StringComparer.Ordinal)
                .Select(g => (new Regex(g.Key, RegexOptions.ECMAScript | RegexOptions.CultureInvariant), g.First().PartitionName))
                .ToList());

        static readonly Lazy<IReadOnlyList<string>> KnownPartitionNames = new Lazy<IReadOnlyList<string>>(() =>
            KnownRegionEndpoints.Value.Values.Select(r => r.PartitionName).Where(p => !string.IsNullOrEmpty(p)).Select(p => p!).Append(StandardPartition)
                .Distinct(StringComparer.Ordinal).OrderBy(p => p.Length).ThenBy(p => p, StringComparer.Ordinal).ToList());

        /// <summary>Forces the Region list to be read now (before any client is created).</summary>
        public static void Initialize() => _ = KnownRegions.Value.Count;

        /// <summary>The Regions the SDK knows, with their display names, as read before anything could add to them (what
        /// -Region completes).</summary>
        public static IReadOnlyList<KeyValuePair<string, string>> KnownRegionNames() =>
            KnownRegionEndpoints.Value.Values
                .Select(r => new KeyValuePair<string, string>(r.SystemName, r.DisplayName ?? r.SystemName))
                .OrderBy(r => r.Key, StringComparer.Ordinal)
                .ToList();

        public static IReadOnlyList<string> Partitions => KnownPartitionNames.Value;

        /// <summary>The partition of a Region: the SDK's for one it knows, else the partition whose Region pattern it
        /// matches, else the standard partition (Regions newer than the SDK appear there first).</summary>
        public static string PartitionOf(string region)
        {
            if (KnownRegionEndpoints.Value.TryGetValue(region, out var known) && !string.IsNullOrEmpty(known.PartitionName))
                return known.PartitionName;
            foreach (var (pattern, partition) in PartitionPatterns.Value)
                if (pattern.IsMatch(region)) return partition;
            return StandardPartition;
        }

        /// <summary>Why a name is not a Region ("is not a Region name (…)"), or null: one the AWS SDK knows, or one made of
        /// the words its Regions use, in their places (a Region newer than the SDK).</summary>
        public static string? Problem(string region)
        {
            if (KnownRegions.Value.Contains(region)) return null;
            if (InputValidation.HasInvisibleCharacters(region)) return "contains white space, control characters or invisible formatting characters.";
            if (!RegionPattern.IsMatch(region))
                return "is not a Region name (Region names look like us-east-1 or eu-west-2).";
            var shape = Shape(region);
            if (!KnownRegionPrefixes.Value.Contains(shape.Prefix))
                return $"is not an AWS Region (no Region name starts with '{shape.Prefix}-'; known ones: {Examples()}, …).";
            if (shape.Qualifiers.FirstOrDefault(q => !KnownQualifiers.Value.Contains(q)) is string qualifier)
                return $"is not an AWS Region (no Region name has the word '{qualifier}' there; known ones: {Examples()}, …).";
            if (!KnownDirections.Value.Contains(shape.Direction))
                return $"is not an AWS Region ('{shape.Direction}' is not a direction Region names use: " +
                    $"{string.Join(", ", KnownDirections.Value.OrderBy(d => d, StringComparer.Ordinal))}).";
            return null;
        }

        static string Examples() => string.Join(", ", KnownRegions.Value.OrderBy(r => r, StringComparer.Ordinal).Take(8));

        /// <summary>us-gov-west-1 as (us, [gov], west): a name matching <see cref="RegionPattern"/>.</summary>
        static (string Prefix, string[] Qualifiers, string Direction) Shape(string region)
        {
            var words = region.Split('-');
            return (words[0], words.Skip(1).Take(words.Length - 3).ToArray(), words[words.Length - 2]);
        }

        static IEnumerable<(string Prefix, string[] Qualifiers, string Direction)> RegionShapes() =>
            KnownRegions.Value.Where(r => RegionPattern.IsMatch(r)).Select(Shape);
    }
}
