using KmsGrants.Engine;
using Xunit;
using Xunit.Abstractions;

public class RateControllerSimulationTests(ITestOutputHelper output)
{
    static RateController.Tuning Tuning()
    {
        var t = new RateController.Tuning();
        var spec = Environment.GetEnvironmentVariable("KMSGRANTS_TUNING");
        if (string.IsNullOrEmpty(spec)) return t;
        foreach (var kv in spec.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = kv.Split('=');
            var f = typeof(RateController.Tuning).GetField(parts[0])!;
            f.SetValue(t, Convert.ChangeType(double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), f.FieldType));
        }
        return t;
    }

    [Fact]
    public void Explore()
    {
        var worstTime = 0.0; var worstThrottle = 0.0;
        foreach (var l in new[] { 0.005, 0.020, 0.100 })
            foreach (var q in new[] { 10.0, 50, 100, 500 })
            {
                var line = $"Q={q,3} L={l * 1000,3}ms:";
                foreach (var seed in new[] { 1, 2, 3 })
                {
                    var r = QuotaSimulator.Run(new QuotaSimulator.Scenario { Quota = q, RoundTripSeconds = l, Grants = (int)(10 * q), Seed = seed }, new RateController(Tuning()));
                    line += $"  {r.Seconds / 10:0.000}x {100 * r.ThrottledShare,4:0.0}%";
                    worstTime = Math.Max(worstTime, r.Seconds / 10); worstThrottle = Math.Max(worstThrottle, r.ThrottledShare);
                }
                output.WriteLine(line);
            }
        output.WriteLine($"worst: {worstTime:0.000}x, {100 * worstThrottle:0.0}% throttled");
        foreach (var l in new[] { 0.005, 0.020, 0.100 })
        {
            var c = new RateController(Tuning());
            var r = QuotaSimulator.Run(new QuotaSimulator.Scenario { Quota = 100, QuotaChanges = [(5, 30), (10, 100)], RoundTripSeconds = l, Grants = 1300, Seed = 1 }, c);
            output.WriteLine($"change L={l * 1000}ms: to 100 first {r.SettleTime(0, 100):0.00}s, to 30 {r.SettleTime(5, 30):0.00}s, to 100 {r.SettleTime(10, 100):0.00}s; throughput 3-5 s {r.Throughput(3, 5):0}, 7-10 s {r.Throughput(7, 10):0}, 12-15 s {r.Throughput(12, 15):0}; throttled {100 * r.ThrottledShare:0.0}%");
            foreach (var raiseAt in new[] { 8.0, 8.5, 9.0, 9.5, 10.0, 10.5, 11.0 })
            {
                var w = QuotaSimulator.Run(new QuotaSimulator.Scenario { Quota = 100, QuotaChanges = [(5, 30), (raiseAt, 100)], RoundTripSeconds = l, Grants = 1500, Seed = 1 }, new RateController(Tuning()));
                output.WriteLine($"   raise at {raiseAt}: settled in {w.SettleTime(raiseAt, 100):0.00}s");
            }
            var s = QuotaSimulator.Run(new QuotaSimulator.Scenario { Quota = 50, CompetitorRate = 20, RoundTripSeconds = l, Grants = 300, Seed = 1 }, new RateController(Tuning()));
            output.WriteLine($"shared L={l * 1000}ms: ours {300 / s.Seconds:0.0}/s = {300 / s.Seconds / 30:0.00}x leftover, ours throttled {100 * s.ThrottledShare:0.0}%, competitor throttled {100 * s.CompetitorThrottledShare:0.0}%");
        }
    }
}

public class RateControllerTraceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(100, 0.02, 1)]
    public void Trace(double quota, double roundTrip, int seed)
    {
        var c = new RateController();
        var lines = new List<string>();
        c.Trace = m => { if (m.Contains("throttle of")) { var est = m.Substring(m.IndexOf("estimate")); if (lines.Count == 0 || !lines[^1].EndsWith(est)) lines.Add(m); } else lines.Add(m); };
        var r = QuotaSimulator.Run(new QuotaSimulator.Scenario { Quota = quota, QuotaChanges = [(5, 30), (10.5, 100)], RoundTripSeconds = roundTrip, Grants = 1500, Seed = seed }, c);
        output.WriteLine($"Q={quota} L={roundTrip}: {r.Seconds:0.00}s throttled {r.Throttled} final estimate {c.QuotaEstimate:0.0}");
        // Throttles grouped into episodes (answers less than 0.3 s apart).
        var episodes = new List<List<double>>();
        foreach (var t in r.ThrottledAt.OrderBy(x => x))
            if (episodes.Count > 0 && t - episodes[^1][^1] < 0.3) episodes[^1].Add(t); else episodes.Add([t]);
        foreach (var e in episodes) lines.Add($"{e[0]:0.000} episode: {e.Count} throttles over {e[^1] - e[0]:0.000}s");
        foreach (var l in lines.OrderBy(l => double.Parse(l.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))) output.WriteLine("  " + l);
    }
}
