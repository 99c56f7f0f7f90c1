# The source of the cmdlets' help. tools/New-MamlHelp.ps1 turns it into en-US/KmsGrants.dll-Help.xml at build
# time, taking each parameter's type, position, aliases and pipeline binding from the built cmdlets themselves,
# so only the prose lives here.
@{
    # The AWS Tools' common parameters, shared by every cmdlet.
    CommonParameters = @{
        Region          = 'The AWS Region to call (alias -RegionToCall), e.g. us-east-1: for listing, and for grants named by token, key ID or alias name. A grant or key named by its key ARN always goes to the ARN''s Region. When omitted: $StoredAWSRegion (Set-DefaultAWSRegion), the region of the profile the credentials came from, the [default] profile''s region, AWS_REGION or AWS_DEFAULT_REGION, then instance metadata. With none set anywhere, what is named by key ARN still goes to its ARN''s Region, and anything else is a KmsGrants.NoRegion error of its own (Get-KmsRetirableGrant, which lists one Region, stops). Checked against the AWS SDK''s Region names before any request; tab completion offers them.'
        ProfileName     = 'The name of a profile in the shared config and credentials files (or the SDK''s encrypted store on Windows). Takes precedence over -Credential, $StoredAWSCredentials and the default chain. Supports SSO, assume-role and credential_process profiles through the AWS SDK. Tab completion offers the profiles on disk.'
        ProfileLocation = 'A credentials file to read profiles from instead of ~/.aws/credentials. Without -ProfileName, its [default] profile is used.'
        AccessKey       = 'An access key ID. Give it with -SecretKey (and -SessionToken for temporary credentials); explicit keys take precedence over every other source.'
        SecretKey       = 'The secret access key that goes with -AccessKey. It is never written to any output stream.'
        SessionToken    = 'The session token of temporary credentials, with -AccessKey and -SecretKey. It is never written to any output stream.'
        Credential      = 'An AWSCredentials object, for example from the AWS Tools'' Get-AWSCredential or New-AWSCredential (objects from another copy of the AWS SDK are accepted). Takes precedence over $StoredAWSCredentials and the default chain.'
        EndpointUrl     = 'The KMS endpoint to call instead of the Region''s public one: a VPC endpoint, LocalStack, moto, or the KmsGrants emulator. Requests are still signed for the resolved Region.'
    }

    Commands = @{
        'Remove-KmsGrant' = @{
            Synopsis    = 'Retires AWS KMS grants (KMS RetireGrant), one or tens of thousands, by token or by key and grant ID.'
            Description = @(
                'Remove-KmsGrant retires KMS grants. Identify each grant by its grant token (-GrantToken), or by its key (key ID or key ARN; use the ARN for a key in another account) and grant ID (-KeyId with -GrantId). Objects from Get-KmsGrant, Get-KmsRetirableGrant, Import-Csv rows (columns KeyId,GrantId or GrantToken) and the AWS Tools'' GrantListEntry objects bind from the pipeline by property name; a bare string is a grant token. An object that carries both a token and KeyId+GrantId binds by key and ID: that names the grant unambiguously and shows its key in every message.'
                'Retiring cannot be undone, so the command asks for confirmation (ConfirmImpact High) for each grant, offering Yes to All and No to All; -Force skips the prompt. -WhatIf sends each request with DryRun=true and states KMS''s verdict on each What if line: the retirement would succeed, or the exact error it would get, which is also written as an error. Nothing is retired under -WhatIf, and -Force never overrides it. Against an endpoint that ignores DryRun (moto does), the first DryRun request is sent alone, and its success stops the command with a KmsGrants.DryRunNotHonored error.'
                'Grants are retired concurrently: up to -ThrottleLimit requests in flight, at a rate that starts at KMS''s default RetireGrant quota (50 per second), grows while nothing is throttled, and backs off when KMS answers ThrottlingException. Throttling, faults (HTTP 500, 503), timeouts and lost connections are retried with jittered exponential backoff; a grant whose response was lost and whose retry finds it gone is reported as RetiredOnRetry. Results are written as they complete, not in input order. Memory stays bounded however many grants stream in. Runs longer than two seconds show a progress bar.'
                'Each failure is a non-terminating error with a stable ID (KmsGrants.NotFound, KmsGrants.AccessDenied, KmsGrants.InvalidArn, KmsGrants.InvalidState, KmsGrants.Throttled, KmsGrants.DependencyTimeout, ...), the matching category, and the grant as target object; the other grants go on unless you use -ErrorAction Stop. Input that KMS would reject (lengths and patterns of the KMS service model) is reported before any request is sent. Missing credentials, and credentials KMS rejects, stop the command; with no Region set anywhere, only the grants that need one (named by token, key ID or alias name) fail, with KmsGrants.NoRegion.'
                'The tally of the last run is kept in $KmsGrantsLastRun. After Ctrl+C, no new request is sent, requests in flight finish, and the outcomes that could no longer be written to the pipeline are in $KmsGrantsLastRun.UnreportedResults.'
            )
            Parameters  = @{
                GrantToken           = 'Grant tokens, as CreateGrant returned them. A token works even before a new grant is eventually consistent. A string piped in without -KeyId is a token; only text binds (a hashtable or a CSV row read with the wrong delimiter is refused by the binder, not sent).'
                KeyId                = 'The key of the grants: key ID, key ARN, alias name or alias ARN (an alias is resolved once with DescribeKey). A grant whose key is a key ARN is retired in the ARN''s Region. Use the key ARN for a key in another account.'
                GrantId              = 'Grant IDs on the key given with -KeyId; with -KeyId, strings piped in are grant IDs.'
                Force                = 'Retires without asking for confirmation. Never overrides -WhatIf; an explicit -Confirm still prompts.'
                PassThru             = 'Writes one KmsGrants.RetireResult per grant: KeyId, GrantId or GrantToken, Status (Retired, RetiredOnRetry, WouldRetire, WouldFail, Failed, NotAttempted), Attempts, ErrorCode, Message, Elapsed, DryRun.'
                ThrottleLimit        = 'The most requests in flight at once in each Region (1-4096). By default as many as the rate needs at the measured round trip (rate × round trip, twice over), up to 512; the rate controller, not this, keeps requests within the KMS quota.'
                MaxRequestsPerSecond = 'A ceiling on requests per second in each Region (0.1-5000), for leaving part of the account''s KMS quota (shared by every principal and AWS service in the account and Region) to other work. It always wins over the rate controller.'
                WhatIf               = 'Sends each request with DryRun=true and shows KMS''s verdict; retires nothing. DryRun requests count against the KMS quota.'
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
                'KMS quotas are per account and Region, across all principals: see about_KmsGrants for how the pacing works and the figures measured against it.'
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
            Links       = @('Get-KmsGrant', 'Get-KmsRetirableGrant', 'about_KmsGrants', 'https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html')
        }

        'Get-KmsRetirableGrant' = @{
            Synopsis    = 'Lists the KMS grants a principal may retire (KMS ListRetirableGrants), on keys in any account.'
            Description = @(
                'Get-KmsRetirableGrant lists every grant whose retiring principal is the given principal, on keys in any account and the calling Region. Pages are requested one at a time, as the pipeline consumes them: the first grant reaches the pipeline before the second page is requested, and -First stops requesting once satisfied.'
                'Grants are KmsGrants.GrantInfo objects (KeyId as the key ARN, GrantId, Name, CreationDate, GranteePrincipal, RetiringPrincipal, IssuingAccount, Operations, and the encryption context constraints), ready to pipe into Remove-KmsGrant.'
            )
            Parameters  = @{
                RetiringPrincipal = 'The retiring principal: an IAM ARN (role, user, account root, federated user, assumed role) or a service principal, in the caller''s account (KMS lists grants for principals of the caller''s account only; the grants may be on keys of any account). Validated against the KMS model''s pattern before any request. Takes principals from the pipeline, by value or by property name; only text binds.'
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
            Links       = @('Remove-KmsGrant', 'Get-KmsGrant', 'about_KmsGrants', 'https://docs.aws.amazon.com/kms/latest/APIReference/API_ListRetirableGrants.html')
        }

        'Get-KmsGrant' = @{
            Synopsis    = 'Lists the grants of one KMS key (KMS ListGrants).'
            Description = @(
                'Get-KmsGrant lists the grants of a KMS key, optionally only one grant (-GrantId) or the grants of one grantee (-GranteePrincipal). Pages are requested one at a time as the pipeline consumes them, and -First stops requesting once satisfied.'
                'Keys bind from the pipeline by property name (KeyId, or KeyArn), so objects describing keys can be piped in; a key that does not exist gives a KmsGrants.NotFound error and the next key is still listed.'
            )
            Parameters  = @{
                KeyId             = 'The key: key ID, key ARN, alias name (alias/NAME) or alias ARN; an alias is resolved once with DescribeKey. A key ARN is listed in its own Region. Use the key ARN for a key in another account. Takes keys from the pipeline, by value or by property name (KeyId, KeyArn); tab completion offers the Region''s aliases and key IDs.'
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
            Links       = @('Remove-KmsGrant', 'Get-KmsRetirableGrant', 'about_KmsGrants', 'https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html')
        }
    }
}
