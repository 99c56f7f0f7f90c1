using System;

namespace KmsGrants.Engine
{
    /// <summary>What came back for one request, as the rate controller sees it.</summary>
    public enum ResponseKind
    {
        /// <summary>Any answer but a throttle: the request used one token of the quota.</summary>
        Accepted,
        /// <summary>ThrottlingException: the quota's bucket was empty when the request arrived.</summary>
        Throttled,
        /// <summary>No answer (time-out, dropped connection): says nothing about the quota.</summary>
        Lost,
    }

    /// <summary>Chooses how fast to send and how many requests to keep in flight, from the answers alone. Pure: time is
    /// passed in (seconds on any monotonic clock), so the same code runs in real time and in virtual-time simulations.
    /// <para>KMS quotas are token buckets: rate Q per second, holding about one second of burst. A throttle means the
    /// bucket was empty when that request arrived; an accepted request means it held a token. So the quota is
    /// measured, not guessed: between two throttles the bucket went from empty to empty, and the requests accepted in
    /// between, per second, are Q (a replay of the bucket covers the case where it filled up on the way). Setting the
    /// rate from the measurement, rather than cutting by a factor, makes a burst of throttles from requests sent earlier
    /// harmless: each one re-measures the same Q instead of cutting again.</para>
    /// <para>Phases: <b>Starting</b> — before the first throttle the bucket's burst hides the quota, so the rate grows
    /// exponentially (slower when round trips are long, since a throttle then takes longer to be seen) but never far
    /// above the quota the accepted requests prove. <b>Holding</b> — just under the estimate, after a short dip that lets
    /// the bucket regain a few tokens for others sharing the quota. <b>Plateau</b> — after a quiet spell, a little above
    /// the estimate, long enough to drain what the bucket gained meanwhile: an unchanged quota answers with about one
    /// throttle. <b>Ramp</b> — no throttle on the plateau means the quota rose: exponential growth until one. Quiet spells
    /// are short after the quota moved and lengthen while probes keep finding it unchanged, so that probing costs a
    /// bounded share of the requests.</para></summary>
    public sealed class RateController
    {
        /// <summary>KMS's default RetireGrant quota (Developer Guide, "Request quotas"): the starting rate.</summary>
        public const double DefaultInitialRate = 50;
        public const double MinimumRate = 1;
        public const double MaximumRate = 5000;
        /// <summary>Most requests in flight when the user sets no -ThrottleLimit.</summary>
        public const int DefaultMaxInFlight = 512;

        enum Phase { Starting, Holding, Plateau, Ramp }

