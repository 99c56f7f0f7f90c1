using System;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace KmsGrants.Engine
{
    /// <summary>The command's default Region in AWS.Tools.Common's order (its TryGetRegion), through the AWS SDK's own
    /// resolvers; about_KmsGrants_Connection lists each step beside theirs. Which Region each grant then goes to is
    /// <see cref="RegionRouting"/>'s.</summary>
    internal static class RegionResolver
    {
        /// <summary>The default Region's name and where it came from, or a null name when none is set anywhere: a command
        /// whose keys are all named by key ARN needs none (each goes to its ARN's Region), so its absence is an error only
        /// for what needs it (<see cref="ConfigurationException.NoRegion"/>). Order: -Region, $StoredAWSRegion, the Region of the profile the
        /// credentials came from (AWS.Tools.Common does not read it: its issue #25 asks for that), the [default] profile's
        /// (in -ProfileLocation's file if given), AWS_REGION / AWS_DEFAULT_REGION, then the SDK's chain (instance
        /// metadata). The [default] profile before the environment is AWS.Tools.Common's order, and deliberate there.</summary>
        public static (string? Region, string Source) Resolve(ConnectionOptions o, string? credentialsProfile)
        {
            var (region, source, fromProfile) = FindRegion(o, credentialsProfile);
            if (region != null && InputValidation.Region(region, source, showValue: !fromProfile) is ValidationFailure invalid)
                throw new ConfigurationException(ConfigurationProblem.InvalidRegion, invalid.Message);
            return (region, source);
        }

        static (string? Region, string Source, bool FromProfile) FindRegion(ConnectionOptions o, string? credentialsProfile)
        {
            if (o.Region != null) return (o.Region, "-Region", false);
            if (!string.IsNullOrEmpty(o.SessionRegion)) return (o.SessionRegion!, "$StoredAWSRegion (Set-DefaultAWSRegion)", false);

            foreach (var profile in new[] { credentialsProfile, ProfileFiles.Default })
            {
                if (string.IsNullOrEmpty(profile)) continue;
                var found = ProfileFiles.Reading(() => new CredentialProfileStoreChain(o.ProfileLocation).TryGetProfile(profile, out var p) ? p : null, o.ProfileLocation, profile);
                if (found?.Region != null) return (found.Region.SystemName, $"the region setting of profile '{profile}' in {ProfileFiles.Describe(o.ProfileLocation)}", true);
            }

            foreach (var variable in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
                if (Environment.GetEnvironmentVariable(variable) is string value && value.Length > 0)
                    return (value, variable, false);

            // The chain reads AWS_PROFILE's profile: a region there that the SDK refuses is that profile's InvalidRegion.
            RegionEndpoint? fromChain = null;
            try { fromChain = ProfileFiles.Reading(() => FallbackRegionFactory.GetRegionEndpoint(true), profile: DefaultAWSCredentialsIdentityResolver.GetProfileName()); }
            catch (Exception e) when (e is AmazonClientException or InvalidOperationException) { }
            if (fromChain != null) return (fromChain.SystemName, "the AWS SDK's region chain", false);

            return (null, "nowhere (no -Region, $StoredAWSRegion, profile region, AWS_REGION or instance metadata)", false);
        }
    }
}
