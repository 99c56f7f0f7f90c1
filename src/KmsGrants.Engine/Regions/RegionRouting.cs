namespace KmsGrants.Engine
{
    /// <summary>Which Region a grant or key goes to — the one place that decides. A key named by its key (or alias) ARN
    /// goes to the ARN's Region: the ARN names it unambiguously, and sending it anywhere else can only fail. A grant named
    /// by token, bare key ID or alias name goes to the Region its input object names (a Region property, bound from the
    /// pipeline), else to the command's default Region, which may be unset: then only what needs it fails
    /// (KmsGrants.NoRegion), and keys named by ARN are served all the same.</summary>
    public sealed class RegionRouting
    {
        public RegionRouting(string? defaultRegion) => DefaultRegion = defaultRegion;

        /// <summary>The command's Region (-Region or the resolved default); null when none is set anywhere.</summary>
        public string? DefaultRegion { get; }

        /// <summary>The Region a grant is sent to; null when it needs the default Region and none is set.</summary>
        /// <param name="inputRegion">The Region its input object names (checked with <see cref="InputRegionProblem"/>).</param>
        public string? RegionOf(GrantReference grant, string? inputRegion = null) =>
            grant.ByToken ? inputRegion ?? DefaultRegion : RegionOfKey(grant.KeyId!, inputRegion);

        /// <summary>The Region a key is listed, described or named in; null when it needs the default Region and none is set.</summary>
        public string? RegionOfKey(string keyId, string? inputRegion = null) => KmsArn.Parse(keyId)?.Region ?? inputRegion ?? DefaultRegion;

        /// <summary>The default Region, or a NoRegion <see cref="ConfigurationException"/> saying <paramref name="what"/> needs one.</summary>
        public string RequireDefaultRegion(string what) => DefaultRegion ?? throw ConfigurationException.NoRegion(what);

        /// <summary>Why an input object's Region cannot route <paramref name="what"/> (key <paramref name="keyId"/>, or
        /// null for a token or a principal): it is not a Region, or it is not the one the key's ARN names — an object saying
        /// two things, where guessing which is right could act in the wrong Region.</summary>
        public static ValidationFailure? InputRegionProblem(string inputRegion, string? keyId, string what)
        {
            if (InputValidation.Region(inputRegion, "the input object's Region property") is ValidationFailure invalid) return invalid;
            var arnRegion = keyId == null ? null : KmsArn.Parse(keyId)?.Region;
            return arnRegion == null || arnRegion == inputRegion ? null : new ValidationFailure(InvalidInputKind.Region,
                $"{what} names Region {arnRegion} in its ARN, but the input object's Region property is '{inputRegion}'.");
        }
    }
}
