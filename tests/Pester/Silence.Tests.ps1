# Endpoints that do not answer in time, and the rules that end a run of their own accord: a server that never answers
# or trickles a byte a second (5 s attempts, the 15 s silence rule), the listing's time-out, Ctrl+C while requests hang,
# input that pauses longer than the silence limit (not silence), a Region that throttles every request (the 30 s rule),
# and -MaxRequestsPerSecond 0.5. The oracles: what reached the server by its own count (tests/peers/hostile_server.py's
# /_stats), what the emulator still holds, and time on the module's own clock (each result's Elapsed, the run's
# stopwatch) as LOWER bounds, which load only makes larger. Upper bounds are only "did not hang" (four times the
# expected time or more): no assertion depends on when a server happened to see a packet.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment

    # The slow runs (15-30 s each, mostly idle waits) start together here, each in its own runspace, and each Describe
    # below collects its own. Explicit keys: environment credentials are read again for every request.
    $slowServers = @{ Silent = Start-HostileServer silent; Trickle = Start-HostileServer trickle; SilentList = Start-HostileServer silent
        Throttling = Start-HostileServer json @('--status', '400', '--body', '{"__type":"ThrottlingException","message":"Rate exceeded"}')
        ThrottlingWhatIf = Start-HostileServer json @('--status', '400', '--body', '{"__type":"ThrottlingException","message":"Rate exceeded"}') }
    $slowRetire = @'
        param($Url, $Count, [switch] $WhatIf)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        # An assignment: the run's stop is not a terminating error, so it keeps every result.
        $results = @(1..$Count | ForEach-Object { [pscustomobject]@{ KeyId = 'arn:aws:kms:us-east-1:111122223333:key/k'; GrantId = ('{0:x64}' -f $_) } } |
            Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -AccessKey testing -SecretKey testing -Force -PassThru -WhatIf:$WhatIf `
                -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue 6>$null)
        # The run's stop, when it stopped, is its last error, written after every result.
        [pscustomobject]@{ Results = $results; Stop = $(if ($errors) { $errors[-1] }); Errors = @($errors); Summary = $KmsGrantsLastRun; Seconds = $clock.Elapsed.TotalSeconds }
'@
    $slowList = @'
        param($Url)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Get-KmsGrant -KeyId arn:aws:kms:us-east-1:111122223333:key/k -EndpointUrl $Url -Region us-east-1 -AccessKey testing -SecretKey testing -ErrorAction SilentlyContinue
        [pscustomobject]@{ Errors = @($Error); Seconds = $clock.Elapsed.TotalSeconds }
'@
    # Its own emulator: nothing else sends to it while the input pauses.
    $pausedEmulator = Start-KmsEmulator -SeedGrants 3
    $slowRuns = @{
        Silent    = Invoke-Isolated $slowRetire -Arguments @{ Url = $slowServers.Silent.Url; Count = 4 } -NoWait
        Trickle   = Invoke-Isolated $slowRetire -Arguments @{ Url = $slowServers.Trickle.Url; Count = 2 } -NoWait
        List      = Invoke-Isolated $slowList -Arguments @{ Url = $slowServers.SilentList.Url } -NoWait
        # Eighty grants: their 30 throttled attempts each (2,400) cannot all be spent within the 30 s rule at the paced
        # rate (about 3/s seen idle, 20/s beside two CPU hogs, where the rate controller holds a higher estimate of a
        # quota it never saw accept anything), so the Region's stop, not each grant's own limit, ends the run.
        Throttled = Invoke-Isolated $slowRetire -Arguments @{ Url = $slowServers.Throttling.Url; Count = 80 } -NoWait
        # The same under -WhatIf: the DryRun proof's canaries, throttled, are paced and watched as grants are.
        ThrottledWhatIf = Invoke-Isolated $slowRetire -Arguments @{ Url = $slowServers.ThrottlingWhatIf.Url; Count = 20; WhatIf = $true } -NoWait
        # Input that pauses longer than the 15 s silence limit, with nothing in flight meanwhile.
        Paused    = Invoke-Isolated @'
            param($Url, $Grants)
            $results = @(& { $Grants[0]; Start-Sleep -Seconds 17; $Grants[1..2] } |
                Remove-KmsGrant -EndpointUrl $Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors)
            [pscustomobject]@{ Results = $results; Errors = @($errors) }
'@ -Arguments @{ Url = $pausedEmulator.Url; Grants = @(Get-KmsGrant -KeyId $pausedEmulator.KeyArn -EndpointUrl $pausedEmulator.Url) } -NoWait
    }
}
AfterAll {
    foreach ($r in $slowRuns.Values) { $r.PowerShell.Dispose() }
    foreach ($s in $slowServers.Values) { Stop-TestServer $s }
    Stop-TestServer $pausedEmulator
}

Describe 'Endpoints that accept connections and never answer, or trickle' {
    BeforeAll {
        $silentRun = (Complete-Isolated $slowRuns.Silent).Output[0]
        $trickleRun = (Complete-Isolated $slowRuns.Trickle).Output[0]
        $listRun = (Complete-Isolated $slowRuns.List).Output[0]
        $silentStats = Get-HostileStats $slowServers.Silent
        $trickleStats = Get-HostileStats $slowServers.Trickle
        $listStats = Get-HostileStats $slowServers.SilentList
    }

    It 'gives a grant at most 3 unanswered attempts of 5 s each, then reports it Unknown (<Name>)' -ForEach @(
        @{ Name = 'never answers'; Run = 'silentRun'; Stats = 'silentStats'; Count = 4 }
        @{ Name = 'a byte a second'; Run = 'trickleRun'; Stats = 'trickleStats'; Count = 2 }
    ) {
        $r = Get-Variable $Run -ValueOnly
        $s = Get-Variable $Stats -ValueOnly
        $r.Results.Count | Should -Be $Count
        # Never Retired: the trickled answer is a KMS-shaped success, had the module waited a minute for it.
        $r.Results.Status | Sort-Object -Unique | Should -Be 'Unknown'
        # The last attempt times out, or, when it started late, is abandoned after the stop's grace.
        $r.Results.ErrorCode | Should -BeIn 'TimedOut', 'Stopped'
        $r.Results.ErrorCode | Should -Contain 'TimedOut'
        $r.Results.Attempts | ForEach-Object { $_ | Should -BeLessOrEqual 3 }
        # Every attempt the module counts reached the server (its own count), and no other request did.
        ($r.Results | Measure-Object Attempts -Sum).Sum | Should -Be $s.requests
        foreach ($grant in $r.Results.GrantId) { @($s.grants.$grant).Count | Should -Be 3 -Because "grant $grant had three attempts" }
        # Three attempts of 5 s each, on the module's clock from taking the grant in: a lower bound, which load only
        # lengthens. The upper bound is "did not hang" (four times the 15 s): a starved machine delays, it does not stall.
        $r.Results.Elapsed.TotalSeconds | ForEach-Object { $_ | Should -BeGreaterOrEqual 14.9; $_ | Should -BeLessThan 60 }
    }

    It 'stops the run with KmsGrants.EndpointUnresponsive after 15 s without an answer (<Name>)' -ForEach @(
        @{ Name = 'never answers'; Run = 'silentRun' }
        @{ Name = 'a byte a second'; Run = 'trickleRun' }
    ) {
        $r = Get-Variable $Run -ValueOnly
        $r.Stop.FullyQualifiedErrorId | Should -Be 'KmsGrants.EndpointUnresponsive,KmsGrants.Commands.RemoveKmsGrantCommand'
        $r.Summary.Stopped | Should -BeTrue
        # The 15 s silence rule, on the run's own stopwatch: load only makes it later.
        $r.Seconds | Should -BeGreaterThan 14.5
        # "Did not hang": 15 s and the stop's 2 s grace, four times over.
        $r.Seconds | Should -BeLessThan 70
    }

    It 'a listing gives a time-out error after three attempts of 5 s' {
        $listRun.Errors.FullyQualifiedErrorId | Should -Be 'KmsGrants.TimedOut,KmsGrants.Commands.GetKmsGrantCommand'
        # The SDK's own retries for listing: the standard retry mode's three attempts, and no hidden "stale connection"
        # replays (which made it 3 to 5, and could make it 13), by the server's count.
        $listStats.requests | Should -Be 3
        # Three 5 s time-outs on the command's own clock: a lower bound, which load only lengthens.
        $listRun.Seconds | Should -BeGreaterThan 14.5
        # "Did not hang": four times the 15 s (seen: 15 s idle, up to 30 s under load).
        $listRun.Seconds | Should -BeLessThan 60
    }
}

Describe 'Ctrl+C on an endpoint that never answers' {
    BeforeAll {
        $silentStop = Start-HostileServer silent
        $stopRun = Invoke-Isolated 'param($Url) 1..4 | ForEach-Object { [pscustomobject]@{ KeyId = "arn:aws:kms:us-east-1:111122223333:key/k"; GrantId = ("{0:x64}" -f $_) } } | Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru' -Arguments @{ Url = $silentStop.Url } -NoWait
        # Ctrl+C once the four requests are in flight (the server's count); the deadline only keeps a broken run from
        # holding the suite, the assertions below tell whether they were.
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ((Get-HostileStats $silentStop).requests -lt 4 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $inFlight = (Get-HostileStats $silentStop).requests
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $stopRun.PowerShell.Stop()
        $stopTook = $clock.Elapsed
        $stopped = Complete-Isolated $stopRun
        $stoppedSummary = $stopped.PowerShell.Runspace.SessionStateProxy.GetVariable('KmsGrantsLastRun')
    }
    AfterAll {
        $stopRun.PowerShell.Dispose()
        Stop-TestServer $silentStop
    }

    It 'returns before the silence rule would have ended the run, and reports the grants in flight Unknown' {
        $inFlight | Should -BeGreaterOrEqual 4
        # "Did not hang": Stop returns within the stop's 2 s grace when idle; under 12 s, four times that and more, is
        # still before the 15 s silence rule would have ended the run anyway.
        $stopTook.TotalSeconds | Should -BeLessThan 12
        $stopped.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        $stoppedSummary.Stopped | Should -BeTrue
        $stoppedSummary.Submitted | Should -Be 4
        $stoppedSummary.UnreportedResults.Count | Should -Be 4
        $stoppedSummary.UnreportedResults.Status | Sort-Object -Unique | Should -Be 'Unknown'
    }
}

Describe 'Input that pauses longer than the silence limit' {
    It 'is not an endpoint gone silent: every grant is retired' {
        $run = (Complete-Isolated $slowRuns.Paused).Output[0]
        $run.Errors | Should -BeNullOrEmpty
        $run.Results.Status | Should -Be 'Retired', 'Retired', 'Retired'
        Get-AliveGrantId $pausedEmulator.KeyArn -Server $pausedEmulator | Should -BeNullOrEmpty
    }
}

Describe 'A Region that throttles every request' {
    BeforeAll {
        $run = (Complete-Isolated $slowRuns.Throttled).Output[0]
        $stats = Get-HostileStats $slowServers.Throttling
    }

    It 'gives up after 30 s of nothing but throttles, with KmsGrants.Throttled as its last error' {
        $run.Stop.FullyQualifiedErrorId | Should -Be 'KmsGrants.Throttled,KmsGrants.Commands.RemoveKmsGrantCommand'
        $run.Stop.Exception.Message | Should -BeLike '*throttled every request for 30 s*'
        # The 30 s rule, on the run's own stopwatch: load only makes it later.
        $run.Seconds | Should -BeGreaterThan 29
        # "Did not hang": 30 s and the stop's grace, four times over.
        $run.Seconds | Should -BeLessThan 130
    }

    It 'reports each grant Failed (sent, throttled) or NotAttempted, with the throttle as its error' {
        $run.Results.Count | Should -Be 80
        $run.Results.Status | ForEach-Object { $_ | Should -BeIn 'Failed', 'NotAttempted' }
        $run.Results.ErrorCode | Sort-Object -Unique | Should -Be 'ThrottlingException'
        # Every attempt the module counts reached the server (its own count), and no other request did.
        ($run.Results | Measure-Object Attempts -Sum).Sum | Should -Be $stats.requests
        # Stopped by the 30 s rule, not by running out of attempts: eighty grants never spent their 80 x 30. (Seen: 44
        # requests idle, 198 and 600 beside two CPU hogs. A grant that did run out used to restart the 30 s clock for
        # the next, and all attempts went.)
        $stats.requests | Should -BeLessThan 2400
    }

    It 'says in its one error how many grants were never sent and how many were sent and not retired, as the results say' {
        # Grants that ran out of attempts before the Region stopped have their own errors (before the stop, the last).
        $own = @($run.Errors | Select-Object -SkipLast 1)
        # (foreach: member access on an empty list gives $null, which ForEach-Object would take for one grant.)
        foreach ($e in $own) { ($run.Results | Where-Object GrantId -EQ $e.TargetObject.GrantId).Status | Should -Be 'Failed' }
        $notAttempted = @($run.Results | Where-Object Status -EQ NotAttempted).Count
        $undone = @($run.Results | Where-Object Status -EQ Failed).Count - $own.Count
        $said = if ($undone -eq 0) { "*$notAttempted more grant(s) in us-east-1 (never sent: NotAttempted)*" }
            elseif ($notAttempted -eq 0) { "*$undone more grant(s) in us-east-1 (sent, but retired by none of their attempts: Failed)*" }
            else { "*$($notAttempted + $undone) more grant(s) in us-east-1 ($notAttempted never sent: NotAttempted; $undone sent, but retired by none of their attempts: Failed)*" }
        $run.Stop.Exception.Message | Should -BeLike $said
    }
}

Describe 'A Region that throttles every request, under -WhatIf' {
    BeforeAll {
        $run = (Complete-Isolated $slowRuns.ThrottledWhatIf).Output[0]
        $stats = Get-HostileStats $slowServers.ThrottlingWhatIf
    }

    It 'paces the DryRun proof''s canaries and stops the Region after 30 s of throttles, as for a real run' {
        $run.Stop.FullyQualifiedErrorId | Should -Be 'KmsGrants.Throttled,KmsGrants.Commands.RemoveKmsGrantCommand'
        $run.Stop.Exception.Message | Should -BeLike '*throttled every request for 30 s*'
        $run.Seconds | Should -BeGreaterThan 29
        $run.Seconds | Should -BeLessThan 130
        # Each grant's canary may be tried 30 times: retried at once, unpaced, that was 30 requests a second (600 for
        # the 20 grants). Paced and backed off (up to 5 s between a canary's throttled attempts): a few dozen in 30 s.
        $stats.requests | Should -BeLessThan 150
    }

    It 'sends no real request, and reports every grant NotAttempted (no verdict)' {
        $stats.targets.PSObject.Properties.Name | Should -Be 'TrentService.RetireGrant'
        $stats.dryRuns | Should -Be $stats.requests
        $run.Results.Count | Should -Be 20
        $run.Results.Status | Sort-Object -Unique | Should -Be 'NotAttempted'
        $run.Summary.DryRun | Should -BeTrue
    }
}

Describe '-MaxRequestsPerSecond 0.5, below the rate controller''s floor of 1' {
    BeforeAll {
        $emulator = Start-KmsEmulator -SeedGrants 3
        $mine = @(Get-KmsGrant -KeyId $emulator.KeyArn -EndpointUrl $emulator.Url)
    }
    AfterAll { Stop-TestServer $emulator }

    It 'paces at 0.5/s: three grants take at least 4 s' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = $mine | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru -MaxRequestsPerSecond 0.5
        # Three sends two seconds apart, on this runspace's clock: a lower bound, which load only lengthens. (No bound
        # per gap: the pacer is a token bucket, so a first send that load made late shortens the next gap.)
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 3.8
        $results.Status | Sort-Object -Unique | Should -Be 'Retired'
        # "Did not hang": four times the 4 s, and more.
        ($results.Elapsed.TotalSeconds | Measure-Object -Maximum).Maximum | Should -BeLessThan 20
        # Exactly one request per grant (the emulator's count), and the grants are gone (its own state).
        Get-RequestCount $emulator 'RetireGrant' | Should -Be 3
        Get-AliveGrantId $emulator.KeyArn -Server $emulator | Should -BeNullOrEmpty
    }
}
