using System.Text.Json;
using KmsGrants.Engine;
using Xunit;

/// <summary>The answer shapes checked before the SDK parses an answer (its parser loops on a scalar where the model has a
/// list or a structure).</summary>
public class KmsAnswerShapesTests
{
    static string? Mismatch(string operation, string json)
    {
        using var document = JsonDocument.Parse(json);
        return KmsAnswerShapes.For(operation).Mismatch(document.RootElement);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"Grants\":[],\"Truncated\":false}")]
    [InlineData("{\"Grants\":null,\"NextMarker\":null}")]
    [InlineData("{\"Grants\":[{\"KeyId\":\"k\",\"GrantId\":\"g\",\"CreationDate\":1.7E9,\"Operations\":[\"Decrypt\"],\"Constraints\":{\"EncryptionContextSubset\":{\"a\":\"b\"}}}],\"Truncated\":true,\"NextMarker\":\"m\"}")]
    [InlineData("{\"Grants\":[{\"SomethingNew\":[1,2,{}]}],\"AlsoNew\":5}")]
    public void A_listing_KMS_could_send_fits(string json) => Assert.Null(Mismatch("ListGrants", json));

    [Theory]
    [InlineData("{\"Grants\":\"x\"}", "Grants: a string where the model has a list")]
    [InlineData("{\"Grants\":[5]}", "Grants[0]: a number where the model has an object")]
    [InlineData("{\"Grants\":[{\"Operations\":\"x\"}]}", "Grants[0].Operations: a string where the model has a list")]
    [InlineData("{\"Grants\":[{\"Constraints\":{\"EncryptionContextEquals\":{\"a\":1}}}]}", "Grants[0].Constraints.EncryptionContextEquals[a]: a number where the model has a string")]
    [InlineData("{\"Truncated\":\"yes\"}", "Truncated: a string where the model has a boolean")]
    [InlineData("{\"NextMarker\":5}", "NextMarker: a number where the model has a string")]
    [InlineData("[]", "the answer: a list where the model has an object")]
    public void A_listing_of_the_wrong_types_says_where(string json, string expected) =>
        Assert.Equal(expected, Mismatch("ListRetirableGrants", json));

    [Fact]
    public void Other_answers_are_checked_against_their_own_shapes()
    {
        Assert.Null(Mismatch("DescribeKey", "{\"KeyMetadata\":{\"KeyId\":\"k\",\"Enabled\":true,\"EncryptionAlgorithms\":[\"SYMMETRIC_DEFAULT\"],\"PendingDeletionWindowInDays\":7}}"));
        Assert.Equal("KeyMetadata.EncryptionAlgorithms: a string where the model has a list",
            Mismatch("DescribeKey", "{\"KeyMetadata\":{\"EncryptionAlgorithms\":\"x\"}}"));
        Assert.Equal("Aliases[0]: a string where the model has an object", Mismatch("ListAliases", "{\"Aliases\":[\"a\"]}"));
        Assert.Null(Mismatch("RetireGrant", "{\"Anything\":1}"));
        Assert.Null(Mismatch("SomeOtherOperation", "{\"Anything\":1}"));
    }

    [Fact]
    public void Errors_have_a_string_type()
    {
        using var good = JsonDocument.Parse("{\"__type\":\"NotFoundException\",\"message\":\"m\"}");
        Assert.Null(KmsAnswerShapes.Error.Mismatch(good.RootElement));
        using var bad = JsonDocument.Parse("{\"__type\":{\"x\":1}}");
        Assert.Equal("__type: an object where the model has a string", KmsAnswerShapes.Error.Mismatch(bad.RootElement));
    }
}
