using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace KmsGrantsTests
{
    /// <summary>A host that answers every PromptForChoice with the choice whose label contains Answer
    /// (e.g. "No to All"), and records the prompts, so ShouldProcess/-Confirm can be tested as a user meets it.</summary>
    public sealed class ScriptedHost : PSHost
    {
        readonly ScriptedUI _ui;
        public ScriptedHost(string answer) { _ui = new ScriptedUI(answer); }
        public List<string> Prompts => _ui.Prompts;
        /// <summary>What was written to the host (What if: lines among it).</summary>
        public List<string> Lines => _ui.Lines;
        /// <summary>Warnings written to the host itself (what a command says after Ctrl+C).</summary>
        public List<string> Warnings => _ui.Warnings;
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override Guid InstanceId { get; } = Guid.NewGuid();
        public override string Name => "ScriptedHost";
        public override PSHostUserInterface UI => _ui;
        public override Version Version => new Version(1, 0);
        public override void EnterNestedPrompt() { }
        public override void ExitNestedPrompt() { }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
        public override void SetShouldExit(int exitCode) { }

        sealed class ScriptedUI : PSHostUserInterface
        {
            readonly string _answer;
            public ScriptedUI(string answer) { _answer = answer; }
            public List<string> Prompts { get; } = new List<string>();
            public List<string> Lines { get; } = new List<string>();
            public List<string> Warnings { get; } = new List<string>();
            public override PSHostRawUserInterface RawUI => null;
            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
            {
                Prompts.Add(message);
                for (var i = 0; i < choices.Count; i++)
                    if (choices[i].Label.Replace("&", "").Equals(_answer, StringComparison.OrdinalIgnoreCase)) return i;
                throw new InvalidOperationException("No choice labelled " + _answer);
            }
            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException();
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
            public override string ReadLine() => throw new NotSupportedException();
            public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();
            public override void Write(string value) { }
            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { }
            public override void WriteDebugLine(string message) { }
            public override void WriteErrorLine(string value) { }
            public override void WriteLine(string value) { Lines.Add(value); }
            public override void WriteProgress(long sourceId, ProgressRecord record) { }
            public override void WriteVerboseLine(string message) { }
            public override void WriteWarningLine(string message) { Warnings.Add(message); }
        }
    }
}
