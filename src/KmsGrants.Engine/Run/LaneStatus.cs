namespace KmsGrants.Engine
{
    /// <summary>A snapshot of one Region's lane, for progress and the run's tally.</summary>
    public sealed class LaneStatus
    {
        public string Region { get; internal set; } = "";
        public long Finished { get; internal set; }
        public int InFlight { get; internal set; }
        public long Requests { get; internal set; }
        public long Throttled { get; internal set; }
        public double Rate { get; internal set; }
        public double? QuotaEstimate { get; internal set; }
    }
}
