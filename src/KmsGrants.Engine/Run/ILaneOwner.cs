using System.Collections.Generic;
using System.Threading;

namespace KmsGrants.Engine
{
    /// <summary>What a Region's lane needs of its run, and all it may touch.</summary>
    internal interface ILaneOwner
    {
        KmsSession Session { get; }
        GrantOperation Operation { get; }
        RunOptions Options { get; }
        AttemptPolicy Policy { get; }
        /// <summary>Cancelled at a stop: nothing new is sent.</summary>
        CancellationToken StopToken { get; }
        /// <summary>Cancelled when the stop's grace is over: requests in flight are given up.</summary>
        CancellationToken AbortToken { get; }
        bool Stopping { get; }
        bool InputEnded { get; }
        /// <summary>Pages handed back but not yet taken by the pipeline: a listing waits while there are too many.</summary>
        bool Backlogged { get; }
        /// <summary>Seconds on the run's clock.</summary>
        double Now { get; }
        /// <summary>Why this Region stopped, if it did (it refused the credentials, or throttled everything).</summary>
        KmsError? RegionStop(string region);
        /// <summary>The decision for an item of its Region that can no longer be sent.</summary>
        AttemptDecision Unsendable(RunItem item);
        void Finish(RunItem item, AttemptDecision decision);
        /// <summary>Hands a page of grants a listing item found to the pipeline thread.</summary>
        void Emit(RunItem item, IReadOnlyList<GrantInfo> grants);
        void OnBusyAgain(string region);
        void OnAnswer(string region, bool throttled);
        void Stop(string reason, KmsError error);
        void Trace(string line);
    }
}
