# A well-behaved KMS (the emulator) that misbehaves as real services do, and runs stopped from outside with requests in
# flight: answers lost after the change was made (RetiredOnRetry must claim no more than "probably"), injected faults
# and throttling mixed with bad input objects and a grant that does not exist, and a later command (Select-Object
# -First, -ErrorAction Stop) stopping a run whose answers are slow. The oracles are the emulator's: its own grant state
# (what is alive) and its request and fault counts (what was sent, what it injected), never the module's own report.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
}

Describe 'RetiredOnRetry claims no more than is known' {
    BeforeAll {
        $faulty = Start-KmsEmulator -SeedGrants 80 -FaultRate 0.3 -FaultKind commit-then-drop -FaultOperation RetireGrant -Seed 11
        $results = [System.Collections.Generic.List[object]]::new()
        $verbose = [System.Collections.Generic.List[string]]::new()
        Get-KmsGrant -KeyId $faulty.KeyArn -EndpointUrl $faulty.Url | Remove-KmsGrant -EndpointUrl $faulty.Url -Force -PassThru -Verbose 4>&1 |
            ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { $verbose.Add($_.Message) } else { $results.Add($_) } }
        $onRetry = @($results | Where-Object Status -EQ 'RetiredOnRetry')
        $alive = [string[]]@(Get-AliveGrantId $faulty.KeyArn -Server $faulty)
    }
    AfterAll { Stop-TestServer $faulty }

    It 'met lost answers: some grants are RetiredOnRetry, after more than one attempt, and are gone' {
        $onRetry.Count | Should -BeGreaterThan 0
        $onRetry.Attempts | ForEach-Object { $_ | Should -BeGreaterThan 1 }
        $onRetry.GrantId | Where-Object { $_ -in $alive } | Should -BeNullOrEmpty
    }

    It 'says "probably" in the verbose note of each, and never that it was certainly this run' {
        foreach ($r in $onRetry) {
            $notes = @($verbose | Where-Object { $_ -like "grant $($r.GrantId) on key *" })
            $notes.Count | Should -Be 1
            $notes[0] | Should -BeLike '*probably*'
        }
        $verbose | Where-Object { $_ -match 'retired it' -and $_ -notmatch 'probably' } | Should -BeNullOrEmpty
        $onRetry.Message | Where-Object { $_ -and $_ -notmatch 'probably' } | Should -BeNullOrEmpty
    }
}

