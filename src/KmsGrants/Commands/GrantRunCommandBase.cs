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
        // What the end of the run says once for many grants (never sent, a Region's stop, a key's unproven DryRun).
        readonly RunReport _report = new RunReport();
        // False once the pipeline takes no more output (Ctrl+C, a downstream stop, -ErrorAction Stop): results then go to
        // $KmsGrantsLastRun.UnreportedResults.
        bool _acceptsOutput = true;
        // Set while an error is written: a stop thrown then comes from -ErrorAction Stop, not from a later command.
        bool _writingError;
        int _knownTotal;
        TimeSpan _lastProgress;
        bool _progressShown;

        /// <summary>The command's Region, from the command line. Bound from a pipeline object's Region property, it is that
        /// object's Region, as AWS.Tools takes it: one Region, never a list.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("RegionToCall")]
        [RegionName]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string? Region { get; set; }

        protected override IReadOnlyList<string>? BoundRegions => Region == null ? null : new[] { Region };

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        [ValidateRange(1, 4096)]
        public int ThrottleLimit { get; set; }

        [Parameter]
        [ValidateRange(0.1, 5000.0)]
        public double MaxRequestsPerSecond { get; set; }

        protected abstract GrantOperation Operation { get; }

        /// <summary>Whether each result is written to the output: -PassThru for Remove- and Revoke-, always for New-.</summary>
        protected abstract bool WriteResults { get; }

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

        /// <summary>Takes one grant (for a new grant, its key and <paramref name="spec"/>): refused locally (an error, no
        /// result) if it cannot be right; else confirmed and taken into the run, which gives it exactly one result.</summary>
        /// <param name="target">The object its errors name (the piped object), when not the grant itself.</param>
        protected void TakeIn(GrantReference grant, GrantSpec? spec = null, object? target = null)
        {
            if ((InputValidation.Grant(grant, Operation) ?? (spec == null ? null : InputValidation.Spec(spec))) is ValidationFailure invalid)
            {
                Refuse(invalid, target ?? grant);
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
                    if (_dryRun) ShouldProcess(Describe(grant, spec), Action);
                    Run().SubmitFailedLookup(grant, region, failure, Report, spec);
                    return;
                }
                if (arn == null) return;   // stopped meanwhile
                resolved = new GrantReference(arn, grant.GrantId, null);
            }
            var described = ReferenceEquals(resolved, grant) ? Describe(grant, spec) : $"{Describe(resolved, spec)} ({grant.KeyId})";
            if (_dryRun) ShouldProcess(described, Action);   // PowerShell's own "What if:" line; KMS's verdict follows
            else if (!Run().Stopping && !Confirmed(described))
            {
                _summary!.Declined++;
                return;
            }
            Run().Submit(resolved, region, Report, spec);
            ShowProgress();
        }

        /// <summary>Refuses one grant before anything is sent for it: an error naming <paramref name="target"/>, no result.</summary>
        protected void Refuse(ValidationFailure invalid, object target)
        {
            _summary!.Invalid++;
            WriteError(ErrorRecords.Invalid(invalid, target));
        }

        /// <summary>A grant as the confirmation prompt and What if line name it: a new one by its grantee, key and operations.</summary>
        static string Describe(GrantReference grant, GrantSpec? spec) => spec == null ? grant.ToString()
            : $"grant to {spec.GranteePrincipal} on key {grant.KeyId} allowing {string.Join(", ", spec.Operations)}" +
                (spec.Name == null ? "" : $" (name {spec.Name})");

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
        void Report(RunEvent runEvent)
        {
            // Retiring, revoking and creating hand back results only (pages are a listing's).
            var report = (GrantReport)runEvent;
            var result = report.Result;
            _summary!.Count(result);
            _report.Add(report);
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
                // Ctrl+C refuses it at the entry, and -ErrorAction Stop throws from an error written before it. Ctrl+C while
                // a later command works on it keeps it too: that command may have done nothing with it yet, and a result is
                // never lost (at worst a script that saw it finds it in UnreportedResults as well).
                if (!handedOver || Stopping) _summary.UnreportedResults.Add(result);
                _acceptsOutput = false;
                // PowerShell throws -ErrorAction Stop as a PipelineStoppedException from WriteError, like a downstream stop.
                _run?.Stop(StoppedByUser ? GrantRun.UserStopReason
                    : e is ActionPreferenceStopException || _writingError ? "-ErrorAction Stop on an error" : "stopped by a later command in the pipeline (e.g. Select-Object -First)");
                EndRun();
                throw;
            }
        }

        void Write(GrantReport report, Action handingOver)
        {
            var result = report.Result;
            if (!report.ReportedInBulk)
            {
                if (report.Note != null) WriteVerbose($"{report.Grant}: {report.Note}");
                WriteFinding(report);
            }
            if (WriteResults)
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
                        ? $"{report.Grant}: no KMS verdict. {result.Message}"
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
        /// the progress bar, the verbose summary, then what the run says once (<see cref="RunReport"/>), its stop last.</summary>
        void EndRun()
        {
            if (_ended || _run == null) return;
            if (_run.Stopping) _run.FinishAfterStop(Report);
            _ended = true;
            var summary = _summary!;
            Tally(summary);
            var byUser = StoppedByUser;
            if (_acceptsOutput && !byUser)
            {
                if (_progressShown)
                    WriteProgress(new ProgressRecord(1, Activity, "Done") { RecordType = ProgressRecordType.Completed });
                if (summary.Submitted > 0)
                    WriteVerbose($"{(_dryRun ? "DryRun of" : char.ToUpperInvariant(Operation.PastParticiple[0]) + Operation.PastParticiple.Substring(1))} {summary.Submitted} grants in {summary.Elapsed.TotalSeconds:0.0} s: {summary}; " +
                        $"{summary.Requests} requests, {summary.ThrottledResponses} throttled. Regions: " +
                        string.Join("; ", summary.Regions.Select(r => $"{r.Key}: {r.Value}")) + ".");
            }
            else if (!byUser) return;   // a later command's stop or -ErrorAction Stop: the pipeline takes nothing more
            WriteFindings(byUser);
        }

        /// <summary>Writes what the run says once. After Ctrl+C only the host can still be written to: the user hears the
        /// tally there.</summary>
        void WriteFindings(bool byUser)
        {
            var session = OpenSession();
            var findings = _report.Findings(new RunEnd
            {
                Operation = Operation, DryRun = _dryRun, StoppedRegions = _run!.StoppedRegions, FatalError = _run.FatalError,
                FatalGrant = _run.FatalGrant, StopReason = _run.StopReason, StoppedByUser = byUser, Summary = _summary!,
            });
            foreach (var finding in findings)
            {
                if (byUser)
                {
                    if (finding.ToHost && WarningsWanted) Host.UI.WriteWarningLine(finding.Text);
                }
                else if (finding.Error is KmsError error) WriteError(ErrorRecords.Service(error, finding.Text, finding.Target, session, Operation));
                else WriteWarning(finding.Text);
            }
        }

        /// <summary>Ctrl+C (or a host's Stop): PowerShell marks the whole pipeline stopping, and may throw it at a write
        /// before StopProcessing reaches this command.</summary>
        bool StoppedByUser => Cancellation.IsCancellationRequested || Stopping;

        bool WarningsWanted => !(MyInvocation.BoundParameters.TryGetValue("WarningAction", out var action)
            ? action is ActionPreference.SilentlyContinue or ActionPreference.Ignore
            : GetVariableValue("WarningPreference") is ActionPreference.SilentlyContinue or ActionPreference.Ignore);

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
                    var byUser = StoppedByUser;
                    _run.Stop(byUser ? GrantRun.UserStopReason : "the pipeline ended before this command finished");
                    _run.FinishAfterStop(runEvent =>
                    {
                        var report = (GrantReport)runEvent;
                        _summary!.Count(report.Result);
                        _report.Add(report);
                        _summary.UnreportedResults.Add(report.Result);
                    });
                    _ended = true;
                    Tally(_summary!);
                    if (byUser) WriteFindings(byUser: true);
                }
                _run.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
