using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace KmsGrants.Testing.Commands;

/// <summary>Remove-Module KmsGrants.Testing stops the emulators this runspace started: their cmdlets are gone, and a
/// listener nobody can reach any more would only hold a port. Other runspaces' emulators go on.</summary>
public sealed class ModuleCleanup : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo) => EmulatorRegistry.StopOwnedBy(Runspace.DefaultRunspace);
}
