using System;

namespace KmsGrants.Engine
{
    /// <summary>Recent requests in send order, with their outcomes: a ring indexed by ticket.</summary>
    internal sealed class SendLog
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
            var high = 2 * RateTuning.MaximumRate;
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
            var high = 2 * RateTuning.MaximumRate;
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
