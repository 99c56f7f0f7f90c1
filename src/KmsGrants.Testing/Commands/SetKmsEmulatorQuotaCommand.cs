using System.Collections;
using System.Management.Automation;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>Set-KmsEmulatorQuota: changes operations' request quotas in every Region while the emulator runs (as
/// POST /_emulator/quota): a changed bucket keeps its tokens, capped at the new rate; a new one starts full.</summary>
[Cmdlet(VerbsCommon.Set, "KmsEmulatorQuota", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PSObject))]
public sealed class SetKmsEmulatorQuotaCommand : EmulatorCommandBase
{
    [Parameter(ValueFromPipeline = true)]
    public KmsEmulator? Emulator { get; set; }

    /// <summary>Operation → requests per second; 0 or $null removes that operation's quota.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Hashtable Quota { get; set; } = new();

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var emulator = Resolve(Emulator, mustRun: true);
        Dictionary<string, double?> changes;
        try
        {
            changes = QuotaTable.Check(Quota.Cast<DictionaryEntry>().Select(e => ($"{e.Key}", e.Value is PSObject p ? p.BaseObject : e.Value)));
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(ErrorRecords.FromOptions(new EmulatorOptionsException(OptionProblem.Quota, e.Message), Quota));
            return;
        }
        var text = string.Join(", ", changes.Select(c => $"{c.Key} = {(c.Value is { } r ? $"{r} rps" : "none")}"));
        if (!ShouldProcess(emulator.Url, $"Set KMS quotas: {text}")) return;
        var table = emulator.Service.Quotas.Apply(changes);
        if (PassThru) WriteObject(JsonToPSObject.FromJson(table));
    }
}
