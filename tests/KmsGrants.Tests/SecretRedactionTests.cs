using System;
using System.Text;
using KmsGrants.Engine;
using Xunit;

/// <summary>Secrets an endpoint echoes back, altered or not, never reach a message.</summary>
public class SecretRedactionTests
{
    const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const string Token = "FwoGZXIvYXdzEBYaDH7k+Example/SessionToken+Value/abc==";
    static readonly SecretRedaction Redaction = new(new[] { SecretKey, Token });

    public static TheoryData<string> Echoes() => new()
    {
        SecretKey,
        Token,
        Token.ToLowerInvariant(),
        SecretKey.ToUpperInvariant(),
        Uri.EscapeDataString(Token),
        Uri.EscapeDataString(Token).ToLowerInvariant(),
        Convert.ToBase64String(Encoding.UTF8.GetBytes(Token)),
        Token.Substring(0, Token.Length / 2),
        Token.Substring(Token.Length / 2),
        SecretKey.Substring(10, 20),
    };

    [Theory]
    [MemberData(nameof(Echoes))]
    public void Masks_the_secret_in_any_form_the_endpoint_echoes(string echo)
    {
        var message = $"AccessDeniedException: header x-amz-security-token: {echo}; that is all.";
        var redacted = Redaction.Redact(message);
        Assert.StartsWith("AccessDeniedException: header x-amz-security-token: ***", redacted);
        Assert.EndsWith("; that is all.", redacted);
        foreach (var secret in new[] { SecretKey, Token })
            for (var i = 0; i + SecretRedaction.MinFragment <= secret.Length; i++)
                Assert.DoesNotContain(secret.Substring(i, SecretRedaction.MinFragment), redacted, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Leaves_text_that_shares_no_run_of_16_characters_with_a_secret()
    {
        const string message = "User: arn:aws:sts::111122223333:assumed-role/ci/session is not authorized to perform: kms:RetireGrant on EXAMPLE";
        Assert.Equal(message, Redaction.Redact(message));
    }

    [Fact]
    public void Matches_a_short_secret_only_where_it_stands_alone()
    {
        var redaction = new SecretRedaction(new[] { "testing", null, "" });
        Assert.Equal("KmsGrants.Testing said *** twice: *** (\"***\"), not in alias/testing-app or testing.example",
            redaction.Redact("KmsGrants.Testing said testing twice: testing (\"testing\"), not in alias/testing-app or testing.example"));
    }

    /// <summary>An echo, and how many of its characters may be left: those that encode what came before the token, and
    /// a base64 group that mixes the token's last bytes with padding.</summary>
    public static TheoryData<string, int> EncodedEchoes() => new()
    {
        // Base64 of a header line, as a logger may write it: the token at another byte offset.
        { Convert.ToBase64String(Encoding.UTF8.GetBytes("X-Amz-Security-Token: " + Token)), 32 },
        { Convert.ToBase64String(Encoding.UTF8.GetBytes("x" + Token)), 8 },
        { Convert.ToBase64String(Encoding.Unicode.GetBytes(Token)), 4 },
        { Uri.EscapeDataString(Uri.EscapeDataString(Token)), 0 },
        { string.Concat(Array.ConvertAll(Encoding.UTF8.GetBytes(Token), b => b.ToString("X2"))), 0 },
    };

    [Theory]
    [MemberData(nameof(EncodedEchoes))]
    public void Masks_the_token_encoded_at_any_offset(string echo, int mayBeLeft)
    {
        var redacted = Redaction.Redact($"echo: {echo} end");
        Assert.StartsWith("echo: ", redacted);
        Assert.EndsWith(" end", redacted);
        Assert.Contains(SecretRedaction.Mask, redacted);
        Assert.True(redacted.Length - "echo:  end".Length - SecretRedaction.Mask.Length <= mayBeLeft, redacted);
    }

    [Fact]
    public void Knows_which_secrets_it_was_made_for()
    {
        Assert.True(Redaction.IsFor(new[] { SecretKey, Token }));
        Assert.False(Redaction.IsFor(new[] { SecretKey, Token + "x" }));
        Assert.True(new SecretRedaction(new[] { "a", null }).IsFor(new[] { "a", "" }));
    }
}
