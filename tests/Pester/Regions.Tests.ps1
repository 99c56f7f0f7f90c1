# Regions: a grant named by its key ARN is served in the ARN's Region (a token or a bare key ID in the command's
# Region); each Region's lane runs at its own quota at the same time as the others; with -EndpointUrl (or an endpoint
# configured outside the command) every request is signed for its grant's Region; the run reports per Region; a key ARN
# in a Region the endpoint does not serve. Accounts and assumed roles: Accounts.Tests.ps1. Outcomes are checked against
# the emulator's per-Region stats and grants left.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
    . (Join-Path $PSScriptRoot 'RegionHelpers.ps1')
}

Describe 'Two Regions in one pipeline, sorted by Region, each at its own RetireGrant quota' {
    BeforeAll {
        $perRegion = 160
        $quota = 20
        $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1 -SeedGrants $perRegion `
            -RetiringPrincipal 'arn:aws:iam::111122223333:role/ci' -Quota @{ RetireGrant = $quota }
        # All of us-east-1's grants first, then eu-west-1's: only the read-ahead lets eu-west-1's lane start before
        # us-east-1's is done. -Region us-east-1 must not pull the eu-west-1 key ARNs to us-east-1.
        $run = Invoke-Isolated @'
param($Url, $UsKey, $EuKey)
& { Get-KmsGrant $UsKey -EndpointUrl $Url -Region us-east-1; Get-KmsGrant $EuKey -EndpointUrl $Url -Region us-east-1 } |
    Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru -Verbose
'@ -Arguments @{ Url = $emulator.Url; UsKey = $emulator.KeyArns[0]; EuKey = $emulator.KeyArns[1] }
        $results = @($run.Output)
        $summary = $run.PowerShell.Runspace.SessionStateProxy.GetVariable('KmsGrantsLastRun')
        $stats = Get-KmsEmulatorStatistic $emulator
        $retire = @{}
        foreach ($r in 'us-east-1', 'eu-west-1') { $retire[$r] = Get-RegionOp $stats $r 'RetireGrant' }

        # A KMS-style bucket holds one second's burst, so one Region's bound is (grants - quota) / quota seconds.
        $bound = ($perRegion - $quota) / $quota
        $elapsed = $summary.Elapsed.TotalSeconds
        Write-Host ('Regions figures: {0} grants per Region, RetireGrant quota {1} rps per Region; bound {2:0.0} s per Region, {3:0.0} s for both one after the other; run {4:0.00} s = {5:0.00}x one Region''s bound, {6:0.00}x the sum' -f
            $perRegion, $quota, $bound, (2 * $bound), $elapsed, ($elapsed / $bound), ($elapsed / (2 * $bound)))
        foreach ($r in 'us-east-1', 'eu-west-1') {
            $tally = $summary.Regions[$r]
            Write-Host ('Regions figures: {0}: {1} retired, {2} requests, {3} throttled ({4:0.0}%), quota measured {5:0.#} rps' -f
                $r, $retire[$r].succeeded, $retire[$r].requests, $retire[$r].throttled, (100 * $retire[$r].throttled / [math]::Max(1, $retire[$r].requests)), $tally.QuotaEstimate)
        }
    }
    AfterAll { Stop-KmsEmulator $emulator; $run.PowerShell.Dispose() }

    It 'empties both Regions with no error' {
        $run.Errors | Should -BeNullOrEmpty
        $results.Count | Should -Be (2 * $perRegion)
        $results.Status | Sort-Object -Unique | Should -Be 'Retired'
        $stats.regions.'us-east-1'.grantsAlive | Should -Be 0
        $stats.regions.'eu-west-1'.grantsAlive | Should -Be 0
    }

    It 'sent each grant to its key ARN''s Region, not to -Region' {
        # A grant sent to the other Region would be NotFound there: no errors, and each Region retired exactly its own.
        foreach ($r in 'us-east-1', 'eu-west-1') {
            $retire[$r].succeeded | Should -Be $perRegion
            $retire[$r].errors | Should -Be 0
        }
        foreach ($result in $results) { $result.Region | Should -Be ($result.KeyId -split ':')[3] }
    }

    It 'kept each Region under its own quota: few throttled' {
        foreach ($r in 'us-east-1', 'eu-west-1') {
            $retire[$r].throttled | Should -BeGreaterThan 0 -Because 'the quota must have bitten, else this proves nothing'
            # The controller probes a little above what it measured, and a CPU-starved client bursts after a stall, so
            # a few percent is normal (2-8% seen on two loaded cores); an unpaced lane would be throttled by half or more.
            ($retire[$r].throttled / $retire[$r].requests) | Should -BeLessThan 0.15 -Because "$r's throttled share"
        }
    }

    It 'ran both Regions at the same time: eu-west-1''s retirements interleaved with us-east-1''s' {
        # The emulator's request log, in arrival order (its sequence numbers, not a clock): one Region after the other
        # would put every eu-west-1 RetireGrant after us-east-1's last. How long the run took is a bench figure
        # (tests/bench/4-Regions.ps1); only the quota's lower bound, which load cannot break, is asserted.
        $sent = @(Get-KmsEmulatorRequest -Emulator $emulator -Operation RetireGrant)
        $lastUs = ($sent | Where-Object Region -EQ 'us-east-1' | Measure-Object Sequence -Maximum).Maximum
        $euBefore = @($sent | Where-Object { $_.Region -eq 'eu-west-1' -and $_.Sequence -lt $lastUs }).Count
        $euBefore | Should -BeGreaterThan ($perRegion / 2) -Because 'most of eu-west-1 ran while us-east-1 was still under way'
        $elapsed | Should -BeGreaterThan (0.9 * $bound) -Because 'the quota bounds each Region'
    }

    It 'showed both Regions'' counts in progress, both under way at once' {
        $statuses = @($run.PowerShell.Streams.Progress | Where-Object RecordType -NE 'Completed' | ForEach-Object StatusDescription)
        $statuses | Should -Not -BeNullOrEmpty
        # "…; eu-west-1 N done at R/s, us-east-1 M done at R/s": some moment with both Regions part-way.
        $bothUnderWay = $statuses | Where-Object {
            $_ -match 'eu-west-1 (\d+) done at [\d.]+/s, us-east-1 (\d+) done at [\d.]+/s' -and
            [int]$Matches[1] -gt 0 -and [int]$Matches[1] -lt $perRegion -and [int]$Matches[2] -gt 0 -and [int]$Matches[2] -lt $perRegion
        }
        $bothUnderWay | Should -Not -BeNullOrEmpty
    }

    It 'tallies each Region in $KmsGrantsLastRun.Regions, as the emulator counted' {
        @($summary.Regions.Keys) | Should -Be @('eu-west-1', 'us-east-1')
        foreach ($r in 'us-east-1', 'eu-west-1') {
            $tally = $summary.Regions[$r]
            $tally.Retired | Should -Be $perRegion
            $tally.Failed | Should -Be 0
            $tally.Unknown | Should -Be 0
            $tally.Requests | Should -Be $retire[$r].requests
            $tally.ThrottledResponses | Should -Be $retire[$r].throttled
            # Each lane measured its own Region's quota.
            $tally.QuotaEstimate | Should -BeGreaterThan (0.7 * $quota)
            $tally.QuotaEstimate | Should -BeLessThan (1.3 * $quota)
        }
        $summary.Retired | Should -Be (2 * $perRegion)
    }

    It 'says with -Verbose which Regions the run used' {
        $verbose = @($run.PowerShell.Streams.Verbose.Message)
        $last = $verbose | Where-Object { $_ -like 'Retired *' } | Select-Object -Last 1
        $last | Should -Match "Regions: eu-west-1: $perRegion done, 0 failed.*; us-east-1: $perRegion done, 0 failed"
    }
}

Describe 'A token or a bare key ID goes to the command''s Region; a key ARN to its own' {
    BeforeAll {
        $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1
        $url = $emulator.Url
        # Made by boto3 signing for eu-west-1; the key's account (the default identity) may retire them.
        $made = Invoke-Boto3Steps $url @(
            @{ Name = 'eu'; Region = 'eu-west-1'; Grants = 4; Retiring = 'arn:aws:iam::111122223333:role/retirer' }
            @{ Name = 'us'; Region = 'us-east-1'; Grants = 2; Retiring = 'arn:aws:iam::111122223333:role/retirer' })
        $euKey = $made.eu.KeyArn; $euGrants = $made.eu.Grants
        $usKey = $made.us.KeyArn; $usGrants = $made.us.Grants
        $connection = @{ EndpointUrl = $url; Force = $true; PassThru = $true; ErrorAction = 'SilentlyContinue' }
    }
    AfterAll { Stop-KmsEmulator $emulator }

    Context 'Remove-KmsGrant' {
        It 'a token of eu-west-1 with -Region us-east-1: NotFound in us-east-1, and the grant lives on in eu-west-1' {
            $before = Get-KmsEmulatorStatistic $emulator
            $result = Remove-KmsGrant -GrantToken $euGrants[0].GrantToken -Region us-east-1 @connection -ErrorVariable failed
            $result.Status | Should -Be 'Failed'
            $result.Region | Should -Be 'us-east-1'
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsGrants.NotFound,*'
            $failed[0].TargetObject.GrantToken | Should -Be $euGrants[0].GrantToken
            $after = Get-KmsEmulatorStatistic $emulator
            (Get-RegionOp $after 'us-east-1' 'RetireGrant').errors - (Get-RegionOp $before 'us-east-1' 'RetireGrant').errors | Should -Be 1
            (Get-RegionOp $after 'eu-west-1' 'RetireGrant').requests | Should -Be (Get-RegionOp $before 'eu-west-1' 'RetireGrant').requests
            Get-GrantIdsLeft $euKey | Should -Contain $euGrants[0].GrantId
        }

        It 'the same token with -Region eu-west-1 is retired there' {
            $before = (Get-RegionOp (Get-KmsEmulatorStatistic $emulator) 'eu-west-1' 'RetireGrant').succeeded
            $result = Remove-KmsGrant -GrantToken $euGrants[0].GrantToken -Region eu-west-1 @connection -ErrorVariable failed
            $failed | Should -BeNullOrEmpty
            $result.Status | Should -Be 'Retired'
            $result.Region | Should -Be 'eu-west-1'
            (Get-RegionOp (Get-KmsEmulatorStatistic $emulator) 'eu-west-1' 'RetireGrant').succeeded - $before | Should -Be 1
            Get-GrantIdsLeft $euKey | Should -Not -Contain $euGrants[0].GrantId
        }

        It 'without -Region, the resolved default Region ($StoredAWSRegion) takes the token' {
            # AWS_REGION says us-east-1; Set-DefaultAWSRegion's variable comes first and says eu-west-1.
            $global:StoredAWSRegion = 'eu-west-1'
            try { $result = Remove-KmsGrant -GrantToken $euGrants[1].GrantToken @connection -ErrorVariable failed }
            finally { Remove-Variable StoredAWSRegion -Scope Global }
            $failed | Should -BeNullOrEmpty
            $result.Region | Should -Be 'eu-west-1'
            $result.Status | Should -Be 'Retired'
            Get-GrantIdsLeft $euKey | Should -Not -Contain $euGrants[1].GrantId
        }

        It 'a bare key ID goes to -Region: NotFound with us-east-1, retired with eu-west-1' {
            $bare = Get-BareKeyId $euKey
            $miss = Remove-KmsGrant -KeyId $bare -GrantId $euGrants[2].GrantId -Region us-east-1 @connection -ErrorVariable failed
            $miss.Status | Should -Be 'Failed'
            $miss.ErrorCode | Should -Be 'NotFoundException'
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsGrants.NotFound,*'
            Get-GrantIdsLeft $euKey | Should -Contain $euGrants[2].GrantId
            $hit = Remove-KmsGrant -KeyId $bare -GrantId $euGrants[2].GrantId -Region eu-west-1 @connection
            $hit.Status | Should -Be 'Retired'
            Get-GrantIdsLeft $euKey | Should -Not -Contain $euGrants[2].GrantId
        }
    }

    Context 'Get-KmsGrant' {
        It 'lists a key ARN of eu-west-1 from eu-west-1 though -Region says us-east-1' {
            $before = Get-KmsEmulatorStatistic $emulator
            $listed = @(Get-KmsGrant -KeyId $euKey -Region us-east-1 -EndpointUrl $url -ErrorVariable failed)
            $failed | Should -BeNullOrEmpty
            # What is left of the key's grants depends on which Remove-KmsGrant cases ran before: the emulator says.
            ($listed.GrantId | Sort-Object) | Should -Be (Get-GrantIdsLeft $euKey | Sort-Object)
            $listed.KeyId | Sort-Object -Unique | Should -Be $euKey
            $after = Get-KmsEmulatorStatistic $emulator
            (Get-RegionOp $after 'eu-west-1' 'ListGrants').succeeded - (Get-RegionOp $before 'eu-west-1' 'ListGrants').succeeded | Should -Be 1
            (Get-RegionOp $after 'us-east-1' 'ListGrants').requests | Should -Be (Get-RegionOp $before 'us-east-1' 'ListGrants').requests
        }

        It 'lists keys of both Regions from one pipeline, each in its own Region' {
            $listed = @($usKey, $euKey | Get-KmsGrant -Region eu-west-1 -EndpointUrl $url)
            ($listed.GrantId | Sort-Object) | Should -Be (@(Get-GrantIdsLeft $usKey) + @(Get-GrantIdsLeft $euKey) | Sort-Object)
            @($listed | Where-Object KeyId -EQ $euKey).Count | Should -BeGreaterThan 0
        }

        It 'lists a bare key ID in -Region: NotFound in us-east-1, found in eu-west-1' {
            $bare = Get-BareKeyId $euKey
            $missing = @(Get-KmsGrant -KeyId $bare -Region us-east-1 -EndpointUrl $url -ErrorVariable failed -ErrorAction SilentlyContinue)
            $missing | Should -BeNullOrEmpty
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsGrants.NotFound,*'
            (Get-KmsGrant -KeyId $bare -Region eu-west-1 -EndpointUrl $url).GrantId | Sort-Object | Should -Be (Get-GrantIdsLeft $euKey | Sort-Object)
        }
    }
}

Describe 'A pipeline object''s Region property routes its grants; credentials and endpoint come from the command line only' {
    BeforeAll {
        $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1
        $url = $emulator.Url
        $retiring = 'arn:aws:iam::111122223333:role/region-rows'
        # Grants in both Regions, as rows of a CSV of earlier results would name them: a token (or a bare key ID) and a Region.
        function New-Rows([string] $Region, [int] $Count) {
            $key = New-KmsEmulatorKey -Emulator $emulator -Region $Region
            New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -RetiringPrincipal $retiring -Count $Count |
                ForEach-Object { [pscustomobject]@{ KeyArn = $key.Arn; KeyId = Get-BareKeyId $key.Arn; GrantId = $_.GrantId; GrantToken = $_.GrantToken; Region = $Region } }
        }
        function Get-RetireCount([string] $Region) { @(Get-KmsEmulatorRequest RetireGrant -Emulator $emulator -Region $Region).Count }
    }
    AfterAll { Stop-KmsEmulator $emulator }

    It 'sends each Import-Csv row''s token to the row''s Region (no -Region given; AWS_REGION says us-east-1)' {
        $rows = @(New-Rows eu-west-1 3) + @(New-Rows us-east-1 2)
        $csv = Join-Path $TestDrive 'tokens.csv'
        $rows | Select-Object GrantToken, Region | Export-Csv $csv
        $eu = Get-RetireCount eu-west-1; $us = Get-RetireCount us-east-1
        $verbose = @()
        $results = @(Import-Csv $csv | Remove-KmsGrant -EndpointUrl $url -Force -PassThru -ErrorVariable failed -Verbose 4>&1 |
            Where-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { $verbose += "$_"; $false } else { $true } })
        $failed | Should -BeNullOrEmpty
        $results.Status | Sort-Object -Unique | Should -Be 'Retired'
        ($results | Sort-Object GrantToken).Region | Should -Be ($rows | Sort-Object GrantToken).Region
        (Get-RetireCount eu-west-1) - $eu | Should -Be 3
        (Get-RetireCount us-east-1) - $us | Should -Be 2
        foreach ($r in $rows) { Get-GrantIdsLeft $r.KeyArn | Should -Not -Contain $r.GrantId }
        # The command's Region came from the environment; the rows' Regions are said as theirs.
        $verbose | Where-Object { $_ -like '*Region us-east-1 from*' } | Should -Not -BeLike '*from -Region*'
        $verbose | Should -Contain 'Input objects whose Region property is eu-west-1: their grants and keys go to eu-west-1 (a key ARN to its own Region).'
    }

    It 'looks a bare key ID up in its row''s Region, for Remove-KmsGrant and Revoke-KmsGrant alike' {
        $retire = @(New-Rows eu-west-1 2); $revoke = @(New-Rows eu-west-1 2)
        $retired = @($retire | Select-Object KeyId, GrantId, Region | Remove-KmsGrant -EndpointUrl $url -Force -PassThru -ErrorVariable failed1)
        $revoked = @($revoke | Select-Object KeyId, GrantId, Region | Revoke-KmsGrant -EndpointUrl $url -Force -PassThru -ErrorVariable failed2)
        @($failed1) + @($failed2) | Should -BeNullOrEmpty
        $retired.Status | Sort-Object -Unique | Should -Be 'Retired'
        $revoked.Status | Sort-Object -Unique | Should -Be 'Revoked'
        @($retired.Region) + @($revoked.Region) | Sort-Object -Unique | Should -Be 'eu-west-1'
        Get-GrantIdsLeft $retire[0].KeyArn | Should -BeNullOrEmpty
        Get-GrantIdsLeft $revoke[0].KeyArn | Should -BeNullOrEmpty
    }

    It 'keeps -Region, given on the command line, for every object: the row''s Region is not used' {
        $row = @(New-Rows eu-west-1 1)[0]
        $before = Get-RetireCount us-east-1
        $result = $row | Select-Object GrantToken, Region | Remove-KmsGrant -Region us-east-1 -EndpointUrl $url -Force -PassThru -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.ErrorCode | Should -Be 'NotFoundException'
        $result.Region | Should -Be 'us-east-1'
        (Get-RetireCount us-east-1) - $before | Should -Be 1
        Get-GrantIdsLeft $row.KeyArn | Should -Contain $row.GrantId
    }

    It 'refuses a row whose Region is not a Region, or contradicts its key ARN, before sending; the other rows go on' {
        $rows = @(New-Rows us-east-1 3)
        $objects = @(
            [pscustomobject]@{ GrantToken = $rows[0].GrantToken; Region = 'nowhere-9' }
            [pscustomobject]@{ KeyId = $rows[1].KeyArn; GrantId = $rows[1].GrantId; Region = 'eu-west-1' }
            [pscustomobject]@{ GrantToken = $rows[2].GrantToken; Region = '' })   # an empty cell: the command's Region
        $sent = Get-TotalRequestCount $emulator
        $results = @($objects | Remove-KmsGrant -EndpointUrl $url -Force -PassThru -ErrorVariable failed -ErrorAction SilentlyContinue)
        $failed.Count | Should -Be 2
        $failed.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'KmsGrants.InvalidRegion,*' }
        $failed[0].TargetObject.GrantToken | Should -Be $rows[0].GrantToken
        $failed[0].Exception.Message | Should -BeLike "*'nowhere-9'*"
        $failed[1].TargetObject.GrantId | Should -Be $rows[1].GrantId
        $failed[1].Exception.Message | Should -BeLike '*names Region us-east-1 in its ARN*eu-west-1*'
        $results.Count | Should -Be 1
        $results[0].Status | Should -Be 'Retired'
        $results[0].Region | Should -Be 'us-east-1'
        (Get-TotalRequestCount $emulator) - $sent | Should -Be 1
        $KmsGrantsLastRun.Invalid | Should -Be 2
        Get-GrantIdsLeft $rows[0].KeyArn | Sort-Object | Should -Be @($rows[0].GrantId, $rows[1].GrantId | Sort-Object)
    }

    It 'refuses a row whose Region is a list (which PowerShell would otherwise leave unbound): that row only, nothing sent for it' {
        $rows = @(New-Rows eu-west-1 2)
        $objects = @(
            [pscustomobject]@{ GrantToken = $rows[0].GrantToken; Region = @('eu-west-1') }
            ('{"GrantToken":"' + $rows[1].GrantToken + '","Region":["eu-west-1","us-east-1"]}' | ConvertFrom-Json))
        $sent = Get-TotalRequestCount $emulator
        $results = @($objects | Remove-KmsGrant -EndpointUrl $url -Force -PassThru -ErrorVariable failed -ErrorAction SilentlyContinue)
        $results | Should -BeNullOrEmpty
        $failed | ForEach-Object {
            $_.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
            $_.Exception.Message | Should -BeLike '*A Region is one Region name*not a list*'
        }
        $failed.Count | Should -Be 2
        $failed[0].TargetObject.GrantToken | Should -Be $rows[0].GrantToken
        (Get-TotalRequestCount $emulator) - $sent | Should -Be 0
        Get-GrantIdsLeft $rows[0].KeyArn | Sort-Object | Should -Be ($rows.GrantId | Sort-Object)
    }

    It 'takes a row''s list of Regions as several Regions for a listing (read-only: each is asked)' {
        $made = foreach ($region in 'us-east-1', 'eu-west-1') {
            $key = New-KmsEmulatorKey -Emulator $emulator -Region $region -Alias 'alias/listed-in-each'
            New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal 'arn:aws:iam::111122223333:role/app'
        }
        $listed = @([pscustomobject]@{ KeyId = 'alias/listed-in-each'; Region = @('eu-west-1', 'us-east-1') } | Get-KmsGrant -EndpointUrl $url)
        ($listed.GrantId | Sort-Object) | Should -Be ($made.GrantId | Sort-Object)
    }

    It 'lists retirable grants in each piped object''s Region (as Get-AWSRegion''s objects name them)' {
        $principal = 'arn:aws:iam::111122223333:role/listed-by-region'
        $made = foreach ($region in 'us-east-1', 'eu-west-1') {
            $key = New-KmsEmulatorKey -Emulator $emulator -Region $region
            New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -RetiringPrincipal $principal -Count 2
        }
        $listed = @([pscustomobject]@{ Region = 'eu-west-1' }, [pscustomobject]@{ Region = 'us-east-1' } |
            Get-KmsRetirableGrant -RetiringPrincipal $principal -EndpointUrl $url)
        ($listed.GrantId | Sort-Object) | Should -Be ($made.GrantId | Sort-Object)
        @($listed | Where-Object KeyId -Like 'arn:aws:kms:eu-west-1:*').Count | Should -Be 2
    }

    It 'ignores EndpointUrl, AccessKey and SecretKey columns: the requests go where the command says, signed as it says' {
        $other = Start-KmsEmulator
        try {
            $rows = @(New-Rows us-east-1 2)
            $env:AWS_ENDPOINT_URL_KMS = $url
            $results = @($rows | Select-Object GrantToken, @{ n = 'EndpointUrl'; e = { $other.Url } }, @{ n = 'AccessKey'; e = { 'AKIAEVILEVILEVILEVIL' } },
                    @{ n = 'SecretKey'; e = { 'not-the-secret' } }, @{ n = 'ProfileName'; e = { 'nowhere' } } |
                Remove-KmsGrant -Force -PassThru -ErrorVariable failed)
            $failed | Should -BeNullOrEmpty
            $results.Status | Sort-Object -Unique | Should -Be 'Retired'
            Get-TotalRequestCount $other | Should -Be 0
            Get-GrantIdsLeft $rows[0].KeyArn | Should -BeNullOrEmpty
            foreach ($name in 'EndpointUrl', 'AccessKey', 'SecretKey', 'SessionToken', 'Credential', 'ProfileName', 'ProfileLocation') {
                foreach ($command in 'Remove-KmsGrant', 'Revoke-KmsGrant', 'Get-KmsGrant', 'Get-KmsRetirableGrant') {
                    (Get-Command $command).Parameters[$name].ParameterSets.Values.ValueFromPipelineByPropertyName | Should -Not -Contain $true -Because "$command -$name"
                }
            }
        }
        finally {
            Remove-Item Env:AWS_ENDPOINT_URL_KMS -ErrorAction SilentlyContinue
            Stop-KmsEmulator $other
        }
    }
}

Describe 'An endpoint configured outside the command (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, a profile) routes per Region as -EndpointUrl does' {
    BeforeAll {
        $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1
        $url = $emulator.Url
        # Grants of a principal of their own on a new key in each Region: the Region each one's listing and retirement
        # must reach. Sets $principal for the test.
        function New-RegionGrants {
            $script:principal = "arn:aws:iam::111122223333:role/configured-endpoint-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
            foreach ($region in 'us-east-1', 'eu-west-1') {
                $key = New-KmsEmulatorKey -Emulator $emulator -Region $region
                New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -RetiringPrincipal $principal -Count 2
            }
        }
        # Runs SCRIPT in a fresh pwsh whose only AWS settings are ENVIRONMENT's (no AWS_REGION: the Region is -Region's);
        # returns everything it wrote, verbose included, as text.
        function Invoke-WithEnvironment([hashtable] $Environment, [string] $Script) {
            $variables = @{ AWS_ACCESS_KEY_ID = 'testing'; AWS_SECRET_ACCESS_KEY = 'testing' }
            foreach ($name in $Environment.Keys) { $variables[$name] = $Environment[$name] }
            (Invoke-Isolated -NewProcess -Environment $variables -Script $Script).Output
        }
        # The lines "ID:<grant ID>" of an output, as grant IDs.
        function Get-ListedIds([string] $Output) { @([regex]::Matches($Output, 'ID:([0-9a-f]{64})') | ForEach-Object { $_.Groups[1].Value } | Sort-Object) }
    }
    AfterAll { Stop-TestServer $emulator }

    It 'lists the -Region''s retirable grants, not us-east-1''s, with <Variable> set, and -Verbose names it' -ForEach @(
        @{ Variable = 'AWS_ENDPOINT_URL_KMS' }, @{ Variable = 'AWS_ENDPOINT_URL' }
    ) {
        $made = @(New-RegionGrants)
        $output = Invoke-WithEnvironment @{ $Variable = $url } "Get-KmsRetirableGrant '$principal' -Region eu-west-1 -Verbose | ForEach-Object { 'ID:' + `$_.GrantId }"
        Get-ListedIds $output | Should -Be @($made | Where-Object Region -EQ 'eu-west-1' | ForEach-Object GrantId | Sort-Object)
        $output | Should -BeLike "*Endpoint $url/ from $Variable*"
    }

    It 'retires another Region''s grants by key ARN there, as the emulator''s state shows' {
        $eu = @(New-RegionGrants | Where-Object Region -EQ 'eu-west-1')
        $ids = ($eu | ForEach-Object { "'$($_.GrantId)'" }) -join ','
        $output = Invoke-WithEnvironment @{ AWS_ENDPOINT_URL_KMS = $url } "$ids | Remove-KmsGrant -KeyId '$($eu[0].KeyId)' -Region us-east-1 -Force -PassThru | ForEach-Object { 'RESULT:' + `$_.Status + ':' + `$_.Region }"
        @([regex]::Matches($output, 'RESULT:\S+') | ForEach-Object Value) | Should -Be 'RESULT:Retired:eu-west-1', 'RESULT:Retired:eu-west-1'
        Get-GrantIdsLeft $eu[0].KeyId | Should -BeNullOrEmpty
        @(Get-KmsEmulatorRequest -Emulator $emulator -Operation RetireGrant | Where-Object { $_.GrantId -in $eu.GrantId } | ForEach-Object Region | Sort-Object -Unique) | Should -Be 'eu-west-1'
    }

    It 'takes the endpoint_url of the -ProfileName profile, signed for each grant''s Region' {
        $made = @(New-RegionGrants)
        $config = Join-Path $TestDrive 'config'
        Set-Content $config "[profile endpointed]`nregion = us-east-1`nendpoint_url = $url`n"
        $credentials = Join-Path $TestDrive 'credentials'
        Set-Content $credentials "[endpointed]`naws_access_key_id = testing`naws_secret_access_key = testing`n"
        $output = Invoke-WithEnvironment @{ AWS_CONFIG_FILE = $config; AWS_SHARED_CREDENTIALS_FILE = $credentials; AWS_ACCESS_KEY_ID = $null; AWS_SECRET_ACCESS_KEY = $null } `
            "Get-KmsRetirableGrant '$principal' -ProfileName endpointed -Region eu-west-1 -Verbose | ForEach-Object { 'ID:' + `$_.GrantId }"
        Get-ListedIds $output | Should -Be @($made | Where-Object Region -EQ 'eu-west-1' | ForEach-Object GrantId | Sort-Object)
        $output | Should -BeLike "*Endpoint $url/ from the endpoint_url of profile 'endpointed'*"
    }

    It 'refuses a configured endpoint that is not an http(s) URL, naming where it came from, and sends nothing' {
        $null = New-RegionGrants
        $before = (Get-KmsEmulatorRequest -Emulator $emulator).Count
        $output = Invoke-WithEnvironment @{ AWS_ENDPOINT_URL_KMS = "ftp://127.0.0.1:$($emulator.Port)/" } "Get-KmsRetirableGrant '$principal' -Region eu-west-1"
        $output | Should -BeLike '*KmsGrants.InvalidEndpoint,*'
        $output | Should -BeLike '*The endpoint from AWS_ENDPOINT_URL_KMS*'
        (Get-KmsEmulatorRequest -Emulator $emulator).Count | Should -Be $before
    }
}

