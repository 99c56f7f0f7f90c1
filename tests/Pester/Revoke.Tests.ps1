# Revoke-KmsGrant through the built module over HTTP: both ways of naming grants from arguments and the pipeline, a
# token-only grant refused before sending, -WhatIf as KMS DryRun, who may revoke, a key in another Region revoked
# there, faults and Ctrl+C reported truthfully, and 1,000 grants of one key at the RevokeGrant quota. What is alive and
# what was sent is read from the emulator's own state (Get-KmsEmulatorGrant, Get-KmsEmulatorRequest).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
    $App = 'arn:aws:iam::111122223333:role/app'
    $Outsider = 'arn:aws:iam::444455556666:role/cleaner'
    $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1 -Identity @(
        @{ AccessKey = 'testing'; SecretKey = 'testing'; Principal = 'arn:aws:iam::111122223333:root' }
        @{ AccessKey = 'OUTSIDER'; SecretKey = 'outsider-secret'; Principal = $Outsider })

    <# A new key of the account, and COUNT grants on it. #>
    function New-Grants([int] $Count, [string] $Region = 'us-east-1', [string] $Retiring, [string] $Alias) {
        $keyParams = @{ Emulator = $emulator; Region = $Region }
        if ($Alias) { $keyParams.Alias = $Alias }
        $key = New-KmsEmulatorKey @keyParams
        $grantParams = @{ Emulator = $emulator; KeyId = $key.Arn; GranteePrincipal = $App; Count = $Count }
        if ($Retiring) { $grantParams.RetiringPrincipal = $Retiring }
        [pscustomobject]@{ Key = $key; Grants = @(New-KmsEmulatorGrant @grantParams) }
    }
    function Get-Alive($Key) { [string[]]@(Get-KmsEmulatorGrant -Emulator $emulator -KeyId $Key.Arn | ForEach-Object GrantId) }
    <# RevokeGrant requests the emulator received after SEQUENCE. #>
    function Get-RevokesSince([long] $Sequence) { @(Get-KmsEmulatorRequest -Emulator $emulator -Operation RevokeGrant | Where-Object Sequence -GT $Sequence) }
    function Get-LastSequence { $last = @(Get-KmsEmulatorRequest -Emulator $emulator -Last 1); if ($last) { $last[0].Sequence } else { 0 } }
    $Url = $emulator.Url
}
AfterAll { Stop-TestServer $emulator }

Describe 'Naming the grants to revoke' {
    It 'by -KeyId (key ARN) and -GrantId, revoking each one and reporting Revoked' {
        $set = New-Grants 3
        $results = Revoke-KmsGrant -KeyId $set.Key.Arn -GrantId $set.Grants[0..1].GrantId -EndpointUrl $Url -Force -PassThru
        $results.Status | Should -Be 'Revoked', 'Revoked'
        $results.Outcome | Sort-Object -Unique | Should -Be 'Succeeded'
        $results.Operation | Sort-Object -Unique | Should -Be 'RevokeGrant'
        $results | ForEach-Object { $_ | Should -BeOfType ([KmsGrants.RevokeResult]) }
        Get-Alive $set.Key | Should -Be $set.Grants[2].GrantId
    }

    It 'every grant of a key, piped from Get-KmsGrant' {
        $set = New-Grants 5
        $since = Get-LastSequence
        Get-KmsGrant -KeyId $set.Key.Arn -EndpointUrl $Url | Revoke-KmsGrant -EndpointUrl $Url -Force
        Get-Alive $set.Key | Should -BeNullOrEmpty
        $sent = Get-RevokesSince $since
        $sent.Count | Should -Be 5
        $sent.DryRun | Sort-Object -Unique | Should -BeFalse
        $KmsGrantsLastRun | Should -BeOfType ([KmsGrants.RevokeSummary])
        $KmsGrantsLastRun.Revoked | Should -Be 5
    }

    It 'grant IDs piped as strings with -KeyId, by bare key ID' {
        $set = New-Grants 2
        $results = $set.Grants.GrantId | Revoke-KmsGrant -KeyId $set.Key.KeyId -EndpointUrl $Url -Region us-east-1 -Force -PassThru
        $results.Status | Should -Be 'Revoked', 'Revoked'
        Get-Alive $set.Key | Should -BeNullOrEmpty
    }

    It 'Import-Csv rows with KeyId and GrantId columns' {
        $set = New-Grants 3
        $csv = Join-Path $TestDrive 'revoke.csv'
        $set.Grants | Select-Object KeyId, GrantId | Export-Csv $csv
        (Import-Csv $csv | Revoke-KmsGrant -EndpointUrl $Url -Force -PassThru).Status | Should -Be 'Revoked', 'Revoked', 'Revoked'
        Get-Alive $set.Key | Should -BeNullOrEmpty
    }

    It 'objects shaped like the AWS Tools'' GrantListEntry' {
        $set = New-Grants 2
        $entries = $set.Grants | ForEach-Object {
            [pscustomobject]@{ KeyId = $_.KeyId; GrantId = $_.GrantId; Name = $null; GranteePrincipal = $App; RetiringPrincipal = $null
                IssuingAccount = 'arn:aws:iam::111122223333:root'; Operations = @('Decrypt'); Constraints = $null; CreationDate = Get-Date }
        }
        ($entries | Revoke-KmsGrant -EndpointUrl $Url -Force -PassThru).Status | Should -Be 'Revoked', 'Revoked'
        Get-Alive $set.Key | Should -BeNullOrEmpty
    }

    It 'an object carrying a token as well binds by key and grant ID' {
        $set = New-Grants 1
        $since = Get-LastSequence
        ($set.Grants[0] | Revoke-KmsGrant -EndpointUrl $Url -Force -PassThru).GrantId | Should -Be $set.Grants[0].GrantId
        (Get-RevokesSince $since).GrantId | Should -Be $set.Grants[0].GrantId
        Get-Alive $set.Key | Should -BeNullOrEmpty
    }

    It 'by alias name, resolved once' {
        $set = New-Grants 2 -Alias 'alias/incident'
        $describesBefore = @(Get-KmsEmulatorRequest -Emulator $emulator -Operation DescribeKey).Count
        ($set.Grants.GrantId | Revoke-KmsGrant -KeyId alias/incident -EndpointUrl $Url -Region us-east-1 -Force -PassThru).Status | Should -Be 'Revoked', 'Revoked'
        @(Get-KmsEmulatorRequest -Emulator $emulator -Operation DescribeKey).Count - $describesBefore | Should -Be 1
        Get-Alive $set.Key | Should -BeNullOrEmpty
    }
}