        internal sealed class Tuning
        {
            /// <summary>The burst KMS's token buckets hold, in seconds of quota.</summary>
            public double BurstSeconds = 1.0;
            /// <summary>Starting: the rate doubles every this many round trips (within the bounds below), but stays within
            /// a multiple k of the quota the accepted requests prove. When the burst runs out, one round trip of requests
            /// above the quota is throttled, (k − 1) × Q × round trip: k keeps that to StartThrottleSeconds of quota where
            /// the round trip is short, within the bounds below (below 6, large quotas would start for seconds at long
            /// round trips: the accepted count grows as (t + 1)^k).</summary>
            public double StartDoublingRoundTrips = 4;
            public double StartDoublingMin = 0.1;
            public double StartDoublingMax = 0.4;
            public double StartThrottleSeconds = 0.05;
            public double StartOvershootMin = 6;
            public double StartOvershootMax = 21;
            /// <summary>Holding: this fraction of the estimate, after RecoveryHeadroom for RecoverySeconds.</summary>
            public double Headroom = 0.97;
            public double RecoveryHeadroom = 0.85;
            public double RecoverySeconds = 0.4;
            /// <summary>Quiet seconds before a probe: after the quota moved, the time in which RequestsPerProbeAfterChange
            /// requests are sent; doubling after each probe that finds it unchanged, up to the time for RequestsPerProbe
            /// (each such probe costs about one throttle), and never below QuietMin.</summary>
            public double QuietMin = 0.8;
            public double RequestsPerProbeAfterChange = 25;
            public double RequestsPerProbe = 50;
            public int ProbesAfterChange = 5;
            /// <summary>An estimate within this fraction of the previous one counts as "unchanged".</summary>
            public double UnchangedWithin = 0.1;
            /// <summary>Plateau: above the estimate by about PlateauThrottles requests per round trip (within the fractions
            /// below), and at least PlateauMinimumExcess requests a second above the highest the quota may be.</summary>
            public double PlateauThrottles = 2;
            public double PlateauMinExcessFraction = 0.06;
            public double PlateauMaxExcessFraction = 0.5;
            public double PlateauMinimumExcess = 4;
            public double PlateauMarginTokens = 2;
            /// <summary>How far ahead of the rate the pacer may send (see PacingSchedule).</summary>
            public double PacerBurstSeconds = PacingSchedule.BurstSeconds;
            /// <summary>Ramp: the rate doubles every RampRoundTrips round trips (at least RampDoublingMin seconds).</summary>
            public double RampRoundTrips = 3;
            public double RampDoublingMin = 0.15;
            /// <summary>A measurement spans at least this long and this many accepted requests — fewer (down to
            /// SmallestWindowRequests) where the quota is too small to accept that many in MinimumWindowSeconds: a low quota
            /// must not take seconds of throttles to re-measure.</summary>
            public double MinimumWindowSeconds = 0.3;
            public int MinimumWindowRequests = 20;
            public int SmallestWindowRequests = 6;
            /// <summary>The least relative error any measurement is assumed to have; and the first one, from the start.</summary>
            public double MinimumError = 0.01;
            public double StartError = 0.08;
        }

        readonly Tuning _t;
        readonly double _ceiling;
        readonly double _floor;
        readonly int _maxInFlight;
        readonly SendLog _log = new SendLog(1 << 14);

        Phase _phase = Phase.Starting;
        double _rate;
        double _startedAt = double.NaN;
        long _accepted;
        double _lastGrowth = double.NaN;
        double _holdStart;
        double _quiet;
        int _recentChanges;
        double _plateauStart;
        long _plateauTicket;
        double _rampStart;
        // Measurements use no anchor before this ticket (set when the quota is known to have risen).
        long _regimeStart;
        double _error;
        double _srtt = double.NaN;
        double _rttVariance;

        /// <param name="maxRequestsPerSecond">The user's ceiling; it always wins, even below <see cref="MinimumRate"/>.</param>
        /// <param name="maxInFlight">The user's ceiling on requests in flight (-ThrottleLimit).</param>
        public RateController(double? maxRequestsPerSecond = null, int? maxInFlight = null, double initialRate = DefaultInitialRate)
            : this(new Tuning(), maxRequestsPerSecond, maxInFlight, initialRate) { }

        internal RateController(Tuning tuning, double? maxRequestsPerSecond = null, int? maxInFlight = null, double initialRate = DefaultInitialRate)
        {
            _t = tuning;
            _ceiling = maxRequestsPerSecond is > 0 ? Math.Min(maxRequestsPerSecond.Value, MaximumRate) : MaximumRate;
            _floor = Math.Min(MinimumRate, _ceiling);
            _maxInFlight = maxInFlight is > 0 ? maxInFlight.Value : DefaultMaxInFlight;
            _rate = Clamp(initialRate);
            _quiet = _t.QuietMin;
        }

        /// <summary>Each decision, as text (for -Debug and simulations).</summary>
        public Action<string>? Trace { get; set; }

        /// <summary>Requests still to send, once the input has ended (null before). A probe costs about one throttle and
        /// pays for itself over the RequestsPerProbe requests after it, so none is made when fewer are left.</summary>
        public int? RequestsLeft { get; set; }

        /// <summary>Requests per second to send now.</summary>
        public double Rate => _rate;

        /// <summary>The quota measured from throttles, or null before the first one.</summary>
        public double? QuotaEstimate { get; private set; }

