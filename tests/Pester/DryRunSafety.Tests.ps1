# What the hostile review of this round found, kept found: -WhatIf against endpoints that do not honour DryRun or never
# answer (and against moto when the first grant's key does not exist there), a stop while results are handed over with
# the read-ahead full, alias lookups after a stop, and DescribeKey answers whose key ARN KMS would never give. Each
# endpoint is a loopback server of tests/peers/hostile_server.py, the emulator or moto; what reached it is its own count
# (/_stats, the emulator's log), and what is alive its own state (boto3 for moto), not the module's.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
}

Describe '-WhatIf against an endpoint that refuses impossible grants as KMS does but ignores DryRun on real ones' {
    It '<Command> lets at most one real grant''s DryRun out, then stops with KmsGrants.DryRunNotHonored' -ForEach @(
        @{ Command = 'Remove-KmsGrant'; Target = 'TrentService.RetireGrant' }
        @{ Command = 'Revoke-KmsGrant'; Target = 'TrentService.RevokeGrant' }
    ) {
        $peer = Start-HostileServer ignores-dryrun
        try {
            $results = @(New-FakeGrant 20 | & $Command -EndpointUrl $peer.Url -WhatIf -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
            $stats = Get-HostileStats $peer
            # Every request the peer got for a real grant (1..20) rather than a canary (64 zeros).
            $real = @($stats.grants.PSObject.Properties | Where-Object Name -NE ('0' * 64))
            ($real | ForEach-Object { $_.Value.Count } | Measure-Object -Sum).Sum | Should -BeLessOrEqual 1
            $results.Count | Should -Be 20
            @($results | Where-Object Outcome -EQ 'Unknown').Count | Should -BeLessOrEqual 1
            @($results | Where-Object Outcome -NotIn 'Unknown', 'NotAttempted') | Should -BeNullOrEmpty
            $errors[-1].FullyQualifiedErrorId | Should -BeLike 'KmsGrants.DryRunNotHonored,*'
        }
        finally { Stop-TestServer $peer }
    }
}

Describe '-WhatIf against an endpoint that never answers' {
    It 'stops with KmsGrants.EndpointUnresponsive while the DryRun proof waits, not a canary''s time-outs per grant' {
        $peer = Start-HostileServer silent
        try {
            $results = @(New-FakeGrant 6 | Remove-KmsGrant -EndpointUrl $peer.Url -WhatIf -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
            $results.Count | Should -Be 6
            $errors[-1].FullyQualifiedErrorId | Should -Be 'KmsGrants.EndpointUnresponsive,KmsGrants.Commands.RemoveKmsGrantCommand'
            # One canary, retried within the 15 s of silence; no canary per grant (which would be 18 requests).
            (Get-HostileStats $peer).requests | Should -BeLessOrEqual 3
            $results.Outcome | Sort-Object -Unique | Should -Be 'NotAttempted'
        }
        finally { Stop-TestServer $peer }
    }
}

Describe 'An alias lookup' {
    It 'that fails with a fault gives no made-up DryRun verdict: NotAttempted, nothing sent for the grant' {
        $peer = Start-HostileServer json @('--status', '500', '--body', '{"__type":"KMSInternalException","message":"boom"}')
        try {
            $result = Remove-KmsGrant -KeyId alias/app -GrantId ('a' * 64) -Region us-east-1 -EndpointUrl $peer.Url -WhatIf -PassThru `
                -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $result.Outcome | Should -Be 'NotAttempted'
            $result.Message | Should -BeLike '*No DryRun verdict*'
            (Get-HostileStats $peer).targets.'TrentService.RetireGrant' | Should -BeNullOrEmpty
        }
        finally { Stop-TestServer $peer }
    }

    It 'is not sent once the run has stopped: later grants named by alias are NotAttempted without a request' {
        $peer = Start-HostileServer html
        try {
            $aliased = @(1..5 | ForEach-Object { [pscustomobject]@{ KeyId = "alias/app-$_"; GrantId = ('b' * 64) } })
            # The aliases come once the first grant's answer has reached the module (it stops the run then).
            $results = @(& {
                    New-FakeGrant 1
                    $deadline = [DateTime]::UtcNow.AddSeconds(20)
                    while ((Get-HostileStats $peer).requests -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                    Start-Sleep -Milliseconds 1000
                    $aliased
                } | Remove-KmsGrant -Region us-east-1 -EndpointUrl $peer.Url -Force -PassThru -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
            $results.Count | Should -Be 6
            ($results | Where-Object KeyId -Like 'alias/*').Outcome | Sort-Object -Unique | Should -Be 'NotAttempted'
            (Get-HostileStats $peer).targets.'TrentService.DescribeKey' | Should -BeNullOrEmpty
        }
        finally { Stop-TestServer $peer }
    }

    It 'answered with a key ARN KMS would never give (<Arn>) is not used: KmsGrants.NotKmsResponse, nothing retired' -ForEach @(
        @{ Arn = 'not-an-arn' }
        @{ Arn = 'arn:aws:kms::111122223333:key/x' }
        @{ Arn = 'arn:aws:kms:us-east-1 :111122223333:key/x' }
        @{ Arn = 'arn:aws:kms:eu-west-1:111122223333:key/x' }
    ) {
        $body = @{ KeyMetadata = @{ KeyId = 'x'; Arn = $Arn } } | ConvertTo-Json -Compress
        $peer = Start-HostileServer json @('--body', $body)
        try {
            $result = Remove-KmsGrant -KeyId alias/app -GrantId ('a' * 64) -Region us-east-1 -EndpointUrl $peer.Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors
            $result.Outcome | Should -Be 'Failed'
            $errors[-1].FullyQualifiedErrorId | Should -Be 'KmsGrants.NotKmsResponse,KmsGrants.Commands.RemoveKmsGrantCommand'
            (Get-HostileStats $peer).targets.'TrentService.RetireGrant' | Should -BeNullOrEmpty
        }
        finally { Stop-TestServer $peer }
    }
}

Describe 'A later command''s stop while the read-ahead window is full' {
    It 'still gives the grant being taken in its result (10,003 grants, Select-Object -First 1)' {
        # The first answer, which Select-Object -First 1 stops on, must come once the input has filled the read-ahead
        # window (10,000), however slowly the machine takes it in: the emulator throttles every request until the
        # 10,001st grant, the first that waits for room, is handed over; then its quota is lifted and retries succeed.
        $emulator = Start-KmsEmulator -Quota @{ RetireGrant = 0.01 }
        try {
            $key = New-KmsEmulatorKey -Emulator $emulator
            $grants = @(New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal 'arn:aws:iam::111122223333:role/app' -Count 10004 |
                Select-Object KeyId, GrantId)
            # The first takes the bucket's one token (its burst); the next comes in 100 s.
            (Remove-KmsGrant -KeyId $key.Arn -GrantId $grants[0].GrantId -EndpointUrl $emulator.Url -Force -PassThru).Status | Should -Be 'Retired'
            $grants = $grants[1..10003]
            $handedOver = 0
            $first = @($grants | ForEach-Object { if (++$handedOver -eq 10001) { Set-KmsEmulatorQuota -Emulator $emulator -Quota @{ RetireGrant = $null } }; $_ } |
                Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru | Select-Object -First 1)
            $summary = $KmsGrantsLastRun
            $first.Count | Should -Be 1
            $all = @($first) + @($summary.UnreportedResults)
            $all.Count | Should -Be $summary.Submitted
            ($all.GrantId | Sort-Object -Unique).Count | Should -Be $all.Count
            # Taken in: all the read-ahead window holds, and the grant whose Submit was waiting for room.
            $summary.Submitted | Should -BeGreaterThan 10000
            # What the results say was retired the emulator no longer has (sets: 10,003 grants).
            $alive = [Collections.Generic.HashSet[string]]::new([string[]]@(Get-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn | ForEach-Object GrantId))
            $gone = [Collections.Generic.HashSet[string]]::new([string[]]@($grants.GrantId | Where-Object { -not $alive.Contains($_) }))
            $retired = [Collections.Generic.HashSet[string]]::new([string[]]@($all | Where-Object Status -In 'Retired', 'RetiredOnRetry' | ForEach-Object GrantId))
            # Unknown: in flight when the stop's grace ran out; the emulator may have retired it since.
            $unknown = [Collections.Generic.HashSet[string]]::new([string[]]@($all | Where-Object Status -EQ 'Unknown' | ForEach-Object GrantId))
            $retired.IsSubsetOf($gone) | Should -BeTrue -Because 'every grant reported retired is gone'
            @($gone | Where-Object { -not $retired.Contains($_) -and -not $unknown.Contains($_) }) | Should -BeNullOrEmpty -Because 'a grant gone is reported retired, or unknown'
        }
        finally { Stop-TestServer $emulator }
    }
}

Describe 'Revoke-KmsGrant given a key and a token but no grant ID' {
    # PowerShell's binder prefers the default (key and ID) set once KeyId binds, and names what is missing; nothing is sent.
    It 'is refused by the binder, naming GrantId as missing' {
        { [pscustomobject]@{ KeyId = $FakeKey; GrantToken = 'AQpAM2sometoken' } |
            Revoke-KmsGrant -Region us-east-1 -EndpointUrl 'http://127.0.0.1:9' -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'InputObjectMissingMandatory,KmsGrants.Commands.RevokeKmsGrantCommand' -ExpectedMessage '*GrantId*'
    }
}

Describe '-WhatIf against moto when the first grant''s key does not exist there' {
    BeforeAll {
        # moto ignores DryRun, and answers one on an unknown key with HTTP 500: that proves nothing, so the grant after
        # it must get its own proof (which moto fails) instead of being sent.
        $moto = Start-MotoServer
        $set = New-TestGrantSet -Endpoint $moto.Url -Count 3
        $missing = [pscustomobject]@{ KeyId = 'arn:aws:kms:us-east-1:123456789012:key/00000000-1111-2222-3333-444444444444'; GrantId = 'f' * 64 }
        $results = @(@($missing) + @($set.Grants | Select-Object KeyId, GrantId) |
            Remove-KmsGrant -EndpointUrl $moto.Url -WhatIf -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
    }
    AfterAll { Stop-TestServer $moto }

    It 'retires nothing' {
        @(Get-AliveGrantId $set.KeyId -Server $moto).Count | Should -Be 3
    }

    It 'stops with KmsGrants.DryRunNotHonored, every grant NotAttempted' {
        $errors[-1].FullyQualifiedErrorId | Should -Be 'KmsGrants.DryRunNotHonored,KmsGrants.Commands.RemoveKmsGrantCommand'
        $results.Count | Should -Be 4
        $results.Status | Sort-Object -Unique | Should -Be 'NotAttempted'
        ($results | Where-Object GrantId -EQ ('f' * 64)).Message | Should -BeLike '*prove*the endpoint honours DryRun*'
    }
}

Describe '-WhatIf under faults: a DryRun changes nothing, so no grant is Unknown, and only KMS''s refusal is WouldFail' {
    It '<Command>: 10 grants, 90% of <Operation> calls failing with KMSInternalException' -ForEach @(
        @{ Command = 'Revoke-KmsGrant'; Operation = 'RevokeGrant'; Verdict = 'WouldRevoke' }
        @{ Command = 'Remove-KmsGrant'; Operation = 'RetireGrant'; Verdict = 'WouldRetire' }
    ) {
        $faulty = Start-KmsEmulator -FaultRate 0.9 -FaultKind internal -FaultOperation $Operation -Seed 5
        try {
            $key = New-KmsEmulatorKey -Emulator $faulty
            $grants = @(New-KmsEmulatorGrant -Emulator $faulty -KeyId $key.Arn -GranteePrincipal 'arn:aws:iam::111122223333:role/app' -Count 10)
            $results = @($grants | Select-Object KeyId, GrantId | & $Command -EndpointUrl $faulty.Url -WhatIf -PassThru -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
            $results.Count | Should -Be 10
            $results.Outcome | Where-Object { $_ -notin 'WouldSucceed', 'NotAttempted' } | Should -BeNullOrEmpty
            @($results | Where-Object Outcome -EQ 'NotAttempted') | ForEach-Object {
                $_.ErrorCode | Should -Be 'KMSInternalException'
                # Its own DryRun got no verdict, or the canary before it proved nothing (the faults hit canaries too).
                $_.Message | Should -Match '^(No DryRun verdict|Not sent: a DryRun of a grant that cannot exist)'
            }
            @($results | Where-Object Outcome -EQ 'WouldSucceed').Status | Sort-Object -Unique | Should -BeIn @($Verdict, $null)
            @(Get-KmsEmulatorRequest -Emulator $faulty -Operation $Operation | Where-Object { -not $_.DryRun }) | Should -BeNullOrEmpty
            @(Get-AliveGrantId $key.Arn -Server $faulty).Count | Should -Be 10
        }
        finally { Stop-TestServer $faulty }
    }
}

Describe '-WhatIf against an endpoint that faults every canary of a key' {
    It 'gives up on the key after one grant''s canaries: the rest NotAttempted at once, one warning naming the key' {
        $peer = Start-HostileServer json @('--status', '500', '--body', '{"__type":"KMSInternalException","message":"boom"}')
        try {
            $results = @(New-FakeGrant 10 | Remove-KmsGrant -EndpointUrl $peer.Url -WhatIf -PassThru -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue)
            $results.Count | Should -Be 10
            $results.Status | Sort-Object -Unique | Should -Be 'NotAttempted'
            $results.ErrorCode | Sort-Object -Unique | Should -Be 'KMSInternalException'
            # One grant's canaries (it was 6 per grant: 60 requests, 14.7 s for 10 grants), and no real grant's DryRun.
            $stats = Get-HostileStats $peer
            $stats.requests | Should -Be 6
            @($stats.grants.PSObject.Properties | Where-Object Name -NE ('0' * 64)) | Should -BeNullOrEmpty
            @($warnings | Where-Object { "$_" -like "10 grant(s) of key $FakeKey in us-east-1 were not sent*KMSInternalException 6 times in a row*" }).Count | Should -Be 1
        }
        finally { Stop-TestServer $peer }
    }
}

Describe '-WhatIf never retires, on any endpoint' {
    BeforeAll {
        $emulator = Start-KmsEmulator
        $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $emulator.Url
        $moto = Start-MotoServer
        # One key, three grants per case (boto3 costs a second a call).
        $motoSet = New-TestGrantSet -Endpoint $moto.Url -Count 6
    }
    AfterAll { Stop-TestServer $emulator; $PSDefaultParameterValues.Remove('*-Kms*:EndpointUrl'); Stop-TestServer $moto }

    # moto ignores DryRun: a DryRun RetireGrant retires. Each grant still listed by boto3 afterwards proves nothing was.
    It 'against moto, by <Case>: retires nothing, stops with KmsGrants.DryRunNotHonored, reports every grant NotAttempted' -ForEach @(
        @{ Case = 'key and ID with -WhatIf'; ById = $true; Take = 0..2 }
        @{ Case = 'piped tokens with -Force and $WhatIfPreference'; ById = $false; Take = 3..5 }
    ) {
        $grants = $motoSet.Grants[$Take]
        $results = $null; $failure = $null
        try {
            if ($ById) { Remove-KmsGrant -KeyId $motoSet.KeyId -GrantId $grants.GrantId -WhatIf -PassThru -EndpointUrl $moto.Url -OutVariable results | Out-Null }
            else { $WhatIfPreference = $true; $grants.GrantToken | Remove-KmsGrant -Force -PassThru -EndpointUrl $moto.Url -OutVariable results | Out-Null }
        }
        catch { $failure = $_ }
        finally { $WhatIfPreference = $false }
        # Listed by boto3, not by us: every grant of the key is still there.
        (Invoke-KmsPeer $moto.Url 'list-grants' @($motoSet.KeyId)).GrantIds | Sort-Object | Should -Be ([string[]]$motoSet.Grants.GrantId | Sort-Object)
        $failure.FullyQualifiedErrorId | Should -Be 'KmsGrants.DryRunNotHonored,KmsGrants.Commands.RemoveKmsGrantCommand'
        $results.Count | Should -Be 3
        $results.Status | Sort-Object -Unique | Should -Be 'NotAttempted'
        $KmsGrantsLastRun.NotAttempted | Should -Be 3
    }

    It 'against the emulator, reports KMS''s DryRun verdicts (WouldRetire, WouldFail) and retires nothing' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 2
        $missing = 'e' * 64
        $before = Get-RequestCount $emulator RetireGrant
        $results = Remove-KmsGrant -KeyId $set.KeyId -GrantId ($set.Grants.GrantId + $missing) -WhatIf -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors
        (Get-RequestCount $emulator RetireGrant) - $before | Should -BeGreaterOrEqual 3   # the DryRun requests really went to KMS
        ($results | Where-Object GrantId -In $set.Grants.GrantId).Status | Should -Be 'WouldRetire', 'WouldRetire'
        ($results | Where-Object GrantId -EQ $missing).Status | Should -Be 'WouldFail'
        $errors.FullyQualifiedErrorId | Should -Be 'KmsGrants.NotFound,KmsGrants.Commands.RemoveKmsGrantCommand'
        Get-AliveGrantId -KeyId $set.KeyId -Server $emulator | Sort-Object | Should -Be ([string[]]$set.Grants.GrantId | Sort-Object)
    }
}
