using System.Runtime.InteropServices;
using KmsEmulatorHost;
using KmsGrants.Testing;
using KmsGrants.Testing.Emulator;

// The emulator of src/KmsGrants.Testing as a process: prints "KMS emulator listening on http://127.0.0.1:PORT", then
// one seeded key ARN per Region (with --seed-grants), then the audit shape's key ARNs (with --keys, --big-key-grants,
// --aws-managed-grants), and serves until its stdin ends (when stdin is redirected, so
// that a launcher that dies takes it along) or until Ctrl+C / SIGTERM.
KmsEmulator emulator;
try
{
    emulator = KmsEmulator.Start(CommandLine.Parse(args));
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or ListenException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

Console.WriteLine($"KMS emulator listening on {emulator.Url}");
foreach (var arn in emulator.KeyArns) Console.WriteLine(arn);
// Then the audit shape's keys, Region by Region (customer keys, the big key, the AWS managed key): read by
// Start-EmulatorProcess, which counts them from the options, so that none is left unread in the pipe.
foreach (var arn in emulator.AuditKeyArns) Console.WriteLine(arn);
Console.Out.Flush();

using var done = new ManualResetEventSlim();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; done.Set(); });
Console.CancelKeyPress += (_, e) => { e.Cancel = true; done.Set(); };
if (Console.IsInputRedirected)
{
    new Thread(() =>
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        try { while (stdin.Read(buffer, 0, buffer.Length) > 0) { } }
        catch (IOException) { }
        done.Set();
    }) { IsBackground = true, Name = "stdin watch" }.Start();
}
done.Wait();
emulator.Stop();
return 0;
