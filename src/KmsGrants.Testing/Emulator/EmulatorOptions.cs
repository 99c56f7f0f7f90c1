using System.Globalization;
using System.Text.RegularExpressions;

namespace KmsEmulator;

/// <summary>Command-line knobs. Each maps to a behaviour tests and benchmarks need to set up.</summary>
public sealed partial class EmulatorOptions
{
    public int Port { get; set; }
    /// <summary>The single Region served when --regions is not given.</summary>
    public string Region { get; set; } = "us-east-1";
    /// <summary>The Regions served, in the order given (seeded key ARNs are printed in this order).</summary>
    public List<string> Regions { get; } = new();
    public string Account { get; set; } = "111122223333";
    /// <summary>Access key → (secret, principal ARN).</summary>
    public Dictionary<string, (string Secret, string Principal)> Identities { get; } = new(StringComparer.Ordinal);
    public int LatencyMs { get; set; }
    /// <summary>Operation → requests per second (token bucket holding one second's worth).</summary>
    public Dictionary<string, double> Quotas { get; } = new(StringComparer.Ordinal);
    public double FaultRate { get; set; }
    public HashSet<FaultKind> FaultKinds { get; } = new();
    /// <summary>Operations faults are injected into; empty means all.</summary>
    public HashSet<string> FaultOperations { get; } = new(StringComparer.Ordinal);
    public int? Seed { get; set; }
    public int SeedGrants { get; set; }
    public string? RetiringPrincipal { get; set; }

    public string RootPrincipal => $"arn:aws:iam::{Account}:root";

    public static EmulatorOptions Parse(string[] args)
    {
        var o = new EmulatorOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port": o.Port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--region": o.Region = Next(); break;
                case "--regions":
                    o.Regions.Clear();
                    foreach (var r in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (o.Regions.Contains(r)) throw new ArgumentException($"--regions lists {r} twice");
                        o.Regions.Add(r);
                    }
                    if (o.Regions.Count == 0) throw new ArgumentException("--regions needs at least one Region");
                    break;
                case "--account": o.Account = Next(); break;
                case "--identity":
                {
                    // AKID:SECRET=PRINCIPAL_ARN
                    var v = Next();
                    var eq = v.IndexOf('=');
                    var colon = v.IndexOf(':');
                    if (eq < 0 || colon < 0 || colon > eq) throw new ArgumentException($"--identity takes AKID:SECRET=PRINCIPAL_ARN, not '{v}'");
                    o.Identities[v[..colon]] = (v[(colon + 1)..eq], v[(eq + 1)..]);
                    break;
                }
                case "--latency-ms": o.LatencyMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--quota":
                {
                    var v = Next();
                    var eq = v.IndexOf('=');
                    if (eq < 0) throw new ArgumentException($"--quota takes OPERATION=RPS, not '{v}'");
                    var op = v[..eq];
                    // A misspelt operation would silently never throttle anything.
                    if (!KmsState.Operations.Contains(op))
                        throw new ArgumentException($"--quota names '{op}', which the emulator does not implement ({string.Join(", ", KmsState.Operations)})");
                    o.Quotas[op] = double.Parse(v[(eq + 1)..], CultureInfo.InvariantCulture);
                    break;
                }
                case "--fault-rate": o.FaultRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--fault-kinds":
                    foreach (var k in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        o.FaultKinds.Add(ParseFaultKind(k));
                    break;
                case "--fault-ops":
                    foreach (var op in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        o.FaultOperations.Add(op);
                    break;
                case "--seed": o.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed-grants": o.SeedGrants = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--retiring-principal": o.RetiringPrincipal = Next(); break;
                default: throw new ArgumentException($"Unknown option {args[i]}. Options: --port --region --regions --account --identity --latency-ms --quota --fault-rate --fault-kinds --fault-ops --seed --seed-grants --retiring-principal");
            }
        }
        if (o.Regions.Count == 0) o.Regions.Add(o.Region);
        else o.Region = o.Regions[0];
        foreach (var r in o.Regions)
            if (!RegionPattern().IsMatch(r)) throw new ArgumentException($"'{r}' is not a Region name (e.g. us-east-1)");
        if (!AccountPattern().IsMatch(o.Account)) throw new ArgumentException($"--account takes a 12-digit account ID, not '{o.Account}'");
        if (o.Identities.Count == 0) o.Identities["testing"] = ("testing", o.RootPrincipal);
        if (o.FaultRate > 0 && o.FaultKinds.Count == 0)
            foreach (var k in Enum.GetValues<FaultKind>()) o.FaultKinds.Add(k);
        return o;
    }

    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-[0-9]+$")] private static partial Regex RegionPattern();
    [GeneratedRegex(@"^[0-9]{12}$")] private static partial Regex AccountPattern();

    static FaultKind ParseFaultKind(string name) => name.ToLowerInvariant() switch
    {
        "internal" or "500" => FaultKind.Internal,
        "unavailable" or "503" => FaultKind.Unavailable,
        "reset" or "connection-reset" => FaultKind.Reset,
        "commit-then-drop" or "commit-drop" => FaultKind.CommitThenDrop,
        _ => throw new ArgumentException($"Unknown fault kind '{name}' (internal, unavailable, reset, commit-then-drop)"),
    };
}

public enum FaultKind
{
    /// <summary>HTTP 500 KMSInternalException; nothing applied.</summary>
    Internal,
    /// <summary>HTTP 503 ServiceUnavailableException; nothing applied.</summary>
    Unavailable,
    /// <summary>The connection is cut before the request is handled; nothing applied.</summary>
    Reset,
    /// <summary>The request is applied, then the connection is cut mid-response.</summary>
    CommitThenDrop,
}
