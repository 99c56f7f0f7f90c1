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
    public void Accepts_key_ids_and_key_arns(string keyId) => Assert.Null(InputValidation.KeyId(keyId));

    [Theory]
    [InlineData("", InvalidInputKind.KeyId)]
    [InlineData("alias/app", InvalidInputKind.KeyId)]
    [InlineData("arn:aws:kms:us-east-1:111122223333:alias/app", InvalidInputKind.KeyId)]
    [InlineData("arn:aws:kms:us-east-1:1111:key/x", InvalidInputKind.Arn)]
    [InlineData("arn:aws:iam::111122223333:role/x", InvalidInputKind.Arn)]
    [InlineData("key id", InvalidInputKind.KeyId)]
    public void Rejects_bad_key_ids(string keyId, InvalidInputKind kind) => Assert.Equal(kind, InputValidation.KeyId(keyId)!.Kind);

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
    [InlineData("", false)]
    public void Principal_follows_the_models_pattern(string principal, bool valid) =>
        Assert.Equal(valid, InputValidation.Principal(principal, "-RetiringPrincipal") == null);

    [Fact]
    public void Principal_limit_is_256() =>
        Assert.NotNull(InputValidation.Principal("arn:" + new string('a', 253), "-RetiringPrincipal"));

    [Fact]
    public void A_grant_is_checked_by_the_way_it_is_identified()
    {
        Assert.Null(InputValidation.Grant(new GrantReference(Key, GrantId64, null)));
        Assert.Equal(InvalidInputKind.GrantId, InputValidation.Grant(new GrantReference(Key, new string('a', 129), null))!.Kind);
        Assert.Null(InputValidation.Grant(new GrantReference(null, null, "AQpAM2token")));
        Assert.Equal(InvalidInputKind.GrantToken, InputValidation.Grant(new GrantReference("x", "y", new string('t', 9000)))!.Kind);
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
