# Bulk retirement under faults, throttling and Ctrl+C, every grant's fate reported truthfully.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment

    function Get-AliveGrantIds($Emulator) { Get-AliveGrantId $Emulator.KeyArn -Server $Emulator }
}

Describe 'Faults: 1,000 grants, 15% of RetireGrant calls failing in every way' {
    BeforeAll {
        $emulator = Start-KmsEmulator -SeedGrants 1000 -FaultRate 0.15 `
            -FaultKind internal, unavailable, reset, commit-then-drop -FaultOperation RetireGrant -Seed 7
        $all = [string[]]@(Get-KmsGrant -KeyId $emulator.KeyArn -EndpointUrl $emulator.Url -PageSize 100).GrantId
        $results = @(Get-KmsGrant -KeyId $emulator.KeyArn -EndpointUrl $emulator.Url |
            Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable failures)
        $alive = Get-AliveGrantIds $emulator
        $stats = Get-EmulatorStats $emulator
    }
    AfterAll { Stop-TestServer $emulator }

    It 'injected faults of every kind, including commit-then-drop' {
        $all.Count | Should -Be 1000
        $stats.operations.RetireGrant.faultsInjected | Should -BeGreaterThan 100
    }

    It 'gives every input grant exactly one outcome' {
        $results.Count | Should -Be 1000
        ($results.GrantId | Sort-Object -Unique).Count | Should -Be 1000
        Compare-Object ($results.GrantId | Sort-Object) ($all | Sort-Object) | Should -BeNullOrEmpty
    }

    It 'leaves alive exactly the grants reported as failed' {
        $failed = [string[]]@($results | Where-Object Status -EQ 'Failed' | ForEach-Object GrantId)
        (@($failed | Sort-Object) -join ',') | Should -Be (@($alive | Sort-Object) -join ',')
        $failures.Count | Should -Be $failed.Count
    }

    It 'reported none retired that is still alive' {
        $retired = $results | Where-Object Status -In 'Retired', 'RetiredOnRetry'
        $retired.GrantId | Where-Object { $_ -in $alive } | Should -BeNullOrEmpty
    }

    It 'recognised grants whose first response was lost as RetiredOnRetry, with their attempts' {
        $onRetry = @($results | Where-Object Status -EQ 'RetiredOnRetry')
        $onRetry.Count | Should -BeGreaterThan 0
        $onRetry.Attempts | ForEach-Object { $_ | Should -BeGreaterThan 1 }
        ($results | Measure-Object Attempts -Maximum).Maximum | Should -BeGreaterThan 1
    }
}

Describe 'Throttling: a 20 rps quota' {
    BeforeAll {
        $emulator = Start-KmsEmulator -SeedGrants 200 -Quota @{ RetireGrant = 20 }
        $run = Invoke-Isolated 'param($Url, $Key) Get-KmsGrant -KeyId $Key -EndpointUrl $Url -Region us-east-1 | Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru' -Arguments @{ Url = $emulator.Url; Key = $emulator.KeyArn }
        $results = @($run.Output)
        $alive = Get-AliveGrantIds $emulator
        $stats = Get-EmulatorStats $emulator
    }
    AfterAll { Stop-TestServer $emulator; $run.PowerShell.Dispose() }

    It 'retires all 200 grants with no error surfaced' {
        $run.Errors | Should -BeNullOrEmpty
        $results.Count | Should -Be 200
        $results.Status | Sort-Object -Unique | Should -Be 'Retired'
        $alive | Should -BeNullOrEmpty
    }

    It 'met throttling and absorbed it' {
        $stats.operations.RetireGrant.throttled | Should -BeGreaterThan 0
        $stats.operations.RetireGrant.succeeded | Should -Be 200
    }

    It 'showed progress with count, rate and pacing, and closed it' {
        $progress = @($run.PowerShell.Streams.Progress)
        $progress.Count | Should -BeGreaterThan 0
        $progress[0].Activity | Should -Be 'Retiring KMS grants'
        $progress[0].StatusDescription | Should -Match '^\d+ done, \d+ in flight, [\d.]+/s \(pacing at [\d.]+/s\), \d+ throttled$'
        $progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'kept the tally in $KmsGrantsLastRun' {
        $summary = $run.PowerShell.Runspace.SessionStateProxy.GetVariable('KmsGrantsLastRun')
        $summary.Retired | Should -Be 200
        $summary.ThrottledResponses | Should -Be $stats.operations.RetireGrant.throttled
        $summary.Requests | Should -Be $stats.operations.RetireGrant.requests
    }
}

Describe 'Ctrl+C' {
    BeforeAll {
        $emulator = Start-KmsEmulator -SeedGrants 2000 -LatencyMs 20
        # A host that records what is written to it: after Ctrl+C the command can only speak there.
        $run = Invoke-Isolated 'param($Url, $Key) Get-KmsGrant -KeyId $Key -EndpointUrl $Url -Region us-east-1 | Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru' -Arguments @{ Url = $emulator.Url; Key = $emulator.KeyArn } -NoWait -Answer 'Yes'

        Start-Sleep -Seconds 1
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $run.PowerShell.Stop()
        $stopTook = $clock.Elapsed
        $run = Complete-Isolated $run
        $summary = $run.PowerShell.Runspace.SessionStateProxy.GetVariable('KmsGrantsLastRun')
        $written = @($run.Output)
        $alive = Get-AliveGrantIds $emulator
    }
    AfterAll { Stop-TestServer $emulator; $run.PowerShell.Dispose() }

    It 'returns soon after the stop, long before the run would have ended' {
        # The stop's grace is 2 s; 10 s holds on a starved machine and is still far under the run's own length (2,000
        # grants at the default pace).
        $stopTook.TotalSeconds | Should -BeLessThan 10
        $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
    }

    It 'stopped part-way' {
        $alive.Count | Should -BeGreaterThan 0
        $alive.Count | Should -BeLessThan 2000
        $summary.Stopped | Should -BeTrue
    }

    It 'reported exactly the retirements the emulator made (written before the stop, or kept in $KmsGrantsLastRun)' {
        $reported = @($written) + @($summary.UnreportedResults) | Where-Object Status -In 'Retired', 'RetiredOnRetry'
        $reported.Count | Should -Be (2000 - $alive.Count)
        $reported.GrantId | Where-Object { $_ -in $alive } | Should -BeNullOrEmpty
        $summary.Retired + $summary.RetiredOnRetry | Should -Be (2000 - $alive.Count)
    }

    It 'says so once, on the host: the tally and where every result is' {
        $run.HostWarnings.Count | Should -Be 1
        $run.HostWarnings[0] | Should -BeLike "Stopped by the user (Ctrl+C)*of $($summary.Submitted) grant(s) taken in, $($summary.Retired + $summary.RetiredOnRetry) retired, $($summary.Failed) failed, $($summary.Unknown) unknown*$($summary.NotAttempted) not sent (NotAttempted)*`$KmsGrantsLastRun*"
        $summary.StopReason | Should -Be 'stopped by the user (Ctrl+C)'
    }
}

