using System.Management.Automation;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>New-KmsEmulatorKey: a key in the emulator (as CreateKey, then CreateAlias, by its account would make it).</summary>
[Cmdlet(VerbsCommon.New, "KmsEmulatorKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(EmulatorKey))]
public sealed class NewKmsEmulatorKeyCommand : EmulatorCommandBase
{
    [Parameter(ValueFromPipeline = true)]
    public KmsEmulator? Emulator { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    [Parameter]
    [ValidatePattern("^[0-9]{12}\\z")]
    public string? Account { get; set; }

    [Parameter]
    public string Description { get; set; } = "";

    [Parameter]
    [ValidatePattern("^alias/[a-zA-Z0-9/_-]+\\z")]
    [ValidateLength(7, 256)]
    public string? Alias { get; set; }

    protected override void ProcessRecord()
    {
        var emulator = Resolve(Emulator, mustRun: true);
        var region = Region ?? emulator.Region;
        if (!emulator.Regions.Contains(region, StringComparer.Ordinal))
        {
            WriteError(ErrorRecords.RegionNotServed(emulator, region));
            return;
        }
        if (!ShouldProcess($"{emulator.Url} {region}", $"Create KMS key{(Alias != null ? " " + Alias : "")}")) return;
        try
        {
            var key = emulator.Service.AddKey(region, Account, Description, Alias);
            WriteObject(new EmulatorKey(key, Alias, emulator));
        }
        catch (KmsException e)
        {
            WriteError(ErrorRecords.FromKms(e, ErrorIds.InvalidAlias, Alias));
        }
    }
}
