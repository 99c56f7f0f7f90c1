namespace KmsGrants.Engine
{
    /// <summary>Every number the rate controller decides by, in one place: the fields are instance fields so that the
    /// virtual-time simulations can vary them; the constants are KMS's and the user's bounds. docs/design/rate-control.md
    /// explains the phases these tune.</summary>
    internal sealed class RateTuning
    {
        /// <summary>KMS's default RetireGrant and RevokeGrant quota (Developer Guide, "Request quotas"): the starting rate.</summary>
        public const double DefaultInitialRate = 50;
        public const double MinimumRate = 1;
        public const double MaximumRate = 5000;
        /// <summary>Most requests in flight when the user sets no -ThrottleLimit.</summary>
        public const int DefaultMaxInFlight = 512;

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
        /// <summary>Requests in flight: rate × (round trip + RoundTripSpreads × its mean deviation), InFlightRoundTrips times
        /// over, plus InFlightSpare — so that the rate, not the window, limits. Before any answer the round trip is taken as
        /// UnmeasuredRoundTripForWindow.</summary>
        public double InFlightRoundTrips = 2;
        public double RoundTripSpreads = 4;
        public int InFlightSpare = 4;
        public double UnmeasuredRoundTripForWindow = 0.2;
        /// <summary>The round trip assumed for growth before any answer came.</summary>
        public double UnmeasuredRoundTrip = 0.1;
        /// <summary>Requests a measurement window may be off by, beyond the round trip's spread (they reach the server in not
        /// quite their send order).</summary>
        public double MeasurementSlackRequests = 0.5;
        /// <summary>Plateau: time allowed, beyond two round trips, for the throttle of an unchanged quota to come back.</summary>
        public double PlateauAnswerAllowance = 0.05;
        /// <summary>The rate limits sending (so may grow) when, over the last BusyWindowSeconds, at least BusyFraction of
        /// the rate was sent.</summary>
        public double BusyWindowSeconds = 0.25;
        public double BusyFraction = 0.8;
        /// <summary>The round trip's smoothing (RFC 6298's gains for the mean and the mean deviation).</summary>
        public double RoundTripGain = 0.125;
        public double RoundTripDeviationGain = 0.25;
    }
}