Describe 'Hostile cases together: good grants, bad input objects and a NotFound, under faults and throttling' {
    BeforeAll {
        $busy = Start-KmsEmulator -SeedGrants 80 -Quota @{ RetireGrant = 40 } -FaultRate 0.2 `
            -FaultKind internal, unavailable, reset, commit-then-drop -FaultOperation RetireGrant -Seed 5
        $tokens = New-TestGrantSet -Endpoint $busy.Url -Count 4
        $byId = @(Get-KmsGrant -KeyId $busy.KeyArn -EndpointUrl $busy.Url)
        $missing = [pscustomobject]@{ KeyId = $busy.KeyArn; GrantId = ('e' * 64) }
        $stream = [System.Collections.Generic.List[object]]::new()
        for ($i = 0; $i -lt $byId.Count; $i++) {
            $stream.Add($byId[$i])
            switch ($i) {
                5 { $stream.Add(42) }
                15 { $stream.Add(@{ KeyId = $busy.KeyArn; GrantId = $byId[0].GrantId }) }
                25 { $stream.Add($missing) }
                35 { $stream.Add([pscustomobject]@{ KeyId = $busy.KeyArn; GrantId = ('z' * 200) }) }
                45 { $stream.Add([pscustomobject]@{ KeyId = 'arn:aws:kms:xx-nowhere-9:111122223333:key/k'; GrantId = ('a' * 64) }) }
                55 { foreach ($t in $tokens.Grants.GrantToken) { $stream.Add($t) } }
            }
        }
        $tokenIds = @{}
        foreach ($g in $tokens.Grants) { $tokenIds[$g.GrantToken] = $g.GrantId }
        $results = @($stream | Remove-KmsGrant -EndpointUrl $busy.Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
        $summary = $KmsGrantsLastRun
        $stats = Get-EmulatorStats $busy
        $aliveById = [string[]]@(Get-AliveGrantId $busy.KeyArn -Server $busy)
        $aliveTokens = [string[]]@(Get-AliveGrantId $tokens.KeyId -Server $busy)
    }
    AfterAll { Stop-TestServer $busy }

    It 'met both faults and throttling' {
        $stats.operations.RetireGrant.faultsInjected | Should -BeGreaterThan 0
        $stats.operations.RetireGrant.throttled | Should -BeGreaterThan 0
    }

    It 'gives every grant exactly one result, and bad input objects none' {
        $results.Count | Should -Be (80 + 4 + 1)
        ($results | Where-Object GrantId | ForEach-Object GrantId | Sort-Object -Unique).Count | Should -Be 81
        ($results | Where-Object GrantToken | ForEach-Object GrantToken | Sort-Object) | Should -Be ($tokens.Grants.GrantToken | Sort-Object)
        $summary.Submitted | Should -Be 85
        $summary.Invalid | Should -Be 2
    }

    It 'reports each grant''s true outcome: retired ones are gone, the others are left' {
        foreach ($r in $results | Where-Object GrantId -NE $missing.GrantId) {
            $isAlive = if ($r.GrantToken) { $tokenIds[$r.GrantToken] -in $aliveTokens } else { $r.GrantId -in $aliveById }
            switch ($r.Status) {
                { $_ -in 'Retired', 'RetiredOnRetry' } { $isAlive | Should -BeFalse -Because "$($r.Target) was reported $($r.Status)" }
                'Failed' { $isAlive | Should -BeTrue -Because "$($r.Target) was reported Failed" }
                'Unknown' { }
                default { throw "unexpected status $($r.Status) for $($r.Target)" }
            }
        }
        # With six attempts against a 20 % fault rate, every real grant ends retired, or (about 0.2^6 each) Unknown.
        $unknownIds = @($results | Where-Object Status -EQ 'Unknown' | ForEach-Object { if ($_.GrantToken) { $tokenIds[$_.GrantToken] } else { $_.GrantId } })
        @($aliveById | Where-Object { $_ -notin $unknownIds }) | Should -BeNullOrEmpty
        @($aliveTokens | Where-Object { $_ -notin $unknownIds }) | Should -BeNullOrEmpty
    }

    It 'never reports the grant that does not exist as Retired' {
        $r = $results | Where-Object GrantId -EQ $missing.GrantId
        # A lost answer before the NotFound makes it RetiredOnRetry, which the status documents as "probably".
        $r.Status | Should -BeIn 'Failed', 'RetiredOnRetry'
        if ($r.Status -eq 'Failed') { $r.ErrorCode | Should -Be 'NotFoundException' }
    }

    It 'writes the binder''s, validation''s and KMS''s errors, each once' {
        $expected = @('InputObjectNotBound', 'InputObjectNotBound', 'KmsGrants.InvalidArn', 'KmsGrants.InvalidGrantId') +
            @(if (($results | Where-Object GrantId -EQ $missing.GrantId).Status -eq 'Failed') { 'KmsGrants.NotFound' })
        # A grant whose six attempts all met faults (about 0.2^6 each) is Unknown, and its last fault is its error.
        $unknown = @($results | Where-Object Status -EQ 'Unknown' | ForEach-Object { "$($_.GrantId)$($_.GrantToken)" })
        $written = @($errors | Where-Object { "$($_.TargetObject.GrantId)$($_.TargetObject.GrantToken)" -notin $unknown })
        $written.Count | Should -Be ($errors.Count - $unknown.Count)
        ($written.FullyQualifiedErrorId | ForEach-Object { ($_ -split ',')[0] } | Sort-Object) | Should -Be ($expected | Sort-Object)
    }

    It 'Where-Object Status keeps every result (no status is falsy)' {
        @($results | Where-Object Status).Count | Should -Be $results.Count
    }
}

Describe 'A later command stops the run' {
    BeforeAll {
        # Slow answers keep many requests in flight when the stop comes.
        $slow = Start-KmsEmulator -SeedGrants 300 -LatencyMs 300
        $key = $slow.KeyArn
    }
    AfterAll { Stop-TestServer $slow }

    Context 'Select-Object -First 5' {
        BeforeAll {
            $written = @(Get-KmsGrant -KeyId $key -EndpointUrl $slow.Url | Remove-KmsGrant -EndpointUrl $slow.Url -Force -PassThru | Select-Object -First 5)
            $summary = $KmsGrantsLastRun
            $stats = Get-EmulatorStats $slow
            $alive = [string[]]@(Get-AliveGrantId $key -Server $slow)
        }

        It 'writes five and stops like Ctrl+C, saying why' {
            $written.Count | Should -Be 5
            $written.Status | Sort-Object -Unique | Should -Be 'Retired'
            $summary.Stopped | Should -BeTrue
            $summary.StopReason | Should -BeLike '*later command*'
            # Stopped part-way: grants were left alone.
            $alive.Count | Should -BeGreaterThan 0
        }

        It 'gives every grant it took in one outcome: written, or kept in UnreportedResults' {
            $summary.Submitted | Should -Be ($written.Count + $summary.UnreportedResults.Count)
            $outcomes = @($written) + @($summary.UnreportedResults)
            ($outcomes.GrantId | Sort-Object -Unique).Count | Should -Be $outcomes.Count
            $summary.UnreportedResults.Status | Where-Object { $_ -notin 'Retired', 'RetiredOnRetry', 'Unknown', 'NotAttempted' } | Should -BeNullOrEmpty
        }

        It 'reports exactly the retirements the emulator made' {
            $retired = @(@($written) + @($summary.UnreportedResults) | Where-Object Status -In 'Retired', 'RetiredOnRetry')
            $retired.Count | Should -Be (300 - $alive.Count)
            $stats.operations.RetireGrant.succeeded | Should -Be $retired.Count
            $retired.GrantId | Where-Object { $_ -in $alive } | Should -BeNullOrEmpty
        }

        It 'sends nothing after it returns' {
            $summary.Requests | Should -Be $stats.operations.RetireGrant.requests
            Start-Sleep -Milliseconds 700
            Get-RequestCount $slow 'RetireGrant' | Should -Be $stats.operations.RetireGrant.requests
        }
    }

    Context '-ErrorAction Stop on a grant that is not found' {
        BeforeAll {
            $before = [string[]]@(Get-AliveGrantId $key -Server $slow)
            $requestsBefore = Get-RequestCount $slow 'RetireGrant'
            $missing = [pscustomobject]@{ KeyId = $key; GrantId = ('f' * 64) }
            $items = @($before | Select-Object -First 10 | ForEach-Object { [pscustomobject]@{ KeyId = $key; GrantId = $_ } }) + @($missing) +
                @($before | Select-Object -Skip 10 | ForEach-Object { [pscustomobject]@{ KeyId = $key; GrantId = $_ } })
            $written = [System.Collections.Generic.List[object]]::new()
            $thrown = $null
            try { $items | Remove-KmsGrant -EndpointUrl $slow.Url -Force -PassThru -ErrorAction Stop | ForEach-Object { $written.Add($_) } }
            catch { $thrown = $_ }
            $summary = $KmsGrantsLastRun
            $after = [string[]]@(Get-AliveGrantId $key -Server $slow)
        }

        It 'throws KmsGrants.NotFound for that grant' {
            $thrown.FullyQualifiedErrorId | Should -Be 'KmsGrants.NotFound,KmsGrants.Commands.RemoveKmsGrantCommand'
            $thrown.TargetObject.GrantId | Should -Be $missing.GrantId
        }

        It 'stops the run and says it was -ErrorAction Stop' {
            $summary.Stopped | Should -BeTrue
            $summary.StopReason | Should -BeLike '*-ErrorAction Stop*'
            $after.Count | Should -BeGreaterThan 0
        }

        It 'gives every grant it took in one result, written or kept, and reports exactly the retirements made' {
            # The failed grant's result went nowhere (its error was thrown before it): it is kept with the others.
            $summary.Submitted | Should -Be ($written.Count + $summary.UnreportedResults.Count)
            ($summary.UnreportedResults | Where-Object GrantId -EQ $missing.GrantId).Status | Should -Be 'Failed'
            @(@($written) + @($summary.UnreportedResults)).GrantId | Sort-Object -Unique | Should -HaveCount $summary.Submitted
            $retired = @(@($written) + @($summary.UnreportedResults) | Where-Object Status -In 'Retired', 'RetiredOnRetry')
            $retired.Count | Should -Be ($before.Count - $after.Count)
            $retired.GrantId | Where-Object { $_ -in $after } | Should -BeNullOrEmpty
            $summary.Requests | Should -Be ((Get-RequestCount $slow 'RetireGrant') - $requestsBefore)
        }
    }
}
