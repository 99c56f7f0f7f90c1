using KmsGrants.Engine;

/// <summary>A KMS quota and a bulk retirement run in virtual time: a discrete-event simulation of the server's token
/// bucket (rate Q, one second of burst, starting full), a fixed round trip with jitter, an optional steady competitor
/// sharing the quota, and the client as a run's Region lane (GrantRun, RegionLane) drives it — the real pacer's schedule at the controller's rate, at most MaxInFlight requests in flight, throttled requests retried after 0-50 ms.
/// Deterministic for a seed; milliseconds of CPU for a 10-second run.</summary>
public sealed class QuotaSimulator
{
    public sealed class Scenario
    {
        public double Quota { get; init; }
        /// <summary>(time, new quota) changes, in order.</summary>
        public (double At, double Quota)[] QuotaChanges { get; init; } = [];
        public double RoundTripSeconds { get; init; }
        public int Grants { get; init; }
        /// <summary>Requests per second a steady competitor sends into the same quota (it does not retry).</summary>
        public double CompetitorRate { get; init; }
        public double? MaxRequestsPerSecond { get; init; }
        public int? MaxInFlight { get; init; }
        public int Seed { get; init; } = 1;
        /// <summary>Whether the controller is told how many requests are left (the runner tells it once the input ends;
        /// here every grant is known from the start).</summary>
        public bool InputKnown { get; init; } = true;
        /// <summary>A limit on simulated time, so that a broken controller cannot loop forever.</summary>
        public double TimeLimit { get; init; } = 600;
    }

    public sealed class Result
    {
        public double Seconds { get; set; }
        public long Requests { get; set; }
        public long Throttled { get; set; }
        public int Retired { get; set; }
        public long CompetitorRequests { get; set; }
        public long CompetitorThrottled { get; set; }
        public int MaxInFlightSeen { get; set; }
        /// <summary>The controller's rate every 10 ms.</summary>
        public List<(double At, double Rate)> RateTrace { get; } = [];
        /// <summary>The controller's quota estimate every 10 ms (NaN before the first).</summary>
        public List<(double At, double Estimate)> EstimateTrace { get; } = [];
        /// <summary>Throttled requests of ours, by answer time.</summary>
        public List<double> ThrottledAt { get; } = [];
        /// <summary>Accepted requests of ours, by send time.</summary>
        public List<double> AcceptedAt { get; } = [];
        public double ThrottledShare => Requests == 0 ? 0 : (double)Throttled / Requests;
        public double CompetitorThrottledShare => CompetitorRequests == 0 ? 0 : (double)CompetitorThrottled / CompetitorRequests;

        /// <summary>Seconds after <paramref name="at"/> until the controller's quota estimate is within
        /// ±<paramref name="tolerance"/> of <paramref name="quota"/> (and so its pacing, just under the estimate).</summary>
        public double SettleTime(double at, double quota, double tolerance = 0.05)
        {
            foreach (var (t, estimate) in EstimateTrace)
                if (t >= at && Math.Abs(estimate - quota) <= tolerance * quota) return t - at;
            return double.PositiveInfinity;
        }

        /// <summary>Our accepted requests per second sent in [from, to).</summary>
        public double Throughput(double from, double to) => AcceptedAt.Count(t => t >= from && t < to) / (to - from);
    }

    const double Tick = 0.01;

    public static Result Run(Scenario scenario, RateController controller)
    {
        var result = new Result();
        var random = new Random(scenario.Seed);
        var events = new PriorityQueue<Action, (double, long)>();
        long order = 0;
        var now = 0.0;
        void At(double time, Action action) => events.Enqueue(action, (time, order++));

        // The server's quota bucket.
        var quota = scenario.Quota;
        var tokens = quota;
        var refilledAt = 0.0;
        bool TakeToken(double time)
        {
            tokens = Math.Min(quota, tokens + (time - refilledAt) * quota);
            refilledAt = time;
            if (tokens < 1) return false;
            tokens -= 1;
            return true;
        }
        foreach (var (changeAt, newQuota) in scenario.QuotaChanges)
            At(changeAt, () => { TakeToken(now); quota = newQuota; tokens = Math.Min(tokens, quota); });

        // The client.
        var waiting = scenario.Grants;   // grants ready to send (new or due for retry)
        var inFlight = 0;
        var retired = 0;
        var pacing = new PacingSchedule();   // the real pacer's schedule
        var wakeScheduled = false;

        double Jitter(double seconds) => seconds * (0.9 + 0.2 * random.NextDouble());

        void Pump()
        {
            while (waiting > 0 && inFlight < controller.MaxInFlight)
            {
                var rate = Math.Max(controller.Rate, 1e-6);
                var wait = pacing.Wait(now, rate);
                if (wait > 0)
                {
                    if (!wakeScheduled)
                    {
                        wakeScheduled = true;
                        At(now + wait, () => { wakeScheduled = false; Pump(); });
                    }
                    return;
                }
                pacing.Sent(now);
                waiting--;
                inFlight++;
                result.MaxInFlightSeen = Math.Max(result.MaxInFlightSeen, inFlight);
                result.Requests++;
                var sentAt = now;
                var ticket = controller.OnSent(now);
                var arrive = now + Jitter(scenario.RoundTripSeconds / 2);
                var answer = arrive + Jitter(scenario.RoundTripSeconds / 2);
                At(arrive, () =>
                {
                    var accepted = TakeToken(now);
                    At(answer, () =>
                    {
                        inFlight--;
                        if (accepted)
                        {
                            retired++;
                            result.AcceptedAt.Add(sentAt);
                            controller.OnResponse(ticket, now, ResponseKind.Accepted);
                        }
                        else
                        {
                            result.Throttled++;
                            result.ThrottledAt.Add(now);
                            controller.OnResponse(ticket, now, ResponseKind.Throttled);
                            At(now + 0.05 * random.NextDouble(), () => { waiting++; Pump(); });
                        }
                        Pump();
                    });
                });
            }
        }

        if (scenario.CompetitorRate > 0)
        {
            void Compete()
            {
                if (retired >= scenario.Grants) return;
                result.CompetitorRequests++;
                if (!TakeToken(now)) result.CompetitorThrottled++;
                At(now + 1 / scenario.CompetitorRate, Compete);
            }
            At(0.5 / scenario.CompetitorRate, Compete);
        }

        void Ticker()
        {
            if (retired >= scenario.Grants) return;
            controller.RequestsLeft = scenario.InputKnown ? waiting : null;
            controller.OnTick(now);
            result.RateTrace.Add((now, controller.Rate));
            result.EstimateTrace.Add((now, controller.QuotaEstimate ?? double.NaN));
            Pump();
            At(now + Tick, Ticker);
        }

        At(0, Ticker);
        while (retired < scenario.Grants && events.TryDequeue(out var action, out var key))
        {
            now = key.Item1;
            if (now > scenario.TimeLimit) break;
            action();
        }
        result.Seconds = now;
        result.Retired = retired;
        return result;
    }
}
