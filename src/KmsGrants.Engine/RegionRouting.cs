namespace KmsGrants.Engine
{
    /// <summary>Which Region a grant or key goes to — the one place that decides. A key named by its key (or alias) ARN
    /// goes to the ARN's Region: the ARN names it unambiguously, and sending it anywhere else can only fail. A grant named
    /// by token, bare key ID or alias name goes to the command's default Region, which may be unset: then only what needs
    /// it fails (KmsGrants.NoRegion), and keys named by ARN are served all the same.</summary>
    public sealed class RegionRouting
    {
        public RegionRouting(string? defaultRegion) => DefaultRegion = defaultRegion;

        /// <summary>The command's Region (-Region or the resolved default); null when none is set anywhere.</summary>
        public string? DefaultRegion { get; }

        /// <summary>The Region a grant is sent to; null when it needs the default Region and none is set.</summary>
        public string? RegionOf(GrantReference grant) => grant.ByToken ? DefaultRegion : RegionOfKey(grant.KeyId!);

        /// <summary>The Region a key is listed, described or named in; null when it needs the default Region and none is set.</summary>
        public string? RegionOfKey(string keyId) => KmsArn.Parse(keyId)?.Region ?? DefaultRegion;

        /// <summary>The default Region, or a NoRegion <see cref="ConfigurationException"/> saying <paramref name="what"/> needs one.</summary>
        public string RequireDefaultRegion(string what) => DefaultRegion ?? throw ConfigurationException.NoRegion(what);

        /// <summary>The Region <paramref name="what"/> goes to, or the NoRegion exception for it.</summary>
        public string RequireRegionOfKey(string keyId, string what) => RegionOfKey(keyId) ?? throw ConfigurationException.NoRegion(what);
    }
}
