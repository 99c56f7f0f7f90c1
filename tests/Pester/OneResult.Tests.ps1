# The one-result rule, through the built module over HTTP: every grant Remove-KmsGrant takes in yields exactly one
# result, whatever stops the run — each error that stops a run (its ID), a later Select-Object -First, -ErrorAction Stop
# and Ctrl+C — written with -PassThru (an assignment keeps them: the stop is the last error, not a terminating one), or
# kept in $KmsGrantsLastRun.UnreportedResults when PowerShell refuses the write; and $KmsGrantsLastRun's counts are
# those results'. Also -WhatIf's own line for every grant, and ARN prefixes in another case.
BeforeDiscovery {
    # Endpoints that make the run stop at once, each with the error ID it stops with. Hostile servers answer every
    # request the same way (tests/peers/hostile_server.py).
    $script:StopCases = @(
        @{ Id = 'KmsGrants.NotKmsResponse'; Mode = 'html'; Options = @() }
        @{ Id = 'KmsGrants.ResponseTooLarge'; Mode = 'huge'; Options = @() }
        @{ Id = 'KmsGrants.InvalidSignature'; Mode = 'json'; Options = @('--status', '400', '--body', '{"__type":"InvalidSignatureException","message":"signature"}') }
        @{ Id = 'KmsGrants.UnrecognizedClient'; Mode = 'json'; Options = @('--status', '400', '--body', '{"__type":"UnrecognizedClientException","message":"who"}') }
        @{ Id = 'KmsGrants.ExpiredToken'; Mode = 'json'; Options = @('--status', '400', '--body', '{"__type":"ExpiredTokenException","message":"expired"}') }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment

    <# Asserts the rule on a run: every grant given has exactly one result, among those written and those kept. #>
    function Assert-OneResultEach([string[]] $GrantIds, [object[]] $Written, $Summary) {
        $all = @(@($Written) + @($Summary.UnreportedResults))
        $all.Count | Should -Be $GrantIds.Count
        ($all.GrantId | Sort-Object) -join ',' | Should -Be (($GrantIds | Sort-Object) -join ',')
        $Summary.Submitted | Should -Be $GrantIds.Count
        $Summary.ResultCount | Should -Be $GrantIds.Count
        foreach ($outcome in 'Succeeded', 'SucceededOnRetry', 'WouldSucceed', 'WouldFail', 'Failed', 'Unknown', 'NotAttempted') {
            $Summary.$outcome | Should -Be @($all | Where-Object Outcome -EQ $outcome).Count -Because "the $outcome count is the results'"
        }
    }
}

Describe 'A run stopped by <Id>: one result per grant, and the stop written last' -ForEach $StopCases {
    BeforeAll {
        $server = Start-HostileServer $Mode $Options
        $grants = @(New-FakeGrant 12)
        # An assignment, as a runbook writes it: with a terminating error PowerShell would keep $results' old value.
        $results = 'old value'
        $results = $grants | Remove-KmsGrant -EndpointUrl $server.Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue
        $summary = $KmsGrantsLastRun
    }
    AfterAll { Stop-TestServer $server }

    It 'keeps every result in the assignment, one per grant' {
        Assert-OneResultEach $grants.GrantId $results $summary
        $summary.UnreportedResults | Should -BeNullOrEmpty
        $summary.Stopped | Should -BeTrue
    }

    It 'retired none, and reports each grant sent Unknown or Failed and the others NotAttempted' {
        # Which grants went before the first answer stopped the run depends on the machine's load; that each result says
        # truly whether its grant went does not: the server counts what reached it.
        # Each result piped on its own: member access on an empty list gives one $null (all 12 may be sent under load).
        $results | Where-Object Attempts -GT 0 | ForEach-Object { $_.Status | Should -BeIn 'Unknown', 'Failed' }
        $results | Where-Object Attempts -EQ 0 | ForEach-Object { $_.Status | Should -Be 'NotAttempted' }
        ($results | Measure-Object Attempts -Sum).Sum | Should -Be (Get-HostileStats $server).requests
    }

    It 'writes <Id> as the last error, naming the grant whose answer it was' {
        $errors[-1].FullyQualifiedErrorId | Should -Be "$Id,KmsGrants.Commands.RemoveKmsGrantCommand"
        $errors[-1].TargetObject.GrantId | Should -BeIn $grants.GrantId
        @($errors | Where-Object { $_.FullyQualifiedErrorId -like "$Id,*" }).Count | Should -Be 1
    }

    It 'is still a terminating error under -ErrorAction Stop, after every result was written' {
        $written = [System.Collections.Generic.List[object]]::new()
        { $grants | Remove-KmsGrant -EndpointUrl $server.Url -Force -PassThru -ErrorAction Stop -WarningAction SilentlyContinue | ForEach-Object { $written.Add($_) } } |
            Should -Throw -ErrorId "$Id,KmsGrants.Commands.RemoveKmsGrantCommand"
        Assert-OneResultEach $grants.GrantId $written $KmsGrantsLastRun
    }
}

Describe 'A run whose credentials stop refreshing mid-run (KmsGrants.CredentialsUnavailable)' {
    BeforeAll {
        # A credential_process that answers once, with credentials about to expire, then fails: the command obtains them,
        # and the first request must refresh them and cannot.
        $cpHome = Join-Path $TestDrive 'cp-home'
        $null = New-Item -ItemType Directory (Join-Path $cpHome '.aws') -Force
        $marker = Join-Path $cpHome 'ran'
        $script = Join-Path $cpHome 'credentials.sh'
        Set-Content $script @"
if [ -e '$marker' ]; then echo 'refresh failed: SECRETONSTDERR' >&2; exit 1; fi
touch '$marker'
printf '{"Version": 1, "AccessKeyId": "testing", "SecretAccessKey": "testing", "Expiration": "%s"}' "`$(date -u -d '+5 seconds' +%Y-%m-%dT%H:%M:%SZ)"
"@
        Set-Content (Join-Path $cpHome '.aws/config') "[profile flaky]`ncredential_process = /bin/sh $script`nregion = us-east-1`n"
        $emulator = Start-KmsEmulator
        $grants = @(New-KmsEmulatorGrant -Emulator $emulator -KeyId (New-KmsEmulatorKey -Emulator $emulator).Arn -GranteePrincipal 'arn:aws:iam::111122223333:role/app' -Count 5 |
            Select-Object KeyId, GrantId)
        $run = Invoke-Isolated -NewProcess -HomeDirectory $cpHome -Arguments @{ Url = $emulator.Url; Rows = ($grants | ConvertTo-Json -Compress) } -Script @'
            $results = $Rows | ConvertFrom-Json | Remove-KmsGrant -ProfileName flaky -EndpointUrl $Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errs
            'RESULTS=' + (@($results | ForEach-Object { "$($_.GrantId):$($_.Status)" }) -join ';')
            'SUMMARY=' + $KmsGrantsLastRun.Submitted + '/' + $KmsGrantsLastRun.ResultCount + '/' + $KmsGrantsLastRun.UnreportedResults.Count
            'LASTERROR=' + $errs[-1].FullyQualifiedErrorId
'@
    }
    AfterAll { Stop-TestServer $emulator }

    It 'gives every grant one result and ends with KmsGrants.CredentialsUnavailable, showing nothing the process wrote' {
        $run.Output | Should -Match 'LASTERROR=KmsGrants\.CredentialsUnavailable,KmsGrants\.Commands\.RemoveKmsGrantCommand'
        $run.Output | Should -Match 'SUMMARY=5/5/0'
        $pairs = [regex]::Match($run.Output, 'RESULTS=(\S+)').Groups[1].Value -split ';'
        ($pairs | ForEach-Object { ($_ -split ':')[0] } | Sort-Object) -join ',' | Should -Be (($grants.GrantId | Sort-Object) -join ',')
        $pairs | ForEach-Object { ($_ -split ':')[1] | Should -BeIn 'Failed', 'NotAttempted' }
        $run.Output | Should -Not -Match 'SECRETONSTDERR'
        @(Get-KmsEmulatorGrant -Emulator $emulator).Count | Should -Be 5
    }
}

Describe 'Stops from the pipeline: one result per grant, written or kept' {
    BeforeAll {
        $emulator = Start-KmsEmulator -LatencyMs 100
        $key = New-KmsEmulatorKey -Emulator $emulator
        function New-Grants([int] $Count) {
            @(New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal 'arn:aws:iam::111122223333:role/app' -Count $Count |
                Select-Object KeyId, GrantId)
        }
        function Get-Alive { [string[]]@(Get-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn | ForEach-Object GrantId) }
    }
    AfterAll { Stop-TestServer $emulator }

    It 'Select-Object -First 3' {
        $grants = New-Grants 40
        $written = @($grants | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru | Select-Object -First 3)
        $written.Count | Should -Be 3
        Assert-OneResultEach $grants.GrantId $written $KmsGrantsLastRun
        # What the results say was retired is what the emulator no longer has.
        $retired = @(@($written) + @($KmsGrantsLastRun.UnreportedResults) | Where-Object Status -In 'Retired', 'RetiredOnRetry').GrantId
        $alive = Get-Alive
        $grants.GrantId | Where-Object { $_ -notin $alive } | Sort-Object | Should -Be ($retired | Sort-Object)
    }

    It '-ErrorAction Stop on a grant that does not exist: its result is kept too' {
        $grants = @([pscustomobject]@{ KeyId = $key.Arn; GrantId = 'f' * 64 }) + @(New-Grants 20)
        $written = [System.Collections.Generic.List[object]]::new()
        { $grants | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru -ErrorAction Stop | ForEach-Object { $written.Add($_) } } |
            Should -Throw -ErrorId 'KmsGrants.NotFound,KmsGrants.Commands.RemoveKmsGrantCommand'
        Assert-OneResultEach $grants.GrantId $written $KmsGrantsLastRun
        ($KmsGrantsLastRun.UnreportedResults + $written | Where-Object GrantId -EQ ('f' * 64)).Status | Should -Be 'Failed'
    }

    It '-ErrorAction Stop with the results assigned: -OutVariable keeps those written before the stop, as about_KmsGrants_Results says' {
        # An assignment ($r = ...) gets nothing when the pipeline throws: PowerShell's rule, not the module's.
        $grants = @(New-Grants 9) + @([pscustomobject]@{ KeyId = $key.Arn; GrantId = 'e' * 64 }) + @(New-Grants 20)
        $assigned = 'untouched'
        try { $assigned = $grants | Revoke-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru -ErrorAction Stop -OutVariable kept } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'KmsGrants.NotFound,KmsGrants.Commands.RevokeKmsGrantCommand'
        $assigned | Should -Be 'untouched'
        $kept.Count | Should -BeGreaterThan 0
        Assert-OneResultEach $grants.GrantId @($kept) $KmsGrantsLastRun
    }

    It 'Ctrl+C' {
        $grants = New-Grants 300
        $run = Invoke-Isolated 'param($Url, $Grants) $Grants | Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru' `
            -Arguments @{ Url = $emulator.Url; Grants = $grants } -NoWait
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ($run.Output.Count -lt 20 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $run.PowerShell.Stop()
        $done = Complete-Isolated $run
        $summary = $done.PowerShell.Runspace.SessionStateProxy.GetVariable('KmsGrantsLastRun')
        $summary.Stopped | Should -BeTrue
        # Taken in: the grants the pipeline had handed over before the stop; each has one result.
        $taken = @(@($done.Output) + @($summary.UnreportedResults)).GrantId
        $taken.Count | Should -Be $summary.Submitted
        ($taken | Sort-Object -Unique).Count | Should -Be $taken.Count
        $summary.ResultCount | Should -Be $summary.Submitted
        $retired = @(@($done.Output) + @($summary.UnreportedResults) | Where-Object Status -In 'Retired', 'RetiredOnRetry').GrantId
        $alive = Get-Alive
        $grants.GrantId | Where-Object { $_ -notin $alive } | Sort-Object | Should -Be ($retired | Sort-Object)
    }
}

Describe 'The issue''s own case: one grant, an endpoint answering HTTP 200 with a web page' {
    It '$r holds the grant''s Unknown result and $KmsGrantsLastRun agrees' {
        $server = Start-HostileServer html
        try {
            $r = Remove-KmsGrant -KeyId $FakeKey -GrantId ('a' * 64) -Force -PassThru -EndpointUrl $server.Url -ErrorAction SilentlyContinue -ErrorVariable errors
            @($r).Count | Should -Be 1
            $r.Status | Should -Be 'Unknown'
            $KmsGrantsLastRun.Unknown | Should -Be 1
            $KmsGrantsLastRun.UnreportedResults | Should -BeNullOrEmpty
            $errors[-1].FullyQualifiedErrorId | Should -Be 'KmsGrants.NotKmsResponse,KmsGrants.Commands.RemoveKmsGrantCommand'
        }
        finally { Stop-TestServer $server }
    }
}

Describe '-WhatIf prints PowerShell''s own line for every grant' {
    BeforeAll {
        $whatIf = 'param($Url, $Grants, $Command) $Grants | & $Command -EndpointUrl $Url -Region us-east-1 -WhatIf -PassThru -WarningAction SilentlyContinue'
    }

    It 'against moto, which ignores DryRun: one line per grant for <Command>, nothing sent for any real grant, nothing deleted' -ForEach @(
        @{ Command = 'Remove-KmsGrant'; Action = 'Retire grant' }
        @{ Command = 'Revoke-KmsGrant'; Action = 'Revoke grant' }
    ) {
        $moto = Start-MotoServer
        try {
            $set = New-TestGrantSet -Endpoint $moto.Url -Count 3
            $grants = @($set.Grants | Select-Object KeyId, GrantId)
            $run = Invoke-Isolated $whatIf -Answer 'Yes' -Arguments @{ Url = $moto.Url; Grants = $grants; Command = $Command }
            foreach ($g in $grants) {
                $run.Lines | Should -Contain "What if: Performing the operation `"$Action`" on target `"grant $($g.GrantId) on key $($g.KeyId)`"."
            }
            # No KMS verdict can be had from an endpoint that ignores DryRun: no second line.
            @($run.Lines | Where-Object { $_ -like '*KMS DryRun:*' }) | Should -BeNullOrEmpty
            $run.Errors[-1].FullyQualifiedErrorId | Should -BeLike 'KmsGrants.DryRunNotHonored,*'
            @($run.Output).Count | Should -Be 3
            $run.Output.Outcome | Sort-Object -Unique | Should -Be 'NotAttempted'
            # Listed by boto3, not by the module: every grant is still there.
            (Invoke-KmsPeer $moto.Url 'list-grants' @($set.KeyId)).GrantIds | Sort-Object | Should -Be ([string[]]$set.Grants.GrantId | Sort-Object)
        }
        finally { Stop-TestServer $moto }
    }

    It 'against the emulator: each grant''s line comes before KMS''s verdict on it, and only DryRun requests are sent' {
        $emulator = Start-KmsEmulator
        try {
            $key = New-KmsEmulatorKey -Emulator $emulator
            $grants = @(New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal 'arn:aws:iam::111122223333:role/app' -Count 3 | Select-Object KeyId, GrantId)
            $run = Invoke-Isolated $whatIf -Answer 'Yes' -Arguments @{ Url = $emulator.Url; Grants = $grants; Command = 'Remove-KmsGrant' }
            $lines = @($run.Lines)
            foreach ($g in $grants) {
                $own = [array]::IndexOf($lines, "What if: Performing the operation `"Retire grant`" on target `"grant $($g.GrantId) on key $($g.KeyId)`".")
                $verdict = [array]::IndexOf($lines, "What if: Retiring grant $($g.GrantId) on key $($g.KeyId). KMS DryRun: the retirement would succeed.")
                $own | Should -BeGreaterOrEqual 0
                $verdict | Should -BeGreaterThan $own
            }
            $sent = @(Get-KmsEmulatorRequest -Emulator $emulator -Operation RetireGrant)
            $sent.Count | Should -Be 4   # the canary, then the three grants
            $sent.DryRun | Sort-Object -Unique | Should -BeTrue
            @(Get-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn).Count | Should -Be 3
        }
        finally { Stop-TestServer $emulator }
    }
}

