using System.Globalization;
using KmsGrants.Testing.Emulator;

namespace KmsEmulatorHost;

/// <summary>The console host's command line, mapped onto the emulator's options (same meaning as Start-KmsEmulator's
/// parameters; the options check every value).</summary>
static class CommandLine
{
    const string Usage = "Options: --port --region --regions --account --identity --session-token --latency-ms --quota --fault-rate --fault-kinds --fault-ops --seed --seed-grants --retiring-principal --request-log-size --keys --grants-per-key --big-key-grants --aws-managed-grants --grant-age-days --deleted-principal";

    public static EmulatorOptions Parse(string[] args)
    {
        var o = new EmulatorOptions();
        string? region = null;
        List<string>? regions = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            IEnumerable<string> List() => Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (name)
            {
                case "--port": o.Port = Int(); break;
                case "--region": region = Next(); break;
                case "--regions":
                    regions = List().ToList();
                    if (regions.Count == 0) throw new ArgumentException("--regions needs at least one Region");
                    break;
                case "--account": o.Account = Next(); break;
                case "--identity":
                {
                    // AKID:SECRET=PRINCIPAL_ARN
                    var v = Next();
                    var eq = v.IndexOf('=');
                    var colon = v.IndexOf(':');
                    if (eq < 0 || colon < 0 || colon > eq) throw new ArgumentException($"--identity takes AKID:SECRET=PRINCIPAL_ARN, not '{v}'");
                    o.Identities.Add(new EmulatorIdentity(v[..colon], v[(colon + 1)..eq], v[(eq + 1)..]));
                    break;
                }
                case "--session-token":
                {
                    // AKID=TOKEN, for an --identity given before it: tokens hold '=', access key IDs do not.
                    var v = Next();
                    var eq = v.IndexOf('=');
                    var at = eq <= 0 ? -1 : o.Identities.FindIndex(x => x.AccessKey == v[..eq]);
                    if (at < 0) throw new ArgumentException($"--session-token takes AKID=TOKEN for an --identity given before it, not '{v}'");
                    var identity = o.Identities[at];
                    o.Identities[at] = new EmulatorIdentity(identity.AccessKey, identity.SecretKey, identity.Principal, v[(eq + 1)..]);
                    break;
                }
                case "--latency-ms": o.LatencyMs = Int(); break;
                case "--quota":
                {
                    var v = Next();
                    var eq = v.IndexOf('=');
                    if (eq < 0) throw new ArgumentException($"--quota takes OPERATION=RPS, not '{v}'");
                    o.Quotas[v[..eq]] = double.Parse(v[(eq + 1)..], CultureInfo.InvariantCulture);
                    break;
                }
                case "--fault-rate": o.FaultRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--fault-kinds":
                    foreach (var k in List()) o.FaultKinds.Add(FaultKinds.Parse(k));
                    break;
                case "--fault-ops":
                    foreach (var op in List()) o.FaultOperations.Add(op);
                    break;
                case "--seed": o.Seed = Int(); break;
                case "--seed-grants": o.SeedGrants = Int(); break;
                case "--retiring-principal": o.RetiringPrincipal = Next(); break;
                case "--request-log-size": o.RequestLogSize = Int(); break;
                // The account shape of an audit benchmark (EmulatorOptions' AuditShape says which grants are which).
                case "--keys": o.Audit.Keys = Int(); break;
                case "--grants-per-key": o.Audit.GrantsPerKey = Int(); break;
                case "--big-key-grants": o.Audit.BigKeyGrants = Int(); break;
                case "--aws-managed-grants": o.Audit.AwsManagedGrants = Int(); break;
                case "--grant-age-days": o.Audit.GrantAgeDays = Int(); break;
                case "--deleted-principal": o.DeletedPrincipals.Add(Next()); break;
                default: throw new ArgumentException($"Unknown option {name}. {Usage}");
            }
        }
        // --regions wins over --region, as before.
        o.Regions.AddRange(regions ?? [region ?? EmulatorOptions.DefaultRegion]);
        return o;
    }
}
