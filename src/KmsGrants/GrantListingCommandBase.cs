using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Streams grants page by page to the pipeline, honouring -First/-Skip/-IncludeTotalCount (SupportsPaging)
    /// across every input: the next page is requested only after the previous one was written, and never once -First
    /// is satisfied. Also takes AWS.Tools' listing parameters with their meaning, so that a script written for
    /// Get-KMSRetirableGrant or Get-KMSGrantList works when this module answers that name: -Limit/-MaxItems (the page
    /// size sent to KMS), -Marker/-NextToken and -NoAutoIteration (one page), -Select.</summary>
    public abstract class GrantListingCommandBase : KmsCmdletBase
    {
        /// <summary>KMS's largest page: fewest round trips.</summary>
        public const int DefaultPageSize = 100;

        ulong _skipped;
        ulong _written;
        bool _truncatedByFirst;
        readonly List<object?> _selectedParameter = new List<object?>();
        string[]? _selectPath;

        /// <summary>The Regions to list in: several are listed side by side, each at its own quota (AWS.Tools takes one).
        /// A pipeline object's Region property names its own.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("RegionToCall")]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string[]? Region { get; set; }

        protected override IReadOnlyList<string>? BoundRegions => Region;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Limit", "MaxItems")]
        [ValidateRange(1, 1000)]
        public int PageSize { get; set; } = DefaultPageSize;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("NextToken")]
        public string? Marker { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public SwitchParameter NoAutoIteration { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string Select { get; set; } = "Grants";

        ulong First => PagingParameters.First;
        ulong Skip => PagingParameters.Skip;
        bool FirstSatisfied => _written >= First;
        bool SelectsGrants => string.Equals(Select, "Grants", StringComparison.OrdinalIgnoreCase);
        /// <summary>AWS.Tools' rule: binding -Marker, even to nothing, or -NoAutoIteration, means one page.</summary>
        bool OnePage => NoAutoIteration || MyInvocation.BoundParameters.ContainsKey(nameof(Marker));

        /// <summary>The page size for the next listing: no more than -First still needs.</summary>
        int Limit
        {
            get
            {
                if (First == ulong.MaxValue || !SelectsGrants) return PageSize;
                var needed = (First - _written) + (Skip > _skipped ? Skip - _skipped : 0);
                return (int)Math.Min((ulong)PageSize, Math.Max(1UL, needed));
            }
        }

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (SelectsGrants || Select == "*" || Select.StartsWith("^", StringComparison.Ordinal)) return;
            _selectPath = Select.Split('.');
            if (!PathExists(typeof(GrantPage), _selectPath))
                ThrowTerminatingError(ErrorRecords.Invalid(new ValidationFailure(InvalidInputKind.Select,
                    $"-Select '{Select}' names no property of a page of grants. Use Grants (the default), * (each page: Grants, NextMarker, " +
                    "Truncated), a property path such as Grants.GrantId or NextMarker, or ^ and a parameter name (e.g. ^Marker)."), Select));
        }

        protected void WriteGrants(Func<int, string?, GrantPager> open, string what, object target)
        {
            if (Select.StartsWith("^", StringComparison.Ordinal))
            {
                // As AWS.Tools: every page is still fetched, then the parameter's value is written once, at the end.
                _selectedParameter.Add(ParameterValue(Select.Substring(1)));
            }
            if (SelectsGrants && FirstSatisfied)
            {
                _truncatedByFirst = true;
                return;
            }
            using var pager = open(Limit, Marker);
            while (true)
            {
                // Only the request is guarded: exceptions from downstream (a later command's -ErrorAction Stop,
                // a throw in ForEach-Object) pass through WriteObject untouched.
                bool more;
                try
                {
                    more = pager.MoveNext();
                }
                catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    WriteServiceError(OpenSession().ErrorFrom(e), what, target);
                    return;
                }
                if (!more) return;

                var page = pager.Current;
                if (SelectsGrants)
                {
                    foreach (var grant in page.Grants)
                    {
                        if (_skipped < Skip) { _skipped++; continue; }
                        WriteObject(grant);
                        _written++;
                        if (FirstSatisfied)
                        {
                            _truncatedByFirst = true;
                            return;
                        }
                    }
                }
                else if (Select == "*") WriteObject(page);
                else if (_selectPath != null) WriteObject(Values(page, _selectPath), enumerateCollection: true);
                WriteDebug($"{what}: page {pager.PagesReceived} done, {_written} grants written.");
                if (OnePage)
                {
                    if (page.Truncated) WriteVerbose($"{what}: more grants follow; continue with -Marker '{page.NextMarker}'.");
                    return;
                }
            }
        }

        // ---- Listing in a run: keys by pattern, or several Regions, side by side at each Region's quota ----

        GrantRun? _run;
        readonly HashSet<string> _regionsChecked = new HashSet<string>(StringComparer.Ordinal);
        readonly Stopwatch _progressClock = Stopwatch.StartNew();
        TimeSpan _lastProgress;
        bool _progressShown;
        bool _runEnded;

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
            foreach (var region in regions)
                if (_regionsChecked.Add(region) && InputValidation.Region(region, InputRegions != null ? "the input object's Region property" : "-Region") is ValidationFailure invalid)
                    ThrowTerminatingError(ErrorRecords.Invalid(invalid, region));
            return regions.Distinct(StringComparer.Ordinal).ToList();
        }

        /// <summary>AWS.Tools' one-listing parameters name one listing's pages; a run lists many at once.</summary>
        protected void RequireManyListings(string why)
        {
            if (!OnePage && SelectsGrants) return;
            ThrowTerminatingError(ErrorRecords.Invalid(new ValidationFailure(InvalidInputKind.Select,
                $"-Marker, -NoAutoIteration and -Select (other than Grants) page one listing; {why} lists many side by side. " +
                "Name one key (or principal) in one Region to use them."), Select));
        }

        /// <summary>Takes one listing into this command's run (created on first use): a key's grants (ListGrants) or a
        /// principal's (ListRetirableGrants), in <paramref name="region"/>. Its pages are written as they arrive.</summary>
        protected void SubmitListing(GrantOperation operation, GrantReference item, string region, ListingRequest request)
        {
            if (FirstSatisfied || (_run?.Stopping ?? false)) return;
            _run ??= new GrantRun(OpenSession(), operation, new RunOptions(), Cancellation);
            request.PageSize = PageSize;
            _run.Submit(item, region, OnListingEvent, request);
            ShowListingProgress();
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

        /// <summary>Whether this command's run has stopped (a stop, -First satisfied): nothing more is worth listing.</summary>
        protected bool ListingStopped => FirstSatisfied || (_run?.Stopping ?? false);

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
                        {
                            if (FirstSatisfied) return;
                            if (_skipped < Skip) { _skipped++; continue; }
                            WriteObject(grant);
                            _written++;
                            if (FirstSatisfied)
                            {
                                _truncatedByFirst = true;
                                _run?.Stop("-First is satisfied");
                            }
                        }
                        break;
                    case GrantReport report:
                        if (report.Note != null) WriteVerbose($"{Named(report)} in {report.Result.Region}: {report.Note}");
                        // A listing stopped by -First or by the run's own stop says nothing of its own; the stop is said once.
                        if (report.Error is KmsError error && !report.ReportedInBulk && !error.StopsEverything && !FirstSatisfied)
                            WriteError(ErrorRecords.Service(error, $"list the grants of {Named(report)} in {report.Result.Region}", TargetOf(report), OpenSession()));
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
                $"{_run.Finished} of {_run.Submitted} listed, {_written} grants written; {lanes.Sum(l => l.Requests)} requests, " +
                $"{lanes.Sum(l => l.Throttled)} throttled, pacing at {lanes.Sum(l => l.Rate):0.#}/s"));
        }

        /// <summary>Waits for every listing, writing their pages; then what stopped a Region (an error each) or the run (the
        /// command's terminating error, as a listing's answer that would fail every request is).</summary>
        void EndListingRun()
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
            WriteVerbose($"Listed {_run.Finished} {(_run.Operation == GrantOperation.ListGrants ? "key(s)" : "listing(s)")} in {_run.Elapsed.TotalSeconds:0.0} s: {_written} grants written; " +
                $"{_run.Requests} requests, {_run.ThrottledResponses} throttled. Regions: " +
                string.Join("; ", _run.Lanes.Select(l => $"{l.Region}: {l.Requests} requests, {l.Throttled} throttled" + (l.QuotaEstimate is double q ? $", quota ≈ {q:0.#}/s" : ""))) + ".");
            var session = OpenSession();
            foreach (var region in _run.StoppedRegions.OrderBy(r => r.Key, StringComparer.Ordinal))
                WriteError(ErrorRecords.Service(region.Value, $"list grants in {region.Key}: the Region {AttemptPolicy.RegionStopReason(region.Value)}, so its listings " +
                    "not yet done were left (the other Regions went on)", region.Key, session));
            if (_run.FatalError is KmsError fatal)
                ThrowTerminatingError(ErrorRecords.Service(fatal, $"list grants ({_run.StopReason})", null, session));
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _run != null)
            {
                if (!_runEnded) _run.FinishAfterStop(_ => { });
                _run.Dispose();
            }
            base.Dispose(disposing);
        }

        protected override void EndProcessing()
        {
            EndListingRun();
            foreach (var value in _selectedParameter) WriteObject(value);
            if (PagingParameters.IncludeTotalCount && SelectsGrants)
            {
                var total = _written + _skipped;
                WriteObject(PagingParameters.NewTotalCount(total, _truncatedByFirst ? 0.0 : 1.0));
            }
        }

        /// <summary>A bound parameter's value by its name or one of its aliases (AWS.Tools' ^Name).</summary>
        object? ParameterValue(string name)
        {
            foreach (var parameter in MyInvocation.MyCommand.Parameters.Values)
                if (string.Equals(parameter.Name, name, StringComparison.OrdinalIgnoreCase)
                    || parameter.Aliases.Any(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase)))
                {
                    var value = GetType().GetProperty(parameter.Name)?.GetValue(this);
                    return value is SwitchParameter s ? s.IsPresent : value;
                }
            ThrowTerminatingError(ErrorRecords.Invalid(new ValidationFailure(InvalidInputKind.Select,
                $"-Select '^{name}' names no parameter of {MyInvocation.MyCommand.Name}."), Select));
            return null;
        }

        /// <summary>Each path segment must name exactly one public property (any case), through collections.</summary>
        static bool PathExists(Type type, IEnumerable<string> path)
        {
            foreach (var segment in path)
            {
                if (type.IsArray) type = type.GetElementType()!;
                var matches = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Where(p => string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase)).ToList();
                if (matches.Count != 1) return false;
                type = matches[0].PropertyType;
            }
            return true;
        }

        /// <summary>The values a property path reaches, collections flattened and nulls dropped (as AWS.Tools' -Select).</summary>
        static IEnumerable<object> Values(object root, string[] path)
        {
            IEnumerable<object> current = new[] { root };
            foreach (var segment in path)
                current = current.SelectMany(o =>
                {
                    var value = o.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                        .First(p => string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase)).GetValue(o);
                    return value switch
                    {
                        null => Enumerable.Empty<object>(),
                        string s => new object[] { s },
                        IDictionary d => new object[] { d },
                        IEnumerable many => many.Cast<object>().Where(x => x != null),
                        _ => new[] { value },
                    };
                });
            return current.ToList();
        }
    }
}