Describe 'A grant named by its token only is refused before anything is sent' {
    It 'from <Case>: KmsGrants.GrantIdRequired with the grant as target, and the other grants go on' -ForEach @(
        @{ Case = 'the pipeline (a CSV of tokens)'; ByParameter = $false }
        @{ Case = '-GrantToken'; ByParameter = $true }
    ) {
        $set = New-Grants 2
        $since = Get-LastSequence
        if ($ByParameter) {
            Revoke-KmsGrant -GrantToken $set.Grants[0].GrantToken -EndpointUrl $Url -Region us-east-1 -Force -ErrorAction SilentlyContinue -ErrorVariable errors
            Revoke-KmsGrant -KeyId $set.Key.Arn -GrantId $set.Grants[1].GrantId -EndpointUrl $Url -Force
        }
        else {
            @([pscustomobject]@{ GrantToken = $set.Grants[0].GrantToken }, [pscustomobject]@{ KeyId = $set.Key.Arn; GrantId = $set.Grants[1].GrantId }) |
                Revoke-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -ErrorAction SilentlyContinue -ErrorVariable errors
        }
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.GrantIdRequired,KmsGrants.Commands.RevokeKmsGrantCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].TargetObject.GrantToken | Should -Be $set.Grants[0].GrantToken
        $errors[0].Exception.Message | Should -BeLike '*key and grant ID*'
        # Only the other grant's request was sent; the token's grant lives on.
        (Get-RevokesSince $since).GrantId | Should -Be $set.Grants[1].GrantId
        Get-Alive $set.Key | Should -Be $set.Grants[0].GrantId
    }
}