        /// <summary>Smoothed round trip of answered requests, in seconds (NaN before the first answer).</summary>
        public double RoundTrip => _srtt;

        /// <summary>Requests to keep in flight: enough for the rate at the measured round trip (with its spread), twice
        /// over, so that the rate and not the window limits; never more than the user's ceiling.</summary>
        public int MaxInFlight
        {
            get
            {
                var roundTrip = double.IsNaN(_srtt) ? 0.2 : _srtt + 4 * _rttVariance;
                var needed = (int)Math.Ceiling(2 * _rate * roundTrip) + 4;
                return Math.Max(1, Math.Min(_maxInFlight, needed));
            }
        }

        /// <summary>A request was sent at <paramref name="now"/>; returns its ticket for <see cref="OnResponse"/>.</summary>
        public long OnSent(double now)
        {
            if (double.IsNaN(_startedAt)) _startedAt = now;
            return _log.Add(now);
        }

        public void OnResponse(long ticket, double now, ResponseKind kind)
        {
            if (!_log.TryGet(ticket, out var sentAt)) return;   // too old to matter
            _log.SetOutcome(ticket, kind);
            if (kind != ResponseKind.Lost) SampleRoundTrip(now - sentAt);
            if (kind == ResponseKind.Accepted) _accepted++;
            if (kind == ResponseKind.Throttled) OnThrottled(ticket, sentAt, now);
            else Grow(now);
        }

        /// <summary>Lets the rate grow while nothing answers (a probe must not stall waiting for responses).</summary>
        public void OnTick(double now) => Grow(now);

        void OnThrottled(long ticket, double sentAt, double now)
        {
            var previous = QuotaEstimate;
            var measured = Measure(ticket, sentAt);
            if (measured is (double estimate, double error))
            {
                QuotaEstimate = estimate;
                _error = error;
            }
            var current = QuotaEstimate ?? _rate;
            var unchanged = previous is double p && Math.Abs(current - p) <= _t.UnchangedWithin * p;
            var longest = Math.Max(_t.QuietMin, _t.RequestsPerProbe / Math.Max(current, 1e-9));
            var shortest = Math.Max(_t.QuietMin, Math.Min(longest, _t.RequestsPerProbeAfterChange / Math.Max(current, 1e-9)));
            switch (_phase)
            {
                case Phase.Starting:   // the first measurement
                    _quiet = shortest;
                    break;
                case Phase.Plateau when unchanged:
                    // The probe found the quota where it was: probe less often — but not at once after it moved, since
                    // quotas that move (other clients come and go) tend to move again.
                    if (_recentChanges > 0) { _recentChanges--; _quiet = shortest; }
                    else _quiet = Math.Min(2 * _quiet, longest);
                    break;
                case Phase.Holding when unchanged:   // a late answer of the same episode
                    break;
                default:   // the quota moved
                    _quiet = shortest;
                    _recentChanges = _t.ProbesAfterChange;
                    break;
            }
            Trace?.Invoke($"{now:0.000} {_phase} throttle of send at {sentAt:0.000}: estimate {current:0.0} ±{100 * _error:0.0}% (was {previous:0.0}), quiet {_quiet:0.00}");
            _phase = Phase.Holding;
            _holdStart = now;
            _rate = Clamp(_t.RecoveryHeadroom * current);
        }

