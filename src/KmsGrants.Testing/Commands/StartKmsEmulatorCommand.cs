using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>Start-KmsEmulator: a KMS emulator in this process, on a loopback port, stopped with this runspace.</summary>
[Cmdlet(VerbsLifecycle.Start, "KmsEmulator")]
[OutputType(typeof(KmsEmulator))]
public sealed class StartKmsEmulatorCommand : PSCmdlet
{
    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; }

    [Parameter]
    [Alias("Regions")]
    [ValidateNotNullOrEmpty]
    public string[] Region { get; set; } = [EmulatorOptions.DefaultRegion];

    [Parameter]
    [ValidatePattern("^[0-9]{12}\\z")]
    public string Account { get; set; } = EmulatorOptions.DefaultAccount;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public Hashtable[] Identity { get; set; } = [];

    [Parameter]
    [ValidateNotNull]
    public Hashtable Quota { get; set; } = new();

    [Parameter]
    [ValidateRange(0, 60_000)]
    public int LatencyMs { get; set; }

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double FaultRate { get; set; }

    [Parameter]
    [ValidateSet("internal", "unavailable", "reset", "commit-then-drop")]
    public string[] FaultKind { get; set; } = [];

    [Parameter]
    [ValidateKmsOperation]
    [ArgumentCompleter(typeof(KmsOperationCompleter))]
    public string[] FaultOperation { get; set; } = [];

    [Parameter]
    public int Seed { get; set; }

    [Parameter]
    [ValidateRange(0, Emulator.KmsState.MaxGrantsPerKey)]
    public int SeedGrants { get; set; }

    [Parameter]
    [ValidatePattern(@"^[\w+=,.@:/-]+\z")]
    [ValidateLength(1, 256)]
    public string? RetiringPrincipal { get; set; }

    [Parameter]
    [ValidateRange(0, 10_000_000)]
    public int RequestLogSize { get; set; } = EmulatorOptions.DefaultRequestLogSize;

    protected override void EndProcessing()
    {
        var options = new EmulatorOptions
        {
            Port = Port,
            Account = Account,
            LatencyMs = LatencyMs,
            FaultRate = FaultRate,
            Seed = MyInvocation.BoundParameters.ContainsKey(nameof(Seed)) ? Seed : null,
            SeedGrants = SeedGrants,
            RetiringPrincipal = RetiringPrincipal,
            RequestLogSize = RequestLogSize,
        };
        options.Regions.AddRange(Region);
        foreach (var kind in FaultKind) options.FaultKinds.Add(FaultKinds.Parse(kind));
        foreach (var op in FaultOperation) options.FaultOperations.Add(KmsState.Operations.First(o => string.Equals(o, op, StringComparison.OrdinalIgnoreCase)));
        foreach (var identity in Identity) options.Identities.Add(ToIdentity(identity));
        AddQuotas(options);

        KmsEmulator emulator;
        try
        {
            emulator = KmsEmulator.Start(options);
        }
        catch (EmulatorOptionsException e)
        {
            ThrowTerminatingError(ErrorRecords.FromOptions(e, e.Problem switch
            {
                OptionProblem.Region => Region,
                OptionProblem.Quota => Quota,
                OptionProblem.Identity => null,   // it holds a secret: not the target of an error that may be printed
                _ => null,
            }));
            return;
        }
        catch (ListenException e)
        {
            ThrowTerminatingError(ErrorRecords.FromListen(e));
            return;
        }
        EmulatorRegistry.Add(emulator, Runspace.DefaultRunspace);
        WriteVerbose($"KMS emulator listening on {emulator.Url} ({string.Join(", ", emulator.Regions)}).");
        WriteObject(emulator);
    }

    /// <summary>@{ AccessKey; SecretKey; SessionToken; Principal } (Principal defaults to the account's root; SessionToken
    /// makes them temporary credentials).</summary>
    EmulatorIdentity ToIdentity(Hashtable table)
    {
        string? Get(string key) => table.ContainsKey(key) ? LanguagePrimitives.ConvertTo<string?>(table[key]) : null;
        foreach (var key in table.Keys)
            if (key is not string s || !IdentityKeys.Contains(s, StringComparer.OrdinalIgnoreCase))
                ThrowTerminatingError(ErrorRecords.FromOptions(new EmulatorOptionsException(OptionProblem.Identity,
                    $"An identity takes the keys AccessKey, SecretKey, SessionToken and Principal, not '{key}'."), null));
        return new EmulatorIdentity(Get("AccessKey") ?? "", Get("SecretKey") ?? "", Get("Principal") ?? Principals.Root(Account), Get("SessionToken"));
    }

    /// <summary>Operation → requests per second; checked with the options (a name the emulator lacks, a negative or
    /// non-numeric rate is InvalidQuota), where 0 and $null mean none.</summary>
    void AddQuotas(EmulatorOptions options)
    {
        Dictionary<string, double?> quotas;
        try
        {
            quotas = Quota.Count == 0 ? [] : QuotaTable.Check(Quota.Cast<DictionaryEntry>().Select(e => ($"{e.Key}", Unwrap(e.Value))));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(ErrorRecords.FromOptions(new EmulatorOptionsException(OptionProblem.Quota, e.Message), Quota));
            return;
        }
        foreach (var (op, rate) in quotas) if (rate is { } r) options.Quotas[op] = r;
    }

    static object? Unwrap(object? value) => value is PSObject p ? p.BaseObject : value;

    static readonly string[] IdentityKeys = ["AccessKey", "SecretKey", "SessionToken", "Principal"];
}
