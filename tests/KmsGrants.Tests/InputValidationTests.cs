using KmsGrants;
using KmsGrants.Engine;
using Xunit;

public class InputValidationTests
{
    const string Key = "1234abcd-12ab-34cd-56ef-1234567890ab";
    static readonly string GrantId64 = new('a', 64);

    [Theory]
    [InlineData(Key)]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")]
    [InlineData("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab")]
    [InlineData("alias/app")]
    [InlineData("arn:aws:kms:eu-west-1:111122223333:alias/app")]
    [InlineData("mrk-1234abcd12ab34cd56ef1234567890ab")]
    [InlineData("arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")]
    [InlineData("arn:aws-iso-b:kms:us-isob-east-1:111122223333:key/k")]
    [InlineData("arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/k")]
    [InlineData("arn:aws:kms:ap-southeast-9:111122223333:key/k")]          // a Region newer than the SDK: the standard partition
    [InlineData("arn:aws-us-gov:kms:us-gov-north-9:111122223333:key/k")]   // newer than the SDK, in its partition's pattern
    [InlineData("key_id.with:other/chars")]                                  // the model sets no pattern for key IDs
    public void Accepts_key_ids_key_arns_and_aliases(string keyId) => Assert.Null(InputValidation.KeyId(keyId));

    [Theory]
    [InlineData("", InvalidInputKind.KeyId)]
    [InlineData("alias/", InvalidInputKind.KeyId)]
    [InlineData("arn:aws:kms:us-east-1:1111:key/x", InvalidInputKind.Arn)]
    [InlineData("arn:aws:iam::111122223333:role/x", InvalidInputKind.Arn)]
    [InlineData("arn:aws:kms:xx-nowhere-9:111122223333:key/x", InvalidInputKind.Arn)]
    [InlineData("key id", InvalidInputKind.KeyId)]
    [InlineData("key-id\n", InvalidInputKind.KeyId)]
    [InlineData("1234abcd-12ab-34cd-56ef-1234567890ab\u200b", InvalidInputKind.KeyId)]   // zero-width space
    [InlineData("\ufeff1234abcd-12ab-34cd-56ef-1234567890ab", InvalidInputKind.KeyId)]   // byte order mark
    [InlineData("alias/app\u200d", InvalidInputKind.KeyId)]                             // zero-width joiner
    [InlineData("1234abcd-12ab-34cd-56ef-1234567890ab\u00a0", InvalidInputKind.KeyId)]   // no-break space
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/1234abcd\u200b", InvalidInputKind.KeyId)]
    [InlineData("arn:awsfoo:kms:us-east-1:111122223333:key/k", InvalidInputKind.Arn)]   // no such partition
    [InlineData("arn:aws-cn:kms:us-east-1:111122223333:key/k", InvalidInputKind.Arn)]   // partition and Region disagree
    [InlineData("arn:aws:kms:cn-north-1:111122223333:key/k", InvalidInputKind.Arn)]
    [InlineData("arn:aws:kms:us-gov-west-1:111122223333:alias/app", InvalidInputKind.Arn)]
    [InlineData("arn:aws-us-gov:kms:ap-southeast-9:111122223333:key/k", InvalidInputKind.Arn)]
    public void Rejects_bad_key_ids(string keyId, InvalidInputKind kind) => Assert.Equal(kind, InputValidation.KeyId(keyId)!.Kind);

    [Fact]
    public void A_partition_mismatch_names_the_Regions_partition()
    {
        Assert.Contains("'aws'", InputValidation.KeyId("arn:aws-cn:kms:us-east-1:111122223333:key/k")!.Message);
        var unknown = InputValidation.KeyId("arn:awsfoo:kms:us-east-1:111122223333:key/k")!.Message;
        Assert.Contains("not an AWS partition", unknown);
        Assert.Contains("aws-us-gov", unknown);
    }

    [Fact]
    public void An_invisible_character_is_named_as_an_escape()
    {
        var failure = InputValidation.GrantId(GrantId64 + "\u200b")!;
        Assert.Equal(InvalidInputKind.GrantId, failure.Kind);
        Assert.Contains("zero-width space", failure.Message);
        Assert.Null(InputValidation.GrantToken("AQpAM2token"));
        Assert.NotNull(InputValidation.GrantToken("AQpAM2\u2060token"));   // word joiner
        Assert.Contains("\\u200b", InputValidation.Region("us-east-1\u200b", "-Region")!.Message);
    }

