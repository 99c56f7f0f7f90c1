# The source of KmsGrants.Testing's cmdlet help prose. tools/New-MamlHelp.ps1 turns it into
# en-US/KmsGrants.Testing.dll-Help.xml at build time, and tools/Update-Docs.ps1 into the pages docs/en-US/<Cmdlet>.md
# (build.ps1 -Task Docs), both taking each parameter's type, position, aliases and pipeline binding from the built
# cmdlets themselves, so only the prose lives here.
@{
    # Parameters several cmdlets share.
    CommonParameters = @{
        Emulator = 'The emulator to work on, as Start-KmsEmulator returned it (from the pipeline too). When omitted: the one emulator started in this session that is still running; with none, or with several side by side, the command stops with KmsGrants.Testing.NoEmulator or KmsGrants.Testing.AmbiguousEmulator.'
        WhatIf   = 'Shows what would be changed in the emulator, and changes nothing.'
        Confirm  = 'Asks for confirmation first (ConfirmImpact is Low, so only when asked for or when $ConfirmPreference is Low).'
    }

    Commands = @{
        'Start-KmsEmulator' = @{
            Synopsis    = 'Starts a local KMS endpoint for tests, in this PowerShell process, on a loopback port: give its Url to -EndpointUrl.'
            Description = @(
                'Start-KmsEmulator starts the KMS emulator of the KmsGrants project and returns it: Url (http://127.0.0.1:PORT), Port, Regions, Region (the first), Account, AccessKey, SecretKey and SessionToken of the default identity, KeyArn and KeyArns (the keys seeded with -SeedGrants, one per Region), IsRunning and a Stop() method. The emulator speaks AWS JSON 1.1 with SigV4 signatures checked, and implements CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion, CreateAlias, ListAliases, CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and RevokeGrant as the KMS API reference describes them: DryRun, NotFound, paging with opaque markers, who may retire a grant, key states, Regions (a request''s Region is its signature''s), accounts and assumed-role sessions. KmsGrants, the AWS CLI, boto3 and the AWS SDKs work against it.'
                'It runs inside this process, served by its own small HTTP/1.1 server on the sockets of the .NET runtime every PowerShell 7.4+ carries: it starts in milliseconds, needs nothing else installed, and cannot be left behind; no client can crash, starve or confuse it (every part of a request is bounded, see about_KmsGrants.Testing_Http). It stops with Stop-KmsEmulator, when the runspace that started it closes, when the module is removed from that runspace, and when the process exits; a process that is killed takes its port with it. Start it in a Pester BeforeAll and stop it in AfterAll; several emulators may run side by side, each on its own port.'
                'Requests must be signed by a known identity: by default testing / testing, the root of account 111122223333 (-Account). Unsigned, unknown or wrongly signed requests get KMS''s own errors, checked as KMS checks them: the signature scoped to kms, Host and X-Amz-Date among the signed headers, X-Amz-Date within 15 minutes of the clock, and a session token only with the temporary credentials it belongs to. A request is authenticated before its quota is charged, so strangers spend none of it. A malformed JSON body is SerializationException; a failure of the emulator itself is KMSInternalException (HTTP 500), never an empty success. -Quota, -LatencyMs and -FaultRate make it behave like a busy or failing KMS. What was sent is in Get-KmsEmulatorRequest, the counts in Get-KmsEmulatorStatistic, what is alive in Get-KmsEmulatorGrant.'
                'Wrong input stops the command with an error whose ID says what (KmsGrants.Testing.InvalidRegion, InvalidQuota, InvalidIdentity, PortInUse, ...) and leaves nothing listening.'
            )
            Parameters  = @{
                Port              = 'The loopback port to listen on (127.0.0.1 and localhost). 0, the default, picks a free one. A port in use stops the command with KmsGrants.Testing.PortInUse.'
                Region            = 'The Regions served, in this order (alias -Regions); the default is us-east-1. Each has its own keys, grants and quota buckets; a request signed for a Region not served gets InvalidSignatureException, as KMS answers a signature scoped to the wrong Region. A name not shaped like a Region is KmsGrants.Testing.InvalidRegion.'
                Account           = 'The default account (12 digits, default 111122223333): of the default identity, of seeded keys and of keys New-KmsEmulatorKey makes, and of an identity whose principal names no account.'
                Identity          = 'Who may sign requests, as hashtables @{ AccessKey = ...; SecretKey = ...; Principal = ... }: an IAM user, role, account root or STS assumed-role ARN of any account (a session acts as its role on grants). Principal defaults to the account''s root. SessionToken, when given, makes the identity temporary credentials: its requests must carry that X-Amz-Security-Token (KmsGrants'' -SessionToken, AWS_SESSION_TOKEN for the AWS CLI and boto3), and a request that carries another, or none, is refused with UnrecognizedClientException, as is any token sent with an identity that has none. When given, only these identities are known, and the emulator''s AccessKey, SecretKey and SessionToken are the first one''s. An identity without an access key or secret key, with a session token that is empty or holds white space, or with another key, is KmsGrants.Testing.InvalidIdentity.'
                Quota             = 'Request quotas per operation, as @{ RetireGrant = 50 } (requests per second): a token bucket holding one second''s worth, and at least one request, in each Region, answering ThrottlingException when empty, as KMS does. A quota below 1 (e.g. 0.5) admits one request every 1/rate seconds. 0 or $null means none. An operation the emulator does not implement, or a rate that is not a number of 0 or more, is KmsGrants.Testing.InvalidQuota. Change them while running with Set-KmsEmulatorQuota.'
                LatencyMs         = 'Milliseconds added to every KMS request before it is answered (0-60000).'
                FaultRate         = 'The share of KMS requests (0-1) that get an injected fault, picked at random among -FaultKind.'
                FaultKind         = 'The faults to inject: internal (HTTP 500 KMSInternalException), unavailable (HTTP 503), reset (the connection is cut before the request is handled), commit-then-drop (the request is applied, then the connection is cut halfway through the answer). All four by default.'
                FaultOperation    = 'The operations faults are injected into; all by default. Validated against, and completed from, the emulator''s table of the operations it implements ([KmsGrants.Testing.Emulator.KmsState]::OperationTable).'
                Seed              = 'Seeds the random choice of faults, so that a run repeats.'
                SeedGrants        = 'Makes one key of -Account in each Region with this many grants (named seeded-0, seeded-1, ...; grantee role/seeded-grantee) before listening; their key ARNs are in KeyArns.'
                RetiringPrincipal = 'The retiring principal of the seeded grants; the account''s root by default.'
                RequestLogSize    = 'How many requests Get-KmsEmulatorRequest keeps (the latest; default 10000, 0 for none). The counts of Get-KmsEmulatorStatistic are totals.'
            }
            Inputs      = @(@{ Type = 'None'; Description = 'Nothing is taken from the pipeline.' })
            Outputs     = @(@{ Type = 'KmsGrants.Testing.KmsEmulator'; Description = 'The running emulator. Its text is its Url.' })
            Notes       = @(
                'Keys, grants and counts live in memory and end with the emulator. The emulator answers only on loopback; requests are unencrypted HTTP, as fits a local test endpoint.'
                'about_KmsGrants.Testing lists the emulator''s behaviour in full, which is the contract its tests keep; about_KmsGrants.Testing_Http its HTTP endpoints and the bounds it puts on clients.'
            )
            Examples    = @(
                @{ Code = '$kms = Start-KmsEmulator; Get-KmsRetirableGrant arn:aws:iam::111122223333:role/ci -EndpointUrl $kms.Url -Region $kms.Region -AccessKey $kms.AccessKey -SecretKey $kms.SecretKey'
                   Remarks = 'Starts an emulator on a free port and lists grants from it with KmsGrants, signed as the default identity.' }
                @{ Code = '$kms = Start-KmsEmulator -Region us-east-1, eu-west-1 -SeedGrants 500 -RetiringPrincipal arn:aws:iam::111122223333:role/ci -Quota @{ RetireGrant = 50 } -LatencyMs 20'
                   Remarks = 'Two Regions, each with a key of 500 grants the ci role may retire, RetireGrant limited to 50 requests per second per Region, 20 ms per request: a small copy of a real account for a bulk-retirement test.' }
                @{ Code = 'Start-KmsEmulator -Identity @{ AccessKey = ''CI''; SecretKey = ''ci-secret''; Principal = ''arn:aws:sts::111122223333:assumed-role/ci/build-42'' }, @{ AccessKey = ''ADMIN''; SecretKey = ''admin-secret''; Principal = ''arn:aws:iam::111122223333:root'' }'
                   Remarks = 'Two identities: a session of the ci role (it may retire grants whose retiring principal is arn:aws:iam::111122223333:role/ci) and the account root. Requests signed otherwise are refused.' }
                @{ Code = 'BeforeAll { $kms = Start-KmsEmulator -FaultRate 0.2 -FaultKind reset, commit-then-drop -Seed 7 }
AfterAll { $kms | Stop-KmsEmulator }'
                   Remarks = 'In a Pester file: a fifth of the requests lose their connection, some after being applied, in a repeatable order.' }
            )
            Links       = @('Stop-KmsEmulator', 'New-KmsEmulatorGrant', 'Get-KmsEmulatorGrant', 'Get-KmsEmulatorRequest', 'about_KmsGrants.Testing')
        }

        'Stop-KmsEmulator' = @{
            Synopsis    = 'Stops a KMS emulator and frees its port.'
            Description = @(
                'Stop-KmsEmulator stops listening and closes the port at once, whatever clients are doing: every open connection is reset (requests being answered, idle keep-alive connections, clients stalled mid-request), so none reads an answer it was not given and stopping never waits for a client. A request still waiting out -LatencyMs is cut, not applied: once Stop-KmsEmulator returns, the state and the request log no longer change. The emulator''s keys, grants, counts and request log stay readable with Get-KmsEmulatorGrant, Get-KmsEmulatorRequest and Get-KmsEmulatorStatistic.'
                'Stopping an emulator that is stopped does nothing, and so does $null (as an AfterAll block passes it when its BeforeAll failed before starting one), so AfterAll { $kms | Stop-KmsEmulator } is always safe. Emulators also stop by themselves when the runspace that started them closes, when the module is removed, and when the process exits.'
            )
            Parameters  = @{
                Emulator = 'The emulators to stop, from Start-KmsEmulator (from the pipeline too). $null and stopped emulators are skipped. Not given at all: the one emulator this session started that is running (nothing when none is; KmsGrants.Testing.AmbiguousEmulator when there are several).'
                PassThru = 'Writes each emulator after stopping it.'
            }
            Inputs      = @(@{ Type = 'KmsGrants.Testing.KmsEmulator'; Description = 'Emulators to stop.' })
            Outputs     = @(
                @{ Type = 'None'; Description = 'By default, nothing.' }
                @{ Type = 'KmsGrants.Testing.KmsEmulator'; Description = 'With -PassThru, each emulator, stopped.' }
            )
            Notes       = @('$kms.Stop() does the same.')
            Examples    = @(
                @{ Code = 'AfterAll { $kms | Stop-KmsEmulator }'; Remarks = 'Stops the emulator a Pester BeforeAll started, even if that BeforeAll failed before starting it.' }
                @{ Code = 'Stop-KmsEmulator $east, $west'; Remarks = 'Stops two emulators that ran side by side.' }
                @{ Code = '$kms | Stop-KmsEmulator -PassThru | Get-KmsEmulatorStatistic'; Remarks = 'Stops the emulator, then reads its final counts.' }
            )
            Links       = @('Start-KmsEmulator', 'about_KmsGrants.Testing')
        }

        'New-KmsEmulatorKey' = @{
            Synopsis    = 'Makes a KMS key in an emulator, optionally with an alias.'
            Description = @(
                'New-KmsEmulatorKey makes a symmetric key in a Region the emulator serves, owned by an account, as CreateKey (and CreateAlias) by that account would, without a signed request. It returns the key: KeyId, Arn, Region, Account, Description, Alias, State and its emulator, which New-KmsEmulatorGrant binds from the pipeline.'
                'Keys of another account than the emulator''s default are how cross-account grants are tested: the grants of a key of account 444455556666 may name principals of account 111122223333.'
                '-AwsManaged makes an AWS managed key (KeyManager AWS) with its alias/aws/SERVICE alias, as AWS services make them in an account: ListKeys and ListAliases list it with the account''s own keys, ListGrants lists its grants and RevokeGrant revokes them (its key policy lets the account do that), but CreateGrant, EnableKey, DisableKey, key deletion and CreateAlias through KMS''s API are AccessDeniedException (only the AWS service creates its grants; New-KmsEmulatorGrant stands for it), and it has no limit of grants. -KeySpec and -KeyUsage make asymmetric and HMAC keys, whose grants may allow only the operations their key spec supports.'
            )
            Parameters  = @{
                Region      = 'The Region of the key; the emulator''s first by default. A Region it does not serve is KmsGrants.Testing.RegionNotServed.'
                Account     = 'The account that owns the key (12 digits); the emulator''s default account by default.'
                Description = 'The key''s description, as DescribeKey shows it.'
                Alias       = 'An alias for the key in its account and Region, alias/NAME (alias/aws/SERVICE only with -AwsManaged). An alias that exists is KmsGrants.Testing.AliasExists.'
                AwsManaged  = 'Makes an AWS managed key (KeyManager AWS): needs -Alias alias/aws/SERVICE (e.g. alias/aws/ebs), and is symmetric. Only AWS services create its grants: New-KmsEmulatorGrant does, CreateGrant through KMS''s API is refused.'
                KeySpec     = 'The key spec, as CreateKey''s KeySpec (SYMMETRIC_DEFAULT by default; RSA_*, ECC_*, HMAC_*, SM2, ML_DSA_*). A key spec other than SYMMETRIC_DEFAULT or HMAC_* needs -KeyUsage.'
                KeyUsage    = 'The key usage, as CreateKey''s KeyUsage: ENCRYPT_DECRYPT (the default for symmetric keys), SIGN_VERIFY, GENERATE_VERIFY_MAC (HMAC keys) or KEY_AGREEMENT; one the key spec does not take refuses the key with CreateKey''s ValidationException message.'
            }
            Inputs      = @(@{ Type = 'KmsGrants.Testing.KmsEmulator'; Description = 'The emulator to make the key in.' })
            Outputs     = @(@{ Type = 'KmsGrants.Testing.EmulatorKey'; Description = 'The key. Its text is its ARN.' })
            Notes       = @('KMS''s own CreateKey works too (the AWS CLI, boto3): the key then belongs to the signing identity''s account.')
            Examples    = @(
                @{ Code = '$key = New-KmsEmulatorKey -Description app -Alias alias/app'; Remarks = 'A key of the default account in the first Region, named alias/app.' }
                @{ Code = '$kms | New-KmsEmulatorKey -Region eu-west-1 | New-KmsEmulatorGrant -RetiringPrincipal $ci -Count 10'; Remarks = 'A key in eu-west-1 with ten grants the ci principal may retire.' }
                @{ Code = '$foreign = New-KmsEmulatorKey -Account 444455556666'; Remarks = 'A key of another account, for cross-account tests: Remove-KmsGrant must then name it by its ARN.' }
                @{ Code = '$ebs = New-KmsEmulatorKey -AwsManaged -Alias alias/aws/ebs; $ebs | New-KmsEmulatorGrant -GranteePrincipal ec2.us-east-1.amazonaws.com -RetiringPrincipal ec2.us-east-1.amazonaws.com -Operations Decrypt, GenerateDataKeyWithoutPlaintext'; Remarks = 'The account''s AWS managed EBS key with a grant to the EC2 service, as an audit finds it: ListGrants shows the service principal as the grantee.' }
                @{ Code = 'New-KmsEmulatorKey -KeySpec ECC_NIST_P256 -KeyUsage SIGN_VERIFY'; Remarks = 'A signing key: its grants may allow Sign, Verify, GetPublicKey, DescribeKey, CreateGrant and RetireGrant, not Decrypt.' }
            )
            Links       = @('New-KmsEmulatorGrant', 'Start-KmsEmulator', 'about_KmsGrants.Testing')
        }

        'New-KmsEmulatorGrant' = @{
            Synopsis    = 'Makes grants in an emulator and returns them with their grant tokens and IDs.'
            Description = @(
                'New-KmsEmulatorGrant makes grants on a key of the emulator directly, without a signed request, checked as CreateGrant checks them: names, principals and operations as the KMS service model allows, the key''s state (Disabled, PendingDeletion) and its limit of 50,000 grants. It returns each grant (KmsGrants.Testing.EmulatorGrant) with KeyId (the key ARN), GrantId, GrantToken, Name, GranteePrincipal, RetiringPrincipal, IssuingAccount, Operations, Constraints and Region.'
                'With -Name, one grant is made per name; -Count repeats that (or makes unnamed grants). Keys from New-KmsEmulatorKey bind by property name, with their emulator. The grants pipe into KmsGrants'' Remove-KmsGrant, which binds them by their tokens.'
                'It checks principals as CreateGrant does: a user or role deleted with Remove-KmsEmulatorPrincipal, or made with New-KmsEmulatorPrincipal -PropagationSeconds and not yet visible, is refused (KmsGrants.Testing.InvalidPrincipal), as is a value that names no principal; an AWS service principal (ec2.amazonaws.com) is taken. Operations must be ones the key''s spec supports (no Sign on a symmetric key, GenerateMac only on HMAC keys), and an encryption context constraint only a symmetric encryption key, with at most 8 pairs and values of at most 384 characters. Unlike CreateGrant, it makes a new grant each time, even with a name and parameters a grant has already: duplicates are what audits look for. -CreationDate back-dates the grants, so that a test of an age rule need not wait.'
                'A refused grant is a non-terminating error (KmsGrants.Testing.KeyNotFound, InvalidGrant, InvalidPrincipal, InvalidKeyState, LimitExceeded) with the key as target; the next key from the pipeline is still served.'
            )
            Parameters  = @{
                Emulator                = 'The emulator (bound from a key''s Emulator property too). When omitted: the one emulator started in this session that is still running.'
                KeyId                   = 'The key: key ID (of any account) or key ARN (alias -KeyArn, -Arn). A key from New-KmsEmulatorKey binds by property name.'
                GranteePrincipal        = 'Who the grant gives permissions to; arn:aws:iam::ACCOUNT:role/grantee (the key''s account) by default.'
                RetiringPrincipal       = 'Who may retire the grant (besides the key''s account, and a grantee allowed RetireGrant). Get-KmsRetirableGrant lists grants by it.'
                Name                    = 'Grant names (1-256 characters of a-z A-Z 0-9 : / _ -): one grant per name.'
                Operations              = 'What the grant allows; Decrypt by default. Include RetireGrant to let the grantee retire it.'
                EncryptionContextSubset = 'An encryption context constraint: pairs the request''s context must include.'
                EncryptionContextEquals = 'An encryption context constraint: the request''s context must be exactly these pairs.'
                Count                   = 'How many times over to make the grants (1-50000): with -Name, each name that often; without, that many unnamed grants.'
                CreationDate            = 'Back-dates the grants: the CreationDate ListGrants and ListRetirableGrants show, e.g. (Get-Date).AddDays(-400). A DateTime of unspecified kind is local time, as Get-Date''s; a date in the future is KmsGrants.Testing.InvalidGrant. The listing order stays the order made.'
            }
            Inputs      = @(@{ Type = 'KmsGrants.Testing.EmulatorKey'; Description = 'Keys from New-KmsEmulatorKey (KeyId and Emulator bind by property name), or any object with a KeyId, KeyArn or Arn property.' })
            Outputs     = @(@{ Type = 'KmsGrants.Testing.EmulatorGrant'; Description = 'One per grant, in the order made.' })
            Notes       = @('CreateGrant through KMS''s API (the AWS CLI, boto3) works too, and is counted in the statistics and the request log; grants made by this cmdlet are not.')
            Examples    = @(
                @{ Code = '$key | New-KmsEmulatorGrant -RetiringPrincipal arn:aws:iam::111122223333:role/ci -Name build-1, build-2, deploy-1'
                   Remarks = 'Three named grants the ci role may retire, on a key from New-KmsEmulatorKey.' }
                @{ Code = 'New-KmsEmulatorGrant -KeyId $kms.KeyArn -GranteePrincipal arn:aws:iam::111122223333:role/app -Operations Decrypt, RetireGrant -Count 100'
                   Remarks = 'A hundred unnamed grants on the seeded key, each retirable by its grantee.' }
                @{ Code = '$grant = New-KmsEmulatorGrant -KeyId $key.Arn -EncryptionContextSubset @{ Department = ''IT'' }; Remove-KmsGrant -GrantToken $grant.GrantToken -EndpointUrl $kms.Url -Force'
                   Remarks = 'A grant with a constraint, retired by its token with KmsGrants.' }
                @{ Code = '$key | New-KmsEmulatorGrant -GranteePrincipal arn:aws:iam::111122223333:role/old-app -Name stale -CreationDate (Get-Date).AddDays(-400); Remove-KmsEmulatorPrincipal arn:aws:iam::111122223333:role/old-app'
                   Remarks = 'A grant over a year old to a role deleted since: ListGrants shows the role''s AROA… unique ID as its grantee, as a stale-grant audit finds it.' }
            )
            Links       = @('New-KmsEmulatorKey', 'Get-KmsEmulatorGrant', 'about_KmsGrants.Testing', 'https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html')
        }

        'Get-KmsEmulatorGrant' = @{
            Synopsis    = 'Gets the grants alive in an emulator, from its own state: what a test asserts on.'
            Description = @(
                'Get-KmsEmulatorGrant reads the grants the emulator holds now, Region by Region in served order and in creation order, without a request: an assertion that does not depend on the client under test. A grant retired or revoked through KMS''s API is gone from it at once. Filters combine; -Name takes wildcards.'
                'Each grant carries its principals as written (GranteePrincipal, RetiringPrincipal: the ARNs given) and as ListGrants shows them now (ListedGranteePrincipal, ListedRetiringPrincipal: the unique ID of a user or role deleted since), and every token it has (GrantTokens: CreateGrant retried with its Name adds one).'
                'It reads a stopped emulator too (what was left when it stopped).'
            )
            Parameters  = @{
                KeyId             = 'Only the grants of this key: key ID or key ARN (alias -KeyArn, -Arn); a key from New-KmsEmulatorKey binds by property name.'
                Region            = 'Only the grants in this Region.'
                RetiringPrincipal = 'Only the grants with this retiring principal, exactly as written on the grant (the ARN) or as ListGrants shows it (a deleted principal''s unique ID).'
                GranteePrincipal  = 'Only the grants with this grantee principal, as written or as ListGrants shows it.'
                GrantId           = 'Only the grants with these IDs.'
                Name              = 'Only the grants whose name matches (wildcards allowed).'
            }
            Inputs      = @(@{ Type = 'KmsGrants.Testing.KmsEmulator'; Description = 'The emulator to read.' })
            Outputs     = @(@{ Type = 'KmsGrants.Testing.EmulatorGrant'; Description = 'One per grant alive.' })
            Notes       = @('Over HTTP, GET /_emulator/grants?region=R&keyId=K gives the same (for an emulator in another process).')
            Examples    = @(
                @{ Code = 'Get-KmsEmulatorGrant -RetiringPrincipal $ci -Name ''build-*'' | Should -BeNullOrEmpty'; Remarks = 'Asserts that no grant named build-* retirable by the ci principal is left.' }
                @{ Code = '(Get-KmsEmulatorGrant -KeyId $kms.KeyArn).Count'; Remarks = 'How many grants the seeded key has now.' }
                @{ Code = 'Get-KmsEmulatorGrant -Region eu-west-1 | Remove-KmsGrant -EndpointUrl $kms.Url -Region eu-west-1 -Force'; Remarks = 'Retires every grant of eu-west-1 through KmsGrants, by token.' }
            )
            Links       = @('New-KmsEmulatorGrant', 'Get-KmsEmulatorRequest', 'about_KmsGrants.Testing')
        }

        'Get-KmsEmulatorRequest' = @{
            Synopsis    = 'Gets what was sent to an emulator: each KMS request''s operation, Region, caller, DryRun flag and answer.'
            Description = @(
                'Get-KmsEmulatorRequest reads the emulator''s request log, oldest first: Sequence, Time, Operation, Region (of the signature), Caller (the verified caller''s ARN; empty when the request was throttled or faulted before its signature was checked, or refused), AccessKeyId, DryRun, KeyId, GrantId, GrantTokenGiven (grant tokens themselves are not kept), StatusCode (empty when the connection was cut before any answer), ErrorCode (ThrottlingException included) and Fault (the fault injected).'
                'The log keeps the latest -RequestLogSize requests (Start-KmsEmulator; 10,000 by default). For totals, use Get-KmsEmulatorStatistic.'
            )
            Parameters  = @{
                Operation = 'Only these operations (wildcards allowed), e.g. RetireGrant or List*.'
                Region    = 'Only requests signed for this Region.'
                Last      = 'Only the last N of the matching requests.'
            }
            Inputs      = @(@{ Type = 'KmsGrants.Testing.KmsEmulator'; Description = 'The emulator to read.' })
            Outputs     = @(@{ Type = 'KmsGrants.Testing.EmulatorRequest'; Description = 'One per request logged.' })
            Notes       = @('Over HTTP, GET /_emulator/requests gives the same.')
            Examples    = @(
                @{ Code = 'Get-KmsEmulatorRequest -Operation RetireGrant | Where-Object { -not $_.DryRun } | Should -BeNullOrEmpty'; Remarks = 'Asserts that a -WhatIf run sent no RetireGrant request that was not a DryRun.' }
                @{ Code = 'Get-KmsEmulatorRequest -Operation RetireGrant -Region eu-west-1 | Group-Object ErrorCode -NoElement'; Remarks = 'How eu-west-1''s RetireGrant requests were answered: successes, ThrottlingException, NotFoundException, ...' }
                @{ Code = '(Get-KmsEmulatorRequest -Last 1).Caller | Should -Be ''arn:aws:sts::111122223333:assumed-role/ci/build-42'''; Remarks = 'Asserts which identity signed the last request: that the runbook used the credentials it was given.' }
            )
            Links       = @('Get-KmsEmulatorStatistic', 'Get-KmsEmulatorGrant', 'about_KmsGrants.Testing')
        }

        'Get-KmsEmulatorStatistic' = @{
            Synopsis    = 'Gets an emulator''s counts: requests per operation and Region, grants and keys alive, the last caller.'
            Description = @(
                'Get-KmsEmulatorStatistic returns the emulator''s counts as one object, the same as GET /_emulator/stats: operations (per operation: requests, succeeded, errors, throttled, faultsInjected, over every request), grantsAlive, keys, lastCaller, lastAccessKey and lastRegion (of the last request whose signature was verified), and regions, with each served Region''s own operations, grantsAlive and keys.'
                'The counts are totals since the emulator started, however long the request log is.'
            )
            Parameters  = @{}
            Inputs      = @(@{ Type = 'KmsGrants.Testing.KmsEmulator'; Description = 'The emulator to read.' })
            Outputs     = @(@{ Type = 'System.Management.Automation.PSObject'; Description = 'The counts, shaped as ConvertFrom-Json would make GET /_emulator/stats.' })
            Notes       = @('An operation never called has no entry under operations.')
            Examples    = @(
                @{ Code = '(Get-KmsEmulatorStatistic).operations.RetireGrant.requests'; Remarks = 'How many RetireGrant requests the emulator has answered or refused.' }
                @{ Code = '$stats = $kms | Get-KmsEmulatorStatistic; $stats.regions.''eu-west-1''.grantsAlive'; Remarks = 'Grants alive in one Region.' }
                @{ Code = '$s = Get-KmsEmulatorStatistic; $s.operations.RetireGrant.throttled / $s.operations.RetireGrant.requests'; Remarks = 'The share of RetireGrant requests throttled by -Quota.' }
            )
            Links       = @('Get-KmsEmulatorRequest', 'Set-KmsEmulatorQuota', 'about_KmsGrants.Testing')
        }

        'Set-KmsEmulatorQuota' = @{
            Synopsis    = 'Changes an emulator''s request quotas while it runs, in every Region at once.'
            Description = @(
                'Set-KmsEmulatorQuota sets the requests per second of each operation named, in every Region the emulator serves; 0 or $null removes that operation''s quota. A changed bucket keeps the tokens it has, capped at the new rate (a raise does not refill it); a new quota starts full. Operations not named keep theirs.'
                'An operation the emulator does not implement, or a rate that is not a number of 0 or more, stops the command with KmsGrants.Testing.InvalidQuota and changes nothing.'
            )
            Parameters  = @{
                Quota    = 'Operation = requests per second, e.g. @{ RetireGrant = 30; ListGrants = $null }.'
                PassThru = 'Writes the quota table after the change (operation = requests per second).'
            }
            Inputs      = @(@{ Type = 'KmsGrants.Testing.KmsEmulator'; Description = 'The emulator to change.' })
            Outputs     = @(
                @{ Type = 'None'; Description = 'By default, nothing.' }
                @{ Type = 'System.Management.Automation.PSObject'; Description = 'With -PassThru, the quota table.' }
            )
            Notes       = @('Over HTTP, POST /_emulator/quota with a JSON object does the same (GET /_emulator/quota reads the table).')
            Examples    = @(
                @{ Code = 'Set-KmsEmulatorQuota @{ RetireGrant = 5 }'; Remarks = 'Throttles RetireGrant to 5 requests per second, e.g. midway through a run, to test that a runbook slows down.' }
                @{ Code = '$kms | Set-KmsEmulatorQuota @{ RetireGrant = $null }'; Remarks = 'Lifts the RetireGrant quota.' }
                @{ Code = 'Set-KmsEmulatorQuota -Emulator $west -Quota @{ RetireGrant = 0; ListGrants = 100 } -PassThru'; Remarks = 'Lifts one quota, sets another, and shows the table.' }
            )
            Links       = @('Start-KmsEmulator', 'Get-KmsEmulatorStatistic', 'about_KmsGrants.Testing')
        }

        'New-KmsEmulatorPrincipal' = @{
            Synopsis    = 'Makes an IAM user or role in an emulator, or makes one again after it was deleted; optionally not yet visible to KMS.'
            Description = @(
                'New-KmsEmulatorPrincipal makes IAM users and roles (arn:aws:iam::ACCOUNT:role/NAME or user/NAME, any path) as IAM would: each gets a unique ID (AROA and 17 characters for a role, AIDA and 17 for a user). Principals no one made exist too: a grant or an identity may name any user or role, which gets its unique ID when first named. So this cmdlet is for two things: making a principal again after Remove-KmsEmulatorPrincipal deleted it (a new principal with a new unique ID: new grants naming the ARN show the ARN, grants made before keep showing the old unique ID), and making one that IAM has not yet propagated to KMS.'
                'With -PropagationSeconds N, CreateGrant (and New-KmsEmulatorGrant) refuses the principal as grantee or retiring principal for N seconds, with KMS''s InvalidArnException "ARN does not refer to a valid principal: ARN", as KMS refuses a role created moments ago; clients that retry on it (Terraform''s grant resource does) succeed once the time has passed.'
                'A principal that exists (made, or named by a grant or identity, and not deleted) is KmsGrants.Testing.PrincipalExists.'
            )
            Parameters  = @{
                Emulator           = 'The emulator (bound from an object''s Emulator property too). When omitted: the one emulator started in this session that is still running.'
                Principal          = 'The ARNs of the users or roles to make (alias -Arn), from the pipeline too.'
                PropagationSeconds = 'Seconds (0-86400) before KMS sees the principal: until then CreateGrant refuses it as an invalid principal. 0, the default, makes it visible at once.'
            }
            Inputs      = @(@{ Type = 'System.String'; Description = 'Principal ARNs, or objects with a Principal or Arn property.' })
            Outputs     = @(@{ Type = 'KmsGrants.Testing.EmulatorPrincipal'; Description = 'Each principal made: Principal, UniqueId, Kind, Account, Deleted, ShownAs, CreationDate, VisibleDate.' })
            Notes       = @('IAM is global: a principal is the same in every Region the emulator serves.')
            Examples    = @(
                @{ Code = 'New-KmsEmulatorPrincipal arn:aws:iam::111122223333:role/new-app -PropagationSeconds 10'
                   Remarks = 'A role KMS does not see for ten seconds: a runbook that grants it a key must retry CreateGrant''s InvalidArnException.' }
                @{ Code = 'Remove-KmsEmulatorPrincipal $app; $again = New-KmsEmulatorPrincipal $app'
                   Remarks = 'Deletes a role and makes it again: $again.UniqueId is new, and the grants made before still show the old one.' }
                @{ Code = '''arn:aws:iam::111122223333:user/alice'', ''arn:aws:iam::111122223333:user/bob'' | New-KmsEmulatorPrincipal -WhatIf'
                   Remarks = 'Shows which users would be made, from the pipeline, and makes none.' }
            )
            Links       = @('Remove-KmsEmulatorPrincipal', 'Get-KmsEmulatorPrincipal', 'New-KmsEmulatorGrant', 'about_KmsGrants.Testing')
        }

        'Remove-KmsEmulatorPrincipal' = @{
            Synopsis    = 'Deletes IAM users and roles in an emulator: grants that named them then show their unique IDs, as KMS shows them.'
            Description = @(
                'Remove-KmsEmulatorPrincipal deletes IAM users and roles (arn:aws:iam::ACCOUNT:role/NAME or user/NAME, any path), in every Region at once (IAM is global). KMS keeps a grant''s principals by their unique IDs, so after the deletion ListGrants and ListRetirableGrants show the unique ID (AROA… for a role, AIDA… for a user; the same on every listing) wherever a grant named the principal, as grantee or as retiring principal; ListRetirableGrants with the ARN no longer finds those grants (KMS matches the retiring principal as the grant shows it), and ListGrants'' GranteePrincipal filter matches the unique ID, not the ARN. Get-KmsEmulatorGrant shows both: GranteePrincipal (the ARN) and ListedGranteePrincipal (what KMS shows).'
                'CreateGrant then refuses the ARN (InvalidArnException, "ARN does not refer to a valid principal: ARN"), and so do sessions of a deleted role, until New-KmsEmulatorPrincipal makes it again: a new principal, whose new grants show the ARN while the old grants keep the old unique ID. Who may retire a grant follows the principal it named: a role made again is not its retiring principal.'
                'Identities (Start-KmsEmulator -Identity) belong to the principal that existed when the emulator started. One that signs as a deleted IAM user is refused as an unknown key (UnrecognizedClientException: IAM deletes a user''s access keys with it); one that signs as a deleted role, or as a session of it, still authenticates but is allowed nothing (AccessDeniedException for every operation). Making the principal again does not bring them back.'
                'Deleting a principal that is deleted already is KmsGrants.Testing.PrincipalNotFound; an ARN that names no user or role is refused by parameter validation. A principal never named before is deleted all the same (it existed, as every principal does until deleted).'
            )
            Parameters  = @{
                Emulator  = 'The emulator (bound from an object''s Emulator property too). When omitted: the one emulator started in this session that is still running.'
                Principal = 'The ARNs of the users or roles to delete (alias -Arn), from the pipeline too: strings, or objects with a Principal or Arn property (Get-KmsEmulatorPrincipal''s).'
                PassThru  = 'Writes each principal deleted, with the unique ID grants now show.'
            }
            Inputs      = @(@{ Type = 'System.String'; Description = 'Principal ARNs, or objects with a Principal or Arn property.' })
            Outputs     = @(
                @{ Type = 'None'; Description = 'By default, nothing.' }
                @{ Type = 'KmsGrants.Testing.EmulatorPrincipal'; Description = 'With -PassThru, each principal deleted.' }
            )
            Notes       = @('Over HTTP, POST /_emulator/principals/delete with {"principals": [ARN, ...]} does the same (about_KmsGrants.Testing_Http).')
            Examples    = @(
                @{ Code = '$gone = Remove-KmsEmulatorPrincipal arn:aws:iam::111122223333:role/old-app -PassThru; (Get-KmsGrant $key.Arn @connection).GranteePrincipal | Should -Contain $gone.UniqueId'
                   Remarks = 'Deletes a role and asserts that ListGrants, through KmsGrants, shows its AROA… unique ID.' }
                @{ Code = 'Get-KmsEmulatorGrant -KeyId $key.Arn | Where-Object Name -like ''legacy-*'' | ForEach-Object GranteePrincipal | Sort-Object -Unique | Remove-KmsEmulatorPrincipal'
                   Remarks = 'Deletes the grantees of the legacy grants, from the pipeline.' }
                @{ Code = 'Remove-KmsEmulatorPrincipal arn:aws:iam::111122223333:user/ci -WhatIf'
                   Remarks = 'Shows what would be deleted, and deletes nothing.' }
            )
            Links       = @('New-KmsEmulatorPrincipal', 'Get-KmsEmulatorPrincipal', 'Get-KmsEmulatorGrant', 'about_KmsGrants.Testing')
        }

        'Get-KmsEmulatorPrincipal' = @{
            Synopsis    = 'Gets the IAM users and roles an emulator knows, with their unique IDs and whether they are deleted.'
            Description = @(
                'Get-KmsEmulatorPrincipal lists the users and roles the emulator knows, oldest first: each one named by a grant or an identity, made by New-KmsEmulatorPrincipal or deleted by Remove-KmsEmulatorPrincipal, with Principal (the ARN), UniqueId, Kind (role or user), Account, Deleted, ShownAs (what ListGrants shows on a grant that named it), CreationDate, VisibleDate (when KMS sees it) and DeletionDate. A principal deleted and made again appears twice: the old one deleted, the new one not.'
                'It reads a stopped emulator too.'
            )
            Parameters  = @{
                Emulator  = 'The emulator to read (from the pipeline too). When omitted: the one emulator started in this session that is still running.'
                Principal = 'Only these principals: ARNs or unique IDs, wildcards allowed (alias -Arn).'
                Deleted   = 'Only the principals deleted.'
            }
            Inputs      = @(@{ Type = 'KmsGrants.Testing.KmsEmulator'; Description = 'The emulator to read.' })
            Outputs     = @(@{ Type = 'KmsGrants.Testing.EmulatorPrincipal'; Description = 'One per principal known.' })
            Notes       = @('Over HTTP, GET /_emulator/principals gives the same.')
            Examples    = @(
                @{ Code = 'Get-KmsEmulatorPrincipal -Deleted'; Remarks = 'The users and roles deleted, with the unique IDs grants show for them.' }
                @{ Code = '(Get-KmsEmulatorPrincipal arn:aws:iam::111122223333:role/app).UniqueId'; Remarks = 'The unique IDs the app role has had (one per time it was made).' }
                @{ Code = 'Get-KmsEmulatorPrincipal ''AROA*'' | Where-Object Account -EQ 444455556666'; Remarks = 'The roles of another account the emulator knows.' }
            )
            Links       = @('New-KmsEmulatorPrincipal', 'Remove-KmsEmulatorPrincipal', 'about_KmsGrants.Testing')
        }
    }
}