Describe '-EndpointUrl: each request signed for its grant''s Region' {
    BeforeAll {
        $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1 -SeedGrants 21 -RetiringPrincipal 'arn:aws:iam::111122223333:role/ci'
        $url = $emulator.Url
        # Listed by boto3, not by the module under test, so that these tests fail on signing, not in set-up.
        $listed = Invoke-Boto3Steps $url @(
            @{ Name = 'us'; Region = 'us-east-1'; List = $emulator.KeyArns[0] }
            @{ Name = 'eu'; Region = 'eu-west-1'; List = $emulator.KeyArns[1] })
        $us = @($listed.us.Grants | ForEach-Object { [pscustomobject]$_ })
        $eu = @($listed.eu.Grants | ForEach-Object { [pscustomobject]$_ })
    }
    AfterAll { Stop-KmsEmulator $emulator }

    It 'sends interleaved grants of two Regions each to its own: the emulator counts 20 and 20' {
        $before = Get-KmsEmulatorStatistic $emulator
        $interleaved = for ($i = 0; $i -lt 20; $i++) { $us[$i]; $eu[$i] }
        $results = @($interleaved | Remove-KmsGrant -EndpointUrl $url -Region us-east-1 -Force -PassThru -ErrorVariable failed)
        $failed | Should -BeNullOrEmpty
        $results.Status | Sort-Object -Unique | Should -Be 'Retired'
        $after = Get-KmsEmulatorStatistic $emulator
        # The emulator files a request under its signature's Region: a request for a grant of eu-west-1 signed for
        # us-east-1 would be counted in us-east-1 and fail there (NotFound).
        foreach ($r in 'us-east-1', 'eu-west-1') {
            $op = Get-RegionOp $after $r 'RetireGrant'
            $op.requests - (Get-RegionOp $before $r 'RetireGrant').requests | Should -Be 20
            $op.succeeded | Should -Be 20
            $op.errors | Should -Be 0
            $after.regions.$r.grantsAlive | Should -Be 1
        }
    }

    It 'signs for eu-west-1 the retirement of an eu-west-1 grant, though -Region is us-east-1 (lastRegion)' {
        $r = $eu[20] | Remove-KmsGrant -EndpointUrl $url -Region us-east-1 -Force -PassThru
        $r.Status | Should -Be 'Retired'
        (Get-KmsEmulatorStatistic $emulator).lastRegion | Should -Be 'eu-west-1'
    }

    It 'signs for us-east-1 the listing of a us-east-1 key, though -Region is eu-west-1 (lastRegion)' {
        (Get-KmsGrant $emulator.KeyArns[0] -EndpointUrl $url -Region eu-west-1 -ErrorAction SilentlyContinue).GrantId | Sort-Object |
            Should -Be (Get-GrantIdsLeft $emulator.KeyArns[0] | Sort-Object)
        (Get-KmsEmulatorStatistic $emulator).lastRegion | Should -Be 'us-east-1'
    }
}