    [Theory]
    [InlineData("us-east-1", "aws")]
    [InlineData("cn-northwest-1", "aws-cn")]
    [InlineData("us-gov-east-1", "aws-us-gov")]
    [InlineData("us-iso-east-1", "aws-iso")]
    [InlineData("us-isob-east-1", "aws-iso-b")]
    [InlineData("eu-isoe-west-1", "aws-iso-e")]
    [InlineData("us-isof-south-1", "aws-iso-f")]
    [InlineData("eusc-de-east-1", "aws-eusc")]
    [InlineData("ap-southeast-9", "aws")]        // unknown to the SDK: its partition's pattern
    [InlineData("us-gov-north-9", "aws-us-gov")]
    [InlineData("us-newplace-1-x", "aws")]      // matches no pattern: the standard partition
    public void A_Regions_partition_is_the_SDKs(string region, string partition) => Assert.Equal(partition, RegionCatalog.PartitionOf(region));

    [Fact]
    public void A_key_arn_names_its_Region_and_partition()
    {
        var arn = KmsArn.Parse("arn:aws-cn:kms:cn-north-1:111122223333:key/k")!;
        Assert.Equal(("aws-cn", "cn-north-1", false), (arn.Partition, arn.Region, arn.IsAlias));
        Assert.True(KmsArn.Parse("arn:aws:kms:us-east-1:111122223333:alias/app")!.IsAlias);
        Assert.Null(KmsArn.Parse(Key));
        Assert.True(KmsArn.IsAliasName("alias/app"));
        Assert.False(KmsArn.IsAliasName(Key));
    }

    /// <summary>ARNs are case-sensitive: KMS takes anything not beginning "arn:" for a key ID, which no key has. Refused
    /// before sending, with a message that says why.</summary>
    [Theory]
    [InlineData("ARN:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", InvalidInputKind.Arn, "'ARN:'")]
    [InlineData("Arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", InvalidInputKind.Arn, "'Arn:'")]
    [InlineData("ALIAS/app", InvalidInputKind.KeyId, "'ALIAS/'")]
    [InlineData("Alias/app", InvalidInputKind.KeyId, "'Alias/'")]
    public void A_prefix_in_the_wrong_case_is_refused(string keyId, InvalidInputKind kind, string quoted)
    {
        var failure = InputValidation.KeyId(keyId)!;
        Assert.Equal(kind, failure.Kind);
        Assert.Contains(quoted, failure.Message);
        Assert.Contains("case-sensitive", failure.Message);
        Assert.Null(KmsArn.Parse(keyId));
    }

    [Theory]
    [InlineData("us-east-1")]
    [InlineData("eu-west-2")]
    [InlineData("us-gov-west-1")]
    [InlineData("cn-northwest-1")]
    [InlineData("ap-southeast-9")]   // newer than the SDK, made of its Regions' words
    [InlineData("us-gov-south-3")]
    [InlineData("eu-isoe-north-2")]
    public void Accepts_Region_names(string region) => Assert.Null(InputValidation.Region(region, "-Region"));

    [Theory]
    [InlineData("us-east-1 ", "white space")]
    [InlineData("xx-nowhere-9", "no Region name starts with 'xx-'")]
    [InlineData("useast1", "not a Region name")]
    [InlineData("us-est-1", "'est' is not a direction")]                 // the typo that reached the network
    [InlineData("eu-wset-2", "'wset' is not a direction")]
    [InlineData("us-gvo-west-1", "no Region name has the word 'gvo'")]
    [InlineData("us-east-01", "not a Region name")]                      // no Region number has a leading zero
    [InlineData("", "empty")]
    public void Rejects_Region_names(string region, string why)
    {
        var failure = InputValidation.Region(region, "-Region")!;
        Assert.Equal(InvalidInputKind.Region, failure.Kind);
        Assert.Contains(why, failure.Message);
    }

    [Fact]
    public void A_typo_stays_a_typo_after_the_SDK_has_seen_it()
    {
        // RegionEndpoint.GetBySystemName registers any name it is given; validation must not learn from that.
        Amazon.RegionEndpoint.GetBySystemName("xx-typo-1");
        Assert.NotNull(InputValidation.Region("xx-typo-1", "-Region"));
        // Nor -Region's completion (a profile's 'region = Frankfurt' is registered the same way).
        Amazon.RegionEndpoint.GetBySystemName("Frankfurt");
        Assert.DoesNotContain(CompletionNames.Regions(), r => r.Key is "xx-typo-1" or "Frankfurt");
        Assert.Contains(CompletionNames.Regions(), r => r.Key == "eu-central-1");
    }

