using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace KmsGrants
{
    /// <summary>Keeps the engine and its AWS SDK copy out of PowerShell's default load context (the "bridge" pattern).
    /// Every AWSSDK 4.x assembly is version 4.0.0.0, so sharing a context with AWS.Tools means whichever copy loads
    /// first wins and the other module breaks at run time.
    /// <para>The engine and its dependencies live in dependencies/, where nothing probes. On PowerShell 7 they load
    /// into a private AssemblyLoadContext, and the one name this assembly needs from there, KmsGrants.Engine, is
    /// handed over through AppDomain.AssemblyResolve. This assembly targets netstandard2.0 so that it also loads on
    /// Windows PowerShell 5.1, which has no load contexts: AssemblyLoadContext is therefore reached by reflection
    /// (as PSResourceGet does), and on 5.1 dependencies load from the folder into the one AppDomain.</para></summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        internal const string EngineAssemblyName = "KmsGrants.Engine";

        static readonly string ModuleFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
        static readonly string DependencyFolder = Path.Combine(ModuleFolder, "dependencies");
        static readonly object Gate = new object();
        static Dictionary<string, Assembly>? _privateAssemblies;
        // Imports not yet removed, across runspaces: the handler stays while any runspace still uses the module
        // (Remove-Module in one runspace must not break the others).
        static int _imports;

        public void OnImport()
        {
            // The user-facing types load into the default context first, so the engine binds to this copy.
            _ = typeof(GrantInfo).Assembly;
            lock (Gate)
            {
                if (_imports++ == 0) AppDomain.CurrentDomain.AssemblyResolve += Resolve;
            }
        }

        public void OnRemove(PSModuleInfo module)
        {
            lock (Gate)
            {
                if (_imports > 0 && --_imports == 0) AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
            }
        }

        static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            if (name == null) return null;

            var loadContextType = typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext");
            if (loadContextType == null)
            {
                // Windows PowerShell 5.1: one AppDomain; the first AWSSDK.Core loaded in the session wins. Answer only
                // our own assemblies' requests (as PSResourceGet does), never another module's.
                var requester = args.RequestingAssembly?.Location;
                if (string.IsNullOrEmpty(requester) || !Path.GetDirectoryName(requester)!.StartsWith(ModuleFolder, StringComparison.OrdinalIgnoreCase))
                    return null;
                var path = Path.Combine(DependencyFolder, name + ".dll");
                return File.Exists(path) ? Assembly.LoadFrom(path) : null;
            }

            // PowerShell 7: only the engine crosses; its own references resolve inside the private context.
            if (name != EngineAssemblyName) return null;
            lock (Gate)
            {
                _privateAssemblies ??= LoadPrivateContext(loadContextType);
                return _privateAssemblies.TryGetValue(name, out var engine) ? engine : null;
            }
        }

        /// <summary>Creates the private context and loads into it every dependency that PowerShell's runtime does not
        /// already provide. A load context checks the assemblies it has loaded before it looks anywhere else, so the
        /// engine's references to AWSSDK.Core and friends bind to these copies even when AWS.Tools has loaded its own
        /// into the default context. Framework assemblies (System.Text.Json, …) resolve to the runtime's.</summary>
        static Dictionary<string, Assembly> LoadPrivateContext(Type loadContextType)
        {
            var context = Activator.CreateInstance(loadContextType, "KmsGrants", false)!;
            var loadFromPath = loadContextType.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) })!;
            var platform = new HashSet<string>(
                ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
                    .Split(Path.PathSeparator)
                    .Select(Path.GetFileNameWithoutExtension),
                StringComparer.OrdinalIgnoreCase);

            var loaded = new Dictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);
            foreach (var path in Directory.GetFiles(DependencyFolder, "*.dll"))
            {
                var simpleName = Path.GetFileNameWithoutExtension(path);
                if (platform.Contains(simpleName)) continue;
                loaded[simpleName] = (Assembly)loadFromPath.Invoke(context, new object[] { path })!;
            }
            return loaded;
        }
    }
}
