# The source of the cmdlets' help prose. tools/New-MamlHelp.ps1 turns it into en-US/KmsGrants.dll-Help.xml at build time,
# and tools/Update-Docs.ps1 into the pages docs/en-US/<Cmdlet>.md (build.ps1 -Task Docs), both taking each parameter's
# type, position, aliases and pipeline binding from the built cmdlets themselves, so only the prose lives here.
@{
    # The AWS Tools' common parameters, shared by every cmdlet.
    CommonParameters = @{
        Region          = 'The AWS Region to call (alias -RegionToCall), e.g. us-east-1: for listing, and for grants named by token, key ID or alias name. A grant or key named by its key ARN always goes to the ARN''s Region. When omitted: $StoredAWSRegion (Set-DefaultAWSRegion), the region of the profile the credentials came from, the [default] profile''s region, AWS_REGION or AWS_DEFAULT_REGION, then instance metadata. With none set anywhere, what is named by key ARN still goes to its ARN''s Region, and anything else is a KmsGrants.NoRegion error of its own (Get-KmsRetirableGrant, which lists one Region, stops). Checked against the AWS SDK''s Region names before any request; tab completion offers them. A piped object''s Region property (a CSV of earlier results, Get-AWSRegion''s objects) names the Region for that object''s token, key ID or alias name, unless -Region is given on the command line; one that is not a Region, or contradicts the object''s key ARN, is that object''s KmsGrants.InvalidRegion.'
        ProfileName     = 'The name of a profile in the shared config and credentials files (or the SDK''s encrypted store on Windows). Takes precedence over -Credential, $StoredAWSCredentials and the default chain. Supports SSO, assume-role and credential_process profiles through the AWS SDK. Tab completion offers the profiles on disk.'
        ProfileLocation = 'A credentials file to read profiles from instead of ~/.aws/credentials. Without -ProfileName, its [default] profile is used.'
        AccessKey       = 'An access key ID. Give it with -SecretKey (and -SessionToken for temporary credentials); explicit keys take precedence over every other source.'
        SecretKey       = 'The secret access key that goes with -AccessKey. It is never written to any output stream.'
        SessionToken    = 'The session token of temporary credentials, with -AccessKey and -SecretKey. It is never written to any output stream.'
        Credential      = 'An AWSCredentials object, for example from the AWS Tools'' Get-AWSCredential or New-AWSCredential (objects from another copy of the AWS SDK are accepted). Takes precedence over $StoredAWSCredentials and the default chain.'
        EndpointUrl     = 'The KMS endpoint to call instead of the Region''s public one: a VPC endpoint, LocalStack, moto, or the KmsGrants emulator. Each request is still signed for its grant''s or key''s Region. Without it, the endpoint the AWS SDK finds configured is used the same way: AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, or the endpoint_url (or services section) of the profile the credentials came from (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns those off); -Verbose names the endpoint and its source. Taken from the command line, never from a piped object''s properties: the credential parameters likewise.'
    }

    Commands = @{
        'Remove-KmsGrant' = @{
            Synopsis    = 'Retires AWS KMS grants (KMS RetireGrant), one or tens of thousands, by token or by key and grant ID.'
            Description = @(
                'Remove-KmsGrant retires KMS grants. Identify each grant by its grant token (-GrantToken), or by its key (key ID or key ARN; use the ARN for a key in another account) and grant ID (-KeyId with -GrantId). Objects from Get-KmsGrant, Get-KmsRetirableGrant, Import-Csv rows (columns KeyId,GrantId or GrantToken) and the AWS Tools'' GrantListEntry objects bind from the pipeline by property name; a bare string is a grant token. An object that carries both a token and KeyId+GrantId binds by its token: the token is what CreateGrant returned for that very grant, and works before KMS''s eventual consistency.'
                'Retiring cannot be undone, so the command asks for confirmation (ConfirmImpact High) for each grant, offering Yes to All and No to All; -Force skips the prompt. -WhatIf prints PowerShell''s own What if line for every grant, then sends each request with DryRun=true and states KMS''s verdict on a second What if line: the retirement would succeed, or the exact error it would get, which is also written as an error. Nothing is retired under -WhatIf, and -Force never overrides it. Against an endpoint that ignores DryRun (moto does), a DryRun of a grant that cannot exist is sent first, and its success stops the run with a KmsGrants.DryRunNotHonored error; a grant for which no verdict could be had gets a warning, and nothing is sent for it.'
                'Grants are retired concurrently: up to -ThrottleLimit requests in flight, at a rate that starts at KMS''s default RetireGrant quota (50 per second), grows while nothing is throttled, and backs off when KMS answers ThrottlingException. Throttling, faults (HTTP 500, 503), timeouts and lost connections are retried with jittered exponential backoff; a grant whose response was lost and whose retry finds it gone is reported as RetiredOnRetry. Results are written as they complete, not in input order. Memory stays bounded however many grants stream in. Runs longer than two seconds show a progress bar.'
                'Each failure is a non-terminating error with a stable ID (KmsGrants.NotFound, KmsGrants.AccessDenied, KmsGrants.InvalidArn, KmsGrants.InvalidState, KmsGrants.Throttled, KmsGrants.DependencyTimeout, ...), the matching category, and the grant as target object; the other grants go on unless you use -ErrorAction Stop. Input that KMS would reject (lengths and patterns of the KMS service model) is reported before any request is sent. Missing credentials stop the command before it takes any grant (a terminating error). With no Region set anywhere, only the grants that need one (named by token, key ID or alias name) fail, with KmsGrants.NoRegion.'
                'Every grant the command takes in gets exactly one result, however the run ends. When an answer shows that every request would fail alike (credentials KMS rejects, an endpoint that is not KMS, one that does not honour DryRun, one gone silent), nothing more is sent, the grants still waiting are NotAttempted, and the cause is written as the command''s last error, after every result: a non-terminating error, so that $results = ... | Remove-KmsGrant -PassThru keeps the results (with -ErrorAction Stop it terminates, as for any error).'
                'The tally of the last run is kept in $KmsGrantsLastRun. After Ctrl+C, a later command''s stop (Select-Object -First) or -ErrorAction Stop, no new request is sent, requests in flight finish, and the results that could no longer be written to the pipeline are in $KmsGrantsLastRun.UnreportedResults. Those written before a stop that throws (-ErrorAction Stop) are lost to an assignment ($r = ...), as PowerShell discards the output of a statement that throws: keep them with -OutVariable, or pipe them on.'
            )
            Parameters  = @{
                GrantToken           = 'Grant tokens, as CreateGrant returned them. A token works even before a new grant is eventually consistent. A string piped in without -KeyId is a token; only text binds (a hashtable or a CSV row read with the wrong delimiter is refused by the binder, not sent).'
                KeyId                = 'The key of the grants: key ID, key ARN, alias name or alias ARN (an alias is resolved once with DescribeKey). A grant whose key is a key ARN is retired in the ARN''s Region. Use the key ARN for a key in another account.'
                GrantId              = 'Grant IDs on the key given with -KeyId; with -KeyId, strings piped in are grant IDs.'
                Force                = 'Retires without asking for confirmation. Never overrides -WhatIf; an explicit -Confirm still prompts.'
                PassThru             = 'Writes one KmsGrants.RetireResult per grant: KeyId, GrantId or GrantToken, Region, Status (Retired, RetiredOnRetry, WouldRetire, WouldFail, Failed, Unknown, NotAttempted), Outcome (the same, in words shared with Revoke-KmsGrant), Operation (RetireGrant), Attempts, ErrorCode, Message, Elapsed, DryRun.'
                ThrottleLimit        = 'The most requests in flight at once in each Region (1-4096). By default as many as the rate needs at the measured round trip (rate × round trip, twice over), up to 512; the rate controller, not this, keeps requests within the KMS quota.'
                MaxRequestsPerSecond = 'A ceiling on requests per second in each Region (0.1-5000), for leaving part of the account''s KMS quota (shared by every principal and AWS service in the account and Region) to other work. It always wins over the rate controller.'
                WhatIf               = 'Shows PowerShell''s What if line for each grant, then sends each request with DryRun=true and shows KMS''s verdict; retires nothing. DryRun requests count against the KMS quota.'
                Confirm              = 'Asks for confirmation before retiring each grant (the default, since ConfirmImpact is High).'
            }
            Inputs      = @(
                @{ Type = 'KmsGrants.GrantInfo'; Description = 'Grants from Get-KmsGrant or Get-KmsRetirableGrant (KeyId and GrantId bind by property name).' }
                @{ Type = 'System.Management.Automation.PSObject'; Description = 'Any object with KeyId and GrantId properties, or a GrantToken property: Import-Csv rows, the AWS Tools'' GrantListEntry.' }
                @{ Type = 'System.String'; Description = 'A grant token.' }
            )
            Outputs     = @(
                @{ Type = 'None'; Description = 'By default, nothing.' }
                @{ Type = 'KmsGrants.RetireResult'; Description = 'With -PassThru, one per grant, in completion order.' }
            )
            Notes       = @(
                'Only the grant''s retiring principal, a grantee principal the grant allows RetireGrant, or the key''s account may retire a grant. Retirements take effect after a brief delay (usually under five minutes).'
                'KMS quotas are per account and Region, across all principals: see about_KmsGrants_BulkAndPacing for how the pacing works.'
            )
            Examples    = @(
                @{ Code = 'Get-KmsRetirableGrant -RetiringPrincipal arn:aws:iam::111122223333:role/deployer | Remove-KmsGrant -Force'
                   Remarks = 'Retires every grant the deployer role may retire, without prompting, paced to the KMS quota. Failures are reported as errors and do not stop the rest.' }
                @{ Code = 'Get-KmsGrant -KeyId 1234abcd-12ab-34cd-56ef-1234567890ab | Where-Object Name -like ''ci-*'' | Remove-KmsGrant -WhatIf'
                   Remarks = 'Asks KMS, with DryRun, whether each grant named ci-* could be retired, and retires none: each What if line states the verdict.' }
                @{ Code = 'Import-Csv ./grants.csv | Remove-KmsGrant -Force -PassThru | Export-Csv ./retired.csv'
                   Remarks = 'Retires the grants listed in a CSV file with KeyId and GrantId (or GrantToken) columns, and keeps a report of each grant''s fate.' }
                @{ Code = 'Remove-KmsGrant -GrantToken $token -ProfileName prod -Region eu-west-1'
                   Remarks = 'Retires one grant by the token CreateGrant returned, asking for confirmation first, with the credentials of the prod profile.' }
                @{ Code = 'Get-KmsRetirableGrant $principal | Remove-KmsGrant -Force -MaxRequestsPerSecond 20 -ErrorAction SilentlyContinue -ErrorVariable failed; $KmsGrantsLastRun'
                   Remarks = 'Retires at no more than 20 requests per second, leaving quota to production traffic, collects the failures in $failed, and shows the run''s tally.' }
            )
            Links       = @('Get-KmsGrant', 'Get-KmsRetirableGrant', 'Revoke-KmsGrant', 'about_KmsGrants', 'about_KmsGrants_Results', 'about_KmsGrants_WhatIf', 'about_KmsGrants_BulkAndPacing', 'https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html')
        }

        'New-KmsGrant' = @{
            Synopsis    = 'Creates AWS KMS grants (KMS CreateGrant), one or thousands, from parameters or from grant objects used as templates.'
            Description = @(
                'New-KmsGrant creates KMS grants: it gives a grantee principal the operations you name on a key, optionally with a retiring principal, a name and an encryption context constraint. Keys come from -KeyId or the pipeline (strings, key objects, Import-Csv rows with a KeyId column); whole grant objects (from Get-KmsGrant or Find-KmsStaleGrant) are templates: their operations, constraints, retiring principal and name are copied, and whatever you give on the command line (typically -GranteePrincipal) wins. So Get-KmsGrant -KeyId * -GranteePrincipal $oldRole | New-KmsGrant -GranteePrincipal $newRole gives a replacement role the grants its predecessor had.'
                'Each new grant gets one result, written as it completes (a New- cmdlet writes what it made): KmsGrants.NewGrantResult with the key, GrantId and GrantToken (the token makes the grant usable at once, before KMS''s eventual consistency), Status (Created, Existed, WouldCreate, WouldFail, Failed, Unknown, NotAttempted), and the grant''s principals, operations and name. $KmsGrantsLastRun keeps the tally.'
                'Grants are created concurrently at the Region''s CreateGrant quota (50 per second by default), measured from KMS''s throttles, on the same engine as Remove-KmsGrant: the same retries, stops and one result per grant. With a -Name, CreateGrant is idempotent (KMS returns the same grant for the same name and parameters), so a request whose answer was lost is sent again and the grant KMS returns is Created; without a name, a second request would make a second grant, so such a request is not sent again and its grant is Unknown: check it with Get-KmsGrant, and give -Name to make retries (and re-running a stopped pipeline) safe.'
                'A principal KMS refuses (InvalidArnException) may be a role or user created moments ago that IAM has not yet propagated: the request is retried for up to 120 seconds, as Terraform does, then reported as KmsGrants.InvalidPrincipal; under -WhatIf, KMS''s refusal of the DryRun is the verdict at once (WouldFail), with a note that a real run would wait. A key that holds its most grants (50,000) is KmsGrants.LimitExceeded. Input that cannot be right is refused before anything is sent, per object, and the others go on: no operations, an operation no grant can allow or operations of two kinds of key (Decrypt with Sign), a name KMS refuses, both constraints or a constraint whose values are not text (KmsGrants.InvalidOperations, KmsGrants.InvalidGrantName, KmsGrants.InvalidConstraint, KmsGrants.InvalidPrincipal).'
                'Creating a grant adds access, so the command asks for confirmation when $ConfirmPreference is Medium or lower (ConfirmImpact Medium); -Confirm always asks. -WhatIf prints PowerShell''s What if line, then sends each request with DryRun=true and states KMS''s verdict; nothing is created. As for the other cmdlets, before the first real DryRun the endpoint must refuse a DryRun of a grant that cannot exist (RetireGrant''s, on the new grant''s key), so an endpoint that ignores DryRun (moto) creates nothing.'
            )
            Parameters  = @{
                KeyId                   = 'The key to create the grant on: key ID, key ARN, alias name or alias ARN (an alias is resolved once with DescribeKey). Use the key ARN for a key in another account; a key ARN''s grant is created in the ARN''s Region.'
                GranteePrincipal        = 'The principal that gets the permissions: an IAM role, user, account root or federated user ARN, or an AWS service principal. Given on the command line, it holds for every piped template.'
                Operations              = 'What the grant allows (case-sensitive): Decrypt, Encrypt, GenerateDataKey, ..., CreateGrant, RetireGrant, DescribeKey. Tab completion offers them. Text as a CSV keeps a list (''Decrypt Encrypt'', ''Decrypt,Encrypt'') is split. Operations of two kinds of key (Decrypt with Sign, or with GenerateMac) are refused before sending: no key allows both.'
                RetiringPrincipal       = 'The principal that may retire the grant (Remove-KmsGrant). Optional.'
                Name                    = 'A name for the grant (1-256 letters, digits and : / _ -). It makes CreateGrant idempotent: the same request again returns the same grant, so retries after a lost answer, and re-runs, make no duplicate.'
                EncryptionContextSubset = 'A constraint: the grant allows a cryptographic operation only when its encryption context includes these pairs. A hashtable of text keys and values, or its JSON text; a piped grant''s constraint is copied (at its top level, or inside its Constraints as AWS.Tools and the AWS CLI keep it), and one that cannot be read refuses that grant (KmsGrants.InvalidConstraint). Not with -EncryptionContextEquals.'
                EncryptionContextEquals = 'A constraint: the grant allows a cryptographic operation only when its encryption context is exactly these pairs. A hashtable of text keys and values, or its JSON text; copied from a piped grant as -EncryptionContextSubset is. Not with -EncryptionContextSubset.'
                GrantToken              = 'Grant tokens that give the caller permission to create this grant (CreateGrant''s GrantTokens, at most 10), when that permission is itself a grant not yet eventually consistent. From the command line only.'
                TemplateGrantId         = 'Bound from a piped grant''s GrantId: kept on the result as TemplateGrantId, never sent.'
                Constraints             = 'Bound from a piped grant''s Constraints (AWS.Tools'' GrantListEntry, the AWS CLI''s JSON): its constraint is copied when the grant has none at its top level. Not for the command line.'
                Force                   = 'Creates without asking for confirmation even when $ConfirmPreference asks. Never overrides -WhatIf; an explicit -Confirm still prompts.'
                ThrottleLimit           = 'The most requests in flight at once in each Region (1-4096); by default as many as the rate needs.'
                MaxRequestsPerSecond    = 'A ceiling on CreateGrant requests per second in each Region (0.1-5000), leaving quota to other work.'
                WhatIf                  = 'Shows PowerShell''s What if line for each grant, then sends CreateGrant with DryRun=true and shows KMS''s verdict; creates nothing.'
                Confirm                 = 'Asks for confirmation before creating each grant.'
            }
            Inputs      = @(
                @{ Type = 'KmsGrants.GrantInfo'; Description = 'Grants as templates (from Get-KmsGrant, Get-KmsRetirableGrant, Find-KmsStaleGrant): KeyId, GranteePrincipal, Operations, RetiringPrincipal, Name and the constraints bind by property name.' }
                @{ Type = 'System.Management.Automation.PSObject'; Description = 'Any object with a KeyId property (Import-Csv rows), and optionally the others.' }
                @{ Type = 'System.String'; Description = 'A key (key ID, key ARN, alias name or alias ARN).' }
            )
            Outputs     = @(
                @{ Type = 'KmsGrants.NewGrantResult'; Description = 'One per grant, in completion order, with GrantId and GrantToken.' }
            )
            Notes       = @(
                'The caller needs kms:CreateGrant on the key. A grant takes effect after a brief delay (usually under five minutes); its token works at once.'
                'KMS''s CreateGrant quota is per account and Region (50 per second by default), shared with every principal and AWS service of the account.'
            )
            Examples    = @(
                @{ Code = 'New-KmsGrant -KeyId alias/app -GranteePrincipal arn:aws:iam::111122223333:role/worker -Operations Decrypt, GenerateDataKey -Name worker-app'
                   Remarks = 'Gives the worker role Decrypt and GenerateDataKey on the key behind alias/app; the name makes a re-run return the same grant instead of a second one.' }
                @{ Code = 'Get-KmsGrant -KeyId * -GranteePrincipal $oldRoleId | New-KmsGrant -GranteePrincipal $newRoleArn -WhatIf'
                   Remarks = 'Asks KMS, with DryRun, whether the replacement role could be given each grant the deleted role had (its grants show its unique ID), creating nothing.' }
                @{ Code = 'Import-Csv ./keys.csv | New-KmsGrant -GranteePrincipal $role -Operations Decrypt -EncryptionContextSubset @{ app = ''billing'' } | Export-Csv ./granted.csv'
                   Remarks = 'Creates a constrained Decrypt grant on each key the CSV lists, and keeps each grant''s ID and token.' }
            )
            Links       = @('Get-KmsGrant', 'Find-KmsStaleGrant', 'Remove-KmsGrant', 'Revoke-KmsGrant', 'about_KmsGrants', 'about_KmsGrants_NewGrants', 'about_KmsGrants_Results', 'https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html')
        }

        'Revoke-KmsGrant' = @{
            Synopsis    = 'Revokes AWS KMS grants (KMS RevokeGrant) as a key administrator, one or tens of thousands, by key and grant ID.'
            Description = @(
                'Revoke-KmsGrant revokes KMS grants: the key administrator''s way to delete a grant (RetireGrant, and Remove-KmsGrant, are the retiring principal''s and grantee''s). Use it when a grant must go now: a principal or key is compromised, or a key''s access is being tightened. RevokeGrant names a grant by its key (key ID, key ARN, alias name or alias ARN; the ARN for a key in another account) and grant ID only: objects from Get-KmsGrant, Get-KmsRetirableGrant, Import-Csv rows with KeyId and GrantId columns and the AWS Tools'' GrantListEntry objects bind by property name, and with -KeyId, strings piped in are grant IDs. A grant that carries only a token (a CSV of tokens) is refused before anything is sent, with KmsGrants.GrantIdRequired.'
                'Revoking cannot be undone, so the command asks for confirmation (ConfirmImpact High) for each grant, offering Yes to All and No to All; -Force skips the prompt. -WhatIf prints PowerShell''s What if line for every grant, then sends each request with DryRun=true and states KMS''s verdict on a second What if line; nothing is revoked. Against an endpoint that ignores DryRun (moto does), a DryRun of a grant that cannot exist is sent first, and its success stops the run with KmsGrants.DryRunNotHonored before any real grant is sent.'
                'It runs on the same engine as Remove-KmsGrant: grants named by key ARN go to their ARN''s Region, every Region runs at once at the RevokeGrant quota it measures from KMS''s throttles (RevokeGrant has its own quota: 50 requests per second by default), throttles, faults and lost connections are retried, a grant whose answer was lost and whose retry finds it gone is RevokedOnRetry, and every grant taken in gets exactly one result, however the run ends. The run''s tally is in $KmsGrantsLastRun (a KmsGrants.RevokeSummary).'
                'Each failure is a non-terminating error with a stable ID and the grant as target (KmsGrants.NotFound, KmsGrants.AccessDenied when the caller may not revoke grants on the key, KmsGrants.InvalidState, ...). An answer that shows every request would fail alike stops the run and is written as the command''s last error, after every result.'
            )
            Parameters  = @{
                KeyId                = 'The key of the grants: key ID, key ARN, alias name or alias ARN (an alias is resolved once with DescribeKey). A grant whose key is a key ARN is revoked in the ARN''s Region. Use the key ARN for a key in another account.'
                GrantId              = 'Grant IDs on the key given with -KeyId; with -KeyId, strings piped in are grant IDs.'
                GrantToken           = 'Not used by RevokeGrant: an object that carries only a grant token binds here so that it is refused with KmsGrants.GrantIdRequired, and nothing is sent for it.'
                Force                = 'Revokes without asking for confirmation. Never overrides -WhatIf; an explicit -Confirm still prompts.'
                PassThru             = 'Writes one KmsGrants.RevokeResult per grant: KeyId, GrantId, Region, Status (Revoked, RevokedOnRetry, WouldRevoke, WouldFail, Failed, Unknown, NotAttempted), Outcome (the same, in words shared with Remove-KmsGrant), Operation (RevokeGrant), Attempts, ErrorCode, Message, Elapsed, DryRun.'
                ThrottleLimit        = 'The most requests in flight at once in each Region (1-4096). By default as many as the rate needs at the measured round trip, up to 512.'
                MaxRequestsPerSecond = 'A ceiling on requests per second in each Region (0.1-5000), for leaving part of the account''s RevokeGrant quota to other work. It always wins over the rate controller.'
                WhatIf               = 'Shows PowerShell''s What if line for each grant, then sends each request with DryRun=true and shows KMS''s verdict; revokes nothing. DryRun requests count against the KMS quota.'
                Confirm              = 'Asks for confirmation before revoking each grant (the default, since ConfirmImpact is High).'
            }
            Inputs      = @(
                @{ Type = 'KmsGrants.GrantInfo'; Description = 'Grants from Get-KmsGrant or Get-KmsRetirableGrant (KeyId and GrantId bind by property name).' }
                @{ Type = 'System.Management.Automation.PSObject'; Description = 'Any object with KeyId and GrantId properties: Import-Csv rows, the AWS Tools'' GrantListEntry.' }
                @{ Type = 'System.String'; Description = 'A grant ID, with -KeyId.' }
            )
            Outputs     = @(
                @{ Type = 'None'; Description = 'By default, nothing.' }
                @{ Type = 'KmsGrants.RevokeResult'; Description = 'With -PassThru, one per grant, in completion order.' }
            )
            Notes       = @(
                'Revoking needs kms:RevokeGrant on the key, which the key policy grants (by default to the key''s account: its key administrators). A grant''s retiring principal in another account may retire the grant, not revoke it. Revocations take effect after a brief delay (usually under five minutes); a grant token the grantee already holds may still work until then.'
                'KMS quotas are per account and Region: RevokeGrant''s is its own, separate from RetireGrant''s (50 requests per second by default).'
            )
            Examples    = @(
                @{ Code = '$keep = Get-Content ./grants-to-keep.txt; Get-KmsGrant -KeyId $keyArn | Where-Object GrantId -notin $keep | Revoke-KmsGrant -Force -PassThru | Export-Csv ./revoked.csv'
                   Remarks = 'Incident response: revokes every grant on the key except those whose IDs are listed in grants-to-keep.txt, without prompting, at the Region''s RevokeGrant quota, and keeps a report of each grant''s fate (Status Revoked, or why not).' }
                @{ Code = 'Get-KmsGrant -KeyId alias/payments -GranteePrincipal arn:aws:iam::111122223333:role/compromised | Revoke-KmsGrant -WhatIf'
                   Remarks = 'Asks KMS, with DryRun, whether each grant the compromised role holds on the key could be revoked, and revokes none: PowerShell''s What if line for each grant, then KMS''s verdict.' }
                @{ Code = 'Revoke-KmsGrant -KeyId arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab -GrantId $grantId'
                   Remarks = 'Revokes one grant in the key ARN''s Region (eu-west-1), asking for confirmation first.' }
                @{ Code = 'Import-Csv ./grants.csv | Revoke-KmsGrant -Force -MaxRequestsPerSecond 20 -ErrorAction SilentlyContinue -ErrorVariable failed; $KmsGrantsLastRun'
                   Remarks = 'Revokes the grants a CSV file lists (KeyId and GrantId columns; keys by ARN may be in several Regions, all revoked at once) at no more than 20 requests per second, collects the failures in $failed, and shows the tally.' }
            )
            Links       = @('Remove-KmsGrant', 'Get-KmsGrant', 'Find-KmsStaleGrant', 'about_KmsGrants', 'about_KmsGrants_Results', 'about_KmsGrants_WhatIf', 'https://docs.aws.amazon.com/kms/latest/APIReference/API_RevokeGrant.html')
        }

        'Get-KmsRetirableGrant' = @{
            Synopsis    = 'Lists the KMS grants a principal may retire (KMS ListRetirableGrants), on keys in any account.'
            Description = @(
                'Get-KmsRetirableGrant lists every grant whose retiring principal is the given principal, on keys in any account and the calling Region. Pages are requested one at a time, as the pipeline consumes them: the first grant reaches the pipeline before the second page is requested, and -First stops requesting once satisfied.'
                'Grants are KmsGrants.GrantInfo objects (KeyId as the key ARN, GrantId, Name, CreationDate, GranteePrincipal, RetiringPrincipal, IssuingAccount, Operations, and the encryption context constraints), ready to pipe into Remove-KmsGrant.'
            )
            Parameters  = @{
                RetiringPrincipal = 'The retiring principal: an IAM ARN (role, user, account root, federated user, assumed role) or a service principal, in the caller''s account (KMS lists grants for principals of the caller''s account only; the grants may be on keys of any account). Validated against the KMS model''s pattern before any request. Takes principals from the pipeline, by value or by property name; only text binds.'
                Region            = 'The Region to list in, or several (us-east-1, eu-west-1): ListRetirableGrants lists one Region''s grants, so several are listed side by side, each at its own quota (AWS.Tools takes one). When omitted: the default Region, resolved as for every cmdlet (see about_KmsGrants_Connection). A piped object''s Region property names its principal''s.'
                PageSize          = 'Grants per request (aliases -Limit and -MaxItems, as in AWS.Tools, which sends the value as the page size): 1-1000 as the KMS model allows (KMS documents 1-100); default 100, the fewest round trips. With -First, no more than -First still needs is asked for.'
                Marker            = 'Starts from this marker (the NextMarker of an earlier page; alias -NextToken). As in AWS.Tools, giving -Marker lists one page only.'
                NoAutoIteration   = 'Lists one page only (from -Marker if given). Use -Select * to see the page''s NextMarker and Truncated.'
                Select            = 'What to write, with AWS.Tools'' meaning: Grants (default) writes each grant; * writes each page (a KmsGrants.GrantPage with Grants, NextMarker and Truncated); a property path such as NextMarker or Grants.GrantId writes those values; ^ and a parameter name (e.g. ^RetiringPrincipal) writes that parameter''s value once, after every page was listed.'
                First             = 'Writes at most this many grants and then stops requesting pages.'
                Skip              = 'Skips this many grants first.'
                IncludeTotalCount = 'After the grants, writes their total count.'
            }
            Inputs      = @(@{ Type = 'System.String'; Description = 'Retiring principals, by value or by property name (RetiringPrincipal).' })
            Outputs     = @(@{ Type = 'KmsGrants.GrantInfo'; Description = 'One per grant.' })
            Notes       = @('The caller needs kms:ListRetirableGrants permission in IAM. KMS quota: 100 requests per second by default.')
            Examples    = @(
                @{ Code = 'Get-KmsRetirableGrant -RetiringPrincipal arn:aws:iam::111122223333:role/deployer'
                   Remarks = 'Lists the grants the deployer role may retire, as a table.' }
                @{ Code = 'Get-KmsRetirableGrant arn:aws:iam::111122223333:role/deployer | Remove-KmsGrant -Force'
                   Remarks = 'Retires every one of them.' }
                @{ Code = 'Get-KmsRetirableGrant $principal -First 5 | Format-List'
                   Remarks = 'Shows everything about the first five, with a single page request.' }
                @{ Code = 'Get-KmsRetirableGrant $principal | Group-Object { ($_.KeyId -split '':'')[4] } | Select-Object Name, Count'
                   Remarks = 'Counts the retirable grants per key account.' }
            )
            Links       = @('Remove-KmsGrant', 'Get-KmsGrant', 'about_KmsGrants', 'about_KmsGrants_AwsTools', 'about_KmsGrants_Regions', 'https://docs.aws.amazon.com/kms/latest/APIReference/API_ListRetirableGrants.html')
        }

        'Find-KmsStaleGrant' = @{
            Synopsis    = 'Finds the KMS grants that should go: grants of deleted IAM principals, and duplicates. Read-only; the findings pipe into Revoke-KmsGrant.'
            Description = @(
                'Find-KmsStaleGrant weighs grants and writes one finding per grant that should go: the grant itself (every property Get-KmsGrant writes, so it binds straight into Revoke-KmsGrant or Remove-KmsGrant) with a Reason and Evidence in words a reviewer can check. It deletes nothing.'
                'PrincipalDeleted: the grantee principal shows as an IAM unique ID (AROA followed by 17 characters for a role, AIDA for a user). KMS shows a principal''s unique ID instead of its ARN once the role or user is deleted, and a role made again with the same name gets a new ID, so the grant gives its access to no one. A grant whose retiring principal alone was deleted still serves its grantee: it is named in a verbose line, not a finding. KMS also shows the unique ID for about a minute after a principal is created, so only grants older than -MinimumAge (default 1 hour) are findings; younger ones are named in a verbose line. A unique ID names no account: another account''s deleted principal looks the same. Grants to AWS service principals (*.amazonaws.com) are never findings.'
                'Duplicate: another grant of the same key has the same grantee, retiring principal, operations (as a set) and encryption context constraint; the newest of each group is kept and the others are findings, whose Evidence and KeptGrantId name the kept grant. A leftover duplicate keeps the access after the original is revoked (AWS''s grant best practices).'
                'Keys holding 80% or more of the 50,000 grants a customer managed key may hold get one warning each, naming the key and its count (AWS managed keys are exempt from the limit).'
                'Grants come from the pipeline (Get-KmsGrant -KeyId *, Get-KmsRetirableGrant, Import-Csv rows with the grant columns), or, with none piped in, from listing the keys of the Region (or each -Region) that -KeyId matches (default *) side by side at the ListGrants quota, as Get-KmsGrant -KeyId * does; then memory follows the largest key, as each key is weighed when its listing ends. Piped objects that are not grants (text, a hashtable, objects without KeyId and GrantId) are refused one by one with KmsGrants.NotAGrant, and the others go on.'
                'How to remove what it finds: a deleted principal cannot retire its own grant, so Revoke-KmsGrant (RevokeGrant, by a key administrator of the key''s account) is the way, for duplicates too; review first with -WhatIf: Find-KmsStaleGrant | Revoke-KmsGrant -WhatIf. It needs kms:ListKeys, kms:ListAliases (for alias patterns) and kms:ListGrants.'
            )
            Parameters  = @{
                InputObject = 'A grant to weigh, from the pipeline: KmsGrants.GrantInfo objects, or any object with KeyId and GrantId properties (and the others a grant has: GranteePrincipal, RetiringPrincipal, CreationDate, Operations, constraints).'
                KeyId       = 'When no grants are piped in: the keys whose grants to list and weigh, with wildcards as Get-KmsGrant takes them (default *: every key of the Region; alias/app-* the keys whose aliases match).'
                Region      = 'When no grants are piped in: the Regions whose keys to list, side by side, each at its own quota. When omitted, the default Region.'
                MinimumAge  = 'How old a grant naming a unique ID must be to be called PrincipalDeleted (default 1 hour): younger ones may be a principal created moments ago. 0 calls every one stale; a negative age is refused by the binder.'
                Reason      = 'Only these reasons: PrincipalDeleted, Duplicate (default both).'
            }
            Inputs      = @(
                @{ Type = 'KmsGrants.GrantInfo'; Description = 'Grants from Get-KmsGrant or Get-KmsRetirableGrant.' }
                @{ Type = 'System.Management.Automation.PSObject'; Description = 'Any object with KeyId and GrantId properties (an Import-Csv row, AWS.Tools'' GrantListEntry).' }
            )
            Outputs     = @(@{ Type = 'KmsGrants.StaleGrant'; Description = 'One per grant that should go: the grant''s properties with Reason, Evidence and (for a duplicate) KeptGrantId.' })
            Notes       = @(
                'A unique ID in a grant cannot tell which account the deleted principal was in; the age rule keeps a principal created moments ago from being called deleted.'
                'Findings come out as soon as they are certain: a deleted grantee''s grant as it is listed; duplicates when their key is done (its listing ended, or the piped grants ended), when the newest of each group is known. The grants of AWS managed keys are never duplicates when the module lists the keys itself (one ListAliases per Region tells them apart).'
            )
            Examples    = @(
                @{ Code = 'Find-KmsStaleGrant -Region us-east-1, eu-west-1 | Format-List KeyId, GrantId, Reason, Evidence'
                   Remarks = 'Lists every key''s grants in two Regions and shows why each stale one should go.' }
                @{ Code = 'Find-KmsStaleGrant | Revoke-KmsGrant -WhatIf'
                   Remarks = 'Asks KMS, with DryRun, whether each stale grant of the Region could be revoked; revokes none.' }
                @{ Code = 'Get-KmsGrant -KeyId alias/app-* | Find-KmsStaleGrant -Reason Duplicate | Revoke-KmsGrant -Force -PassThru | Export-Csv ./revoked.csv'
                   Remarks = 'Revokes the duplicate grants of the app keys, keeping the newest of each group, and keeps a report of each one''s fate.' }
            )
            Links       = @('Get-KmsGrant', 'Revoke-KmsGrant', 'New-KmsGrant', 'about_KmsGrants', 'about_KmsGrants_StaleGrants', 'https://docs.aws.amazon.com/kms/latest/developerguide/grant-best-practices.html')
        }

        'Get-KmsGrant' = @{
            Synopsis    = 'Lists the grants of KMS keys (KMS ListGrants): one key, or every key a pattern matches (-KeyId *), in one Region or several.'
            Description = @(
                'Get-KmsGrant lists the grants of a KMS key, optionally only one grant (-GrantId) or the grants of one grantee (-GranteePrincipal). For one key in one Region, pages are requested one at a time as the pipeline consumes them, and -First stops requesting once satisfied; AWS.Tools'' Get-KMSGrantList parameters (-Limit, -Marker, -NoAutoIteration, -Select) work with their meaning.'
                'With wildcards in -KeyId (-KeyId * for every key, alias/app-* for the keys whose aliases match, key IDs or key ARNs with wildcards), the Region''s keys are read with ListKeys (or ListAliases for alias patterns) and every matching key''s grants are listed side by side, paced at the Region''s ListGrants quota (100 per second by default, measured from KMS''s throttles), with the same retries, time-outs and stops as Remove-KmsGrant. Grants are written as their pages arrive, so keys interleave; -First stops the listing once satisfied. -GranteePrincipal filters on every key: every grant given to one role, account-wide. A pattern that matches no key writes nothing; a key that does not exist, named without wildcards, is still KmsGrants.NotFound.'
                'Several Regions (-Region us-east-1, eu-west-1, or piped objects'' Region property) are listed side by side, each at its own quota. A key ARN is listed in its own Region only; an alias name in each Region.'
                'Keys bind from the pipeline by property name (KeyId, or KeyArn). A key whose ListGrants is refused (its key policy does not allow the caller) is one non-terminating error naming the key, and the other keys go on; a key deleted between ListKeys and its ListGrants is skipped with a verbose line. What would fail every request (credentials KMS rejects, an endpoint that is not KMS) ends the command.'
            )
            Parameters  = @{
                KeyId             = 'The key: key ID, key ARN, alias name (alias/NAME) or alias ARN; an alias is resolved once with DescribeKey. A key ARN is listed in its own Region. Use the key ARN for a key in another account. Wildcards list every matching key of the Region (ListKeys, or ListAliases for alias/ patterns): * for all, alias/app-*, 1234abcd*, arn:aws:kms:*:111122223333:key/*. Takes keys from the pipeline, by value or by property name (KeyId, KeyArn); tab completion offers the Region''s aliases and key IDs.'
                Region            = 'The Regions to list in: one, or several (us-east-1, eu-west-1), listed side by side, each at its own ListGrants quota (AWS.Tools takes one). A key named by its key ARN is listed in the ARN''s Region. When omitted: the default Region, resolved as for every cmdlet (see about_KmsGrants_Connection). A piped object''s Region property names the Regions for its key.'
                GrantId           = 'Only the grant with this ID (also by property name, so piped grants are listed afresh).'
                GranteePrincipal  = 'Only grants for this grantee principal.'
                PageSize          = 'Grants per request (aliases -Limit and -MaxItems, as in AWS.Tools, which sends the value as the page size): 1-1000 as the KMS model allows (KMS documents 1-100); default 100, the fewest round trips. With -First, no more than -First still needs is asked for.'
                Marker            = 'Starts from this marker (the NextMarker of an earlier page; alias -NextToken). As in AWS.Tools, giving -Marker lists one page only.'
                NoAutoIteration   = 'Lists one page only (from -Marker if given). Use -Select * to see the page''s NextMarker and Truncated.'
                Select            = 'What to write, with AWS.Tools'' meaning: Grants (default) writes each grant; * writes each page (a KmsGrants.GrantPage with Grants, NextMarker and Truncated); a property path such as NextMarker or Grants.GrantId writes those values; ^ and a parameter name (e.g. ^RetiringPrincipal) writes that parameter''s value once, after every page was listed.'
                First             = 'Writes at most this many grants and then stops requesting pages.'
                Skip              = 'Skips this many grants first.'
                IncludeTotalCount = 'After the grants, writes their total count.'
            }
            Inputs      = @(@{ Type = 'System.Management.Automation.PSObject'; Description = 'Objects with a KeyId (or KeyArn) property.' })
            Outputs     = @(@{ Type = 'KmsGrants.GrantInfo'; Description = 'One per grant.' })
            Notes       = @('The caller needs kms:ListGrants permission on the key. KMS quota: 100 requests per second by default.')
            Examples    = @(
                @{ Code = 'Get-KmsGrant -KeyId 1234abcd-12ab-34cd-56ef-1234567890ab'
                   Remarks = 'Lists the key''s grants as a table.' }
                @{ Code = 'Get-KmsGrant $keyArn -GranteePrincipal arn:aws:iam::111122223333:role/app | Remove-KmsGrant -WhatIf'
                   Remarks = 'Asks KMS, with DryRun, whether the app role''s grants on the key could be retired.' }
                @{ Code = 'Get-KmsGrant $keyArn | Where-Object CreationDate -lt (Get-Date).AddDays(-90) | Remove-KmsGrant -Force -PassThru'
                   Remarks = 'Retires the key''s grants older than 90 days and reports each one''s fate.' }
            )
            Links       = @('Remove-KmsGrant', 'Get-KmsRetirableGrant', 'Find-KmsStaleGrant', 'about_KmsGrants', 'about_KmsGrants_AwsTools', 'about_KmsGrants_Regions', 'https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html')
        }
    }
}
