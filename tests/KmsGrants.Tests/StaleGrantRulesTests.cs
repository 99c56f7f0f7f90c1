using KmsGrants;
using KmsGrants.Engine;
using Xunit;

/// <summary>Which grants should go, from grant entries and a clock alone.</summary>
public class StaleGrantRulesTests
{
    const string KeyA = "arn:aws:kms:us-east-1:111122223333:key/a";
    const string KeyB = "arn:aws:kms:us-east-1:111122223333:key/b";
    const string Role = "arn:aws:iam::111122223333:role/app";
    const string DeletedRole = "AROAJQABLZS4A3QDU576Q";
    const string DeletedUser = "AIDAJQABLZS4A3QDU576Q";
    static readonly DateTime Now = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);
    static int _ids;

    static GrantInfo Grant(string key = KeyA, string grantee = Role, string? retiring = null, TimeSpan? age = null, string[]? operations = null,
        Dictionary<string, string>? subset = null, string? id = null) => new()
    {
        KeyId = key,
        GrantId = id ?? (++_ids).ToString("x64"),
        GranteePrincipal = grantee,
        RetiringPrincipal = retiring,
        CreationDate = Now - (age ?? TimeSpan.FromDays(3)),
        Operations = operations ?? new[] { "Decrypt" },
        Constraints = subset == null ? null : new GrantConstraints { EncryptionContextSubset = subset },
    };

    static StaleGrantRules Rules(TimeSpan? minimumAge = null, params StaleReason[] reasons) => new(Now, minimumAge ?? StaleGrantRules.DefaultMinimumAge, reasons);

    [Theory]
    [InlineData(DeletedRole, "role")]
    [InlineData(DeletedUser, "user")]
    [InlineData("AROAJQABLZS4A3QDU576", null)]               // 16 characters: not a unique ID
    [InlineData("AGPAJQABLZS4A3QDU576Q", null)]              // a group's: never on a grant
    [InlineData("arn:aws:iam::111122223333:role/AROAJQABLZS4A3QDU576Q", null)]
    [InlineData("aroajqablzs4a3qdu576q", null)]
    public void A_unique_ID_is_AROA_or_AIDA_and_17_characters(string principal, string? kind) =>
        Assert.Equal(kind, StaleGrantRules.UniqueIdKind(principal));

    [Fact]
    public void A_grant_to_a_deleted_role_older_than_the_minimum_age_is_PrincipalDeleted_with_evidence()
    {
        var grant = Grant(grantee: DeletedRole, age: TimeSpan.FromDays(40));
        var finding = Rules().Add(grant)!;
        Assert.Equal(StaleReason.PrincipalDeleted, finding.Reason);
        Assert.Equal(grant.GrantId, finding.GrantId);
        Assert.Equal(grant.KeyId, finding.KeyId);
        Assert.StartsWith($"The grantee principal is {DeletedRole}, an IAM role's unique ID: KMS shows", finding.Evidence);
        Assert.Contains("40 days old", finding.Evidence);
    }

    [Fact]
    public void A_deleted_retiring_principal_alone_is_a_note_not_a_finding_its_grantee_still_holds_the_access()
    {
        var told = new List<string>();
        var rules = Rules();
        rules.NotStale = (_, why) => told.Add(why);
        Assert.Null(rules.Add(Grant(retiring: DeletedUser)));
        Assert.Contains($"retiring principal is {DeletedUser}, a deleted IAM user's unique ID, but its grantee {Role} still holds", Assert.Single(told));
        // Nor a service's grant whose retiring principal was deleted.
        Assert.Null(rules.Add(Grant(grantee: "ec2.us-east-1.amazonaws.com", retiring: DeletedRole)));
    }

    [Fact]
    public void A_creation_date_ahead_of_the_clock_is_no_age()
    {
        var told = new List<string>();
        var rules = Rules();
        rules.NotStale = (_, why) => told.Add(why);
        Assert.Null(rules.Add(Grant(grantee: DeletedRole, age: TimeSpan.FromDays(-5))));
        Assert.Contains("5 days ahead of this machine's clock", Assert.Single(told));
    }

    [Fact]
    public void Grants_that_cannot_be_compared_and_grants_of_AWS_managed_keys_are_no_duplicates()
    {
        var rules = Rules();
        rules.Add(Grant(), comparable: false);
        rules.Add(Grant(), comparable: false);
        rules.AwsManaged(KeyB);
        rules.Add(Grant(key: KeyB));
        rules.Add(Grant(key: KeyB));
        Assert.Empty(rules.AllDone().SelectMany(k => k.Duplicates));
        Assert.False(rules.NearLimit(KeyB, 45_000));
        Assert.True(rules.NearLimit(KeyA, 45_000));
    }

    [Fact]
    public void A_unique_ID_younger_than_the_minimum_age_is_not_stale_a_new_principal_shows_so_for_a_minute()
    {
        var told = new List<string>();
        var rules = Rules(TimeSpan.FromHours(1));
        rules.NotStale = (_, why) => told.Add(why);
        Assert.Null(rules.Add(Grant(grantee: DeletedRole, age: TimeSpan.FromMinutes(30))));
        Assert.Contains("only 30 minutes old", Assert.Single(told));
        // The age rule is the user's: zero calls every unique ID stale; no creation date is never called stale.
        Assert.NotNull(Rules(TimeSpan.Zero).Add(Grant(grantee: DeletedRole, age: TimeSpan.FromSeconds(5))));
        var undated = Grant(grantee: DeletedRole);
        undated.CreationDate = null;
        Assert.Null(Rules().Add(undated));
    }

    [Fact]
    public void Service_principals_are_never_deleted_nor_duplicates()
    {
        var rules = Rules();
        Assert.Null(rules.Add(Grant(grantee: "ec2.us-east-1.amazonaws.com")));
        Assert.Null(rules.Add(Grant(grantee: "ec2.us-east-1.amazonaws.com")));
        Assert.Empty(rules.KeyDone(KeyA).Duplicates);
    }

    [Fact]
    public void Duplicates_keep_the_newest_whatever_the_order_and_name_it()
    {
        var oldest = Grant(age: TimeSpan.FromDays(9), operations: new[] { "Decrypt", "Encrypt" });
        var middle = Grant(age: TimeSpan.FromDays(5), operations: new[] { "Encrypt", "Decrypt" });
        var newest = Grant(age: TimeSpan.FromDays(1), operations: new[] { "Decrypt", "Encrypt" });
        foreach (var order in new[] { new[] { oldest, middle, newest }, new[] { newest, oldest, middle }, new[] { middle, newest, oldest } })
        {
            var rules = Rules();
            Assert.All(order, g => Assert.Null(rules.Add(g)));
            var (findings, count) = rules.KeyDone(KeyA);
            Assert.Equal(3, count);
            Assert.Equal(new[] { oldest.GrantId, middle.GrantId }, findings.Select(f => f.GrantId));
            Assert.All(findings, f => Assert.Equal(StaleReason.Duplicate, f.Reason));
            // Each names the grant kept in the end, the newest.
            Assert.All(findings, f => Assert.Equal(newest.GrantId, f.KeptGrantId));
            Assert.All(findings, f => Assert.Contains($"as grant {newest.GrantId}", f.Evidence));
        }
    }

    [Fact]
    public void Grants_differing_in_key_grantee_retiring_operations_or_constraints_are_not_duplicates()
    {
        var rules = Rules();
        var all = new[]
        {
            Grant(), Grant(key: KeyB), Grant(grantee: "arn:aws:iam::111122223333:role/other"), Grant(retiring: Role),
            Grant(operations: new[] { "Encrypt" }), Grant(subset: new() { ["app"] = "a", ["env"] = "x" }), Grant(subset: new() { ["app"] = "b" }),
        };
        foreach (var g in all) rules.Add(g);
        Assert.Empty(rules.AllDone().SelectMany(k => k.Duplicates));
        // A grant given twice is one grant; the same constraint pairs in another order are the same constraint.
        foreach (var g in all) Assert.Null(rules.Add(g));
        foreach (var g in all) Assert.Null(rules.Add(g));
        rules.Add(Grant(subset: new() { ["env"] = "x", ["app"] = "a" }));
        var done = rules.AllDone();
        Assert.Equal(all[5].GrantId, Assert.Single(done.SelectMany(k => k.Duplicates)).GrantId);
        Assert.Equal(all.Length + 1, done.Sum(k => k.Count));
    }

    [Fact]
    public void A_grant_of_a_deleted_principal_is_that_finding_only_unless_only_duplicates_are_asked()
    {
        var rules = Rules();
        Assert.Equal(StaleReason.PrincipalDeleted, rules.Add(Grant(grantee: DeletedRole))!.Reason);
        Assert.Equal(StaleReason.PrincipalDeleted, rules.Add(Grant(grantee: DeletedRole))!.Reason);
        Assert.Empty(rules.KeyDone(KeyA).Duplicates);
        var onlyDuplicates = Rules(null, StaleReason.Duplicate);
        Assert.Null(onlyDuplicates.Add(Grant(grantee: DeletedRole)));
        Assert.Null(onlyDuplicates.Add(Grant(grantee: DeletedRole)));
        Assert.Equal(StaleReason.Duplicate, Assert.Single(onlyDuplicates.KeyDone(KeyA).Duplicates).Reason);
        var onlyDeleted = Rules(null, StaleReason.PrincipalDeleted);
        onlyDeleted.Add(Grant());
        onlyDeleted.Add(Grant());
        Assert.Empty(onlyDeleted.KeyDone(KeyA).Duplicates);
    }

    [Fact]
    public void A_key_at_80_percent_of_the_limit_is_near_it_and_a_finished_key_is_forgotten()
    {
        Assert.False(StaleGrantRules.IsNearLimit(39_999));
        Assert.True(StaleGrantRules.IsNearLimit(40_000));
        var rules = Rules();
        for (var i = 0; i < 3; i++) rules.Add(Grant(key: KeyB, grantee: $"arn:aws:iam::111122223333:role/r{i}"));
        Assert.Equal(3, rules.KeyDone(KeyB).Count);
        Assert.Equal(0, rules.KeyDone(KeyB).Count);
        Assert.StartsWith($"Key {KeyA} holds 41,000 grants, 82% of the 50,000", StaleGrantRules.NearLimitWarning(KeyA, 41_000));
    }

    [Fact]
    public void A_negative_minimum_age_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new StaleGrantRules(Now, TimeSpan.FromSeconds(-1)));
}