Describe '-WhatIf on the emulator' {
    BeforeAll {
        $set = New-Grants 2
        $missing = 'c' * 64
        $since = Get-LastSequence
        $run = Invoke-Isolated 'param($Url, $KeyId, $Ids) Revoke-KmsGrant -EndpointUrl $Url -Region us-east-1 -KeyId $KeyId -GrantId $Ids -WhatIf -PassThru' -Answer 'Yes' -Arguments @{
            Url = $Url; KeyId = $set.Key.Arn; Ids = [string[]]@($set.Grants.GrantId + $missing) }
    }

    It 'prints PowerShell''s line for each grant, then KMS''s verdict' {
        foreach ($id in @($set.Grants.GrantId) + $missing) {
            $run.Lines | Should -Contain "What if: Performing the operation `"Revoke grant`" on target `"grant $id on key $($set.Key.Arn)`"."
        }
        foreach ($id in $set.Grants.GrantId) {
            $run.Lines | Should -Contain "What if: Revoking grant $id on key $($set.Key.Arn). KMS DryRun: the revocation would succeed."
        }
        @($run.Lines -like "What if: Revoking grant $missing *would fail with NotFoundException*").Count | Should -Be 1
    }

    It 'reports WouldRevoke and WouldFail, with the would-be error, and revokes nothing' {
        ($run.Output | Where-Object GrantId -In $set.Grants.GrantId).Status | Should -Be 'WouldRevoke', 'WouldRevoke'
        ($run.Output | Where-Object GrantId -EQ $missing).Status | Should -Be 'WouldFail'
        $run.Errors.FullyQualifiedErrorId | Should -Be 'KmsGrants.NotFound,KmsGrants.Commands.RevokeKmsGrantCommand'
        @(Get-Alive $set.Key).Count | Should -Be 2
    }

    It 'sent only DryRun requests: the canaries first (RetireGrant''s, which an endpoint ignoring DryRun accepts, then RevokeGrant''s), then one per grant' {
        $sent = Get-RevokesSince $since
        $sent.Count | Should -Be 4
        $sent.DryRun | Sort-Object -Unique | Should -BeTrue
        $sent[0].GrantId | Should -Be ('0' * 64)
        $retireCanary = @(Get-KmsEmulatorRequest -Emulator $emulator -Operation RetireGrant | Where-Object Sequence -GT $since)
        $retireCanary.Count | Should -Be 1
        $retireCanary[0].DryRun | Should -BeTrue
        $retireCanary[0].GrantId | Should -Be ('0' * 64)
        $retireCanary[0].Sequence | Should -BeLessThan $sent[0].Sequence
    }
}

Describe 'Who may revoke' {
    It 'a retiring principal of another account may retire a grant but not revoke it (KmsGrants.AccessDenied)' {
        $set = New-Grants 2 -Retiring $Outsider
        $as = @{ EndpointUrl = $Url; AccessKey = 'OUTSIDER'; SecretKey = 'outsider-secret' }
        $denied = Revoke-KmsGrant -KeyId $set.Key.Arn -GrantId $set.Grants[0].GrantId @as -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors
        $denied.Status | Should -Be 'Failed'
        $denied.ErrorCode | Should -Be 'AccessDeniedException'
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.AccessDenied,KmsGrants.Commands.RevokeKmsGrantCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $errors[0].ErrorDetails.RecommendedAction | Should -BeLike '*kms:RevokeGrant*'
        Get-Alive $set.Key | Should -Contain $set.Grants[0].GrantId
        # The same principal retires it: the difference is the operation, not the credentials.
        (Remove-KmsGrant -KeyId $set.Key.Arn -GrantId $set.Grants[0].GrantId @as -Force -PassThru).Status | Should -Be 'Retired'
        Get-Alive $set.Key | Should -Be $set.Grants[1].GrantId
    }
}

Describe 'A key in another Region' {
    It 'is revoked in its ARN''s Region, whatever -Region says' {
        $set = New-Grants 2 -Region eu-west-1
        $since = Get-LastSequence
        $results = $set.Grants | Revoke-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru
        $results.Region | Sort-Object -Unique | Should -Be 'eu-west-1'
        $results.Status | Should -Be 'Revoked', 'Revoked'
        (Get-RevokesSince $since).Region | Sort-Object -Unique | Should -Be 'eu-west-1'
        Get-Alive $set.Key | Should -BeNullOrEmpty
    }
}

Describe '1,000 grants of one key at the RevokeGrant quota' {
    BeforeAll {
        # RevokeGrant has its own quota in KMS: RetireGrant's, here far lower, must not pace it.
        $quota = 100
        $bulk = Start-KmsEmulator -Quota @{ RevokeGrant = $quota; RetireGrant = 5 }
        $key = New-KmsEmulatorKey -Emulator $bulk
        $null = New-KmsEmulatorGrant -Emulator $bulk -KeyId $key.Arn -GranteePrincipal $App -Count 1000
        $results = @(Get-KmsGrant -KeyId $key.Arn -EndpointUrl $bulk.Url | Revoke-KmsGrant -EndpointUrl $bulk.Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors)
        $summary = $KmsGrantsLastRun
        $stats = Get-KmsEmulatorStatistic -Emulator $bulk
    }
    AfterAll { Stop-TestServer $bulk }

    It 'revokes every one, absorbing the throttles, with no error' {
        $results.Count | Should -Be 1000
        $results.Status | Sort-Object -Unique | Should -Be 'Revoked'
        $errors | Should -BeNullOrEmpty
        @(Get-KmsEmulatorGrant -Emulator $bulk -KeyId $key.Arn) | Should -BeNullOrEmpty
        $stats.operations.RevokeGrant.throttled | Should -BeGreaterThan 0
        $stats.operations.RetireGrant | Should -BeNullOrEmpty
    }

    It 'measured the RevokeGrant quota and tallied the run as the emulator counted it' {
        $summary.Revoked | Should -Be 1000
        $summary.Requests | Should -Be $stats.operations.RevokeGrant.requests
        $summary.ThrottledResponses | Should -Be $stats.operations.RevokeGrant.throttled
        # A quota was measured from RevokeGrant's own throttles, and never above what the emulator allows (a starved client
        # sends slower, so how close to the quota it gets is a bench figure, tests/bench/1-QuotaMatrix.ps1, not a test).
        $summary.Regions['us-east-1'].QuotaEstimate | Should -BeGreaterThan 0
        $summary.Regions['us-east-1'].QuotaEstimate | Should -BeLessThan (1.3 * $quota)
    }
}

