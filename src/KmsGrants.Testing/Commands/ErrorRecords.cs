using System.Management.Automation;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>Every error the module writes, each with its ID (<see cref="ErrorIds"/>) and category, in one place.</summary>
static class ErrorRecords
{
    public static ErrorRecord New(string id, ErrorCategory category, string message, object? target, Exception? inner = null) =>
        new(new InvalidOperationException(message, inner), id, category, target);

    /// <summary>An option Start-KmsEmulator refused: which one decides the ID.</summary>
    public static ErrorRecord FromOptions(EmulatorOptionsException e, object? target)
    {
        var id = e.Problem switch
        {
            OptionProblem.Region => ErrorIds.InvalidRegion,
            OptionProblem.Account => ErrorIds.InvalidAccount,
            OptionProblem.Identity => ErrorIds.InvalidIdentity,
            OptionProblem.Quota => ErrorIds.InvalidQuota,
            OptionProblem.Fault => ErrorIds.InvalidFault,
            OptionProblem.Principal => ErrorIds.InvalidPrincipal,
            OptionProblem.Port or OptionProblem.Latency or OptionProblem.SeedGrants or OptionProblem.RequestLog => ErrorIds.InvalidOption,
        };
        return new ErrorRecord(e, id, ErrorCategory.InvalidArgument, target);
    }

    public static ErrorRecord FromListen(ListenException e) => e.PortInUse
        ? new ErrorRecord(e, ErrorIds.PortInUse, ErrorCategory.ResourceUnavailable, e.Port)
        : new ErrorRecord(e, ErrorIds.ListenFailed, ErrorCategory.OpenError, e.Port);

    /// <summary>A KMS rule that refused what a cmdlet asked the emulator to make; <paramref name="invalidId"/> names the
    /// refused input for validation errors (InvalidGrant, InvalidAlias).</summary>
    public static ErrorRecord FromKms(KmsException e, string invalidId, object? target)
    {
        var (id, category) = e.Code switch
        {
            _ when e.IsPrincipalRefused => (ErrorIds.InvalidPrincipal, ErrorCategory.InvalidArgument),
            "NotFoundException" => (ErrorIds.KeyNotFound, ErrorCategory.ObjectNotFound),
            "DisabledException" or "KMSInvalidStateException" => (ErrorIds.InvalidKeyState, ErrorCategory.InvalidOperation),
            "LimitExceededException" => (ErrorIds.LimitExceeded, ErrorCategory.LimitsExceeded),
            "AlreadyExistsException" => (ErrorIds.AliasExists, ErrorCategory.ResourceExists),
            _ => (invalidId, ErrorCategory.InvalidArgument),   // ValidationException, InvalidArnException
        };
        return new ErrorRecord(e, id, category, target);
    }

    /// <summary>What IAM refused (New- and Remove-KmsEmulatorPrincipal).</summary>
    public static ErrorRecord FromIam(IamException e, object? target)
    {
        var (id, category) = e.Problem switch
        {
            IamProblem.NoSuchEntity => (ErrorIds.PrincipalNotFound, ErrorCategory.ObjectNotFound),
            IamProblem.EntityAlreadyExists => (ErrorIds.PrincipalExists, ErrorCategory.ResourceExists),
            _ => (ErrorIds.InvalidPrincipal, ErrorCategory.InvalidArgument),
        };
        return new ErrorRecord(e, id, category, target);
    }

    public static ErrorRecord NoEmulator() => New(ErrorIds.NoEmulator, ErrorCategory.ObjectNotFound,
        "No KMS emulator started in this session is running: start one with Start-KmsEmulator, or give it with -Emulator.", null);

    public static ErrorRecord AmbiguousEmulator(int count) => New(ErrorIds.AmbiguousEmulator, ErrorCategory.InvalidOperation,
        $"{count} KMS emulators started in this session are running: say which with -Emulator.", null);

    public static ErrorRecord Stopped(KmsEmulator emulator) => New(ErrorIds.EmulatorStopped, ErrorCategory.ResourceUnavailable,
        $"The KMS emulator at {emulator.Url} is stopped: start another with Start-KmsEmulator.", emulator);

    public static ErrorRecord RegionNotServed(KmsEmulator emulator, string region) => New(ErrorIds.RegionNotServed, ErrorCategory.InvalidArgument,
        $"The KMS emulator at {emulator.Url} does not serve {region} ({string.Join(", ", emulator.Regions)}): start it with -Region.", region);
}
