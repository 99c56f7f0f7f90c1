using KmsGrants;
using KmsGrants.Engine;
using Xunit;

/// <summary>Where a grant goes: its key ARN's Region, else its input object's Region, else the command's.</summary>
public class RegionRoutingTests
{
    const string EuKeyArn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const string BareKey = "1234abcd-12ab-34cd-56ef-1234567890ab";
    static readonly RegionRouting UsEast = new("us-east-1");
    static readonly RegionRouting NoDefault = new(null);

    [Theory]
    [InlineData(EuKeyArn, null, "eu-west-1")]
    [InlineData(EuKeyArn, "eu-west-1", "eu-west-1")]
    [InlineData(BareKey, null, "us-east-1")]
    [InlineData(BareKey, "ap-south-1", "ap-south-1")]
    [InlineData("alias/app", "ap-south-1", "ap-south-1")]
    public void A_key_ARN_names_its_Region_and_anything_else_takes_its_input_objects_before_the_commands(string keyId, string? input, string expected) =>
        Assert.Equal(expected, UsEast.RegionOf(new GrantReference(keyId, new string('a', 64), null), input));

    [Fact]
    public void A_token_goes_to_its_input_objects_Region_else_the_default_else_nowhere()
    {
        var token = new GrantReference(null, null, "token");
        Assert.Equal("eu-west-1", UsEast.RegionOf(token, "eu-west-1"));
        Assert.Equal("us-east-1", UsEast.RegionOf(token));
        Assert.Null(NoDefault.RegionOf(token));
        Assert.Equal("eu-west-1", NoDefault.RegionOf(token, "eu-west-1"));
    }

    [Theory]
    [InlineData("eu-west-1", EuKeyArn, null)]
    [InlineData("eu-west-1", BareKey, null)]
    [InlineData("eu-west-1", null, null)]
    [InlineData("us-east-1", EuKeyArn, "names Region eu-west-1 in its ARN")]
    [InlineData("nowhere-9", null, "'nowhere-9'")]
    [InlineData(" eu-west-1", BareKey, "' eu-west-1'")]
    public void An_input_objects_Region_must_be_one_and_agree_with_the_key_ARN(string input, string? keyId, string? problem)
    {
        var failure = RegionRouting.InputRegionProblem(input, keyId, "the grant");
        if (problem == null) Assert.Null(failure);
        else
        {
            Assert.NotNull(failure);
            Assert.Equal(InvalidInputKind.Region, failure!.Kind);
            Assert.Contains(problem, failure.Message);
        }
    }
}
