namespace KmsGrants.Testing.Emulator;

/// <summary>A KMS request as the host received it (POST /): what the service needs, whatever carried it.</summary>
/// <param name="Header">A header's value by lower-case name (values of a repeated header joined by ","), or null.</param>
/// <param name="Host">The Host header as sent: signatures cover it.</param>
/// <param name="Query">The query string without '?' ("" for none).</param>
public sealed record KmsCall(string Host, string Query, Func<string, string?> Header, byte[] Body);

/// <summary>How an answer ends: whole, or cut by an injected fault.</summary>
public enum AnswerCut
{
    None,
    /// <summary>The connection is cut before any byte of the answer (nothing was applied).</summary>
    BeforeAnswer,
    /// <summary>Half the declared body is sent, then the connection is cut (the request was applied).</summary>
    MidBody,
}

/// <summary>What to answer: an HTTP status and a JSON body (AWS JSON 1.1), or a cut connection.</summary>
public sealed record KmsAnswer(int Status, byte[] Body, AnswerCut Cut = AnswerCut.None);
