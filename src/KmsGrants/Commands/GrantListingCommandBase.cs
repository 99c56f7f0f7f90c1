using System;
using System.Collections;
using System.Collections.Generic;
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
    public abstract class GrantListingCommandBase : ListingRunCommandBase
    {
        /// <summary>KMS's largest page: fewest round trips.</summary>
        public const int DefaultPageSize = 100;

        ulong _skipped;
        ulong _written;
        bool _truncatedByFirst;
        readonly List<object?> _selectedParameter = new List<object?>();
        string[]? _selectPath;

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
        protected override bool ListingStopped => FirstSatisfied || base.ListingStopped;
        protected override int RunPageSize => PageSize;

        /// <summary>A listed grant: written, within -Skip and -First; false once -First is satisfied.</summary>
        protected override bool TakeGrant(GrantInfo grant)
        {
            if (FirstSatisfied) return false;
            if (_skipped < Skip) { _skipped++; return true; }
            WriteObject(grant);
            _written++;
            if (!FirstSatisfied) return true;
            _truncatedByFirst = true;
            return false;
        }

        protected override string RunSummary => $"{_written} grants written";

        /// <summary>AWS.Tools' one-listing parameters name one listing's pages; a run lists many at once.</summary>
        protected void RequireManyListings(string why)
        {
            if (!OnePage && SelectsGrants) return;
            ThrowTerminatingError(ErrorRecords.Invalid(new ValidationFailure(InvalidInputKind.Select,
                $"-Marker, -NoAutoIteration and -Select (other than Grants) page one listing; {why} lists many side by side. " +
                "Name one key (or principal) in one Region to use them."), Select));
        }

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
                        if (!TakeGrant(grant)) return;
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

        protected override void EndProcessing()
        {
            base.EndProcessing();
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
