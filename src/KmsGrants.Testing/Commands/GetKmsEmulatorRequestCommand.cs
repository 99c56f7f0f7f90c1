using System.Management.Automation;

namespace KmsGrants.Testing.Commands;

/// <summary>Get-KmsEmulatorRequest: what was sent to the emulator, oldest first, from its request log (the latest
/// -RequestLogSize requests): operation, Region, caller, DryRun, key, grant, answer.</summary>
[Cmdlet(VerbsCommon.Get, "KmsEmulatorRequest")]
[OutputType(typeof(EmulatorRequest))]
public sealed class GetKmsEmulatorRequestCommand : EmulatorCommandBase
{
    [Parameter(ValueFromPipeline = true)]
    public KmsEmulator? Emulator { get; set; }

    /// <summary>Operation names; wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    public string[] Operation { get; set; } = [];

    [Parameter]
    public string? Region { get; set; }

    /// <summary>Only the last N matching requests.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    protected override void ProcessRecord()
    {
        var emulator = Resolve(Emulator, mustRun: false);
        var operations = Operation.Select(o => new WildcardPattern(o, WildcardOptions.IgnoreCase)).ToArray();
        var matching = emulator.Service.Log.Snapshot().Where(r =>
            (operations.Length == 0 || operations.Any(p => p.IsMatch(r.Operation)))
            && (Region == null || r.Region == Region)).ToList();
        var from = Last > 0 ? Math.Max(0, matching.Count - Last) : 0;
        for (var i = from; i < matching.Count; i++) WriteObject(matching[i]);
    }
}
