namespace KmsGrants.Engine
{
    /// <summary>What the command asks of a run: ceilings on pace and concurrency, DryRun, tracing.</summary>
    public sealed class RunOptions
    {
        /// <summary>A ceiling on requests per second in each Region; null for none.</summary>
        public double? MaxRequestsPerSecond { get; set; }
        /// <summary>A ceiling on requests in flight in each Region; null for the rate controller's own.</summary>
        public int? ThrottleLimit { get; set; }
        public bool DryRun { get; set; }
        /// <summary>Keep the rate controllers' decisions for <see cref="GrantRun.TakeTrace"/> (-Debug).</summary>
        public bool Trace { get; set; }
        /// <summary>No Region is the command's own (a listing of several Regions): one that refuses the credentials stops
        /// only itself, whichever it is.</summary>
        public bool RegionsStopAlone { get; set; }
    }
}