Describe 'A key ARN in a Region the endpoint does not serve' {
    BeforeAll {
        $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1 -SeedGrants 10 -RetiringPrincipal 'arn:aws:iam::111122223333:role/ci'
        $url = $emulator.Url
        $us = @(Get-KmsGrant $emulator.KeyArns[0] -EndpointUrl $url -Region us-east-1)
        $eu = @(Get-KmsGrant $emulator.KeyArns[1] -EndpointUrl $url -Region us-east-1)
        # A well-formed key ARN of a real Region (ap-south-1) that this endpoint does not serve.
        $stray = [pscustomobject]@{ KeyId = 'arn:aws:kms:ap-south-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'; GrantId = 'a' * 64 }
        $grantsIn = @($us[0..4]) + $stray + @($eu[0..4]) + @($us[5..9]) + @($eu[5..9])
        $run = Invoke-Isolated 'param($Grants, $Url) $Grants | Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru' `
            -Arguments @{ Grants = $grantsIn; Url = $url }
        $summary = $run.PowerShell.Runspace.SessionStateProxy.GetVariable('KmsGrantsLastRun')
        # Every outcome: written before the stop, or kept in $KmsGrantsLastRun.
        $outcomes = @($run.Output) + @($summary.UnreportedResults)
        $strayOutcome = $outcomes | Where-Object Region -EQ 'ap-south-1'
        $stats = Get-KmsEmulatorStatistic $emulator
        $alive = @(Get-AliveGrantId $emulator.KeyArns[0] -Server $emulator) + @(Get-AliveGrantId $emulator.KeyArns[1] -Server $emulator)
        Write-Host ('Unserved Region: {0} of 21 grants submitted; {1} retired, {2} failed, {3} not attempted; {4} of the 20 served grants left alive; stop reason: {5}' -f
            $summary.Submitted, $summary.Retired, $summary.Failed, $summary.NotAttempted, $alive.Count, $summary.StopReason)
    }
    AfterAll { Stop-KmsEmulator $emulator; $run.PowerShell.Dispose() }

    It 'reports KmsGrants.InvalidSignature for the stray grant: its key ARN (hence Region) in the message, the grant as target' {
        $signature = @($run.Errors | Where-Object FullyQualifiedErrorId -Like 'KmsGrants.InvalidSignature,*')
        $signature.Count | Should -Be 1
        "$($signature[0])" | Should -BeLike "*$($stray.KeyId)*"
        $signature[0].TargetObject.KeyId | Should -Be $stray.KeyId
        $signature[0].TargetObject.GrantId | Should -Be $stray.GrantId
    }

    It 'gives the stray grant one outcome: Failed with InvalidSignatureException in ap-south-1, sent once' {
        @($strayOutcome).Count | Should -Be 1
        $strayOutcome.Status | Should -Be 'Failed'
        $strayOutcome.ErrorCode | Should -Be 'InvalidSignatureException'
        $strayOutcome.Attempts | Should -Be 1
        # The request went out signed for ap-south-1: refused before any served Region saw it.
        $stats.operations.RetireGrant.errors | Should -Be 1
        foreach ($r in 'us-east-1', 'eu-west-1') { (Get-RegionOp $stats $r 'RetireGrant').errors | Should -Be 0 }
    }

    It 'reports the served Regions'' grants truthfully: retired ones gone, the others alive' {
        $retired = @($outcomes | Where-Object Status -EQ 'Retired')
        $retired.GrantId | Where-Object { $_ -in $alive } | Should -BeNullOrEmpty
        $retired.Count | Should -Be (20 - $alive.Count)
        $outcomes.Count | Should -Be $summary.Submitted
    }

    It 'stops only the refusing Region: the served Regions'' grants are all retired, and the run is not stopped' {
        # Another Region refusing the credentials (a signature scoped to a Region this endpoint does not serve, an
        # opt-in Region not enabled) says nothing about the Regions that accept them.
        $summary.Stopped | Should -BeFalse
        $summary.Submitted | Should -Be 21
        $alive | Should -BeNullOrEmpty
        $summary.Retired | Should -Be 20
        $run.Errors.Count | Should -Be 1
    }
}

Describe 'An alias ARN in a Region the endpoint does not serve' {
    BeforeAll {
        $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1 -SeedGrants 4 -RetiringPrincipal 'arn:aws:iam::111122223333:role/ci'
        $url = $emulator.Url
        $listed = Invoke-Boto3Steps $url @(
            @{ Name = 'us'; Region = 'us-east-1'; List = $emulator.KeyArns[0] }
            @{ Name = 'eu'; Region = 'eu-west-1'; List = $emulator.KeyArns[1] })
        $served = @($listed.us.Grants + $listed.eu.Grants | ForEach-Object { [pscustomobject]$_ })
        # First: two grants named by an alias ARN of ap-southeast-2 (its DescribeKey is refused there), then a key ARN
        # of that Region, then the served grants.
        $aliasArn = 'arn:aws:kms:ap-southeast-2:111122223333:alias/app'
        $stray = @(
            [pscustomobject]@{ KeyId = $aliasArn; GrantId = ('b' * 64) }
            [pscustomobject]@{ KeyId = $aliasArn; GrantId = ('c' * 64) }
            [pscustomobject]@{ KeyId = 'arn:aws:kms:ap-southeast-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'; GrantId = ('d' * 64) })
        $run = Invoke-Isolated 'param($Grants, $Url) $Grants | Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru' `
            -Arguments @{ Grants = @($stray) + $served; Url = $url }
        $summary = $run.PowerShell.Runspace.SessionStateProxy.GetVariable('KmsGrantsLastRun')
        $outcomes = @($run.Output) + @($summary.UnreportedResults)
        $stats = Get-KmsEmulatorStatistic $emulator
        $alive = @(Get-AliveGrantId $emulator.KeyArns[0] -Server $emulator) + @(Get-AliveGrantId $emulator.KeyArns[1] -Server $emulator)
    }
    AfterAll { Stop-KmsEmulator $emulator; $run.PowerShell.Dispose() }

    It 'stops only that Region: every served grant is retired, and the command is not stopped' {
        $summary.Stopped | Should -BeFalse
        $summary.Submitted | Should -Be 11
        $outcomes.Count | Should -Be 11
        $alive | Should -BeNullOrEmpty
        $summary.Retired | Should -Be 8
        @($outcomes | Where-Object Region -NE 'ap-southeast-2').Status | Sort-Object -Unique | Should -Be 'Retired'
    }

    It 'reports the alias''s refusal as the Region''s: the first grant Failed with InvalidSignature, its target the grant' {
        $first = @($outcomes | Where-Object GrantId -EQ ('b' * 64))
        $first.Count | Should -Be 1
        $first[0].Status | Should -Be 'Failed'
        $first[0].ErrorCode | Should -Be 'InvalidSignatureException'
        $first[0].Region | Should -Be 'ap-southeast-2'
        $first[0].Attempts | Should -Be 0 -Because 'its RetireGrant was never sent'
        $signature = @($run.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'KmsGrants.InvalidSignature,*' -and $_.TargetObject -is [KmsGrants.GrantReference] })
        $signature.Count | Should -Be 1
        $signature[0].TargetObject.KeyId | Should -Be $aliasArn
        $signature[0].TargetObject.GrantId | Should -Be ('b' * 64)
    }

    It 'sends nothing more to that Region: its other grants are NotAttempted, said once' {
        @($outcomes | Where-Object { $_.Region -eq 'ap-southeast-2' -and $_.Status -eq 'NotAttempted' }).GrantId | Sort-Object |
            Should -Be @(('c' * 64), ('d' * 64))
        # One DescribeKey, refused; no RetireGrant went to ap-southeast-2, and the served Regions saw no error.
        $stats.operations.DescribeKey.requests | Should -Be 1
        $stats.operations.DescribeKey.errors | Should -Be 1
        $stats.operations.RetireGrant.errors | Should -Be 0
        $stats.operations.RetireGrant.requests | Should -Be 8
        $notSent = @($run.Errors | Where-Object TargetObject -EQ 'ap-southeast-2')
        $notSent.Count | Should -Be 1
        "$($notSent[0])" | Should -BeLike '*2 more grant(s) in ap-southeast-2*'
        $run.Errors.Count | Should -Be 2
    }
}

