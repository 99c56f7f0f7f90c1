using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>What the listing cmdlets share (Get-KmsGrant, Get-KmsRetirableGrant, Find-KmsStaleGrant): -Region naming
    /// one Region or several, and listings taken into one <see cref="GrantRun"/> — keys by pattern (ListKeys, ListAliases),
    /// several Regions — whose lanes page each listing at its Region's ListGrants or ListRetirableGrants quota, side by
    /// side, with the engine's retries and stops. Each page is handed to <see cref="TakeGrant"/> as it arrives, on the
    /// pipeline thread; a listing refused is one error naming its key, and the others go on.</summary>
    public abstract class ListingRunCommandBase : KmsCmdletBase
    {
        GrantRun? _run;
        readonly Stopwatch _progressClock = Stopwatch.StartNew();
        TimeSpan _lastProgress;
        bool _progressShown;
        bool _runEnded;

        /// <summary>The Regions to list in: several are listed side by side, each at its own quota (AWS.Tools takes one).
        /// A pipeline object's Region property names its own.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("RegionToCall")]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string[]? Region { get; set; }

        protected override IReadOnlyList<string>? BoundRegions => Region;

        /// <summary>Takes one grant a listing found; false when no more are wanted (the run then stops).</summary>
        protected abstract bool TakeGrant(GrantInfo grant);

        /// <summary>A listing of the run has ended (its grants all taken, or its error written).</summary>
        protected virtual void ListingDone(GrantReport report) { }

        /// <summary>What the closing verbose line says was done with the grants.</summary>
        protected abstract string RunSummary { get; }

        /// <summary>The page size of each ListGrants request.</summary>
        protected virtual int RunPageSize => 100;

        /// <summary>Whether nothing more is worth listing: the run stopped.</summary>
        protected virtual bool ListingStopped => _run?.Stopping ?? false;

        /// <summary>The Regions this record lists in: its pipeline object's, else the command line's, else the default
        /// Region. Each is checked once (KmsGrants.InvalidRegion ends the command: it names no place to list).</summary>
        protected IReadOnlyList<string> RegionsToList(string what)
        {
            var session = OpenSession();
            var regions = InputRegions ?? (CommandRegions.Count > 0 ? CommandRegions : null);
            if (regions == null)
            {
                try { return new[] { session.Routing.RequireDefaultRegion(what) }; }
                catch (ConfigurationException e) { ThrowTerminatingError(ErrorRecords.Configuration(e)); throw; }
            }
            var fromObject = InputRegions != null;
            foreach (var region in regions)
                if (InputValidation.Region(region, fromObject ? "the input object's Region property" : "-Region") is ValidationFailure invalid)
                {
                    // The command line's Region names where the command lists: it cannot go on. An object's is that object's.
                    if (!fromObject) ThrowTerminatingError(ErrorRecords.Invalid(invalid, region));
                    WriteError(ErrorRecords.Invalid(invalid, region));
                    return Array.Empty<string>();
                }
            return regions.Distinct(StringComparer.Ordinal).ToList();
        }

        /// <summary>Why a key pattern cannot be right, before anything is sent: what any key name must be, and a wildcard
        /// pattern PowerShell can read. A pattern of key ARNs naming one Region (arn:aws:kms:eu-west-1:…) must name a real one.</summary>
        protected static ValidationFailure? PatternProblem(string pattern)
        {
            if (InputValidation.KeyPattern(pattern) is ValidationFailure invalid) return invalid;
            try { WildcardPattern.Get(pattern, WildcardOptions.None).IsMatch(""); }
            catch (WildcardPatternException e)
            {
                return new ValidationFailure(InvalidInputKind.KeyId, $"-KeyId '{pattern}' is not a wildcard pattern PowerShell can read ({e.Message}) " +
                    "Escape [ and ] with a backtick to match them as they are.");
            }
            return PatternRegion(pattern) is string region ? InputValidation.Region(region, $"the key ARN pattern '{pattern}'") : null;
        }

        /// <summary>The Region a pattern of key or alias ARNs names without wildcards (arn:aws:kms:eu-west-1:…), or null.</summary>
        static string? PatternRegion(string pattern)
        {
            var parts = pattern.Split(':');
            return parts.Length >= 5 && parts[0] == "arn" && parts[3].Length > 0 && !WildcardPattern.ContainsWildcardCharacters(parts[3]) ? parts[3] : null;
        }

        /// <summary>Whether this record names several Regions (from its object, or the command line).</summary>
        protected bool SeveralRegions => (InputRegions ?? CommandRegions).Count > 1;

        /// <summary>Takes one listing into this command's run (created on first use): a key's grants (ListGrants) or a
        /// principal's (ListRetirableGrants), in <paramref name="region"/>.</summary>
        protected void SubmitListing(GrantOperation operation, GrantReference item, string region, ListingRequest request)
        {
            if (ListingStopped) return;
            // Each Region listed is as much the command's as any other: one that refuses the credentials stops only itself.
            _run ??= new GrantRun(OpenSession(), operation, new RunOptions { RegionsStopAlone = true }, Cancellation);
            request.PageSize = RunPageSize;
            _run.Submit(item, region, OnListingEvent, request);
            ShowListingProgress();
        }

        /// <summary>Before a Region's keys are taken in (what a command needs to know of the Region first).</summary>
        protected virtual void BeforeListing(string region) { }

        /// <summary>Takes the keys <paramref name="keyId"/> names into the run: with wildcards, every matching key of each
        /// Region to list (<see cref="SubmitMatchingKeys"/>); without, that key — a key ARN in its own Region only, an
        /// alias name or key ID in each Region (an alias may name a different key in each), looked up with DescribeKey.</summary>
        protected void SubmitKeys(string keyId, Func<ListingRequest> request)
        {
            var byPattern = WildcardPattern.ContainsWildcardCharacters(keyId);
            // A key ARN names its Region, and so does a pattern of ARNs that spells its Region out.
            var arnRegion = byPattern ? PatternRegion(keyId) : KmsArn.Parse(keyId)?.Region;
            foreach (var region in arnRegion != null ? new[] { arnRegion } : RegionsToList($"listing the keys of -KeyId '{keyId}'"))
            {
                if (ListingStopped) return;
                BeforeListing(region);
                if (byPattern) SubmitMatchingKeys(keyId, region, request);
                else if (ResolveKey(keyId, region, out var failure) is string keyArn)
                    SubmitListing(GrantOperation.ListGrants, new GrantReference(keyArn, null, null), region, request());
                else if (failure != null) WriteRegionError(failure, $"resolve the alias {keyId} in {region}", keyId);
            }
        }

        /// <summary>Lists every key of <paramref name="region"/> that <paramref name="pattern"/> matches — by key ID, key
        /// ARN (a pattern starting arn:), alias name (alias/…) or alias ARN — as ListKeys or ListAliases names them, each
        /// taken into the run as it is read. A pattern that matches nothing lists nothing (PowerShell's convention for
        /// wildcards). ListKeys refused is that Region's error; the other Regions go on.</summary>
        protected void SubmitMatchingKeys(string pattern, string region, Func<ListingRequest> request)
        {
            // Case-sensitive, as KMS's names are: alias/app-* must not take alias/App-Prod into a revocation.
            var wildcard = new WildcardPattern(pattern, WildcardOptions.None);
            var byArn = pattern.StartsWith(KmsArn.Prefix, StringComparison.Ordinal);
            var byAlias = pattern.StartsWith(KmsArn.AliasPrefix, StringComparison.Ordinal) || (byArn && pattern.Contains(":alias/"));
            var clients = OpenSession().ClientsFor(region);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            void Submit(string keyArn)
            {
                var listing = request();
                listing.FromKeyList = true;
                SubmitListing(GrantOperation.ListGrants, new GrantReference(keyArn, null, null), region, listing);
            }
            try
            {
                if (byAlias)
                {
                    foreach (var (name, arn, keyArn) in Blocking(KeyCatalog.AliasesAsync(clients, Cancellation)))
                        if (!ListingStopped && wildcard.IsMatch(byArn ? arn : name) && seen.Add(keyArn)) Submit(keyArn);
                }
                else
                {
                    foreach (var key in Blocking(KeyCatalog.KeysAsync(clients, Cancellation)))
                        if (!ListingStopped && wildcard.IsMatch(byArn ? key.KeyArn : key.KeyId) && seen.Add(key.KeyArn)) Submit(key.KeyArn);
                }
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is not PipelineStoppedException and not ActionPreferenceStopException)
            {
                WriteRegionError(OpenSession().ErrorFrom(e), $"list the keys of {region} ({(byAlias ? "ListAliases" : "ListKeys")}) for '{pattern}'", region);
            }
        }

        /// <summary>Reports what one Region answered before its listings could start: a Region that refuses the credentials,
        /// among several, is that Region's error (the others go on); anything else that would fail every request ends the
        /// command, as for one Region.</summary>
        void WriteRegionError(KmsError error, string what, object target)
        {
            if (error.RefusesCredentials && SeveralRegions) WriteError(ErrorRecords.Service(error, what + " (the other Regions go on)", target, OpenSession()));
            else WriteServiceError(error, what, target);
        }

        /// <summary>Reads an asynchronous sequence (ListKeys' pages) on the pipeline thread, one item at a time.</summary>
        protected static IEnumerable<T> Blocking<T>(IAsyncEnumerable<T> source)
        {
            var items = source.GetAsyncEnumerator();
            try
            {
                while (items.MoveNextAsync().AsTask().GetAwaiter().GetResult()) yield return items.Current;
            }
            finally
            {
                items.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        /// <summary>Runs on the pipeline thread for each page and each listing's end. A stop from downstream (Select-Object
        /// -First) or -ErrorAction Stop surfaces as an exception from a write: the run stops, then it goes on.</summary>
        void OnListingEvent(RunEvent runEvent)
        {
            try
            {
                switch (runEvent)
                {
                    case PageReport page:
                        foreach (var grant in page.Grants)
                            if (!TakeGrant(grant))
                            {
                                _run?.Stop("no more grants are wanted (-First)");
                                return;
                            }
                        break;
                    case GrantReport report:
                        if (report.Note != null) WriteVerbose($"{Named(report)} in {report.Result.Region}: {report.Note}");
                        // A listing stopped by the run says nothing of its own; the stop is said once, at the end.
                        if (report.Error is KmsError error && !report.ReportedInBulk && !error.StopsEverything && !ListingStopped)
                            WriteError(ErrorRecords.Service(error, $"list the grants of {Named(report)} in {report.Result.Region}", TargetOf(report), OpenSession()));
                        ListingDone(report);
                        break;
                }
            }
            catch (Exception e) when (e is PipelineStoppedException or ActionPreferenceStopException)
            {
                _run?.Stop(Stopping || Cancellation.IsCancellationRequested ? GrantRun.UserStopReason : "stopped by a later command in the pipeline");
                throw;
            }
            ShowListingProgress();
        }

        /// <summary>What a listing names, for messages: its key, or for ListRetirableGrants, the retiring principal.</summary>
        static string Named(RunEvent listing) => listing.Request is ListingRequest { RetiringPrincipal: string principal }
            ? $"the retiring principal {principal}" : $"key {listing.Grant.KeyId}";

        static object TargetOf(RunEvent listing) => (listing.Request as ListingRequest)?.RetiringPrincipal ?? listing.Grant.KeyId ?? "";

        void ShowListingProgress()
        {
            if (_run == null || _runEnded || Cancellation.IsCancellationRequested) return;
            var now = _progressClock.Elapsed;
            if (now < TimeSpan.FromSeconds(2) || now - _lastProgress < TimeSpan.FromMilliseconds(250)) return;
            _lastProgress = now;
            _progressShown = true;
            var lanes = _run.Lanes;
            WriteProgress(new ProgressRecord(2, $"Listing KMS grants ({_run.Operation.ApiName})",
                $"{_run.Finished} of {_run.Submitted} listed, {RunSummary}; {lanes.Sum(l => l.Requests)} requests, " +
                $"{lanes.Sum(l => l.Throttled)} throttled, pacing at {lanes.Sum(l => l.Rate):0.#}/s"));
        }

        /// <summary>Waits for every listing, taking their pages; then what stopped a Region (an error each) or the run (the
        /// command's terminating error, as a listing's answer that would fail every request is).</summary>
        protected void EndListingRun()
        {
            if (_run == null || _runEnded) return;
            try
            {
                _run.Complete(OnListingEvent, ShowListingProgress);
            }
            finally
            {
                _runEnded = true;
            }
            if (Cancellation.IsCancellationRequested) return;
            if (_progressShown) WriteProgress(new ProgressRecord(2, $"Listing KMS grants ({_run.Operation.ApiName})", "Done") { RecordType = ProgressRecordType.Completed });
            WriteVerbose($"Listed {_run.Finished} {(_run.Operation == GrantOperation.ListGrants ? "key(s)" : "principal(s)")} in {_run.Elapsed.TotalSeconds:0.0} s: {RunSummary}; " +
                $"{_run.Requests} requests, {_run.ThrottledResponses} throttled. Regions: " +
                string.Join("; ", _run.Lanes.Select(l => $"{l.Region}: {l.Requests} requests, {l.Throttled} throttled" + (l.QuotaEstimate is double q ? $", quota ≈ {q:0.#}/s" : ""))) + ".");
            var session = OpenSession();
            var stopped = _run.StoppedRegions.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
            var everyRegionStopped = stopped.Count > 0 && _run.Lanes.All(l => _run.StoppedRegions.ContainsKey(l.Region));
            foreach (var region in stopped)
            {
                var record = ErrorRecords.Service(region.Value, $"list grants in {region.Key}: the Region {RunMessages.RegionStopReason(region.Value)}, so its listings " +
                    (everyRegionStopped ? "were left" : "not yet done were left (the other Regions went on)"), region.Key, session);
                // When no Region could list, the command failed, as with one Region that refuses the credentials.
                if (everyRegionStopped && region.Key == stopped[stopped.Count - 1].Key && _run.FatalError == null) ThrowTerminatingError(record);
                WriteError(record);
            }
            if (_run.FatalError is KmsError fatal)
                ThrowTerminatingError(ErrorRecords.Service(fatal, $"list grants ({_run.StopReason})", null, session));
        }

        protected override void EndProcessing() => EndListingRun();

        protected override void Dispose(bool disposing)
        {
            if (disposing && _run != null)
            {
                if (!_runEnded) _run.FinishAfterStop(_ => { });
                _run.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