        /// <summary>The quota measured at a throttle of a request sent at <paramref name="sentAt"/>, and its relative
        /// error; null when there is nothing new to learn (more throttles of the episode just measured).</summary>
        (double Estimate, double Error)? Measure(long ticket, double sentAt)
        {
            var slack = 0.5 + (QuotaEstimate ?? _rate) * (double.IsNaN(_srtt) ? 0 : _rttVariance);
            // A ramp means the quota rose since the plateau began: measure only the new regime from here on.
            if (_phase == Phase.Ramp) _regimeStart = _plateauTicket;
            var windowRequests = Math.Max(_t.SmallestWindowRequests,
                Math.Min(_t.MinimumWindowRequests, (int)((QuotaEstimate ?? _rate) * _t.MinimumWindowSeconds)));
            if (_log.TryFindAnchor(ticket, _regimeStart, sentAt - _t.MinimumWindowSeconds, windowRequests,
                    out _, out var accepted, out var anchorSentAt))
            {
                // Empty at both ends: what got through in between is Q × the time between. (If the bucket filled up to
                // its burst on the way, this is low; the next probe finds the rest.)
                return (accepted / (sentAt - anchorSentAt), Math.Max(_t.MinimumError, (1 + slack) / accepted));
            }
            switch (_phase)
            {
                case Phase.Starting when _log.Holds(0):
                {
                    // The bucket was full at the start. Few requests so far: take the middle of what the accepted
                    // requests and this throttle allow.
                    var low = _log.SmallestQuotaAccepting(0, ticket, fromEmpty: false, _t.BurstSeconds, slack);
                    var high = Math.Max(low, _log.LargestQuotaThrottling(0, ticket, _t.BurstSeconds, slack));
                    // The burst is "about one second": the start's measurement is the roughest of all.
                    var (estimate, error) = Middle(low, high);
                    return (estimate, Math.Max(error, _t.StartError));
                }
                case Phase.Ramp:
                {
                    // The quota rose at some unknown moment, so the bucket held anything from nothing to a full burst when
                    // the plateau began; this throttle says it is empty now. So Q lies between got/(span + burst) and
                    // got/span. Take the upper bound: if it is too high, throttles go on and measure Q properly within a
                    // fraction of a second; too low, and finding out would take another probe.
                    var got = _log.CountAccepted(_plateauTicket, ticket);
                    var span = Math.Max(1e-3, sentAt - _plateauStart);
                    return (got / span, _t.BurstSeconds / span);
                }
                default:
                    return null;
            }

            (double, double) Middle(double low, double high) =>
                ((low + high) / 2, Math.Max(_t.MinimumError, (high - low) / (high + low)));
        }

        void Grow(double now)
        {
            var step = double.IsNaN(_lastGrowth) ? 0 : Math.Max(0, now - _lastGrowth);
            _lastGrowth = now;
            if (double.IsNaN(_startedAt) || !Busy(now)) return;
            var roundTrip = double.IsNaN(_srtt) ? 0.1 : _srtt;
            switch (_phase)
            {
                case Phase.Starting:
                {
                    var doubling = Math.Max(_t.StartDoublingMin, Math.Min(_t.StartDoublingMax, _t.StartDoublingRoundTrips * roundTrip));
                    var provenQuota = _accepted / (now - _startedAt + _t.BurstSeconds);
                    var overshoot = Math.Max(_t.StartOvershootMin, Math.Min(_t.StartOvershootMax, 1 + _t.StartThrottleSeconds / roundTrip));
                    var next = Math.Min(_rate * Math.Pow(2, step / doubling), Math.Max(DefaultInitialRate, overshoot * provenQuota));
                    var before = _rate;
                    _rate = Clamp(Math.Max(_rate, next));
                    if (Math.Floor(Math.Log(_rate, 2)) > Math.Floor(Math.Log(before, 2)))
                        Trace?.Invoke($"{now:0.000} starting: {_accepted} accepted, none throttled");
                    break;
                }
                case Phase.Holding:
                {
                    var estimate = QuotaEstimate!.Value;
                    if (now - _holdStart >= _t.RecoverySeconds) _rate = Clamp(_t.Headroom * estimate);
                    if (now - _holdStart < _quiet || RequestsLeft < _t.RequestsPerProbe) break;
                    _phase = Phase.Plateau;
                    _plateauStart = now;
                    _plateauTicket = _log.Next;
                    _rate = Clamp(Plateau(estimate, roundTrip));
                    Trace?.Invoke($"{now:0.000} plateau at {_rate:0.0}");
                    break;
                }
                case Phase.Plateau:
                {
                    // Tokens the bucket can have gained since the episode (the quota may be a little above its estimate),
                    // drained at the plateau's excess over that; then a round trip for the answer, and the pacer's burst
                    // allowance (what it sent early before the plateau is not sent on it).
                    var estimate = QuotaEstimate!.Value;
                    var highest = estimate * (1 + _error);
                    var gained = (highest - _t.Headroom * estimate) * (_plateauStart - _holdStart)
                        + (_t.Headroom - _t.RecoveryHeadroom) * estimate * _t.RecoverySeconds + _t.PlateauMarginTokens;
                    var drain = gained / (Plateau(estimate, roundTrip) - highest) + 2 * roundTrip + 0.05 + _t.PacerBurstSeconds;
                    if (now - _plateauStart < drain) break;
                    _phase = Phase.Ramp;
                    _rampStart = now;
                    Trace?.Invoke($"{now:0.000} no throttle on the plateau: ramp from {_rate:0.0}");
                    break;
                }
                case Phase.Ramp:
                {
                    // The plateau outlasted what an unchanged quota allows: the quota rose, so grow exponentially.
                    var doubling = Math.Max(_t.RampDoublingMin, _t.RampRoundTrips * roundTrip);
                    _rate = Math.Max(_rate, Clamp(Plateau(QuotaEstimate!.Value, roundTrip) * Math.Pow(2, (now - _rampStart) / doubling)));
                    break;
                }
            }
        }