Describe 'No default Region anywhere: a key ARN needs none' {
    BeforeAll {
        $emulator = Start-KmsEmulator -Region eu-west-1 -SeedGrants 4 -RetiringPrincipal 'arn:aws:iam::111122223333:role/ci'
        $keyArn = $emulator.KeyArns[0]
        $ids = @((Invoke-Boto3Steps $emulator.Url @(@{ Name = 'eu'; Region = 'eu-west-1'; List = $keyArn })).eu.Grants.GrantId)
        $noRegionHome = Join-Path $TestDrive 'no-region-home'
        $null = New-Item -ItemType Directory $noRegionHome -Force
        # A fresh pwsh with keys in the environment and no Region anywhere (no AWS_REGION, no profile files, no metadata).
        # Each line says one thing; the $Error dump that follows is for the secrets and terminating-error checks.
        $run = Invoke-Isolated -NewProcess -HomeDirectory $noRegionHome -Environment @{ AWS_ACCESS_KEY_ID = 'testing'; AWS_SECRET_ACCESS_KEY = 'testing' } `
            -Arguments @{ Url = $emulator.Url; KeyArn = $keyArn; Ids = ($ids -join ','); Bare = ($keyArn -split '/')[-1] } -Script @'
            $ids = $Ids -split ','
            $listed = @(Get-KmsGrant -KeyId $KeyArn -EndpointUrl $Url -Verbose 4>&1)
            foreach ($v in $listed | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) { "VERBOSE|$v" }
            "LISTED|$(@($listed | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Count)"
            $in = @(
                [pscustomobject]@{ KeyId = $KeyArn; GrantId = $ids[0] }
                [pscustomobject]@{ GrantToken = 'AQpAM2ATokenNeedsTheDefaultRegion' }
                [pscustomobject]@{ KeyId = $Bare; GrantId = $ids[1] }
                [pscustomobject]@{ KeyId = 'alias/app'; GrantId = $ids[2] }
                [pscustomobject]@{ KeyId = $KeyArn; GrantId = $ids[3] })
            $results = $in | Remove-KmsGrant -EndpointUrl $Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable failed
            foreach ($r in $results) { "RESULT|$($r.Region)|$($r.Status)|$($r.GrantId)" }
            foreach ($e in $failed) { "REMOVEERROR|$($e.FullyQualifiedErrorId)|$($e.CategoryInfo.Category)|$($e.TargetObject.KeyId)$($e.TargetObject.GrantToken)" }
            "SUMMARY|$($KmsGrantsLastRun.Submitted)|$($KmsGrantsLastRun.Retired)|$($KmsGrantsLastRun.Invalid)"
            $keys = @($Bare, 'alias/app', $KeyArn | Get-KmsGrant -EndpointUrl $Url -ErrorAction SilentlyContinue -ErrorVariable getFailed)
            "GOTLISTED|$($keys.Count)"
            foreach ($e in $getFailed) { "GETERROR|$($e.FullyQualifiedErrorId)|$($e.TargetObject)" }
            try { Get-KmsRetirableGrant arn:aws:iam::111122223333:role/ci -EndpointUrl $Url -ErrorAction SilentlyContinue; 'RETIRABLE|not stopped' }
            catch { "RETIRABLE|$($_.FullyQualifiedErrorId)" }
'@
        $lines = @($run.Output -split "`n" | ForEach-Object TrimEnd)
        function Get-Line([string] $Kind) { @($lines | Where-Object { $_ -like "$Kind|*" } | ForEach-Object { $_.Substring($Kind.Length + 1) }) }
        $stats = Get-KmsEmulatorStatistic $emulator
    }
    AfterAll { Stop-KmsEmulator $emulator }

    It 'Get-KmsGrant lists a key ARN''s grants in its Region' {
        Get-Line 'LISTED' | Should -Be '4'
    }

    It '-Verbose claims no default Region' {
        $verbose = Get-Line 'VERBOSE' | Where-Object { $_ -like '*credentials from*' }
        $verbose | Should -Match 'no default Region is set'
        $verbose | Should -Not -Match 'Region \S+ from'
    }

    It 'Remove-KmsGrant retires the grants named by key ARN, in the ARN''s Region' {
        (Get-Line 'RESULT') | Sort-Object | Should -Be (@("eu-west-1|Retired|$($ids[0])", "eu-west-1|Retired|$($ids[3])") | Sort-Object)
        (Get-RegionOp $stats 'eu-west-1' 'RetireGrant').succeeded | Should -Be 2
        Get-Line 'SUMMARY' | Should -Be '2|2|3'
    }

    It 'gives each grant that needs the default Region (token, bare key ID, alias name) its own KmsGrants.NoRegion, sending nothing for it' {
        Get-Line 'REMOVEERROR' | Should -Be @(
            'KmsGrants.NoRegion,KmsGrants.Commands.RemoveKmsGrantCommand|InvalidArgument|AQpAM2ATokenNeedsTheDefaultRegion'
            "KmsGrants.NoRegion,KmsGrants.Commands.RemoveKmsGrantCommand|InvalidArgument|$(($keyArn -split '/')[-1])"
            'KmsGrants.NoRegion,KmsGrants.Commands.RemoveKmsGrantCommand|InvalidArgument|alias/app')
        # Only the two key ARNs' RetireGrants and the listings: no alias lookup, no request for the three.
        $stats.operations.RetireGrant.requests | Should -Be 2
        $stats.operations.DescribeKey | Should -BeNullOrEmpty
        $stats.regions.'eu-west-1'.grantsAlive | Should -Be 2
    }

    It 'Get-KmsGrant: a bare key ID or an alias name is KmsGrants.NoRegion for that key only; the key ARN after them is listed' {
        Get-Line 'GOTLISTED' | Should -Be '2'
        Get-Line 'GETERROR' | Should -Be @(
            "KmsGrants.NoRegion,KmsGrants.Commands.GetKmsGrantCommand|$(($keyArn -split '/')[-1])"
            'KmsGrants.NoRegion,KmsGrants.Commands.GetKmsGrantCommand|alias/app')
    }

    It 'Get-KmsRetirableGrant still needs a Region: a terminating KmsGrants.NoRegion' {
        Get-Line 'RETIRABLE' | Should -Be 'KmsGrants.NoRegion,KmsGrants.Commands.GetKmsRetirableGrantCommand'
        $stats.operations.ListRetirableGrants | Should -BeNullOrEmpty
    }
}
