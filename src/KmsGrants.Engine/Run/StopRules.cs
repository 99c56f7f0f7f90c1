using System;
using System.Collections.Generic;

namespace KmsGrants.Engine
{
    /// <summary>Whom an error that would fail every request alike stops.</summary>
    public enum StopScope
    {
        /// <summary>Only the grant whose answer it was: not an error that stops anything.</summary>
        Grant = 1,
        /// <summary>That Region's grants: the other Regions go on.</summary>
        Region,
        /// <summary>The whole run.</summary>
        Run,
    }

    /// <summary>The rules by which a run, or one Region of it, stops of its own accord (the user's and the pipeline's
    /// stops are the run's): a silent endpoint, a Region that throttles everything, an error that would fail every
    /// request. Pure: time is passed in (seconds on any monotonic clock), so the rules are unit-tested in virtual time.
    /// Not thread-safe: the run calls it under its lock.</summary>
    public sealed class StopRules
    {
        /// <summary>With requests in flight and no answer of any kind for this long, the endpoint is taken to be gone
        /// (three per-attempt time-outs: a stall, not a slow answer).</summary>
        public static readonly double SilenceSeconds = 3 * KmsSession.AttemptTimeout.TotalSeconds;

        /// <summary>A Region whose every answer for this long was a throttle (its quota taken by other clients, or 0)
        /// stops, like one refusing the credentials: at the slowest pace each grant would otherwise take 30 throttles one
        /// after another, half a minute apiece, without end in sight.</summary>
        public const double ThrottledThroughoutSeconds = 30;

        /// <summary>Throttles in a row a Region must have answered before <see cref="ThrottledThroughoutSeconds"/> counts:
        /// a Region that answered little in that time is slow, not refusing.</summary>
        public const int ThrottlesThroughout = 5;

        readonly string? _defaultRegion;
        readonly string _endpoint;
        readonly Dictionary<string, RegionWatch> _regions = new Dictionary<string, RegionWatch>(StringComparer.Ordinal);
        double _lastAnswer;

        /// <param name="defaultRegion">The command's own Region: its refusal of the credentials stops everything.</param>
        /// <param name="endpoint">The endpoint as people should see it, for the messages.</param>
        public StopRules(string? defaultRegion, string endpoint, double now)
        {
            _defaultRegion = defaultRegion;
            _endpoint = endpoint;
            _lastAnswer = now;
        }

        /// <summary>A Region sends after an idle stretch (no request in flight, none waiting). Silence and throttling are
        /// measured while waiting on KMS, not while the input paused (a slow source upstream, a script's Start-Sleep), so
        /// its clocks start afresh — and the run's too when no other Region was waiting either.</summary>
        public void OnBusyAgain(string region, double now, bool wholeRunWasIdle)
        {
            Watch(region).LastAccepted = now;
            if (wholeRunWasIdle) _lastAnswer = now;
        }

        /// <summary>An answer came (any HTTP answer: KMS's, or a fault).</summary>
        public void OnAnswer(string region, double now, bool throttled)
        {
            var watch = Watch(region);
            _lastAnswer = now;
            if (throttled) watch.ThrottlesInARow++;
            else
            {
                watch.LastAccepted = now;
                watch.ThrottlesInARow = 0;
            }
        }

        /// <summary>The whole run's stop, if one is due now: <paramref name="inFlight"/> requests and nothing heard for
        /// <see cref="SilenceSeconds"/>.</summary>
        public KmsError? RunStopDue(double now, int inFlight)
        {
            if (inFlight == 0 || now - _lastAnswer < SilenceSeconds) return null;
            return new KmsError(KmsErrorKind.Unresponsive, "EndpointUnresponsive", RunMessages.Silent(_endpoint));
        }

        /// <summary>A Region's stop, if one is due now: only throttles for <see cref="ThrottledThroughoutSeconds"/>.</summary>
        public KmsError? RegionStopDue(string region, double now, string operation)
        {
            var watch = Watch(region);
            var since = now - watch.LastAccepted;
            if (watch.ThrottlesInARow < ThrottlesThroughout || since < ThrottledThroughoutSeconds) return null;
            return new KmsError(KmsErrorKind.Throttled, "ThrottlingException", RunMessages.ThrottledThroughout(region, since, operation));
        }

        /// <summary>Whom <paramref name="error"/>, the answer for a grant in <paramref name="region"/>, stops. A Region other
        /// than the command's own refusing the credentials (a signature scoped to a Region the endpoint does not serve, an
        /// opt-in Region not enabled) stops that Region only: the others may well accept them. Anything else that would
        /// fail every request alike stops the run.</summary>
        public StopScope ScopeOf(KmsError error, string region)
        {
            if (!error.StopsEverything) return StopScope.Grant;
            return error.RefusesCredentials && region != _defaultRegion ? StopScope.Region : StopScope.Run;
        }

        RegionWatch Watch(string region)
        {
            if (!_regions.TryGetValue(region, out var watch)) _regions[region] = watch = new RegionWatch { LastAccepted = _lastAnswer };
            return watch;
        }

        sealed class RegionWatch
        {
            public double LastAccepted;
            public int ThrottlesInARow;
        }
    }
}
