using System.Management.Automation.Runspaces;

namespace KmsGrants.Testing.Commands;

/// <summary>Which runspace started each running emulator, so that none outlives its test run: an emulator stops when
/// its runspace closes, when the module is removed from it (<see cref="ModuleCleanup"/>), or when the process exits.
/// A process that is killed takes its listeners with it: the emulator runs in it.</summary>
static class EmulatorRegistry
{
    static readonly object Gate = new();
    static readonly Dictionary<KmsEmulator, Runspace?> Owners = new();
    static readonly HashSet<Runspace> Watched = new();

    static EmulatorRegistry()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(_ => true);
    }

    public static void Add(KmsEmulator emulator, Runspace? owner)
    {
        lock (Gate)
        {
            Owners[emulator] = owner;
            if (owner != null && Watched.Add(owner)) owner.StateChanged += OnStateChanged;
        }
        emulator.Stopped += Remove;
        if (!emulator.IsRunning) Remove(emulator);
    }

    /// <summary>The emulators running that this runspace started, oldest first.</summary>
    public static List<KmsEmulator> RunningIn(Runspace? runspace)
    {
        lock (Gate)
            return Owners.Where(p => p.Value == runspace && p.Key.IsRunning).Select(p => p.Key).OrderBy(e => e.StartTime).ToList();
    }

    public static void StopOwnedBy(Runspace? runspace) => Stop(owner => owner == runspace);

    static void Stop(Func<Runspace?, bool> owned)
    {
        List<KmsEmulator> stopping;
        lock (Gate) stopping = Owners.Where(p => owned(p.Value)).Select(p => p.Key).ToList();
        foreach (var e in stopping)
        {
            try { e.Stop(); }
            catch (Exception) { }   // stopping at exit or close: nothing to report to, and the next one must stop too
        }
    }

    static void Remove(KmsEmulator emulator)
    {
        lock (Gate) Owners.Remove(emulator);
    }

    static void OnStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is not Runspace runspace) return;
        if (e.RunspaceStateInfo.State is RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken)
        {
            StopOwnedBy(runspace);
            lock (Gate)
            {
                if (Watched.Remove(runspace)) runspace.StateChanged -= OnStateChanged;
            }
        }
    }
}
