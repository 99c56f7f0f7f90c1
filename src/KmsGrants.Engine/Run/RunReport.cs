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
                var reason = AttemptPolicy.RegionStopReason(region.Value);
                var left = unsent + undone;
                var undoneSaid = $"sent, but {operation.PastParticiple} by none of their attempts: Failed";
                var split = undone == 0 ? "never sent: NotAttempted" : unsent == 0 ? undoneSaid : $"{unsent} never sent: NotAttempted; {undone} {undoneSaid}";
                var verb = end.DryRun ? "get KMS's DryRun verdict on" : operation.Verb;
                var what = left > 0
                    ? $"{verb} {left} more grant(s) in {region.Key} ({split}): the Region {reason}, so they were left as they were"
                    : $"{verb} grants in {region.Key}: the Region {reason}";
                // The grant whose answer stopped the Region has its own error already: say more for those not sent, or
                // when no Region could do anything (the command failed).
                if (left > 0 || everyRegionStopped)
                    findings.Add(RunFinding.ErrorAbout(region.Value, what + (stopped.Count < summary.Regions.Count ? " (the other Regions went on)" : ""), region.Key));
            }

            var unsentByStop = Count(r => r.Reason == BulkReason.RunStopped && !stopped.ContainsKey(r.Region), t => t.Unsent);
            if (unsentByStop > 0 && !end.StoppedByUser)
                findings.Add(RunFinding.Warning($"{unsentByStop} grant(s) were not sent: {end.StopReason}. " +
                    "They are NotAttempted in the results and in $KmsGrantsLastRun; run them again once the cause is fixed."));

            foreach (var key in _bulk.Where(b => b.Key.Reason == BulkReason.KeyUnproven).OrderBy(b => b.Key.Region, StringComparer.Ordinal).ThenBy(b => b.Key.Key, StringComparer.Ordinal))
                findings.Add(RunFinding.Warning($"{key.Value.Unsent} grant(s) of key {key.Key.Key} in {key.Key.Region} were not sent: DryRuns of a grant that " +
                    $"cannot exist on that key got {key.Value.LastError?.Code} {AttemptPolicy.MaxUnprovenCanariesInARow} times in a row instead of KMS's refusal, " +
                    "so -WhatIf cannot prove the endpoint honours DryRun for that key. They are NotAttempted; the key's other answers may say why " +
                    "(an endpoint that does not have the key, or is failing)."));

            if (end.StoppedByUser)
                findings.Add(RunFinding.Warning(UserStop(end), toHost: true));

            if (end.FatalError is KmsError fatal)
            {
                // Name the grant that got the answer: its key ARN says which Region (and account) was refused.
                var grant = end.FatalGrant;
                findings.Add(RunFinding.ErrorAbout(fatal, $"{operation.Verb} grants{(end.DryRun ? " (DryRun)" : "")}" + (grant == null ? "" : $" (stopped by the answer for {grant})"), grant));
            }
            return findings;
        }

        /// <summary>Ctrl+C leaves no output to read: the tally, and where every result went.</summary>
        static string UserStop(RunEnd end)
        {
            var s = end.Summary;
            var done = end.DryRun
                ? $"{s.WouldSucceed} would be {end.Operation.PastParticiple}, {s.WouldFail} would fail"
                : $"{s.Succeeded + s.SucceededOnRetry} {end.Operation.PastParticiple}, {s.Failed} failed, {s.Unknown} unknown (check whether they still exist)";
            return $"Stopped by the user (Ctrl+C) after {s.Elapsed.TotalSeconds:0.0} s: of {s.Submitted} grant(s) taken in, {done}, " +
                $"{s.NotAttempted} not sent (NotAttempted). Every grant's result is in $KmsGrantsLastRun " +
                "($KmsGrantsLastRun.UnreportedResults holds those the pipeline no longer took); run the NotAttempted ones again.";
        }

        int Count(Func<(BulkReason Reason, string Region, string Key), bool> where, Func<Tally, int> what) =>
            _bulk.Where(b => where(b.Key)).Sum(b => what(b.Value));
    }
}
