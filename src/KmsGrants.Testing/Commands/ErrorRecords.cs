using System.Management.Automation;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>Every error the module writes: stable IDs (KmsGrants.Testing.*), each with its category, in one place.</summary>
static class ErrorRecords
{
    const string Prefix = "KmsGrants.Testing.";

    public static ErrorRecord New(string id, ErrorCategory category, string message, object? target, Exception? inner = null) =>
        new(new InvalidOperationException(message, inner), Prefix + id, category, target);

    /// <summary>An option Start-KmsEmulator refused: which one decides the ID.</summary>
    public static ErrorRecord FromOptions(EmulatorOptionsException e, object? target)
    {
        var id = e.Problem switch
        {
            OptionProblem.Region => "InvalidRegion",
            OptionProblem.Account => "InvalidAccount",
            OptionProblem.Identity => "InvalidIdentity",
            OptionProblem.Quota => "InvalidQuota",
            OptionProblem.Fault => "InvalidFault",
            OptionProblem.Principal => "InvalidPrincipal",
            OptionProblem.Port or OptionProblem.Latency or OptionProblem.SeedGrants or OptionProblem.RequestLog => "InvalidOption",
        };
        return new ErrorRecord(e, Prefix + id, ErrorCategory.InvalidArgument, target);
    }

    public static ErrorRecord FromListen(ListenException e) => e.PortInUse
        ? new ErrorRecord(e, Prefix + "PortInUse", ErrorCategory.ResourceUnavailable, e.Port)
        : new ErrorRecord(e, Prefix + "ListenFailed", ErrorCategory.OpenError, e.Port);

    /// <summary>A KMS rule that refused what a cmdlet asked the emulator to make; <paramref name="invalidId"/> names the
    /// refused input for validation errors (InvalidGrant, InvalidAlias).</summary>
    public static ErrorRecord FromKms(KmsException e, string invalidId, object? target)
    {
        var (id, category) = e.Code switch
        {
            "NotFoundException" => ("KeyNotFound", ErrorCategory.ObjectNotFound),
            "DisabledException" or "KMSInvalidStateException" => ("InvalidKeyState", ErrorCategory.InvalidOperation),
            "LimitExceededException" => ("LimitExceeded", ErrorCategory.LimitsExceeded),
            "AlreadyExistsException" => ("AliasExists", ErrorCategory.ResourceExists),
            _ => (invalidId, ErrorCategory.InvalidArgument),   // ValidationException, InvalidArnException
        };
        return new ErrorRecord(e, Prefix + id, category, target);
    }

    public static ErrorRecord NoEmulator() => New("NoEmulator", ErrorCategory.ObjectNotFound,
        "No KMS emulator started in this session is running: start one with Start-KmsEmulator, or give it with -Emulator.", null);

    public static ErrorRecord AmbiguousEmulator(int count) => New("AmbiguousEmulator", ErrorCategory.InvalidOperation,
        $"{count} KMS emulators started in this session are running: say which with -Emulator.", null);

    public static ErrorRecord Stopped(KmsEmulator emulator) => New("EmulatorStopped", ErrorCategory.ResourceUnavailable,
        $"The KMS emulator at {emulator.Url} is stopped: start another with Start-KmsEmulator.", emulator);

    public static ErrorRecord RegionNotServed(KmsEmulator emulator, string region) => New("RegionNotServed", ErrorCategory.InvalidArgument,
        $"The KMS emulator at {emulator.Url} does not serve {region} ({string.Join(", ", emulator.Regions)}): start it with -Region.", region);
}
