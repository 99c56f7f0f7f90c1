namespace KmsGrants.Testing.Emulator;

/// <summary>An error KMS answers with: {"__type": Code, "message": Message} and an HTTP status.</summary>
public sealed class KmsException(string code, string message, int status = 400) : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;

    public static KmsException NotFound(string message) => new("NotFoundException", message);
    public static KmsException Validation(string message) => new("ValidationException", message);
    public static KmsException AccessDenied(string message) => new("AccessDeniedException", message);
    public static KmsException InvalidArn(string message) => new("InvalidArnException", message);
    public static KmsException InvalidState(string message) => new("KMSInvalidStateException", message);
    /// <summary>A grant's principal KMS cannot resolve (deleted, not yet propagated from IAM, not a principal), in KMS's
    /// words: "ARN does not refer to a valid principal: ARN" (the text AWS services relay from CreateGrant).</summary>
    public static KmsException InvalidPrincipal(string principal) => new("InvalidArnException", $"ARN does not refer to a valid principal: {principal}") { IsPrincipalRefused = true };
    /// <summary>Whether a grant's principal was refused (<see cref="InvalidPrincipal"/>), not a key ARN.</summary>
    public bool IsPrincipalRefused { get; init; }
    public static KmsException DryRun() => new("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.", 412);
}
