using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace KmsGrants.Testing.Commands;

/// <summary>What every cmdlet but Start-KmsEmulator shares: the emulator to work on, -Emulator or else the one this
/// session started (a single emulator needs no naming; two side by side must be named).</summary>
public abstract class EmulatorCommandBase : PSCmdlet
{
    /// <summary>The emulator given, else the only one running that this runspace started; terminating when there is
    /// none (null instead with <paramref name="noneIsNull"/>) or several. <paramref name="mustRun"/>: refuse a stopped
    /// one (its state can still be read).</summary>
    protected KmsEmulator? Resolve(KmsEmulator? given, bool mustRun, bool noneIsNull)
    {
        var emulator = given;
        if (emulator == null)
        {
            var running = EmulatorRegistry.RunningIn(Runspace.DefaultRunspace);
            if (running.Count == 0 && noneIsNull) return null;
            if (running.Count == 0) ThrowTerminatingError(ErrorRecords.NoEmulator());
            if (running.Count > 1) ThrowTerminatingError(ErrorRecords.AmbiguousEmulator(running.Count));
            emulator = running[0];
        }
        if (mustRun && !emulator.IsRunning) ThrowTerminatingError(ErrorRecords.Stopped(emulator));
        return emulator;
    }

    /// <summary>As <see cref="Resolve(KmsEmulator?, bool, bool)"/>, terminating when there is none.</summary>
    protected KmsEmulator Resolve(KmsEmulator? given, bool mustRun) => Resolve(given, mustRun, noneIsNull: false)!;
}
