using System;
using System.Threading;

namespace KmsGrants.Engine
{
    /// <summary>One item taken into a run — a grant to retire, revoke or create, a key or principal whose grants to list —
    /// from then until its one result.</summary>
    internal sealed class RunItem
    {
        int _finished;

        public RunItem(GrantReference grant, object? request, string region, TimeSpan started)
        {
            Grant = grant;
            Request = request;
            Region = region;
            Started = started;
        }

        /// <summary>What the item names, as the command named it: the grant (by token, or key and grant ID), or for a new
        /// grant or a listing, its key (or principal).</summary>
        public GrantReference Grant { get; }
        /// <summary>What the operation needs beyond <see cref="Grant"/>: a new grant's specification, a listing's filters
        /// and where its paging stands. Null for RetireGrant and RevokeGrant.</summary>
        public object? Request { get; }
        public string Region { get; }
        public TimeSpan Started { get; }
        public GrantAttempts State { get; } = new GrantAttempts();
        /// <summary>A request for it is on the wire now.</summary>
        public volatile bool InFlight;
        /// <summary>The last successful answer (CreateGrant's grant ID and token), for its result.</summary>
        public object? Answer;

        /// <summary>True the first time only: an item has exactly one result.</summary>
        public bool TryFinish() => Interlocked.Exchange(ref _finished, 1) == 0;
    }
}
