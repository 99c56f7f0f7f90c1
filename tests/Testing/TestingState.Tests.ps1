# KmsGrants.Testing's cmdlets that make and read the emulator's state: keys and grants (retired by KmsGrants), the
# request log and statistics, quotas, and faults over HTTP as clients see them. Starting and stopping are in
# Testing.Tests.ps1.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    $ci = 'arn:aws:iam::111122223333:role/ci'

    <# KmsGrants' connection parameters for an emulator, signed with -AccessKey/-SecretKey (default: its own identity). #>
    function Get-Connection($Kms, [string] $AccessKey = $Kms.AccessKey, [string] $SecretKey = $Kms.SecretKey, [string] $Region = $Kms.Region) {
        @{ EndpointUrl = $Kms.Url; Region = $Region; AccessKey = $AccessKey; SecretKey = $SecretKey }
    }
}

Describe 'Keys and grants made in the emulator' {
    BeforeAll {
        $kms = Start-KmsEmulator -Region us-east-1, eu-west-1
        $key = New-KmsEmulatorKey -Description app -Alias alias/app
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'makes keys in any account and served Region, with an alias KMS resolves' {
        $key | Should -BeOfType KmsGrants.Testing.EmulatorKey
        $key.Arn | Should -Be "arn:aws:kms:us-east-1:111122223333:key/$($key.KeyId)"
        (New-KmsEmulatorKey -Region eu-west-1 -Account 444455556666).Arn | Should -Match '^arn:aws:kms:eu-west-1:444455556666:key/'
        $null = $key | New-KmsEmulatorGrant -Name by-alias
        $c = Get-Connection $kms
        (Get-KmsGrant alias/app @c).Name | Should -Be 'by-alias'
    }

    It 'refuses an alias that exists, a Region not served, and a key that does not exist, each with its ID' {
        { New-KmsEmulatorKey -Alias alias/app -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.AliasExists,KmsGrants.Testing.Commands.NewKmsEmulatorKeyCommand'
        { New-KmsEmulatorKey -Region ap-south-1 -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.RegionNotServed,KmsGrants.Testing.Commands.NewKmsEmulatorKeyCommand'
        $missing = "arn:aws:kms:us-east-1:111122223333:key/$([guid]::NewGuid())"
        { New-KmsEmulatorGrant -KeyId $missing -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.KeyNotFound,KmsGrants.Testing.Commands.NewKmsEmulatorGrantCommand'
    }

    It 'returns grants with token and ID, as CreateGrant would make them' {
        $grants = @($key | New-KmsEmulatorGrant -RetiringPrincipal $ci -Name build-1, build-2 -Operations Decrypt, RetireGrant -EncryptionContextSubset @{ Department = 'IT' })
        $grants.Count | Should -Be 2
        $grants[0] | Should -BeOfType KmsGrants.Testing.EmulatorGrant
        $grants.GrantId | ForEach-Object { $_ | Should -Match '^[0-9a-f]{64}$' }
        $grants.GrantToken | ForEach-Object { $_.Length | Should -BeGreaterThan 200 }
        $grants[0].KeyId | Should -Be $key.Arn
        $grants.Name | Should -Be 'build-1', 'build-2'
        $grants[0].Operations | Should -Be 'Decrypt', 'RetireGrant'
        $grants[0].Constraints.EncryptionContextSubset.Department | Should -Be 'IT'
        $grants[0].IssuingAccount | Should -Be 'arn:aws:iam::111122223333:root'
        $c = Get-Connection $kms
        $listed = Get-KmsGrant $key.Arn @c -GrantId $grants[0].GrantId
        $listed.Name | Should -Be 'build-1'
        $listed.RetiringPrincipal | Should -Be $ci
        $listed.Constraints.EncryptionContextSubset.Department | Should -Be 'IT'
    }

    It 'checks what it makes as CreateGrant does: <Case>' -ForEach @(
        @{ Case = 'a name KMS refuses'; Parameters = @{ Name = 'has space' }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'an operation KMS lacks'; Parameters = @{ Operations = 'Delete' }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'both constraints'; Parameters = @{ EncryptionContextSubset = @{ a = 'b' }; EncryptionContextEquals = @{ a = 'b' } }; Id = 'AmbiguousParameterSet' }
        # .NET's $ also matches before a final newline; KMS refuses these (ValidationException).
        @{ Case = 'a name ending in a newline'; Parameters = @{ Name = "n`n" }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'a grantee ending in a newline'; Parameters = @{ GranteePrincipal = "arn:aws:iam::111122223333:role/x`n" }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'a retiring principal ending in a newline'; Parameters = @{ RetiringPrincipal = "arn:aws:iam::111122223333:role/x`n" }; Id = 'ParameterArgumentValidationError' }
    ) {
        { New-KmsEmulatorGrant -KeyId $key.KeyId @Parameters } | Should -Throw -ErrorId "$Id,KmsGrants.Testing.Commands.NewKmsEmulatorGrantCommand"
        @(Get-KmsEmulatorGrant -KeyId $key.KeyId | Where-Object { "$($_.Name)$($_.GranteePrincipal)$($_.RetiringPrincipal)" -match "`n" }).Count | Should -Be 0
    }

    It 'refuses an encryption context whose value is not text (<Case>), making nothing' -ForEach @(
        @{ Case = '$null'; Context = @{ a = $null } }
        @{ Case = 'a list'; Context = @{ b = @(1, 2) } }
    ) {
        $count = @(Get-KmsEmulatorGrant -KeyId $key.KeyId).Count
        New-KmsEmulatorGrant -KeyId $key.KeyId -EncryptionContextSubset $Context -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
        $failed.FullyQualifiedErrorId | Should -Be 'KmsGrants.Testing.InvalidGrant,KmsGrants.Testing.Commands.NewKmsEmulatorGrantCommand'
        "$failed" | Should -Match "maps names to text"
        @(Get-KmsEmulatorGrant -KeyId $key.KeyId).Count | Should -Be $count
    }

    It 'refuses an alias or an account ending in a newline' {
        { New-KmsEmulatorKey -Alias "alias/nl`n" } | Should -Throw -ErrorId 'ParameterArgumentValidationError,KmsGrants.Testing.Commands.NewKmsEmulatorKeyCommand'
        { New-KmsEmulatorKey -Account "444455556666`n" } | Should -Throw -ErrorId 'ParameterArgumentValidationError,KmsGrants.Testing.Commands.NewKmsEmulatorKeyCommand'
    }

    It 'are retired by KmsGrants'' Remove-KmsGrant and vanish from Get-KmsEmulatorGrant' {
        $grants = @(New-KmsEmulatorGrant -KeyId $key.KeyId -RetiringPrincipal $ci -Name retire-me -Count 3)
        $c = Get-Connection $kms
        $grants | Remove-KmsGrant @c -Force
        Get-KmsEmulatorGrant -GrantId $grants.GrantId | Should -BeNullOrEmpty
        (Get-KmsEmulatorRequest -Operation RetireGrant -Last 3).GrantTokenGiven | Should -Be $true, $true, $true
    }

    It 'are filtered by key, Region, retiring principal, grant ID and name' {
        $eu = New-KmsEmulatorKey -Region eu-west-1
        $euGrants = @($eu | New-KmsEmulatorGrant -RetiringPrincipal arn:aws:iam::111122223333:role/eu -Name eu-1, eu-2)
        (Get-KmsEmulatorGrant -Region eu-west-1).GrantId | Should -Be $euGrants.GrantId
        (Get-KmsEmulatorGrant -KeyId $eu.KeyId).GrantId | Should -Be $euGrants.GrantId
        ($eu | Get-KmsEmulatorGrant).GrantId | Should -Be $euGrants.GrantId
        (Get-KmsEmulatorGrant -RetiringPrincipal arn:aws:iam::111122223333:role/eu -Name '*-2').GrantId | Should -Be $euGrants[1].GrantId
        (Get-KmsEmulatorGrant -GrantId $euGrants[0].GrantId).Name | Should -Be 'eu-1'
        (Invoke-RestMethod "$($kms.Url)/_emulator/grants?region=eu-west-1&keyId=$($eu.Arn)").grants.grantId | Should -Be $euGrants.GrantId
        # A Region not served is an error over HTTP, as -Region is for the cmdlet: not an empty list.
        $answer = Invoke-WebRequest "$($kms.Url)/_emulator/grants?region=ap-south-1" -SkipHttpErrorCheck
        $answer.StatusCode | Should -Be 400
        ($answer.Content | ConvertFrom-Json).message | Should -BeLike '*does not serve ap-south-1*'
    }
}

Describe 'The request log and the statistics' {
    BeforeAll {
        $kms = Start-KmsEmulator -Region us-east-1, eu-west-1 -Quota @{ ListKeys = 1 } -Identity @(
            @{ AccessKey = 'testing'; SecretKey = 'testing'; Principal = 'arn:aws:iam::111122223333:root' }
            @{ AccessKey = 'AKCI'; SecretKey = 'ci-secret'; Principal = 'arn:aws:sts::111122223333:assumed-role/ci/build-42' })
        $key = New-KmsEmulatorKey -Region eu-west-1
        $grant = $key | New-KmsEmulatorGrant -RetiringPrincipal $ci
        $asCi = Get-Connection $kms -AccessKey AKCI -SecretKey ci-secret -Region eu-west-1
        $grant | Select-Object KeyId, GrantId | Remove-KmsGrant @asCi -WhatIf
        $grant | Select-Object KeyId, GrantId | Remove-KmsGrant @asCi -Force
        $peer = Start-KmsPeer $kms.Url
        $throttled = 1..3 | ForEach-Object { Invoke-AwsCli -Peer $peer -Arguments 'kms', 'list-keys' }
    }
    AfterAll { Stop-TestServer $peer; $kms | Stop-KmsEmulator }

    It 'records each request''s operation, Region, caller, access key, DryRun flag, key, grant and answer' {
        $retires = @(Get-KmsEmulatorRequest -Operation RetireGrant | Where-Object GrantId -EQ $grant.GrantId)
        $retires.Count | Should -Be 2
        $retires.DryRun | Should -Be $true, $false
        $retires.StatusCode | Should -Be 412, 200
        $retires.ErrorCode | Should -Be 'DryRunOperationException', $null
        $retires | ForEach-Object {
            $_.Region | Should -Be 'eu-west-1'
            $_.Caller | Should -Be 'arn:aws:sts::111122223333:assumed-role/ci/build-42'
            $_.AccessKeyId | Should -Be 'AKCI'
            $_.KeyId | Should -Be $key.Arn
            $_.GrantTokenGiven | Should -BeFalse
        }
        $retires[1].Sequence | Should -BeGreaterThan $retires[0].Sequence
        $retires[1].Time | Should -BeGreaterOrEqual $retires[0].Time
    }

    It 'records throttled requests with ThrottlingException, and the stats count them' {
        $codes = @($throttled | ForEach-Object { if ($_.ExitCode) { ($_.Error -split '[()]')[1] } else { 'OK' } })
        $logged = @(Get-KmsEmulatorRequest -Operation ListKeys -Last 3)
        $logged.ErrorCode | Should -Be ($codes | ForEach-Object { if ($_ -eq 'OK') { $null } else { $_ } })
        $logged.ErrorCode | Should -Contain 'ThrottlingException'
        $stats = Get-KmsEmulatorStatistic -Emulator $kms
        $stats.operations.ListKeys.throttled | Should -Be @($codes | Where-Object { $_ -eq 'ThrottlingException' }).Count
        $stats.regions.'eu-west-1'.operations.RetireGrant.requests | Should -BeGreaterOrEqual 3   # the DryRun canary too
        $stats.lastCaller | Should -Be 'arn:aws:iam::111122223333:root'
    }

    It 'filters by operation (wildcards), Region and -Last, and reads the same over HTTP' {
        @(Get-KmsEmulatorRequest -Operation 'list*').Operation | Sort-Object -Unique | Should -Be 'ListKeys'
        @(Get-KmsEmulatorRequest -Operation 'List*', 'Retire*').Operation | Sort-Object -Unique | Should -Be 'ListKeys', 'RetireGrant'
        @(Get-KmsEmulatorRequest -Region eu-west-1).Region | Sort-Object -Unique | Should -Be 'eu-west-1'
        @(Get-KmsEmulatorRequest -Last 2).Count | Should -Be 2
        $http = (Invoke-RestMethod "$($kms.Url)/_emulator/requests").requests
        $http.sequence | Should -Be @(Get-KmsEmulatorRequest).Sequence
        ($http | Where-Object grantId -EQ $grant.GrantId).dryRun | Should -Be $true, $false
    }

    It 'keeps only the latest -RequestLogSize requests, while the counts stay totals' {
        $small = Start-KmsEmulator -RequestLogSize 2
        try {
            $null = 1..5 | ForEach-Object { Invoke-WebRequest -Method Post -Uri $small.Url -Body '{}' -SkipHttpErrorCheck -Headers @{ 'X-Amz-Target' = 'TrentService.ListKeys' } }
            @(Get-KmsEmulatorRequest -Emulator $small).Sequence | Should -Be 4, 5
            (Get-KmsEmulatorStatistic -Emulator $small).operations.ListKeys.requests | Should -Be 5
        }
        finally { $small.Stop() }
    }
}

Describe 'Set-KmsEmulatorQuota' {
    BeforeAll { $kms = Start-KmsEmulator -Quota @{ RetireGrant = 10 } }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'changes, removes and shows quotas; -WhatIf changes nothing; a bad quota changes nothing' {
        $kms | Set-KmsEmulatorQuota @{ ListGrants = 5 } -WhatIf
        (Invoke-RestMethod "$($kms.Url)/_emulator/quota").PSObject.Properties.Name | Should -Be 'RetireGrant'
        $table = $kms | Set-KmsEmulatorQuota @{ ListGrants = 5; RetireGrant = $null } -PassThru
        $table.PSObject.Properties.Name | Should -Be 'ListGrants'
        $table.ListGrants | Should -Be 5
        { $kms | Set-KmsEmulatorQuota @{ ListGrants = 1; CreateGrants = 1 } } | Should -Throw -ErrorId 'KmsGrants.Testing.InvalidQuota,KmsGrants.Testing.Commands.SetKmsEmulatorQuotaCommand'
        (Invoke-RestMethod "$($kms.Url)/_emulator/quota").ListGrants | Should -Be 5
        # An operation named twice in the HTTP body: a clear 400, nothing applied.
        $answer = Invoke-WebRequest "$($kms.Url)/_emulator/quota" -Method Post -Body '{"ListGrants": 7, "ListGrants": 8}' -SkipHttpErrorCheck
        $answer.StatusCode | Should -Be 400
        ($answer.Content | ConvertFrom-Json).message | Should -Be "'ListGrants' is named twice."
        (Invoke-RestMethod "$($kms.Url)/_emulator/quota").ListGrants | Should -Be 5
    }
}

Describe 'Faults over HTTP, as clients see them (boto3, one attempt)' {
    BeforeAll {
        $kms = @{}
        $peers = @{}
        foreach ($kind in 'internal', 'unavailable', 'reset', 'commit-then-drop') {
            $kms[$kind] = Start-KmsEmulator -FaultRate 1 -FaultKind $kind -FaultOperation RetireGrant
            $peers[$kind] = Start-KmsPeer $kms[$kind].Url
        }
        function Invoke-FaultedRetire([string] $Kind) {
            $grant = New-KmsEmulatorGrant -Emulator $kms[$Kind] -KeyId (New-KmsEmulatorKey -Emulator $kms[$Kind]).Arn
            $answer = Invoke-AwsCli -Peer $peers[$Kind] -Arguments 'kms', 'retire-grant', '--grant-token', $grant.GrantToken
            [pscustomobject]@{ Answer = $answer; Alive = @(Get-KmsEmulatorGrant -Emulator $kms[$Kind]).Count
                Logged = Get-KmsEmulatorRequest -Emulator $kms[$Kind] -Operation RetireGrant -Last 1 }
        }
    }
    AfterAll { $peers.Values | ForEach-Object { Stop-TestServer $_ }; $kms.Values | Stop-KmsEmulator }

    It '<Kind>: <Seen>; the grant is <Fate>' -ForEach @(
        @{ Kind = 'internal'; Seen = 'HTTP 500 KMSInternalException'; Pattern = 'KMSInternalException'; Fate = 'kept'; Alive = 1; Status = 500 }
        @{ Kind = 'unavailable'; Seen = 'HTTP 503'; Pattern = 'ServiceUnavailable'; Fate = 'kept'; Alive = 1; Status = 503 }
        @{ Kind = 'reset'; Seen = 'the connection cut before any answer'; Pattern = 'Connection|closed|Remote end'; Fate = 'kept'; Alive = 1; Status = $null }
        @{ Kind = 'commit-then-drop'; Seen = 'the connection cut halfway through the answer'; Pattern = 'IncompleteRead|Connection|closed|Remote end'; Fate = 'retired'; Alive = 0; Status = 200 }
    ) {
        $r = Invoke-FaultedRetire $Kind
        $r.Answer.ExitCode | Should -Not -Be 0
        $r.Answer.Error | Should -Match $Pattern
        $r.Alive | Should -Be $Alive
        $r.Logged.Fault | Should -Be $Kind
        $r.Logged.StatusCode | Should -Be $Status
    }
}

Describe 'Principals, back-dated grants, AWS managed keys and key specs, made by the cmdlets' {
    BeforeAll {
        $kms = Start-KmsEmulator
        $key = New-KmsEmulatorKey
        $app = 'arn:aws:iam::111122223333:role/path/app'
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'Remove-KmsEmulatorPrincipal deletes from the pipeline; grants show the unique ID beside the ARN; KmsGrants lists it' {
        $grant = $key | New-KmsEmulatorGrant -GranteePrincipal $app -RetiringPrincipal $ci
        $gone = @($app, $ci | Remove-KmsEmulatorPrincipal -PassThru)
        $gone | Should -BeOfType KmsGrants.Testing.EmulatorPrincipal
        $gone[0].UniqueId | Should -MatchExactly '^AROA[A-Z0-9]{17}$'
        $gone[0].Deleted | Should -BeTrue
        $gone[0].ShownAs | Should -Be $gone[0].UniqueId
        $seen = Get-KmsEmulatorGrant -GrantId $grant.GrantId
        $seen.GranteePrincipal | Should -Be $app
        $seen.ListedGranteePrincipal | Should -Be $gone[0].UniqueId
        $seen.ListedRetiringPrincipal | Should -Be $gone[1].UniqueId
        (Get-KmsEmulatorGrant -GranteePrincipal $gone[0].UniqueId).GrantId | Should -Be $grant.GrantId
        (Get-KmsEmulatorGrant -GranteePrincipal $app).GrantId | Should -Be $grant.GrantId
        $c = Get-Connection $kms
        (Get-KmsGrant $key.Arn @c -GrantId $grant.GrantId).GranteePrincipal | Should -Be $gone[0].UniqueId
        (Invoke-RestMethod "$($kms.Url)/_emulator/grants?keyId=$($key.Arn)").grants[0].listedGranteePrincipal | Should -Be $gone[0].UniqueId
    }

    It 'refuses a deleted principal, one deleted twice, and one made while it exists, each with its ID' {
        $gone = 'arn:aws:iam::111122223333:user/left'
        Remove-KmsEmulatorPrincipal $gone
        { $key | New-KmsEmulatorGrant -GranteePrincipal $gone -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.InvalidPrincipal,KmsGrants.Testing.Commands.NewKmsEmulatorGrantCommand'
        { Remove-KmsEmulatorPrincipal $gone -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.PrincipalNotFound,KmsGrants.Testing.Commands.RemoveKmsEmulatorPrincipalCommand'
        $again = New-KmsEmulatorPrincipal $gone
        $again.UniqueId | Should -MatchExactly '^AIDA[A-Z0-9]{17}$'
        { New-KmsEmulatorPrincipal $gone -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.PrincipalExists,KmsGrants.Testing.Commands.NewKmsEmulatorPrincipalCommand'
        { Remove-KmsEmulatorPrincipal 'arn:aws:iam::111122223333:group/devs' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,KmsGrants.Testing.Commands.RemoveKmsEmulatorPrincipalCommand'
        @(Get-KmsEmulatorPrincipal $gone).UniqueId.Count | Should -Be 2
        @(Get-KmsEmulatorPrincipal $gone -Deleted).Count | Should -Be 1
        ($key | New-KmsEmulatorGrant -GranteePrincipal $gone).ListedGranteePrincipal | Should -Be $gone
    }

    It 'refuses a principal not yet propagated; -WhatIf makes and deletes nothing' {
        $new = 'arn:aws:iam::111122223333:role/new'
        $made = New-KmsEmulatorPrincipal $new -PropagationSeconds 3600
        $made.VisibleDate | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(50))
        { $key | New-KmsEmulatorGrant -GranteePrincipal $new -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.InvalidPrincipal,KmsGrants.Testing.Commands.NewKmsEmulatorGrantCommand'
        Remove-KmsEmulatorPrincipal $new -WhatIf
        (Get-KmsEmulatorPrincipal $new).Deleted | Should -BeFalse
        New-KmsEmulatorPrincipal 'arn:aws:iam::111122223333:role/never' -WhatIf | Should -BeNullOrEmpty
        Get-KmsEmulatorPrincipal 'arn:aws:iam::111122223333:role/never' | Should -BeNullOrEmpty
    }

    It 'back-dates grants with -CreationDate (a local [datetime] too), and refuses a date in the future' {
        $when = (Get-Date).AddDays(-90)
        $old = $key | New-KmsEmulatorGrant -CreationDate $when -Name old
        [math]::Abs(($old.CreationDate - [DateTimeOffset]$when).TotalSeconds) | Should -BeLessThan 1
        $c = Get-Connection $kms
        ([DateTimeOffset](Get-KmsGrant $key.Arn @c -GrantId $old.GrantId).CreationDate - [DateTimeOffset]$when).Duration().TotalSeconds | Should -BeLessThan 1
        $key | New-KmsEmulatorGrant -CreationDate (Get-Date).AddDays(1) -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
        $failed.FullyQualifiedErrorId | Should -Be 'KmsGrants.Testing.InvalidGrant,KmsGrants.Testing.Commands.NewKmsEmulatorGrantCommand'
    }

    It 'makes AWS managed keys (with an alias/aws/ alias only) and keys of a key spec, whose grants it checks' {
        $ebs = New-KmsEmulatorKey -AwsManaged -Alias alias/aws/ebs
        $ebs.KeyManager | Should -Be 'AWS'
        ($ebs | New-KmsEmulatorGrant -GranteePrincipal ec2.us-east-1.amazonaws.com).ListedGranteePrincipal | Should -Be 'ec2.us-east-1.amazonaws.com'
        { New-KmsEmulatorKey -AwsManaged -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.InvalidAlias,KmsGrants.Testing.Commands.NewKmsEmulatorKeyCommand'
        { New-KmsEmulatorKey -Alias alias/aws/s3 -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.InvalidAlias,KmsGrants.Testing.Commands.NewKmsEmulatorKeyCommand'
        { New-KmsEmulatorKey -KeySpec RSA_2048 -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.InvalidAlias,KmsGrants.Testing.Commands.NewKmsEmulatorKeyCommand'
        $signing = New-KmsEmulatorKey -KeySpec ECC_NIST_P256 -KeyUsage SIGN_VERIFY
        $signing.KeySpec | Should -Be 'ECC_NIST_P256'
        ($signing | New-KmsEmulatorGrant -Operations Sign, Verify).Operations | Should -Be 'Sign', 'Verify'
        { $signing | New-KmsEmulatorGrant -Operations Decrypt -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.InvalidGrant,KmsGrants.Testing.Commands.NewKmsEmulatorGrantCommand'
        { $key | New-KmsEmulatorGrant -Operations GenerateMac -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.InvalidGrant,KmsGrants.Testing.Commands.NewKmsEmulatorGrantCommand'
    }

    It 'makes and deletes principals, keys and grants over HTTP, with 400, 404 and 409 for what it refuses' {
        $u = $kms.Url
        $made = Invoke-RestMethod -Method Post "$u/_emulator/principals" -Body '{"principals": ["arn:aws:iam::111122223333:role/http"], "propagationSeconds": 0}'
        $made.principals[0].uniqueId | Should -MatchExactly '^AROA[A-Z0-9]{17}$'
        (Invoke-WebRequest -Method Post "$u/_emulator/principals" -Body '{"principal": "arn:aws:iam::111122223333:role/http"}' -SkipHttpErrorCheck).StatusCode | Should -Be 409
        $k = Invoke-RestMethod -Method Post "$u/_emulator/keys" -Body '{"description": "over http"}'
        $g = Invoke-RestMethod -Method Post "$u/_emulator/grants" -Body (@{ keyId = $k.arn; granteePrincipal = 'arn:aws:iam::111122223333:role/http'; count = 2; creationDate = 1577836800 } | ConvertTo-Json)
        $g.grants.Count | Should -Be 2
        (Get-KmsEmulatorGrant -KeyId $k.arn).CreationDate.ToUnixTimeSeconds() | Should -Be 1577836800, 1577836800
        $deleted = Invoke-RestMethod -Method Post "$u/_emulator/principals/delete" -Body '{"principals": ["arn:aws:iam::111122223333:role/http"]}'
        (Get-KmsEmulatorGrant -KeyId $k.arn).ListedGranteePrincipal | Should -Be $deleted.principals[0].uniqueId, $deleted.principals[0].uniqueId
        (Invoke-WebRequest -Method Post "$u/_emulator/principals/delete" -Body '{"principal": "arn:aws:iam::111122223333:role/http"}' -SkipHttpErrorCheck).StatusCode | Should -Be 404
        (Invoke-WebRequest -Method Post "$u/_emulator/grants" -Body '{"keyId": "nope"}' -SkipHttpErrorCheck).StatusCode | Should -Be 400
        (Invoke-WebRequest -Method Post "$u/_emulator/principals/delete" -Body 'not json' -SkipHttpErrorCheck).StatusCode | Should -Be 400
        # What CreateKey takes, whoever asks: an account of 12 digits, a description of 8,192 characters at most.
        (Invoke-WebRequest -Method Post "$u/_emulator/keys" -Body '{"account": "12"}' -SkipHttpErrorCheck).StatusCode | Should -Be 400
        (Invoke-WebRequest -Method Post "$u/_emulator/keys" -Body (@{ description = 'd' * 8193 } | ConvertTo-Json) -SkipHttpErrorCheck).StatusCode | Should -Be 400
        { New-KmsEmulatorKey -Description ('d' * 8193) -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,KmsGrants.Testing.Commands.NewKmsEmulatorKeyCommand'
        (Invoke-RestMethod "$u/_emulator/principals").principals.principal | Should -Contain 'arn:aws:iam::111122223333:role/http'
    }
}

Describe 'Start-KmsEmulator -FaultOperation, from the operation table' {
    It 'completes the operation names, takes any case, and refuses one the emulator lacks' {
        (TabExpansion2 'Start-KmsEmulator -FaultOperation ListR').CompletionMatches.CompletionText | Should -Be 'ListRetirableGrants'
        { Start-KmsEmulator -FaultOperation ListThings } | Should -Throw -ErrorId 'ParameterArgumentValidationError,KmsGrants.Testing.Commands.StartKmsEmulatorCommand'
        $faulty = Start-KmsEmulator -FaultRate 1 -FaultKind internal -FaultOperation listkeys
        try {
            $peer = Start-KmsPeer $faulty.Url
            (Invoke-AwsCli -Peer $peer -Arguments 'kms', 'list-keys').Error | Should -Match 'KMSInternalException'
            (Invoke-AwsCli -Peer $peer -Arguments 'kms', 'list-aliases').ExitCode | Should -Be 0
        }
        finally { Stop-TestServer $peer; $faulty | Stop-KmsEmulator }
        [KmsGrants.Testing.Emulator.KmsState]::OperationTable.Name | Should -Be ([KmsGrants.Testing.Emulator.KmsState]::Operations | Sort-Object { [KmsGrants.Testing.Emulator.KmsState]::OperationTable.Name.IndexOf($_) })
    }
}