Describe 'Ctrl+C while a later command holds the pipeline' {
    It 'is still the user''s stop: StopReason says Ctrl+C, the host hears the tally, every grant has its result' {
        $emulator = Start-KmsEmulator -SeedGrants 300
        try {
            $run = Invoke-Isolated 'param($Url, $Key) Get-KmsGrant -KeyId $Key -EndpointUrl $Url -Region us-east-1 | Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru | ForEach-Object { Start-Sleep -Milliseconds 100; $_ }' `
                -Arguments @{ Url = $emulator.Url; Key = $emulator.KeyArn } -NoWait -Answer 'Yes'
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ($run.Output.Count -lt 3 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $run.PowerShell.Stop()
            $done = Complete-Isolated $run
            $summary = $done.PowerShell.Runspace.SessionStateProxy.GetVariable('KmsGrantsLastRun')
            $summary.StopReason | Should -Be 'stopped by the user (Ctrl+C)'
            $summary.ResultCount | Should -Be $summary.Submitted
            $done.HostWarnings | Should -BeLike 'Stopped by the user (Ctrl+C)*'
            # The result the later command held when the stop came is kept too: it never came out of that command.
            $kept = @(@($done.Output) + @($summary.UnreportedResults)).GrantId
            ($kept | Sort-Object -Unique).Count | Should -Be $summary.Submitted
            $retired = @(@($done.Output) + @($summary.UnreportedResults) | Where-Object Status -In 'Retired', 'RetiredOnRetry').GrantId
            $alive = @(Get-AliveGrantIds $emulator)
            $retired.Count | Should -Be (300 - $alive.Count)
        }
        finally { Stop-TestServer $emulator; if ($done) { $done.PowerShell.Dispose() } }
    }
}