        /// <summary>The plateau's rate: above the estimate by about PlateauThrottles requests per round trip (a probe
        /// that meets an unchanged quota then costs little), and clearly above the highest the quota may be.</summary>
        double Plateau(double estimate, double roundTrip)
        {
            var fraction = Math.Max(_t.PlateauMinExcessFraction, Math.Min(_t.PlateauMaxExcessFraction, _t.PlateauThrottles / (roundTrip * estimate)));
            var highest = estimate * (1 + _error);
            return Math.Max(estimate * (1 + fraction), highest + Math.Max(_t.PlateauMinimumExcess, _t.PlateauMinExcessFraction / 2 * estimate));
        }

        /// <summary>Whether the rate, not the input or the window, is what limits sending: growth needs that.</summary>
        bool Busy(double now)
        {
            const double Window = 0.25;
            var from = Math.Max(_startedAt, now - Window);
            var span = now - from;
            if (span <= 0) return true;
            return _log.CountSentSince(from) >= 0.8 * _rate * span - 1;
        }

        void SampleRoundTrip(double sample)
        {
            if (double.IsNaN(_srtt)) { _srtt = sample; _rttVariance = sample / 2; return; }
            _rttVariance = 0.75 * _rttVariance + 0.25 * Math.Abs(_srtt - sample);
            _srtt = 0.875 * _srtt + 0.125 * sample;
        }

        double Clamp(double rate) => Math.Max(_floor, Math.Min(_ceiling, rate));

        /// <summary>Recent requests in send order, with their outcomes: a ring indexed by ticket.</summary>
        sealed class SendLog
        {
            readonly double[] _sentAt;
            readonly ResponseKind?[] _outcome;
            long _next;

            public SendLog(int capacity)
            {
                _sentAt = new double[capacity];
                _outcome = new ResponseKind?[capacity];
            }

            public long Next => _next;
            long Oldest => Math.Max(0, _next - _sentAt.Length);
            double At(long ticket) => _sentAt[ticket % _sentAt.Length];
            ResponseKind? Outcome(long ticket) => _outcome[ticket % _sentAt.Length];

            public bool Holds(long ticket) => ticket >= Oldest && ticket < _next;

            public long Add(double sentAt)
            {
                var slot = (int)(_next % _sentAt.Length);
                _sentAt[slot] = sentAt;
                _outcome[slot] = null;
                return _next++;
            }

            public bool TryGet(long ticket, out double sentAt)
            {
                sentAt = Holds(ticket) ? At(ticket) : 0;
                return Holds(ticket);
            }

