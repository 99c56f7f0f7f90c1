using System;
using System.Collections.Generic;
using System.Linq;

namespace KmsGrants.Engine
{
    /// <summary>Something the end of a run says once: an error (with the KMS error it is about) or a warning.</summary>
    public sealed class RunFinding
    {
        RunFinding(KmsError? error, string text, object? target, bool toHost)
        {
            Error = error;
            Text = text;
            Target = target;
            ToHost = toHost;
        }

        /// <summary>Set for an error; null for a warning.</summary>
        public KmsError? Error { get; }
        /// <summary>For an error, what could not be done ("retire 3 more grant(s) in eu-west-1 …"); for a warning, all of it.</summary>
        public string Text { get; }
        public object? Target { get; }
        /// <summary>A warning written to the host itself: after Ctrl+C the pipeline takes no more output, warnings included.</summary>
        public bool ToHost { get; }

        public static RunFinding ErrorAbout(KmsError error, string what, object? target) => new RunFinding(error, what, target, false);
        public static RunFinding Warning(string text, bool toHost = false) => new RunFinding(null, text, null, toHost);
    }

    /// <summary>How a run ended, as its report needs it.</summary>
    public sealed class RunEnd
    {
        public GrantOperation Operation { get; set; } = GrantOperation.Retire;
        public bool DryRun { get; set; }
        /// <summary>Regions that stopped alone, with the error that stopped each.</summary>
        public IReadOnlyDictionary<string, KmsError> StoppedRegions { get; set; } = new Dictionary<string, KmsError>();
        /// <summary>The run's error that stopped everything, and the grant whose answer it was (if a grant's was).</summary>
        public KmsError? FatalError { get; set; }
        public GrantReference? FatalGrant { get; set; }
        public string? StopReason { get; set; }
        /// <summary>Ctrl+C: the pipeline takes no more output, and the user hears where the results went.</summary>
        public bool StoppedByUser { get; set; }
        /// <summary>The run's tally (every result counted).</summary>
        public GrantRunSummary Summary { get; set; } = new RetireSummary();
    }

    /// <summary>The end of a run in words: what it says once rather than grant by grant (results said in bulk, Regions
    /// that stopped, the run's own stop, keys whose DryRun could not be proven, Ctrl+C), built from the results as they
    /// are handed over and from how the run ended. Pure: the cmdlet only writes the findings.</summary>
    public sealed class RunReport
    {
        // Per bulk reason, Region and key (the key only for KeyUnproven): results never sent, and sent but left undone.
        readonly Dictionary<(BulkReason Reason, string Region, string Key), Tally> _bulk = new Dictionary<(BulkReason, string, string), Tally>();

        sealed class Tally
        {
            public int Unsent;
            public int Undone;
            public KmsError? LastError;
        }

        /// <summary>Notes one result (each result once).</summary>
        public void Add(GrantReport report)
        {
            if (report.Bulk is not BulkReason reason) return;
            var key = reason == BulkReason.KeyUnproven ? report.Grant.KeyId ?? "" : "";
            var slot = (reason, report.Result.Region ?? "", key);
            if (!_bulk.TryGetValue(slot, out var tally)) _bulk[slot] = tally = new Tally();
            if (report.Result.Outcome == GrantOutcome.NotAttempted) tally.Unsent++;
            else tally.Undone++;
            tally.LastError = report.Error ?? tally.LastError;
        }

        /// <summary>What the end of the run says, in the order it is written: each Region that stopped alone (an error, when
        /// it left grants undone or when every Region stopped), grants not sent because the run stopped (a warning), keys
        /// whose DryRun could not be proven (a warning each), Ctrl+C (a warning to the host), then the run's own stop (its
        /// last error).</summary>
        public IReadOnlyList<RunFinding> Findings(RunEnd end)
        {
            var findings = new List<RunFinding>();
            var operation = end.Operation;
            var summary = end.Summary;
            var stopped = end.StoppedRegions;
            var everyRegionStopped = end.FatalError == null && summary.Regions.Count > 0 && summary.Regions.Keys.All(stopped.ContainsKey);
            foreach (var region in stopped.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                var unsent = Count(r => r.Region == region.Key && r.Reason is BulkReason.RegionStopped or BulkReason.RunStopped, t => t.Unsent);
                var undone = Count(r => r.Region == region.Key && r.Reason is BulkReason.RegionStopped or BulkReason.RunStopped, t => t.Undone);
                // The grant whose answer stopped the Region has its own error already: say more for those not sent, or
                // when no Region could do anything (the command failed).
                if (unsent + undone > 0 || everyRegionStopped)
                    findings.Add(RunFinding.ErrorAbout(region.Value, RunMessages.RegionLeft(operation, end.DryRun, region.Key, region.Value, unsent, undone,
                        othersWentOn: stopped.Count < summary.Regions.Count), region.Key));
            }

            var unsentByStop = Count(r => r.Reason == BulkReason.RunStopped && !stopped.ContainsKey(r.Region), t => t.Unsent);
            if (unsentByStop > 0 && !end.StoppedByUser)
                findings.Add(RunFinding.Warning(RunMessages.UnsentByStop(unsentByStop, end.StopReason)));

            foreach (var key in _bulk.Where(b => b.Key.Reason == BulkReason.KeyUnproven).OrderBy(b => b.Key.Region, StringComparer.Ordinal).ThenBy(b => b.Key.Key, StringComparer.Ordinal))
                findings.Add(RunFinding.Warning(RunMessages.KeyUnprovenSummary(key.Value.Unsent, key.Key.Key, key.Key.Region, key.Value.LastError)));

            if (end.StoppedByUser)
                findings.Add(RunFinding.Warning(RunMessages.UserStop(operation, end.DryRun, summary), toHost: true));

            // The run's own stop, last; its error names the grant that got the answer (its key ARN says which Region and account).
            if (end.FatalError is KmsError fatal)
                findings.Add(RunFinding.ErrorAbout(fatal, RunMessages.RunStopped(operation, end.DryRun, end.FatalGrant), end.FatalGrant));
            return findings;
        }

        int Count(Func<(BulkReason Reason, string Region, string Key), bool> where, Func<Tally, int> what) =>
            _bulk.Where(b => where(b.Key)).Sum(b => what(b.Value));
    }
}