Describe 'Faults: 300 grants, 15% of RevokeGrant calls failing in every way' {
    BeforeAll {
        $faulty = Start-KmsEmulator -FaultRate 0.15 -FaultKind internal, unavailable, reset, commit-then-drop -FaultOperation RevokeGrant -Seed 7
        $key = New-KmsEmulatorKey -Emulator $faulty
        $grants = @(New-KmsEmulatorGrant -Emulator $faulty -KeyId $key.Arn -GranteePrincipal $App -Count 300 | Select-Object KeyId, GrantId)
        $results = @($grants | Revoke-KmsGrant -EndpointUrl $faulty.Url -Force -PassThru -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $alive = [string[]]@(Get-KmsEmulatorGrant -Emulator $faulty -KeyId $key.Arn | ForEach-Object GrantId)
    }
    AfterAll { Stop-TestServer $faulty }

    It 'gives every grant exactly one result' {
        $results.Count | Should -Be 300
        ($results.GrantId | Sort-Object -Unique).Count | Should -Be 300
    }

    It 'reports revoked only what is gone, and leaves alive only what it did not report revoked' {
        $done = @($results | Where-Object Status -In 'Revoked', 'RevokedOnRetry').GrantId
        $done | Where-Object { $_ -in $alive } | Should -BeNullOrEmpty
        $alive | ForEach-Object { ($results | Where-Object GrantId -EQ $_).Status | Should -BeIn 'Failed', 'Unknown' }
    }

    It 'recognised grants whose first answer was lost as RevokedOnRetry' {
        $faults = @(Get-KmsEmulatorRequest -Emulator $faulty -Operation RevokeGrant | Where-Object Fault -EQ 'commit-then-drop')
        $faults.Count | Should -BeGreaterThan 0
        @($results | Where-Object Status -EQ 'RevokedOnRetry').Count | Should -BeGreaterThan 0
        ($results | Where-Object Status -EQ 'RevokedOnRetry').Attempts | ForEach-Object { $_ | Should -BeGreaterThan 1 }
    }
}

Describe 'Ctrl+C' {
    It 'stops, and every grant taken in has one result that matches what the emulator revoked' {
        $slow = Start-KmsEmulator -LatencyMs 50
        try {
            $key = New-KmsEmulatorKey -Emulator $slow
            $grants = @(New-KmsEmulatorGrant -Emulator $slow -KeyId $key.Arn -GranteePrincipal $App -Count 400 | Select-Object KeyId, GrantId)
            $run = Invoke-Isolated 'param($Url, $Grants) $Grants | Revoke-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru' `
                -Arguments @{ Url = $slow.Url; Grants = $grants } -NoWait
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ($run.Output.Count -lt 30 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $run.PowerShell.Stop()
            $done = Complete-Isolated $run
            $summary = $done.PowerShell.Runspace.SessionStateProxy.GetVariable('KmsGrantsLastRun')
            $summary.Stopped | Should -BeTrue
            $all = @(@($done.Output) + @($summary.UnreportedResults))
            $all.Count | Should -Be $summary.Submitted
            ($all.GrantId | Sort-Object -Unique).Count | Should -Be $all.Count
            # Stopped part-way: grants never sent are NotAttempted.
            @($all | Where-Object Status -EQ 'NotAttempted').Count | Should -BeGreaterThan 0
            $revoked = @($all | Where-Object Status -In 'Revoked', 'RevokedOnRetry').GrantId
            $alive = [string[]]@(Get-KmsEmulatorGrant -Emulator $slow -KeyId $key.Arn | ForEach-Object GrantId)
            $grants.GrantId | Where-Object { $_ -notin $alive } | Sort-Object | Should -Be ($revoked | Sort-Object)
        }
        finally { Stop-TestServer $slow }
    }
}
