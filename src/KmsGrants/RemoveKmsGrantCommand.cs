using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Remove-KmsGrant: retires grants (KMS RetireGrant), identified by token or by key and grant ID, many at
    /// once: each Region's requests run concurrently at the rate its quota accepts, and results are written as they
    /// complete. -WhatIf sends each request with DryRun=true and reports KMS's verdict.</summary>
    [Cmdlet(VerbsCommon.Remove, "KmsGrant", DefaultParameterSetName = ByTokenSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RetireResult))]
    public sealed class RemoveKmsGrantCommand : KmsCmdletBase
    {
        // ByToken is the default set: a string piped in without -KeyId is a token; with -KeyId, a grant ID.
        const string ByIdSet = "ById";
        const string ByTokenSet = "ByToken";
        const string Action = "Retire KMS grant (cannot be undone)";
        static readonly TimeSpan ProgressAfter = TimeSpan.FromSeconds(2);
        static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(250);

        readonly Stopwatch _progressClock = new Stopwatch();
        RetireRunner? _runner;
        RetireSummary? _summary;
        bool _dryRun;
        bool _finished;
        // Grants never sent, per Region: reported once at the end.
        readonly Dictionary<string, int> _abandoned = new Dictionary<string, int>(StringComparer.Ordinal);
        // False once the pipeline takes no more output (Ctrl+C, a downstream stop, -ErrorAction Stop): outcomes then go to
        // $KmsGrantsLastRun.UnreportedResults.
        bool _acceptsOutput = true;
        // Set while an error is written: a stop thrown then comes from -ErrorAction Stop, not from a later command.
        bool _writingError;
        int _knownTotal;
        TimeSpan _lastProgress;
        bool _progressShown;

        [Parameter(ParameterSetName = ByTokenSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [GrantIdentifier]
        public string[] GrantToken { get; set; } = Array.Empty<string>();

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyArn")]
        [GrantIdentifier]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [GrantIdentifier]
        public string[] GrantId { get; set; } = Array.Empty<string>();

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

        protected override void BeginProcessing()
        {
            _dryRun = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf)
                ? ((SwitchParameter)whatIf).IsPresent
                : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
            _summary = new RetireSummary { DryRun = _dryRun };
            SessionState.PSVariable.Set("global:KmsGrantsLastRun", _summary);
            _progressClock.Start();
        }

        protected override void ProcessRecord()
        {
            foreach (var grant in GrantsOfThisRecord())
            {
                var invalid = InputValidation.Grant(grant);
                if (invalid != null)
                {
                    _summary!.Invalid++;
                    WriteError(ErrorRecords.Invalid(invalid, grant));
                    continue;
                }
                // Only a key ARN names its Region; anything else goes to the default Region, and with none set only such
                // grants fail (a command naming every grant by key ARN needs no default Region).
                if (KmsSession.GoesToDefaultRegion(grant) && ReportedNoRegion(OpenSession().NeedsDefaultRegion(grant), grant.ToString(), grant))
                {
                    _summary!.Invalid++;
                    continue;
                }
                var resolved = Resolved(grant, out var refusal);
                if (refusal is var (error, region))
                {
                    // Its alias's Region refused the credentials: that Region's refusal, as for a key ARN there. Nothing
                    // can be sent for it, so there is nothing to confirm.
                    if (!Runner().SubmitRefused(grant, region, error, Report))
                    {
                        Finish();
                        return;
                    }
                    continue;
                }
                if (resolved == null) continue;
                if (!_dryRun && !Confirmed(resolved, grant))
                {
                    _summary!.Declined++;
                    continue;
                }
                if (!Runner().Submit(resolved, Report))
                {
                    Finish();
                    return;
                }
                ShowProgress();
            }
        }

        RetireRunner Runner() =>
            _runner ??= new RetireRunner(OpenSession(), new RetireOptions
            {
                ThrottleLimit = ThrottleLimit > 0 ? ThrottleLimit : null,
                MaxRequestsPerSecond = MaxRequestsPerSecond > 0 ? MaxRequestsPerSecond : null,
                DryRun = _dryRun,
                Trace = DebugWanted,
            }, Cancellation);

        protected override void EndProcessing()
        {
            _runner?.Complete(Report, ShowProgress);
            Finish();
        }

        /// <summary>The grants this record names. Each is its own errors' target object.</summary>
        IEnumerable<GrantReference> GrantsOfThisRecord()
        {
            // With pipeline input the total is unknown; with arrays given as arguments it is known up front.
            var fromPipeline = MyInvocation.ExpectingInput;
            if (ParameterSetName == ByTokenSet)
            {
                _knownTotal += fromPipeline ? 0 : GrantToken.Length;
                foreach (var token in GrantToken) yield return new GrantReference(null, null, token);
            }
            else
            {
                _knownTotal += fromPipeline ? 0 : GrantId.Length;
                foreach (var id in GrantId) yield return new GrantReference(KeyId, id, null);
            }
        }

        /// <summary>The grant with an alias key resolved to the key's ARN (which then names its Region); null when the
        /// alias could not be resolved: reported, or, when a Region other than the command's own refused the
        /// credentials, that refusal and Region in <paramref name="refusal"/>.</summary>
        GrantReference? Resolved(GrantReference grant, out (KmsError Error, string Region)? refusal)
        {
            refusal = null;
            if (grant.ByToken || !InputValidation.IsAlias(grant.KeyId!)) return grant;
            (KmsError, string)? refused = null;
            var arn = ResolveKey(grant.KeyId!, grant, (error, region) => refused = (error, region));
            refusal = refused;
            return arn is null ? null : new GrantReference(arn, grant.GrantId, null);
        }

        bool Confirmed(GrantReference grant, GrantReference asGiven)
        {
            if (Force && !MyInvocation.BoundParameters.ContainsKey("Confirm")) return true;
            var target = ReferenceEquals(grant, asGiven) ? grant.ToString() : $"{grant} ({asGiven.KeyId})";
            return ShouldProcess(target, Action);
        }

        /// <summary>Runs on the pipeline thread for each finished grant. A stop from downstream (Select-Object -First) or
        /// from -ErrorAction Stop surfaces here as an exception from WriteObject or WriteError: the run is then stopped
        /// like Ctrl+C — requests in flight finish, their outcomes are kept — before the exception goes on.</summary>
        void Report(RetireOutcome outcome)
        {
            var result = outcome.Result;
            _summary!.Count(result);
            if (!_acceptsOutput || Cancellation.IsCancellationRequested || Stopping)
            {
                _summary.UnreportedResults.Add(result);
                return;
            }
            try
            {
                Write(outcome);
            }
            catch (Exception e) when (e is PipelineStoppedException or ActionPreferenceStopException)
            {
                // Ctrl+C between the check above and the write: PowerShell refused the write at its entry, so the result
                // went nowhere; keep it. (A downstream stop throws only after taking the object.)
                if (e is PipelineStoppedException && Stopping) _summary.UnreportedResults.Add(result);
                _acceptsOutput = false;
                // PowerShell throws -ErrorAction Stop as a PipelineStoppedException from WriteError, like a downstream stop.
                _runner?.Stop(e is ActionPreferenceStopException || _writingError ? "-ErrorAction Stop on an error" : "stopped by a later command in the pipeline (e.g. Select-Object -First)");
                Finish();
                throw;
            }
        }

        void Write(RetireOutcome outcome)
        {
            var result = outcome.Result;
            if (outcome.Abandoned)
            {
                // Grants never sent are one fact, said once at the end (there may be thousands).
                var region = result.Region ?? "";
                _abandoned[region] = _abandoned.TryGetValue(region, out var n) ? n + 1 : 1;
                if (PassThru) WriteObject(result);
                return;
            }
            if (outcome.Note != null) WriteVerbose($"{outcome.Grant}: {outcome.Note}");
            var what = $"retire {outcome.Grant}";
            var error = outcome.Error;
            // An error that stops everything is reported once, as the command's terminating error, not per grant.
            var fatal = error != null && error.Kind == _runner?.FatalError?.Kind;

            if (_dryRun && result.Status is RetireStatus.WouldRetire or RetireStatus.WouldFail)
            {
                var verdict = result.Status == RetireStatus.WouldRetire
                    ? "KMS DryRun: the retirement would succeed."
                    : $"KMS DryRun: the retirement would fail with {result.ErrorCode}: {result.Message}";
                ShouldProcess($"Retiring {outcome.Grant}. {verdict}", verdict, Action);
                if (result.Status == RetireStatus.WouldFail && error != null && !fatal)
                    WriteGrantError(ErrorRecords.Service(error, what + " (KMS DryRun: the real call would fail the same way)", outcome.Grant, OpenSession()));
            }
            else if (error != null && !fatal && result.Status is RetireStatus.Failed or RetireStatus.Unknown)
            {
                if (result.Status == RetireStatus.Unknown) what += " (the outcome is unknown: it may or may not have been retired)";
                WriteGrantError(ErrorRecords.Service(error, what, outcome.Grant, OpenSession()));
            }
            else if (result.Status is RetireStatus.Unknown or RetireStatus.Failed or RetireStatus.NotAttempted && !fatal)
            {
                WriteWarning($"{outcome.Grant}: {result.Status}. {result.Message}");
            }

            if (PassThru) WriteObject(result);
            ShowProgress();
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
            if (_runner != null && _acceptsOutput && !Cancellation.IsCancellationRequested)
                foreach (var line in _runner.TakeTrace()) WriteDebug(line);
            if (_runner == null || _finished || !_acceptsOutput || Cancellation.IsCancellationRequested) return;
            var now = _progressClock.Elapsed;
            if (now < ProgressAfter || now - _lastProgress < ProgressEvery) return;
            _lastProgress = now;
            _progressShown = true;

            var done = _runner.Finished;
            var rate = done / Math.Max(0.001, _runner.Elapsed.TotalSeconds);
            var lanes = _runner.Lanes;
            var status = $"{done} done, {lanes.Sum(l => l.InFlight)} in flight, {rate:0.0}/s (pacing at {lanes.Sum(l => l.Rate):0.#}/s), {_runner.ThrottledResponses} throttled";
            if (lanes.Count > 1)
                status += "; " + string.Join(", ", lanes.Select(l => $"{l.Region} {l.Finished} done at {l.Rate:0.#}/s"));
            var record = new ProgressRecord(1, _dryRun ? "Checking KMS grants (DryRun)" : "Retiring KMS grants", status);
            if (_knownTotal > 0)
            {
                record.PercentComplete = (int)Math.Min(100, 100 * done / _knownTotal);
                if (rate > 0) record.SecondsRemaining = (int)((_knownTotal - done) / rate);
            }
            WriteProgress(record);
        }

        /// <summary>Ends the run once, however it ends: the tally, the progress bar, the verbose summary, and the error
        /// that stopped every grant, if one did.</summary>
        void Finish()
        {
            if (_finished || _runner == null) return;
            if (_runner.Stopping) _runner.FinishAfterStop(Report);
            _finished = true;
            var summary = _summary!;
            summary.Submitted = (int)_runner.Submitted;
            summary.Elapsed = _runner.Elapsed;
            summary.Requests = _runner.Requests;
            summary.ThrottledResponses = _runner.ThrottledResponses;
            summary.Stopped = _runner.Stopping;
            summary.StopReason = _runner.StopReason;
            foreach (var lane in _runner.Lanes)
            {
                if (!summary.Regions.TryGetValue(lane.Region, out var tally)) summary.Regions[lane.Region] = tally = new RegionTally();
                tally.Requests = lane.Requests;
                tally.ThrottledResponses = lane.Throttled;
                tally.QuotaEstimate = lane.QuotaEstimate;
            }
            if (!_acceptsOutput || Cancellation.IsCancellationRequested) return;
            if (_progressShown)
                WriteProgress(new ProgressRecord(1, _dryRun ? "Checking KMS grants (DryRun)" : "Retiring KMS grants", "Done") { RecordType = ProgressRecordType.Completed });
            if (summary.Submitted > 0)
                WriteVerbose($"{(_dryRun ? "DryRun of" : "Retired")} {summary.Submitted} grants in {summary.Elapsed.TotalSeconds:0.0} s: {summary}; " +
                    $"{summary.Requests} requests, {summary.ThrottledResponses} throttled. Regions: " +
                    string.Join("; ", summary.Regions.Select(r => $"{r.Key}: {r.Value}")) + ".");
            var session = OpenSession();
            var refused = _runner.RefusedRegions;
            foreach (var region in refused.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                var notSent = _abandoned.TryGetValue(region.Key, out var n) ? n : 0;
                var what = notSent > 0
                    ? $"retire {notSent} more grant(s) in {region.Key}: the Region {RetirePolicy.RegionStopReason(region.Value)}, so they were left as they were"
                    : $"retire grants in {region.Key}: the Region {RetirePolicy.RegionStopReason(region.Value)}";
                var record = ErrorRecords.Service(region.Value, what + (refused.Count < summary.Regions.Count ? " (the other Regions went on)" : ""), region.Key, session);
                // Every Region the run used refused: nothing could be done, so the command fails.
                if (_runner.FatalError == null && summary.Regions.Keys.All(refused.ContainsKey)) ThrowTerminatingError(record);
                // The grant whose answer was the refusal has its own error already; say more only for those not sent.
                if (notSent > 0) WriteError(record);
            }
            var abandonedElsewhere = _abandoned.Where(a => !refused.ContainsKey(a.Key)).Sum(a => a.Value);
            if (abandonedElsewhere > 0)
                WriteWarning($"{abandonedElsewhere} grant(s) were not sent: {_runner.StopReason}. " +
                    "They are NotAttempted in the results and in $KmsGrantsLastRun; run them again once the cause is fixed.");
            if (_runner.FatalError is KmsError fatal)
            {
                // Name the grant that got the answer: its key ARN says which Region (and account) was refused.
                var grant = _runner.FatalGrant;
                var what = (_dryRun ? "retire grants (DryRun)" : "retire grants") + (grant == null ? "" : $" (stopped by the answer for {grant})");
                ThrowTerminatingError(ErrorRecords.Service(fatal, what, grant, session));
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _runner != null)
            {
                // Ended without EndProcessing (Ctrl+C while another command held the pipeline thread, an upstream
                // failure): still learn the fate of what was sent, within the stop's grace.
                if (!_finished)
                {
                    _runner.Stop("the pipeline ended before this command finished");
                    _runner.FinishAfterStop(outcome => { _summary!.Count(outcome.Result); _summary.UnreportedResults.Add(outcome.Result); });
                    _summary!.Stopped = true;
                    _summary.StopReason = _runner.StopReason;
                    _summary.Submitted = (int)_runner.Submitted;
                    _summary.Requests = _runner.Requests;
                }
                _runner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
