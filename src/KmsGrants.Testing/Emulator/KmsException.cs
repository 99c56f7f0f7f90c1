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
    public static KmsException DryRun() => new("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.", 412);
}
