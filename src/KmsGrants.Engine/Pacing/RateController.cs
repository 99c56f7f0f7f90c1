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

    /// <summary>Chooses how fast to send and how many requests to keep in flight, from the answers alone: it measures the
    /// quota from KMS's throttles (between two throttles the token bucket went from empty to empty, so what got through in
    /// between, per second, is the quota) and works in phases — Starting, Holding, Plateau, Ramp. Pure: time is passed in
    /// (seconds on any monotonic clock), so the same code runs in real time and in virtual-time simulations. Why it works
    /// this way, phase by phase: docs/design/rate-control.md.</summary>
    public sealed class RateController
    {

        enum Phase { Starting, Holding, Plateau, Ramp }

        readonly RateTuning _t;
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
        public RateController(double? maxRequestsPerSecond = null, int? maxInFlight = null, double initialRate = RateTuning.DefaultInitialRate)
            : this(new RateTuning(), maxRequestsPerSecond, maxInFlight, initialRate) { }

        internal RateController(RateTuning tuning, double? maxRequestsPerSecond = null, int? maxInFlight = null, double initialRate = RateTuning.DefaultInitialRate)
        {
            _t = tuning;
            _ceiling = maxRequestsPerSecond is > 0 ? Math.Min(maxRequestsPerSecond.Value, RateTuning.MaximumRate) : RateTuning.MaximumRate;
            _floor = Math.Min(RateTuning.MinimumRate, _ceiling);
            _maxInFlight = maxInFlight is > 0 ? maxInFlight.Value : RateTuning.DefaultMaxInFlight;
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

        /// <summary>Requests to keep in flight: enough for the rate at the measured round trip (with its spread), twice
        /// over, so that the rate and not the window limits; never more than the user's ceiling.</summary>
        public int MaxInFlight
        {
            get
            {
                var roundTrip = double.IsNaN(_srtt) ? _t.UnmeasuredRoundTripForWindow : _srtt + _t.RoundTripSpreads * _rttVariance;
                var needed = (int)Math.Ceiling(_t.InFlightRoundTrips * _rate * roundTrip) + _t.InFlightSpare;
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
            var slack = _t.MeasurementSlackRequests + (QuotaEstimate ?? _rate) * (double.IsNaN(_srtt) ? 0 : _rttVariance);
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
            var roundTrip = double.IsNaN(_srtt) ? _t.UnmeasuredRoundTrip : _srtt;
            switch (_phase)
            {
                case Phase.Starting:
                {
                    var doubling = Math.Max(_t.StartDoublingMin, Math.Min(_t.StartDoublingMax, _t.StartDoublingRoundTrips * roundTrip));
                    var provenQuota = _accepted / (now - _startedAt + _t.BurstSeconds);
                    var overshoot = Math.Max(_t.StartOvershootMin, Math.Min(_t.StartOvershootMax, 1 + _t.StartThrottleSeconds / roundTrip));
                    var next = Math.Min(_rate * Math.Pow(2, step / doubling), Math.Max(RateTuning.DefaultInitialRate, overshoot * provenQuota));
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
                    var drain = gained / (Plateau(estimate, roundTrip) - highest) + 2 * roundTrip + _t.PlateauAnswerAllowance + _t.PacerBurstSeconds;
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
            var from = Math.Max(_startedAt, now - _t.BusyWindowSeconds);
            var span = now - from;
            if (span <= 0) return true;
            return _log.CountSentSince(from) >= _t.BusyFraction * _rate * span - 1;
        }

        void SampleRoundTrip(double sample)
        {
            if (double.IsNaN(_srtt)) { _srtt = sample; _rttVariance = sample / 2; return; }
            _rttVariance += _t.RoundTripDeviationGain * (Math.Abs(_srtt - sample) - _rttVariance);
            _srtt += _t.RoundTripGain * (sample - _srtt);
        }

        double Clamp(double rate) => Math.Max(_floor, Math.Min(_ceiling, rate));
    }
}
