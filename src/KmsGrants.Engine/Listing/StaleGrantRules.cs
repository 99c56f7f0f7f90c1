using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace KmsGrants.Engine
{
    /// <summary>Which grants should go, decided from what KMS shows of them and a clock — pure, so that every rule is
    /// unit-tested. Grants are added one at a time, in any order and from any number of keys; a deleted principal's grant
    /// is a finding at once, duplicates when their key is done (only then is the newest of a group known):
    /// <list type="bullet">
    /// <item><b>PrincipalDeleted</b>: the grantee principal is an IAM unique ID (AROA… a role's, AIDA… a user's): the
    /// grant gives its access to no one (a deleted retiring principal alone leaves the grantee's access, so it is only a
    /// note). KMS shows a principal's unique ID instead of its ARN once the role or user is deleted; it also shows it for
    /// about a minute after one is created, so only a grant older than the minimum age is called stale.</item>
    /// <item><b>Duplicate</b>: the same key, grantee, retiring principal, operations (as a set) and constraints as another
    /// grant; the newest of each group is kept (a leftover duplicate keeps the access after the original is revoked).
    /// Grants to AWS service principals are left to the services that made them.</item>
    /// </list>
    /// A key's count of grants is kept too, for the keys near KMS's 50,000-grant limit.</summary>
    public sealed class StaleGrantRules
    {
        /// <summary>Grants a customer managed key may hold (adjustable; AWS managed keys are exempt).</summary>
        public const int GrantsPerKeyLimit = 50_000;
        /// <summary>A key holding this share of the limit or more is worth a warning.</summary>
        public const double NearLimitShare = 0.8;
        public static readonly TimeSpan DefaultMinimumAge = TimeSpan.FromHours(1);

        static readonly Regex UniqueId = new Regex(@"^(?<kind>AROA|AIDA)[A-Z0-9]{17}\z", RegexOptions.CultureInvariant);

        readonly DateTime _now;
        readonly TimeSpan _minimumAge;
        readonly bool _principals;
        readonly bool _duplicates;
        // Per key: the newest grant of each signature so far, and how many grants were seen.
        readonly Dictionary<string, KeyState> _keys = new Dictionary<string, KeyState>(StringComparer.Ordinal);

        sealed class KeyState
        {
            // Per signature: its newest grant so far, and the older ones (only a duplicate group has any).
            public readonly Dictionary<string, (GrantInfo Newest, List<GrantInfo>? Older)> Groups = new Dictionary<string, (GrantInfo, List<GrantInfo>?)>(StringComparer.Ordinal);
            // A grant given twice (two listings that overlap) is one grant, not its own duplicate.
            public readonly HashSet<string> Seen = new HashSet<string>(StringComparer.Ordinal);
            public int Count => Seen.Count;
        }

        /// <param name="now">The clock the ages are measured against (UTC).</param>
        /// <param name="reasons">The reasons to look for; all when empty.</param>
        public StaleGrantRules(DateTime now, TimeSpan minimumAge, IEnumerable<StaleReason>? reasons = null)
        {
            if (minimumAge < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(minimumAge), "The minimum age cannot be negative.");
            _now = now.ToUniversalTime();
            _minimumAge = minimumAge;
            var wanted = reasons?.ToList() ?? new List<StaleReason>();
            _principals = wanted.Count == 0 || wanted.Contains(StaleReason.PrincipalDeleted);
            _duplicates = wanted.Count == 0 || wanted.Contains(StaleReason.Duplicate);
        }

        /// <summary>Notes a grant naming a unique ID that is not called stale: younger than the minimum age (the
        /// new-principal window), undated, or only its retiring principal deleted; said once per grant for -Verbose.</summary>
        public Action<GrantInfo, string>? NotStale { get; set; }

        /// <summary>Takes one grant; returns it as a finding when its grantee was deleted (else it may yet be a duplicate,
        /// known when its key is done). <paramref name="comparable"/> false: its operations or constraints could not be
        /// read (a CSV column holding a type name), so it joins no duplicate group.</summary>
        public StaleGrant? Add(GrantInfo grant, bool comparable = true)
        {
            if (!_keys.TryGetValue(grant.KeyId, out var key)) _keys[grant.KeyId] = key = new KeyState();
            if (!key.Seen.Add(grant.GrantId)) return null;
            // A deleted principal's grant is a finding already; not also a member of a duplicate group.
            if (_principals && DeletedPrincipal(grant) is string evidence) return StaleGrant.From(grant, StaleReason.PrincipalDeleted, evidence, null);
            if (_duplicates && comparable && !IsServicePrincipal(grant.GranteePrincipal) && !_awsManagedKeys.Contains(grant.KeyId))
            {
                var signature = Signature(grant);
                if (!key.Groups.TryGetValue(signature, out var group)) key.Groups[signature] = (grant, null);
                else
                {
                    var older = group.Older ?? new List<GrantInfo>();
                    if (IsNewer(grant, group.Newest)) { older.Add(group.Newest); key.Groups[signature] = (grant, older); }
                    else { older.Add(grant); key.Groups[signature] = (group.Newest, older); }
                }
            }
            return null;
        }

        readonly HashSet<string> _awsManagedKeys = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>Keys AWS manages (alias/aws/…): their grants are AWS services' own, made and retired by them, so none is
        /// called a duplicate; and the 50,000-grant limit does not apply to them.</summary>
        public void AwsManaged(string keyArn) => _awsManagedKeys.Add(keyArn);

        /// <summary>Whether a key holding <paramref name="count"/> grants is near the limit (never an AWS managed key).</summary>
        public bool NearLimit(string keyId, int count) => IsNearLimit(count) && !_awsManagedKeys.Contains(keyId);

        /// <summary>A key's grants have all been added (its listing ended): its duplicates, each naming the newest of its
        /// group (kept), and its count. The key is forgotten, so memory follows the largest key, not the account.</summary>
        public (IReadOnlyList<StaleGrant> Duplicates, int Count) KeyDone(string keyId)
        {
            if (!_keys.TryGetValue(keyId, out var key)) return (Array.Empty<StaleGrant>(), 0);
            _keys.Remove(keyId);
            var duplicates = key.Groups.Values.Where(g => g.Older != null)
                .SelectMany(g => g.Older!.OrderBy(o => o.CreationDate).ThenBy(o => o.GrantId, StringComparer.Ordinal)
                    .Select(older => StaleGrant.From(older, StaleReason.Duplicate, DuplicateEvidence(older, g.Newest), g.Newest.GrantId)))
                .ToList();
            return (duplicates, key.Count);
        }

        /// <summary>Every key not yet done, done now (grants piped in give no end per key), in key order.</summary>
        public IReadOnlyList<(string KeyId, IReadOnlyList<StaleGrant> Duplicates, int Count)> AllDone() =>
            _keys.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList().Select(k => { var (d, c) = KeyDone(k); return (k, d, c); }).ToList();

        public static bool IsNearLimit(int count) => count >= NearLimitShare * GrantsPerKeyLimit;

        /// <summary>The warning for a key near the limit.</summary>
        public static string NearLimitWarning(string keyId, int count) =>
            $"Key {keyId} holds {count:N0} grants, {100.0 * count / GrantsPerKeyLimit:0}% of the {GrantsPerKeyLimit:N0} a customer managed key may hold " +
            "(AWS managed keys are exempt): past it, CreateGrant fails with LimitExceededException. Its stale grants, if any, are among the findings.";

        /// <summary>An IAM unique ID as KMS shows a deleted principal: "role" (AROA…), "user" (AIDA…), or null.</summary>
        public static string? UniqueIdKind(string? principal)
        {
            if (principal == null) return null;
            var m = UniqueId.Match(principal);
            return !m.Success ? null : m.Groups["kind"].Value == "AROA" ? "role" : "user";
        }

        /// <summary>An AWS service principal (ec2.amazonaws.com, logs.us-east-1.amazonaws.com): never deleted.</summary>
        public static bool IsServicePrincipal(string? principal) =>
            principal != null && (principal.EndsWith(".amazonaws.com", StringComparison.Ordinal) || principal.EndsWith(".amazonaws.com.cn", StringComparison.Ordinal));

        /// <summary>Why the grant applies to no one, or null. Only a deleted grantee makes it so: a grant whose retiring
        /// principal was deleted still gives its grantee the access (revoking it would take that away), so it is only said
        /// in a note.</summary>
        string? DeletedPrincipal(GrantInfo grant)
        {
            if (UniqueIdKind(grant.RetiringPrincipal) is string retiringKind && UniqueIdKind(grant.GranteePrincipal) == null)
                NotStale?.Invoke(grant, $"its retiring principal is {grant.RetiringPrincipal}, a deleted IAM {retiringKind}'s unique ID, but its grantee " +
                    $"{grant.GranteePrincipal} still holds what it allows: not called stale (revoke it only if that access should go).");
            if (UniqueIdKind(grant.GranteePrincipal) is not string kind) return null;
            var why = $"the grantee principal is {grant.GranteePrincipal}, an IAM {kind}'s unique ID";
            var age = grant.CreationDate is DateTime created ? _now - created.ToUniversalTime() : (TimeSpan?)null;
            if (age is not TimeSpan known || known < _minimumAge)
            {
                NotStale?.Invoke(grant, age switch
                {
                    null => $"{why}, but KMS gave no creation date, so its age cannot be weighed against the new-principal window: not called stale.",
                    { Ticks: < 0 } => $"{why}, but its creation date is {Describe(-known)} ahead of this machine's clock, so its age cannot be weighed: not called stale.",
                    _ => $"{why}, but the grant is only {Describe(known)} old: a principal created moments ago shows this way too, so it is not called stale before {Describe(_minimumAge)}.",
                });
                return null;
            }
            return $"{Capitalize(why)}: KMS shows a principal's unique ID instead of its ARN once the {kind} is deleted, and a {kind} made again with the " +
                $"same name gets a new ID, so this grant gives its access to no one. The grant is {Describe(known)} old (older than the {Describe(_minimumAge)} " +
                "in which a new principal can show this way). A unique ID names no account: another account's deleted principal looks the same.";
        }

        static string DuplicateEvidence(GrantInfo older, GrantInfo newer) =>
            $"Same key, grantee ({newer.GranteePrincipal}), retiring principal ({newer.RetiringPrincipal ?? "none"}), operations " +
            $"({string.Join(", ", newer.Operations.OrderBy(o => o, StringComparer.Ordinal))}) and constraints as grant {newer.GrantId}" +
            $"{(newer.Name == null ? "" : $" ({newer.Name})")}, created {Stamp(newer.CreationDate)}; this one was created {Stamp(older.CreationDate)}. " +
            "The newest of each such group is kept: a leftover duplicate keeps the access after the kept one is revoked.";

        /// <summary>Whether <paramref name="a"/> is newer than <paramref name="b"/>: by creation date, then by grant ID, so
        /// that the same grants give the same findings whatever order they come in.</summary>
        static bool IsNewer(GrantInfo a, GrantInfo b)
        {
            var byDate = Nullable.Compare(a.CreationDate?.ToUniversalTime(), b.CreationDate?.ToUniversalTime());
            return byDate != 0 ? byDate > 0 : string.CompareOrdinal(a.GrantId, b.GrantId) > 0;
        }

        /// <summary>What makes two grants of a key give the same access: grantee, retiring principal, operations as a set,
        /// constraints (their kind and pairs, in order).</summary>
        static string Signature(GrantInfo g)
        {
            var s = new StringBuilder();
            void Part(string? text) => s.Append(text?.Length ?? -1).Append(':').Append(text).Append('|');
            Part(g.GranteePrincipal);
            Part(g.RetiringPrincipal);
            Part(string.Join(",", g.Operations.Distinct(StringComparer.Ordinal).OrderBy(o => o, StringComparer.Ordinal)));
            foreach (var (kind, context) in new[] { ("subset", g.EncryptionContextSubset), ("equals", g.EncryptionContextEquals) })
            {
                Part(kind);
                if (context == null) { Part(null); continue; }
                foreach (var pair in context.OrderBy(p => p.Key, StringComparer.Ordinal)) { Part(pair.Key); Part(pair.Value); }
            }
            return s.ToString();
        }

        static string Describe(TimeSpan span) =>
            span.TotalDays >= 2 ? $"{span.TotalDays:0} days" : span.TotalHours >= 2 ? $"{span.TotalHours:0} hours" : span.TotalHours >= 1 ? $"{span.TotalHours:0.#} hour(s)"
                : span.TotalMinutes >= 2 ? $"{span.TotalMinutes:0} minutes" : $"{span.TotalSeconds:0} seconds";

        static string Stamp(DateTime? date) => date?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'") ?? "(no date)";

        static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s.Substring(1);
    }
}
