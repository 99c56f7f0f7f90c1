using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>What Remove-KmsGrant and Revoke-KmsGrant share: each grant is checked, confirmed (or, under -WhatIf, shown
    /// and sent as a DryRun) and taken into one <see cref="GrantRun"/>, which paces each Region at its quota; each grant's
    /// one result is written as it completes (-PassThru), with its error or warning. A run that stops — an error that would
    /// fail every request, a silent endpoint, Ctrl+C, a later command's stop — still gives every grant it took in its
    /// result, and its stop is the command's last error, after them: a terminating error would make PowerShell drop the
    /// results from an assignment ($r = …). Only this thread writes.</summary>
    public abstract class GrantRunCommandBase : KmsCmdletBase
    {
        static readonly TimeSpan ProgressAfter = TimeSpan.FromSeconds(2);
        static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(250);

        readonly Stopwatch _progressClock = new Stopwatch();
        GrantRun? _run;
        GrantRunSummary? _summary;
        bool _dryRun;
        bool _ended;
        // Grants never sent, per Region: said once at the end (a stopped Region's with its error).
        readonly Dictionary<string, int> _unsent = new Dictionary<string, int>(StringComparer.Ordinal);
        // Grants a stopped Region left undone after sending them (Failed or Unknown), per Region: said with the unsent.
        readonly Dictionary<string, int> _undone = new Dictionary<string, int>(StringComparer.Ordinal);
        // False once the pipeline takes no more output (Ctrl+C, a downstream stop, -ErrorAction Stop): results then go to
        // $KmsGrantsLastRun.UnreportedResults.
        bool _acceptsOutput = true;
        // Set while an error is written: a stop thrown then comes from -ErrorAction Stop, not from a later command.
        bool _writingError;
        int _knownTotal;
        TimeSpan _lastProgress;
        bool _progressShown;

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        [Parameter]
        [ValidateRange(1, 4096)]
        public int ThrottleLimit { get; set; }

        [Parameter]
        [ValidateRange(0.1, 5000.0)]
        public double MaxRequestsPerSecond { get; set; }

        protected abstract GrantOperation Operation { get; }

        /// <summary>ShouldProcess's action: "Retire grant".</summary>
        string Action => $"{char.ToUpperInvariant(Operation.Verb[0])}{Operation.Verb.Substring(1)} grant";
        string Activity => _dryRun ? $"Checking KMS grants (DryRun {Operation.ApiName})" : $"{Operation.Gerund} KMS grants";

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _dryRun = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf)
                ? ((SwitchParameter)whatIf).IsPresent
                : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
            _summary = Operation.NewSummary();
            _summary.DryRun = _dryRun;
            SessionState.PSVariable.Set("global:KmsGrantsLastRun", _summary);
            _progressClock.Start();
        }

        /// <summary>Adds grants given as arguments (not from the pipeline) to the progress bar's known total.</summary>
        protected void ExpectGrants(int count)
        {
            if (!MyInvocation.ExpectingInput) _knownTotal += count;
        }

        /// <summary>Takes one grant: refused locally (an error, no result) if it cannot be right; else confirmed and taken
        /// into the run, which gives it exactly one result.</summary>
        protected void TakeIn(GrantReference grant)
        {
            if (InputValidation.Grant(grant, Operation) is ValidationFailure invalid)
            {
                _summary!.Invalid++;
                WriteError(ErrorRecords.Invalid(invalid, grant));
                return;
            }
            // Only a key ARN names its Region; anything else goes to its input object's Region or the default one, and with
            // none set only such grants fail (a command naming every grant by key ARN needs no default Region).
            if (RegionOfGrantOrReport(grant) is not string region)
            {
                _summary!.Invalid++;
                return;
            }
            var resolved = grant;
            // Once its run or Region has stopped, nothing more is sent for a grant, an alias lookup included.
            var unsendable = _run != null && (_run.Stopping || _run.RegionStop(region) != null);
            if (!grant.ByToken && KmsArn.IsAliasName(grant.KeyId!) && !unsendable)
            {
                var arn = ResolveKey(grant.KeyId!, region, out var failure);
                if (failure != null)
                {
                    // No request can go out for it; its result says why, and a Region that refused stops as for a key ARN there.
                    if (_dryRun) ShouldProcess(grant.ToString(), Action);
                    Run().SubmitFailedLookup(grant, region, failure, Report);
                    return;
                }
                if (arn == null) return;   // stopped meanwhile
                resolved = new GrantReference(arn, grant.GrantId, null);
            }
            var target = ReferenceEquals(resolved, grant) ? grant.ToString() : $"{resolved} ({grant.KeyId})";
            if (_dryRun) ShouldProcess(target, Action);   // PowerShell's own "What if:" line; KMS's verdict follows
            else if (!Run().Stopping && !Confirmed(target))
            {
                _summary!.Declined++;
                return;
            }
            Run().Submit(resolved, region, Report);
            ShowProgress();
        }

        bool Confirmed(string target) =>
            (Force && !MyInvocation.BoundParameters.ContainsKey("Confirm")) || ShouldProcess(target, Action);

        GrantRun Run() =>
            _run ??= new GrantRun(OpenSession(), Operation, new RunOptions
            {
                ThrottleLimit = ThrottleLimit > 0 ? ThrottleLimit : null,
                MaxRequestsPerSecond = MaxRequestsPerSecond > 0 ? MaxRequestsPerSecond : null,
                DryRun = _dryRun,
                Trace = DebugWanted,
            }, Cancellation);

        protected override void EndProcessing()
        {
            _run?.Complete(Report, ShowProgress);
            EndRun();
        }

        /// <summary>Runs on the pipeline thread for each finished grant. A stop from downstream (Select-Object -First) or
        /// from -ErrorAction Stop surfaces here as an exception from a write: the run is then stopped like Ctrl+C —
        /// requests in flight finish, their results are kept — before the exception goes on.</summary>
        void Report(GrantReport report)
        {
            var result = report.Result;
            _summary!.Count(result);
            if (!_acceptsOutput || Cancellation.IsCancellationRequested || Stopping)
            {
                _summary.UnreportedResults.Add(result);
                return;
            }
            var handedOver = false;
            try
            {
                Write(report, () => handedOver = true);
            }
            catch (Exception e) when (e is PipelineStoppedException or ActionPreferenceStopException)
            {
                // The result went nowhere unless WriteObject took it: a downstream stop throws after taking the object,
                // Ctrl+C refuses it at the entry, and -ErrorAction Stop throws from an error written before it.
                if (!handedOver || Stopping) _summary.UnreportedResults.Add(result);
                _acceptsOutput = false;
                // PowerShell throws -ErrorAction Stop as a PipelineStoppedException from WriteError, like a downstream stop.
                _run?.Stop(e is ActionPreferenceStopException || _writingError ? "-ErrorAction Stop on an error" : "stopped by a later command in the pipeline (e.g. Select-Object -First)");
                EndRun();
                throw;
            }
        }

        void Write(GrantReport report, Action handingOver)
        {
            var result = report.Result;
            if (report.ReportedInBulk)
            {
                var tally = result.Outcome == GrantOutcome.NotAttempted ? _unsent : _undone;
                var region = result.Region ?? "";
                tally[region] = tally.TryGetValue(region, out var n) ? n + 1 : 1;
            }
            else
            {
                if (report.Note != null) WriteVerbose($"{report.Grant}: {report.Note}");
                WriteFinding(report);
            }
            if (PassThru)
            {
                handingOver();
                WriteObject(result);
            }
            ShowProgress();
        }

        /// <summary>The error, warning or What if line a grant's result deserves.</summary>
        void WriteFinding(GrantReport report)
        {
            var result = report.Result;
            var error = report.Error;
            var what = $"{Operation.Verb} {report.Grant}";
            // An error that stops everything is reported once, as the run's last error, not per grant.
            var stopsRun = error != null && error.Kind == _run?.FatalError?.Kind;
            switch (result.Outcome)
            {
                case GrantOutcome.WouldSucceed:
                case GrantOutcome.WouldFail:
                    var verdict = result.Outcome == GrantOutcome.WouldSucceed
                        ? $"KMS DryRun: the {Operation.Noun} would succeed."
                        : $"KMS DryRun: the {Operation.Noun} would fail with {result.ErrorCode}: {result.Message}";
                    ShouldProcess($"{Operation.Gerund} {report.Grant}. {verdict}", verdict, Action);
                    if (result.Outcome == GrantOutcome.WouldFail && error != null && !stopsRun)
                        WriteGrantError(ErrorRecords.Service(error, what + " (KMS DryRun: the real call would fail the same way)", report.Grant, OpenSession(), Operation));
                    break;
                case GrantOutcome.Failed or GrantOutcome.Unknown when error != null && !stopsRun:
                    if (result.Outcome == GrantOutcome.Unknown) what += $" (the outcome is unknown: it may or may not have been {Operation.PastParticiple})";
                    WriteGrantError(ErrorRecords.Service(error, what, report.Grant, OpenSession(), Operation));
                    break;
                case GrantOutcome.Unknown or GrantOutcome.Failed or GrantOutcome.NotAttempted when !stopsRun:
                    WriteWarning(_dryRun && result.Outcome == GrantOutcome.NotAttempted
                        ? $"{report.Grant}: no KMS verdict could be had, and nothing was sent for it. {result.Message}"
                        : $"{report.Grant}: {result.Outcome}. {result.Message}");
                    break;
            }
        }

        void WriteGrantError(ErrorRecord record)
        {
            _writingError = true;
            WriteError(record);
            _writingError = false;
        }

        bool DebugWanted => MyInvocation.BoundParameters.ContainsKey("Debug")
            || !Equals(GetVariableValue("DebugPreference"), ActionPreference.SilentlyContinue);

        void ShowProgress()
        {
            if (_run == null || _ended || !_acceptsOutput || Cancellation.IsCancellationRequested) return;
            foreach (var line in _run.TakeTrace()) WriteDebug(line);
            var now = _progressClock.Elapsed;
            if (now < ProgressAfter || now - _lastProgress < ProgressEvery) return;
            _lastProgress = now;
            _progressShown = true;

            var done = _run.Finished;
            var rate = done / Math.Max(0.001, _run.Elapsed.TotalSeconds);
            var lanes = _run.Lanes;
            var status = $"{done} done, {lanes.Sum(l => l.InFlight)} in flight, {rate:0.0}/s (pacing at {lanes.Sum(l => l.Rate):0.#}/s), {_run.ThrottledResponses} throttled";
            if (lanes.Count > 1)
                status += "; " + string.Join(", ", lanes.Select(l => $"{l.Region} {l.Finished} done at {l.Rate:0.#}/s"));
            var record = new ProgressRecord(1, Activity, status);
            if (_knownTotal > 0)
            {
                record.PercentComplete = (int)Math.Min(100, 100 * done / _knownTotal);
                if (rate > 0) record.SecondsRemaining = (int)((_knownTotal - done) / rate);
            }
            WriteProgress(record);
        }

        /// <summary>Ends the run once, however it ends: every result (<see cref="GrantRun.FinishAfterStop"/>), the tally,
        /// the progress bar, the verbose summary, then what stopped it, as the last errors.</summary>
        void EndRun()
        {
            if (_ended || _run == null) return;
            if (_run.Stopping) _run.FinishAfterStop(Report);
            _ended = true;
            var summary = _summary!;
            Tally(summary);
            if (!_acceptsOutput || Cancellation.IsCancellationRequested) return;
            if (_progressShown)
                WriteProgress(new ProgressRecord(1, Activity, "Done") { RecordType = ProgressRecordType.Completed });
            if (summary.Submitted > 0)
                WriteVerbose($"{(_dryRun ? "DryRun of" : char.ToUpperInvariant(Operation.PastParticiple[0]) + Operation.PastParticiple.Substring(1))} {summary.Submitted} grants in {summary.Elapsed.TotalSeconds:0.0} s: {summary}; " +
                    $"{summary.Requests} requests, {summary.ThrottledResponses} throttled. Regions: " +
                    string.Join("; ", summary.Regions.Select(r => $"{r.Key}: {r.Value}")) + ".");
            var session = OpenSession();
            var stopped = _run.StoppedRegions;
            var everyRegionStopped = _run.FatalError == null && summary.Regions.Count > 0 && summary.Regions.Keys.All(stopped.ContainsKey);
            foreach (var region in stopped.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                var unsent = _unsent.TryGetValue(region.Key, out var n) ? n : 0;
                var undone = _undone.TryGetValue(region.Key, out var u) ? u : 0;
                var reason = AttemptPolicy.RegionStopReason(region.Value);
                var left = unsent + undone;
                var undoneSaid = $"sent, but {Operation.PastParticiple} by none of their attempts: Failed";
                var split = undone == 0 ? "never sent: NotAttempted" : unsent == 0 ? undoneSaid : $"{unsent} never sent: NotAttempted; {undone} {undoneSaid}";
                var verb = _dryRun ? $"get KMS's DryRun verdict on" : Operation.Verb;
                var what = left > 0
                    ? $"{verb} {left} more grant(s) in {region.Key} ({split}): the Region {reason}, so they were left as they were"
                    : $"{verb} grants in {region.Key}: the Region {reason}";
                // The grant whose answer stopped the Region has its own error already: say more for those not sent, or
                // when no Region could do anything (the command failed).
                if (left > 0 || everyRegionStopped)
                    WriteError(ErrorRecords.Service(region.Value, what + (stopped.Count < summary.Regions.Count ? " (the other Regions went on)" : ""), region.Key, session, Operation));
            }
            var unsentElsewhere = _unsent.Where(a => !stopped.ContainsKey(a.Key)).Sum(a => a.Value);
            if (unsentElsewhere > 0)
                WriteWarning($"{unsentElsewhere} grant(s) were not sent: {_run.StopReason}. " +
                    "They are NotAttempted in the results and in $KmsGrantsLastRun; run them again once the cause is fixed.");
            if (_run.FatalError is KmsError fatal)
            {
                // Name the grant that got the answer: its key ARN says which Region (and account) was refused.
                var grant = _run.FatalGrant;
                var what = $"{Operation.Verb} grants{(_dryRun ? " (DryRun)" : "")}" + (grant == null ? "" : $" (stopped by the answer for {grant})");
                WriteError(ErrorRecords.Service(fatal, what, grant, session, Operation));
            }
        }

        void Tally(GrantRunSummary summary)
        {
            summary.Submitted = (int)_run!.Submitted;
            summary.Elapsed = _run.Elapsed;
            summary.Requests = _run.Requests;
            summary.ThrottledResponses = _run.ThrottledResponses;
            summary.Stopped = _run.Stopping;
            summary.StopReason = _run.StopReason;
            foreach (var lane in _run.Lanes)
            {
                if (!summary.Regions.TryGetValue(lane.Region, out var tally)) summary.Regions[lane.Region] = tally = new RegionTally();
                tally.Requests = lane.Requests;
                tally.ThrottledResponses = lane.Throttled;
                tally.QuotaEstimate = lane.QuotaEstimate;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _run != null)
            {
                // Ended without EndProcessing (Ctrl+C while another command held the pipeline thread, an upstream
                // failure): still learn the fate of what was sent, within the stop's grace, and keep every result.
                if (!_ended)
                {
                    _run.Stop("the pipeline ended before this command finished");
                    _run.FinishAfterStop(report => { _summary!.Count(report.Result); _summary.UnreportedResults.Add(report.Result); });
                    _ended = true;
                    Tally(_summary!);
                }
                _run.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