    [Fact]
    public void A_Region_read_from_a_profile_file_is_not_quoted()
    {
        var failure = InputValidation.Region("Frankfurt", "the region setting of profile 'p'", showValue: false)!;
        Assert.Equal(InvalidInputKind.Region, failure.Kind);
        Assert.DoesNotContain("Frankfurt", failure.Message);
        Assert.Contains("profile 'p'", failure.Message);
    }

    [Fact]
    public void Key_id_limit_is_the_models_2048()
    {
        Assert.Null(InputValidation.KeyId(new string('k', 2048)));
        Assert.Contains("2049 characters", InputValidation.KeyId(new string('k', 2049))!.Message);
    }

    [Fact]
    public void Grant_id_limit_is_the_models_128()
    {
        Assert.Null(InputValidation.GrantId(new string('a', 128)));
        var failure = InputValidation.GrantId(new string('a', 129))!;
        Assert.Equal(InvalidInputKind.GrantId, failure.Kind);
        Assert.Contains("129 characters", failure.Message);
        Assert.Contains("128", failure.Message);
    }

    [Fact]
    public void Grant_token_limit_is_the_models_8192()
    {
        Assert.Null(InputValidation.GrantToken(new string('t', 8192)));
        Assert.Equal(InvalidInputKind.GrantToken, InputValidation.GrantToken(new string('t', 8193))!.Kind);
        Assert.NotNull(InputValidation.GrantToken("tok en"));
        Assert.NotNull(InputValidation.GrantToken(""));
    }

    [Theory]
    [InlineData("arn:aws:iam::111122223333:role/retirer", true)]
    [InlineData("arn:aws:iam::111122223333:user/a.b@c+d=e,f_g-h", true)]
    [InlineData("kms.amazonaws.com", true)]
    [InlineData("arn:aws:iam::111122223333:role/with space", false)]
    [InlineData("arn:aws:iam::111122223333:role/ünïcode", false)]   // Java's \w, as in the model, is ASCII
    [InlineData("role/x;drop", false)]
    [InlineData("arn:aws:iam::111122223333:role/retirer\n", false)]   // $ would match before the newline; \z does not
    [InlineData("", false)]
    public void Principal_follows_the_models_pattern(string principal, bool valid) =>
        Assert.Equal(valid, InputValidation.Principal(principal, "-RetiringPrincipal") == null);

    [Fact]
    public void A_principal_with_a_newline_is_named_without_printing_the_newline() =>
        Assert.Contains("\\u000a", InputValidation.Principal("arn:aws:iam::111122223333:role/x\n", "-RetiringPrincipal")!.Message);

    [Fact]
    public void Principal_limit_is_256() =>
        Assert.NotNull(InputValidation.Principal("arn:" + new string('a', 253), "-RetiringPrincipal"));

    [Fact]
    public void A_grant_is_checked_by_the_way_it_is_identified()
    {
        var retire = GrantOperation.Retire;
        Assert.Null(InputValidation.Grant(new GrantReference(Key, GrantId64, null), retire));
        Assert.Equal(InvalidInputKind.GrantId, InputValidation.Grant(new GrantReference(Key, new string('a', 129), null), retire)!.Kind);
        Assert.Null(InputValidation.Grant(new GrantReference(null, null, "AQpAM2token"), retire));
        Assert.Equal(InvalidInputKind.GrantToken, InputValidation.Grant(new GrantReference("x", "y", new string('t', 9000)), retire)!.Kind);
    }

    [Fact]
    public void RevokeGrant_refuses_a_grant_named_by_token_only()
    {
        var failure = InputValidation.Grant(new GrantReference(null, null, "AQpAM2token"), GrantOperation.Revoke)!;
        Assert.Equal(InvalidInputKind.GrantIdRequired, failure.Kind);
        Assert.Contains("key and grant ID", failure.Message);
        Assert.Null(InputValidation.Grant(new GrantReference(Key, GrantId64, null), GrantOperation.Revoke));
    }

    [Fact]
    public void A_grant_is_described_by_key_and_id_or_a_shortened_token()
    {
        Assert.Equal($"grant {GrantId64} on key {Key}", new GrantReference(Key, GrantId64, null).ToString());
        var token = "AQpAM2" + new string('x', 250) + "ENDTOKEN";
        var described = new GrantReference(null, null, token).ToString();
        Assert.StartsWith("grant token AQpAM2xxxxxx", described);
        Assert.EndsWith("ENDTOKEN", described);
        Assert.True(described.Length < 40);
    }
}