            public void SetOutcome(long ticket, ResponseKind kind) => _outcome[ticket % _sentAt.Length] = kind;

            public int CountSentSince(double from)
            {
                var count = 0;
                for (var t = _next - 1; t >= Oldest && At(t) >= from; t--) count++;
                return count;
            }

            /// <summary>Known-accepted requests among tickets [from, to).</summary>
            public int CountAccepted(long from, long to)
            {
                var count = 0;
                for (var t = Math.Max(from, Oldest); t < to; t++)
                    if (Outcome(t) == ResponseKind.Accepted) count++;
                return count;
            }

            /// <summary>The latest throttled request, no earlier than ticket <paramref name="earliest"/> and sent at or
            /// before <paramref name="latest"/>, with at least <paramref name="minimumAccepted"/> known-accepted requests
            /// between it and <paramref name="ticket"/>.</summary>
            public bool TryFindAnchor(long ticket, long earliest, double latest, int minimumAccepted, out long found, out int accepted, out double sentAt)
            {
                accepted = 0;
                for (var t = Math.Min(ticket, _next) - 1; t >= Math.Max(Oldest, earliest); t--)
                {
                    var outcome = Outcome(t);
                    if (outcome == ResponseKind.Throttled && At(t) <= latest && accepted >= minimumAccepted)
                    {
                        found = t;
                        sentAt = At(t);
                        return true;
                    }
                    if (outcome == ResponseKind.Accepted) accepted++;
                }
                found = -1;
                sentAt = 0;
                return false;
            }

            /// <summary>The largest quota whose token bucket, full at <paramref name="from"/>, would hold less than one
            /// token (within <paramref name="slack"/>) when <paramref name="to"/> arrived, as its throttle says.</summary>
            public double LargestQuotaThrottling(long from, long to, double burstSeconds, double slack)
            {
                var low = 0.0;
                var high = 2 * MaximumRate;
                for (var i = 0; i < 40 && high - low > 0.01; i++)
                {
                    var mid = (low + high) / 2;
                    if (TokensAt(mid) < 1 + slack) low = mid; else high = mid;
                }
                return low;

                double TokensAt(double quota)
                {
                    var capacity = quota * burstSeconds;
                    var tokens = capacity;
                    var last = At(from);
                    for (var t = from; t <= to; t++)
                    {
                        var at = At(t);
                        tokens = Math.Min(capacity, tokens + (at - last) * quota);
                        last = at;
                        if (t < to && Outcome(t) == ResponseKind.Accepted) tokens -= 1;
                    }
                    return tokens;
                }
            }

            /// <summary>The smallest quota whose token bucket (capacity <paramref name="burstSeconds"/> × quota), empty
            /// or full at ticket <paramref name="from"/>, holds a token for every known-accepted request up to
            /// <paramref name="to"/>. Found by bisection: a larger quota only ever holds more tokens.</summary>
            public double SmallestQuotaAccepting(long from, long to, bool fromEmpty, double burstSeconds, double slack)
            {
                var low = 0.0;
                var high = 2 * MaximumRate;
                if (!Accepts(high)) return high;
                for (var i = 0; i < 40 && high - low > 0.01; i++)
                {
                    var mid = (low + high) / 2;
                    if (Accepts(mid)) high = mid; else low = mid;
                }
                return high;

                bool Accepts(double quota)
                {
                    var capacity = quota * burstSeconds;
                    // A throttle means fewer than one token; assuming one keeps the estimate a lower bound.
                    var tokens = fromEmpty ? Math.Min(1, capacity) : capacity;
                    var last = At(from);
                    for (var t = from + 1; t < to; t++)
                    {
                        var at = At(t);
                        tokens = Math.Min(capacity, tokens + (at - last) * quota);
                        last = at;
                        if (Outcome(t) != ResponseKind.Accepted) continue;
                        // Requests reach the server in not quite their send order: allow for it.
                        if (tokens < 1 - slack) return false;
                        tokens -= 1;
                    }
                    return true;
                }
            }
        }
    }
}