Describe 'An ARN or alias prefix in another case is refused before sending' {
    BeforeAll {
        $emulator = Start-KmsEmulator
        $key = New-KmsEmulatorKey -Emulator $emulator -Alias 'alias/cased'
        $grant = New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal 'arn:aws:iam::111122223333:role/app'
    }
    AfterAll { Stop-TestServer $emulator }

    It '<Command> -KeyId <Case> -> <Id>' -ForEach @(
        @{ Command = 'Remove-KmsGrant'; Case = 'ARN:aws:kms:…'; Prefix = 'ARN'; Id = 'KmsGrants.InvalidArn'; Class = 'RemoveKmsGrantCommand' }
        @{ Command = 'Revoke-KmsGrant'; Case = 'Arn:aws:kms:…'; Prefix = 'Arn'; Id = 'KmsGrants.InvalidArn'; Class = 'RevokeKmsGrantCommand' }
        @{ Command = 'Get-KmsGrant'; Case = 'ARN:aws:kms:…'; Prefix = 'ARN'; Id = 'KmsGrants.InvalidArn'; Class = 'GetKmsGrantCommand' }
        @{ Command = 'Remove-KmsGrant'; Case = 'Alias/cased'; Prefix = 'Alias'; Id = 'KmsGrants.InvalidKeyId'; Class = 'RemoveKmsGrantCommand' }
    ) {
        $keyId = if ($Prefix -eq 'Alias') { 'Alias/cased' } else { $key.Arn -replace '^arn', $Prefix }
        $params = @{ KeyId = $keyId; EndpointUrl = $emulator.Url; ErrorAction = 'SilentlyContinue'; ErrorVariable = 'errors' }
        if ($Command -ne 'Get-KmsGrant') { $params += @{ GrantId = $grant.GrantId; Force = $true } }
        $before = @(Get-KmsEmulatorRequest -Emulator $emulator).Count
        & $Command @params
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be "$Id,KmsGrants.Commands.$Class"
        $errors[0].Exception.Message | Should -BeLike '*case-sensitive*'
        @(Get-KmsEmulatorRequest -Emulator $emulator).Count | Should -Be $before
        @(Get-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn).Count | Should -Be 1
    }
}
