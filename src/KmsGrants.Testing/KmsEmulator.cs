using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing;

/// <summary>A running KMS emulator: what Start-KmsEmulator returns and every other cmdlet takes. Its text is its URL,
/// so it can be given to -EndpointUrl as it is.</summary>
public sealed class KmsEmulator : IDisposable
{
    readonly HttpHost _host;
    int _stopped;

    KmsEmulator(EmulatorService service, HttpHost host, EmulatorOptions options, KmsKey[] seededKeys, KmsKey[] auditKeys)
    {
        AuditKeyArns = auditKeys.Select(k => k.Arn).ToArray();
        Service = service;
        _host = host;
        Regions = [.. options.Regions];
        Account = options.Account;
        AccessKey = options.Identities[0].AccessKey;
        SecretKey = options.Identities[0].SecretKey;
        SessionToken = options.Identities[0].SessionToken;
        KeyArns = seededKeys.Select(k => k.Arn).ToArray();
        StartTime = DateTimeOffset.Now;
    }

    /// <summary>Checks the options (throws <see cref="EmulatorOptionsException"/>), seeds the grants, then listens on
    /// loopback (throws <see cref="ListenException"/>). Nothing is left listening when it throws.</summary>
    public static KmsEmulator Start(EmulatorOptions options)
    {
        options.Validate();
        var service = new EmulatorService(options);
        var keys = service.Seed();
        var audit = service.SeedAudit();
        return new KmsEmulator(service, HttpHost.Start(service, options.Port), options, keys, audit);
    }

    /// <summary>http://127.0.0.1:PORT, for -EndpointUrl.</summary>
    public string Url => _host.Url;
    public int Port => _host.Port;
    /// <summary>The Regions served, in order; a request's Region is its signature's.</summary>
    public string[] Regions { get; }
    /// <summary>The first Region served.</summary>
    public string Region => Regions[0];
    /// <summary>The default account: of the default identity and of seeded keys.</summary>
    public string Account { get; }
    /// <summary>The first identity's access key ID (testing, unless -Identity says otherwise).</summary>
    public string AccessKey { get; }
    /// <summary>The first identity's secret key. A test secret, but the views leave it out all the same.</summary>
    public string SecretKey { get; }
    /// <summary>The first identity's session token when it is given one (temporary credentials), else null.</summary>
    public string? SessionToken { get; }
    /// <summary>The seeded key of the first Region (with -SeedGrants), else null.</summary>
    public string? KeyArn => KeyArns.Length > 0 ? KeyArns[0] : null;
    /// <summary>The seeded keys, one per Region in <see cref="Regions"/> order (with -SeedGrants).</summary>
    public string[] KeyArns { get; }
    /// <summary>The keys of the audit shape (the console host's --keys, --big-key-grants, --aws-managed-grants), Region by
    /// Region: the customer keys, the big key, the AWS managed key.</summary>
    public string[] AuditKeyArns { get; }
    public DateTimeOffset StartTime { get; }
    public bool IsRunning => Volatile.Read(ref _stopped) == 0;

    internal EmulatorService Service { get; }

    /// <summary>Raised once, when the emulator stops.</summary>
    internal event Action<KmsEmulator>? Stopped;

    /// <summary>Stops listening and frees the port; the state stays readable. Stopping again does nothing.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        Service.Stop();
        _host.Dispose();
        Stopped?.Invoke(this);
    }

    public void Dispose() => Stop();

    public override string ToString() => Url;
}
