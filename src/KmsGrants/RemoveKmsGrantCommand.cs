using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Remove-KmsGrant: retires grants (KMS RetireGrant), identified by token or by key and grant ID,
    /// many at once: requests run concurrently at the rate KMS accepts, and results are written as they complete.
    /// -WhatIf sends each request with DryRun=true and reports KMS's verdict.</summary>
    [Cmdlet(VerbsCommon.Remove, "KmsGrant", DefaultParameterSetName = ByIdSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RetireResult))]
    public sealed class RemoveKmsGrantCommand : KmsCmdletBase
    {
        const string ByIdSet = "ById";
        const string ByTokenSet = "ByToken";
        const string Action = "Retire KMS grant (cannot be undone)";
        static readonly TimeSpan ProgressAfter = TimeSpan.FromSeconds(2);
        static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(250);

        readonly Stopwatch _progressClock = new Stopwatch();
        RetireRunner? _runner;
        RetireSummary? _summary;
        bool _dryRun;
        int _knownTotal;
        TimeSpan _lastProgress;
        bool _progressShown;

        /// <summary>Grant tokens, as CreateGrant returned them. A bare string piped in is a token.</summary>
        [Parameter(ParameterSetName = ByTokenSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public string[] GrantToken { get; set; } = Array.Empty<string>();

        /// <summary>Key ID or key ARN of the grants' key (the ARN for a key in another account).</summary>
        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyArn")]
        public string KeyId { get; set; } = "";

        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        public string[] GrantId { get; set; } = Array.Empty<string>();

        /// <summary>Retire without asking for confirmation (never overrides -WhatIf).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Write one RetireResult per grant.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Requests in flight at most.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get; set; } = RetireOptions.DefaultThrottleLimit;

        /// <summary>A ceiling on requests per second, for sharing the account's KMS quota with other work.</summary>
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
                if (!_dryRun && !Confirmed(grant))
                {
                    _summary!.Declined++;
                    continue;
                }
                _runner ??= new RetireRunner(Connection, new RetireOptions
                {
                    ThrottleLimit = ThrottleLimit,
                    MaxRequestsPerSecond = MaxRequestsPerSecond > 0 ? MaxRequestsPerSecond : null,
                    DryRun = _dryRun,
                }, Cancellation);
                if (!_runner.Submit(grant, Report))
                {
                    FinishAfterStop();
                    return;
                }
                ShowProgress();
            }
        }

        protected override void EndProcessing()
        {
            _runner?.Complete(Report, ShowProgress);
            if (Cancellation.IsCancellationRequested) FinishAfterStop();
            CloseProgress();
            UpdateSummary();
            if (_summary!.Submitted > 0)
                WriteVerbose($"{(_dryRun ? "DryRun of" : "Retired")} {_summary.Submitted} grants in {_summary.Elapsed.TotalSeconds:0.0} s: " +
                    $"{_summary.Retired + _summary.RetiredOnRetry} retired, {_summary.WouldRetire} would retire, {_summary.WouldFail} would fail, " +
                    $"{_summary.Failed} failed; {_summary.Requests} requests, {_summary.ThrottledResponses} throttled.");
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

        bool Confirmed(GrantReference grant)
        {
            if (Force && !MyInvocation.BoundParameters.ContainsKey("Confirm")) return true;
            return ShouldProcess(grant.ToString(), Action);
        }

        /// <summary>Runs on the pipeline thread for each finished grant.</summary>
        void Report(RetireOutcome outcome)
        {
            var result = outcome.Result;
            _summary!.Count(result);
            if (Cancellation.IsCancellationRequested)
            {
                _summary.UnreportedResults.Add(result);
                return;
            }
            if (outcome.Note != null) WriteVerbose(outcome.Note);
            var what = $"retire {outcome.Grant}";

            if (outcome.Error?.Kind == KmsErrorKind.DryRunNotHonored)
            {
                WriteServiceError(outcome.Error, what + " (DryRun)", outcome.Grant);
            }
            else if (_dryRun)
            {
                var verdict = result.Status == RetireStatus.WouldRetire
                    ? "KMS DryRun: the retirement would succeed."
                    : $"KMS DryRun: the retirement would fail with {result.ErrorCode}: {result.Message}";
                ShouldProcess($"Retiring {outcome.Grant}. {verdict}", verdict, Action);
                if (result.Status == RetireStatus.WouldFail && outcome.Error != null)
                    WriteServiceError(outcome.Error, what + " (KMS DryRun: the real call would fail the same way)", outcome.Grant);
            }
            else if (outcome.Error != null && result.Status == RetireStatus.Failed)
            {
                WriteServiceError(outcome.Error, what, outcome.Grant);
            }
            else if (result.Status is RetireStatus.Failed or RetireStatus.NotAttempted)
            {
                WriteWarning($"{outcome.Grant}: {result.Message}");
            }

            if (PassThru) WriteObject(result);
            ShowProgress();
        }

        void ShowProgress()
        {
            if (_runner == null || Cancellation.IsCancellationRequested) return;
            var now = _progressClock.Elapsed;
            if (now < ProgressAfter || now - _lastProgress < ProgressEvery) return;
            _lastProgress = now;
            _progressShown = true;

            var done = _runner.Finished;
            var rate = done / Math.Max(0.001, _runner.Elapsed.TotalSeconds);
            var record = new ProgressRecord(1, _dryRun ? "Checking KMS grants (DryRun)" : "Retiring KMS grants",
                $"{done} done, {_runner.InFlight} in flight, {rate:0.0}/s (pacing at {_runner.CurrentRateLimit:0.#}/s), {_runner.ThrottledResponses} throttled");
            if (_knownTotal > 0)
            {
                record.PercentComplete = (int)Math.Min(100, 100 * done / _knownTotal);
                if (rate > 0) record.SecondsRemaining = (int)((_knownTotal - done) / rate);
            }
            WriteProgress(record);
        }

        void CloseProgress()
        {
            if (!_progressShown || Cancellation.IsCancellationRequested) return;
            WriteProgress(new ProgressRecord(1, _dryRun ? "Checking KMS grants (DryRun)" : "Retiring KMS grants", "Done")
            {
                RecordType = ProgressRecordType.Completed,
            });
        }

        /// <summary>After Ctrl+C: nothing new is sent, requests in flight finish, and their outcomes go to
        /// $KmsGrantsLastRun since the pipeline takes no more output.</summary>
        void FinishAfterStop()
        {
            _runner?.Complete(Report);
            UpdateSummary();
            _summary!.Stopped = true;
        }

        void UpdateSummary()
        {
            if (_runner == null) return;
            _summary!.Submitted = (int)_runner.Submitted;
            _summary.Elapsed = _runner.Elapsed;
            _summary.Requests = _runner.Requests;
            _summary.ThrottledResponses = _runner.ThrottledResponses;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _runner != null)
            {
                // Stopped while another command held the pipeline thread: still learn the fate of what was sent.
                if (_runner.InFlight > 0 && Cancellation.IsCancellationRequested) FinishAfterStop();
                _runner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
