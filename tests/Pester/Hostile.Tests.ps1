# The built module against hostile endpoints, inputs and pipelines: web pages and other answers that are not KMS's,
# endpoints that never answer or trickle, answers of hundreds of MB, refused connections, broken profile files, a
# failing credential_process, input objects the binder must refuse, downstream stops and -ErrorAction Stop. Loopback
# servers that are not KMS come from tests/peers/hostile_server.py; the emulator is the well-behaved KMS. Every case
# checks what reached the server (its request counts) and what is left (grants alive), not just the errors.
BeforeDiscovery {
    # This machine's own non-loopback IPv4 address, when it has one: plain http to it is "another machine" to the module.
    $script:NonLoopback = [Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces() |
        Where-Object OperationalStatus -EQ 'Up' |
        ForEach-Object { $_.GetIPProperties().UnicastAddresses.Address } |
        Where-Object { $_.AddressFamily -eq 'InterNetwork' -and -not [Net.IPAddress]::IsLoopback($_) } |
        Select-Object -First 1 | ForEach-Object { "$_" }
    $script:PlainHttpCases = @(@{ Name = 'a name that does not resolve (http://example.invalid)'; Address = $null }) +
        @(if ($NonLoopback) { @{ Name = "this machine's non-loopback address ($NonLoopback)"; Address = $NonLoopback } })
    $script:ListingCases = @(
        @{ Command = 'Get-KmsGrant'; Params = @{ KeyId = 'arn:aws:kms:us-east-1:111122223333:key/k' }; Class = 'GetKmsGrantCommand' }
        @{ Command = 'Get-KmsRetirableGrant'; Params = @{ RetiringPrincipal = 'arn:aws:iam::111122223333:role/x' }; Class = 'GetKmsRetirableGrantCommand' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
    $HostileScript = Join-Path $PSScriptRoot '../peers/hostile_server.py'
    $FakeKey = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
    # The credentials a fresh pwsh gets (Invoke-Isolated -NewProcess clears the AWS variables), and a HOME with no ~/.aws.
    $TestEnvironment = @{ AWS_ACCESS_KEY_ID = 'testing'; AWS_SECRET_ACCESS_KEY = 'testing'; AWS_REGION = 'us-east-1' }
    $EmptyHome = Join-Path $TestDrive 'empty-home'
    $null = New-Item -ItemType Directory $EmptyHome -Force

    # The well-behaved KMS for the cases that need real grants or must show that nothing was sent. Its seeded grants are
    # a pool that each case takes its own slice of (boto3 would cost a second a set); listing them warms the module up.
    $emulator = Start-KmsEmulator -SeedGrants 16
    $PoolIds = [string[]]@(Get-KmsGrant -KeyId $emulator.KeyArn -EndpointUrl $emulator.Url).GrantId

    <# Grants FROM..FROM+COUNT-1 of the pool, as objects that bind by key and ID. #>
    function Get-PoolGrant([int] $From, [int] $Count) {
        $PoolIds[$From..($From + $Count - 1)] | ForEach-Object { [pscustomobject]@{ KeyId = $emulator.KeyArn; GrantId = $_ } }
    }

    <# The pool's grants still alive. #>
    function Get-AlivePoolId { [string[]]@(Get-AliveGrantId $emulator.KeyArn -Server $emulator) }

    <# Starts tests/peers/hostile_server.py in MODE; it prints its port first. #>
    function Start-HostileServer([string] $Mode, [string[]] $Options = @(), [string] $Bind = '127.0.0.1') {
        $info = [System.Diagnostics.ProcessStartInfo]::new((Find-PythonTool 'python3'))
        foreach ($a in @($HostileScript, $Mode, '--bind', $Bind) + $Options) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($info)
        $read = $process.StandardOutput.ReadLineAsync()
        if (-not $read.Wait([TimeSpan]::FromSeconds(15)) -or $read.Result -notmatch '^\d+$') {
            Stop-TestServer ([pscustomobject]@{ Process = $process })
            throw "hostile_server.py $Mode did not print its port: $($read.Result)"
        }
        [pscustomobject]@{ Url = "http://${Bind}:$($read.Result)"; Process = $process }
    }

    <# What reached a hostile server: requests (POSTs), targets (by X-Amz-Target), times (seconds since it started). #>
    function Get-HostileStats($Server) { Invoke-RestMethod "$($Server.Url)/_stats" -NoProxy }

    <# Every request the emulator has seen, of any operation. #>
    function Get-TotalRequestCount($Emulator) {
        $ops = (Get-EmulatorStats $Emulator).operations
        $total = 0
        foreach ($p in $ops.PSObject.Properties) { $total += $p.Value.requests }
        $total
    }

    <# Grants that exist nowhere, named by key ARN and ID: for endpoints that never look at them. #>
    function New-FakeGrant([int] $Count) {
        1..$Count | ForEach-Object { [pscustomobject]@{ KeyId = $FakeKey; GrantId = ('{0:x64}' -f $_) } }
    }

    <# Output of Invoke-Isolated -NewProcess with line wrapping undone: a secret split over two lines is still found. #>
    function Get-FlatText([string] $Text) { $Text -replace '\s', '' }

    # Started first, collected by 'Endpoints that accept connections and never answer': each waits out 5 s time-outs
    # for 15-20 s, mostly idle, while the other cases run. Explicit keys: Invoke-Isolated -NewProcess clears the AWS
    # variables of this process meanwhile, and environment credentials are read again for every request.
    $slowServers = @{ Silent = Start-HostileServer silent; Trickle = Start-HostileServer trickle; SilentList = Start-HostileServer silent
        Throttling = Start-HostileServer json @('--status', '400', '--body', '{"__type":"ThrottlingException","message":"Rate exceeded"}') }
    $slowRetire = @'
        param($Url, $Count)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        # An assignment: the run's stop is not a terminating error, so it keeps every result.
        $results = @(1..$Count | ForEach-Object { [pscustomobject]@{ KeyId = 'arn:aws:kms:us-east-1:111122223333:key/k'; GrantId = ('{0:x64}' -f $_) } } |
            Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -AccessKey testing -SecretKey testing -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
        # The run's stop, when it stopped, is its last error, written after every result.
        [pscustomobject]@{ Results = $results; Stop = $(if ($errors) { $errors[-1] }); Errors = @($errors); Summary = $KmsGrantsLastRun; Seconds = $clock.Elapsed.TotalSeconds }
'@
    $slowList = @'
        param($Url)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Get-KmsGrant -KeyId arn:aws:kms:us-east-1:111122223333:key/k -EndpointUrl $Url -Region us-east-1 -AccessKey testing -SecretKey testing -ErrorAction SilentlyContinue
        [pscustomobject]@{ Errors = @($Error); Seconds = $clock.Elapsed.TotalSeconds }
'@
    $slowRuns = @{
        Silent  = Invoke-Isolated $slowRetire -Arguments @{ Url = $slowServers.Silent.Url; Count = 4 } -NoWait
        Trickle = Invoke-Isolated $slowRetire -Arguments @{ Url = $slowServers.Trickle.Url; Count = 2 } -NoWait
        List    = Invoke-Isolated $slowList -Arguments @{ Url = $slowServers.SilentList.Url } -NoWait
    }
    # The runs above time the gaps between their attempts: the ones below start once those have begun, so that starting
    # them does not delay the first attempts on a two-core machine.
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while (($slowServers.Silent, $slowServers.Trickle | Where-Object { (Get-HostileStats $_).requests -eq 0 }) -and [DateTime]::UtcNow -lt $deadline) {
        Start-Sleep -Milliseconds 100
    }
    $pausedEmulator = Start-KmsEmulator -SeedGrants 3
    $slowRuns += @{
        Throttled = Invoke-Isolated $slowRetire -Arguments @{ Url = $slowServers.Throttling.Url; Count = 3 } -NoWait
        # Input that pauses longer than the 15 s silence limit, with nothing in flight meanwhile (its own emulator: the
        # suite's counts requests while this runs).
        Paused  = Invoke-Isolated @'
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
    Stop-TestServer $emulator
}

Describe 'An endpoint that answers HTTP <Status> with a web page is not KMS' -ForEach @(@{ Status = 200 }, @{ Status = 403 }) {
    BeforeAll {
        $server = Start-HostileServer html @('--status', "$Status")
        $results = @(New-FakeGrant 20 | Remove-KmsGrant -EndpointUrl $server.Url -Force -PassThru `
            -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
        $summary = $KmsGrantsLastRun
        $retireRequests = (Get-HostileStats $server).targets.'TrentService.RetireGrant'
    }
    AfterAll { Stop-TestServer $server }

    It 'reports the grants it sent Unknown (never Retired) and the others NotAttempted' {
        # One result per grant: the grants that arrive after the stop are taken in and not sent.
        $results.Count | Should -Be 20
        $summary.Submitted | Should -Be 20
        $results.GrantId | Sort-Object -Unique | Should -HaveCount 20
        $unknown = @($results | Where-Object Status -EQ 'Unknown')
        # Only grants whose request reached the page are Unknown, each after one request.
        $unknown.Count | Should -Be $retireRequests
        $unknown.ErrorCode | Sort-Object -Unique | Should -Be 'NotKmsResponse'
        $unknown.Attempts | Sort-Object -Unique | Should -Be 1
        @($results | Where-Object Status -EQ 'NotAttempted').Count | Should -Be ($results.Count - $unknown.Count)
    }

    It 'stops sending after the first page' {
        # Requests paced out before the first answer came back may have gone too (at 50/s, a few: the first call's
        # warm-up on a loaded machine took 12); nothing after.
        $retireRequests | Should -BeGreaterThan 0
        $retireRequests | Should -BeLessOrEqual 20
        $summary.Stopped | Should -BeTrue
        $summary.Submitted | Should -BeGreaterThan $retireRequests
    }

    It 'ends with one KmsGrants.NotKmsResponse, written after every result, and no per-grant errors' {
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.NotKmsResponse,KmsGrants.Commands.RemoveKmsGrantCommand'
        $errors[0].Exception.Message | Should -BeLike "*HTTP $Status (text/html*"
        # Names the grant whose answer it was, as its target.
        $errors[0].TargetObject.GrantId | Should -BeIn $results.GrantId
    }

    It '<Command> gives KmsGrants.NotKmsResponse after one request (the SDK does not retry it)' -ForEach $ListingCases {
        $before = (Get-HostileStats $server).requests
        { & $Command @Params -EndpointUrl $server.Url } | Should -Throw -ErrorId "KmsGrants.NotKmsResponse,KmsGrants.Commands.$Class"
        (Get-HostileStats $server).requests - $before | Should -Be 1
    }
}

Describe 'A JSON answer that is not KMS''s' {
    BeforeAll {
        # Another JSON service on that port: no request ID, as only AWS answers carry one.
        $plain = Start-HostileServer json @('--body', '{"ok": true}', '--no-request-id')
        # One that even sends a request ID: a listing must still have what every KMS listing has.
        $mimic = Start-HostileServer json @('--body', '{"ok": true}')
    }
    AfterAll { Stop-TestServer $plain; Stop-TestServer $mimic }

    It '<Command> answered {"ok": true} is KmsGrants.NotKmsResponse, not an empty listing (<Server>)' -ForEach @(
        foreach ($c in $ListingCases) { foreach ($s in 'plain', 'mimic') { $c + @{ Server = $s } } }
    ) {
        $url = (Get-Variable $Server -ValueOnly).Url
        { & $Command @Params -EndpointUrl $url } | Should -Throw -ErrorId "KmsGrants.NotKmsResponse,KmsGrants.Commands.$Class"
    }
}

Describe 'An endpoint that answers HTTP 503 with a web page is at fault, and retried' {
    BeforeAll {
        $server = Start-HostileServer html @('--status', '503')
        $results = New-FakeGrant 2 | Remove-KmsGrant -EndpointUrl $server.Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue
        $stats = Get-HostileStats $server
    }
    AfterAll { Stop-TestServer $server }

    It 'retries each grant six times, then reports it Unknown (a 5xx may come after the change was made)' {
        $results.Status | Should -Be @('Unknown', 'Unknown')
        $results.Attempts | Should -Be @(6, 6)
        $stats.requests | Should -Be 12
    }

    It 'reports a non-terminating KmsGrants.InternalFailure per grant' {
        $errors.FullyQualifiedErrorId | Should -Be (@('KmsGrants.InternalFailure,KmsGrants.Commands.RemoveKmsGrantCommand') * 2)
        ($errors.TargetObject.GrantId | Sort-Object) | Should -Be ($results.GrantId | Sort-Object)
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

Describe '-ProfileLocation to a file that is not a credentials file' {
    BeforeAll {
        $files = @{
            malformed = [Text.Encoding]::UTF8.GetBytes("[default]`naws_access_key_id = AKIDHOSTILE`naws_secret_access_key: SECRETVALUE`n")
            json      = [Text.Encoding]::UTF8.GetBytes("{`n  ""aws_access_key_id"": ""AKIDHOSTILE"",`n  ""aws_secret_access_key"": ""SECRETVALUE""`n}`n")
            binary    = [byte[]](@(0..255) + [Text.Encoding]::ASCII.GetBytes("`naws_secret_access_key: SECRETVALUE`n") + @(255..0))
        }
        foreach ($name in $files.Keys) { [IO.File]::WriteAllBytes((Join-Path $TestDrive "profile-$name"), $files[$name]) }
        $requestsBefore = Get-TotalRequestCount $emulator
        # A fresh pwsh (the SDK reads profile files once per process), every stream and $Error in full.
        $run = Invoke-Isolated -NewProcess -HomeDirectory $EmptyHome -Environment @{ AWS_REGION = 'us-east-1' } -Arguments @{ Url = $emulator.Url; Dir = $TestDrive; Key = $FakeKey } -Script @'
            foreach ($name in 'malformed', 'json', 'binary') {
                $file = Join-Path $Dir "profile-$name"
                $before = $Error.Count
                Get-KmsGrant -KeyId $Key -EndpointUrl $Url -ProfileLocation $file -Verbose -Debug
                Remove-KmsGrant -KeyId $Key -GrantId ('a' * 64) -EndpointUrl $Url -ProfileLocation $file -Force -Verbose -Debug
                Get-KmsRetirableGrant arn:aws:iam::111122223333:role/x -EndpointUrl $Url -ProfileLocation $file -ProfileName default -Verbose -Debug
                "ERRORIDS[$name]=" + (@($Error | Select-Object -First ($Error.Count - $before) | ForEach-Object FullyQualifiedErrorId) -join ';')
            }
'@
    }

    It 'stops each command with KmsGrants.InvalidProfileFile, naming the file and line <Line> (<Name>)' -ForEach @(
        @{ Name = 'malformed'; Line = 3 }
        @{ Name = 'json'; Line = 1 }
        @{ Name = 'binary'; Line = 1 }
    ) {
        $ids = @('GetKmsRetirableGrantCommand', 'RemoveKmsGrantCommand', 'GetKmsGrantCommand' |
                ForEach-Object { [regex]::Escape("KmsGrants.InvalidProfileFile,KmsGrants.Commands.$_") }) -join ';'
        $run.Output | Should -Match ("(?m)^ERRORIDS\[$Name\]=$ids\s*$")
        Get-FlatText $run.Output | Should -Match ([regex]::Escape("cannotreadline${Line}of$(Join-Path $TestDrive "profile-$Name")"))
    }

    It 'shows the secret in no stream and nowhere in $Error' {
        Get-FlatText $run.Output | Should -Not -Match 'SECRETVALUE'
        Get-FlatText $run.Output | Should -Not -Match 'AKIDHOSTILE'
    }

    It 'sends nothing' {
        Get-TotalRequestCount $emulator | Should -Be $requestsBefore
    }
}

Describe 'A credential_process that fails and writes a secret to stderr' {
    BeforeAll {
        $marker = Join-Path $TestDrive 'credential-process-runs'
        $processScript = Join-Path $TestDrive 'failing-credentials.sh'
        Set-Content $processScript "echo run >> '$marker'`necho 'aws_secret_access_key=STDERRSECRET for AKIDSTDERR: token expired' >&2`nexit 1`n"
        $cpHome = Join-Path $TestDrive 'credential-process-home'
        $null = New-Item -ItemType Directory (Join-Path $cpHome '.aws') -Force
        Set-Content (Join-Path $cpHome '.aws/config') "[profile failing]`ncredential_process = /bin/sh $processScript`nregion = us-east-1`n"
        $mine = @(Get-PoolGrant 0 4)
        $requestsBefore = Get-TotalRequestCount $emulator
        $run = Invoke-Isolated -NewProcess -HomeDirectory $cpHome -Arguments @{ Url = $emulator.Url; Key = $emulator.KeyArn; Ids = ($mine.GrantId -join ',') } -Script @'
            # Four grants piped in: the process must run once for the command, not once per grant.
            $Ids -split ',' | ForEach-Object { [pscustomobject]@{ KeyId = $Key; GrantId = $_ } } |
                Remove-KmsGrant -ProfileName failing -EndpointUrl $Url -Force -PassThru -Verbose -Debug
            'UNREPORTED=' + $KmsGrantsLastRun.UnreportedResults.Count + ';SUBMITTED=' + $KmsGrantsLastRun.Submitted
            Get-KmsGrant -KeyId $Key -ProfileName failing -EndpointUrl $Url -Verbose -Debug
            Get-KmsRetirableGrant arn:aws:iam::111122223333:role/x -ProfileName failing -EndpointUrl $Url -Verbose -Debug
            'ERRORIDS=' + (@($Error | ForEach-Object FullyQualifiedErrorId) -join ';')
'@
    }

    It 'stops each command with one KmsGrants.CredentialsUnavailable, and nothing else' {
        $run.Output | Should -Match ('(?m)^ERRORIDS=' + (@('GetKmsRetirableGrantCommand', 'GetKmsGrantCommand', 'RemoveKmsGrantCommand' |
                    ForEach-Object { [regex]::Escape("KmsGrants.CredentialsUnavailable,KmsGrants.Commands.$_") }) -join ';') + '\s*$')
        $run.Output | Should -Match 'UNREPORTED=0;SUBMITTED=0'
    }

    It 'ran the process once per command' {
        @(Get-Content $marker).Count | Should -Be 3
    }

    It 'shows what the process wrote to stderr nowhere' {
        Get-FlatText $run.Output | Should -Not -Match 'STDERRSECRET'
        Get-FlatText $run.Output | Should -Not -Match 'AKIDSTDERR'
        $run.Output | Should -Match "profile 'failing'"
    }

    It 'sends nothing and retires nothing' {
        Get-TotalRequestCount $emulator | Should -Be $requestsBefore
        $mine.GrantId | Where-Object { $_ -notin (Get-AlivePoolId) } | Should -BeNullOrEmpty
    }
}

Describe 'Endpoints that accept connections and never answer, or trickle' {
    BeforeAll {
        # The time-out runs were started with the suite (top BeforeAll); Ctrl+C is timed here, alone.
        $silentStop = Start-HostileServer silent
        $stopRun = Invoke-Isolated 'param($Url) 1..4 | ForEach-Object { [pscustomobject]@{ KeyId = "arn:aws:kms:us-east-1:111122223333:key/k"; GrantId = ("{0:x64}" -f $_) } } | Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru' -Arguments @{ Url = $silentStop.Url } -NoWait
        # Ctrl+C once the four requests are in flight.
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((Get-HostileStats $silentStop).requests -lt 4 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Start-Sleep -Milliseconds 300
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $stopRun.PowerShell.Stop()
        $stopTook = $clock.Elapsed
        $stopped = Complete-Isolated $stopRun
        $stoppedSummary = $stopped.PowerShell.Runspace.SessionStateProxy.GetVariable('KmsGrantsLastRun')

        $silentRun = (Complete-Isolated $slowRuns.Silent).Output[0]
        $trickleRun = (Complete-Isolated $slowRuns.Trickle).Output[0]
        $listRun = (Complete-Isolated $slowRuns.List).Output[0]
        $silentStats = Get-HostileStats $slowServers.Silent
        $trickleStats = Get-HostileStats $slowServers.Trickle
        $listStats = Get-HostileStats $slowServers.SilentList
    }
    AfterAll {
        $stopRun.PowerShell.Dispose()
        Stop-TestServer $silentStop
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
        ($r.Results | Measure-Object Attempts -Sum).Sum | Should -Be $s.requests
        # Three attempts of 5 s each (and backoffs under a second): 15 s from taking the grant in to giving up on it.
        $r.Results.Elapsed.TotalSeconds | ForEach-Object { $_ | Should -BeGreaterOrEqual 14.9; $_ | Should -BeLessThan 20 }
        foreach ($grant in $r.Results.GrantId) {
            $sent = @($s.grants.$grant)
            $sent.Count | Should -Be 3
            # The server saw them seconds apart, not retried at once (its clock starts when a request arrives, which load
            # may delay: hence the margin).
            for ($i = 1; $i -lt $sent.Count; $i++) { $sent[$i] - $sent[$i - 1] | Should -BeGreaterThan 3.5 }
        }
    }

    It 'stops the run with KmsGrants.EndpointUnresponsive after 15 s without an answer (<Name>)' -ForEach @(
        @{ Name = 'never answers'; Run = 'silentRun' }
        @{ Name = 'a byte a second'; Run = 'trickleRun' }
    ) {
        $r = Get-Variable $Run -ValueOnly
        $r.Stop.FullyQualifiedErrorId | Should -Be 'KmsGrants.EndpointUnresponsive,KmsGrants.Commands.RemoveKmsGrantCommand'
        $r.Summary.Stopped | Should -BeTrue
        $r.Seconds | Should -BeGreaterThan 14.5
        # 15 s and the stop's 2 s grace; slack for a machine shared with other test runs.
        $r.Seconds | Should -BeLessThan 22
    }

    It 'a listing gives a time-out error within about 20 s' {
        $listRun.Errors.FullyQualifiedErrorId | Should -Be 'KmsGrants.TimedOut,KmsGrants.Commands.GetKmsGrantCommand'
        # The SDK's own retries for listing: the standard retry mode's three attempts of 5 s, and no hidden "stale
        # connection" replays (which made it 3 to 5, and could make it 13). The bound has slack for a machine shared with
        # other test runs (seen: 15 s idle, up to 30 s under load).
        $listStats.requests | Should -Be 3
        $listStats.times[-1] - $listStats.times[0] | Should -BeLessThan 18 -Because "requests arrived at $($listStats.times -join ', ') s"
        $listRun.Seconds | Should -BeLessThan 32
    }

    It 'Ctrl+C returns within 3 s and reports the grants in flight Unknown' {
        $stopTook.TotalSeconds | Should -BeLessThan 3
        $stopped.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        $stoppedSummary.Stopped | Should -BeTrue
        $stoppedSummary.Submitted | Should -Be 4
        $stoppedSummary.UnreportedResults.Count | Should -Be 4
        $stoppedSummary.UnreportedResults.Status | Sort-Object -Unique | Should -Be 'Unknown'
    }
}

Describe 'Input objects the binder must refuse' {
    BeforeAll {
        $mine = @(Get-PoolGrant 4 2)
        $grants = @(Get-KmsGrant -KeyId $emulator.KeyArn -EndpointUrl $emulator.Url | Where-Object GrantId -In $mine.GrantId)
        $csv = Join-Path $TestDrive 'grants.csv'
        $grants | Select-Object KeyId, GrantId | Export-Csv $csv
    }

    It 'refuses <Case> with the object as target, and sends nothing' -ForEach @(
        # Each scriptblock writes the one pipeline object.
        @{ Case = 'a hashtable'; Make = { @{ KeyId = $mine[0].KeyId; GrantId = $mine[0].GrantId } }; Type = 'System.Collections.Hashtable' }
        @{ Case = 'an array of two grants as one object'; Make = { , @($grants[0], $grants[1]) }; Type = 'System.Object[]' }
        @{ Case = 'a CSV row read with the wrong delimiter'; Make = { @(Import-Csv $csv -Delimiter ';')[0] }; Type = 'System.Management.Automation.PSCustomObject' }
        @{ Case = 'an int'; Make = { 42 }; Type = 'System.Int32' }
    ) {
        $before = Get-TotalRequestCount $emulator
        & $Make | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeIn @('InputObjectNotBound,KmsGrants.Commands.RemoveKmsGrantCommand', 'InputObjectMissingMandatory,KmsGrants.Commands.RemoveKmsGrantCommand')
        $errors[0].TargetObject.GetType().FullName | Should -Be $Type
        Get-TotalRequestCount $emulator | Should -Be $before
        $mine.GrantId | Where-Object { $_ -notin (Get-AlivePoolId) } | Should -BeNullOrEmpty
    }
}

Describe 'Remove-Module KmsGrants in one runspace' {
    It 'leaves the module working in another runspace that imported it' {
        $alive = @(Get-AlivePoolId).Count
        # A fresh pwsh: the engine must be resolved for the first time after the removal.
        $run = Invoke-Isolated -NewProcess -NoImport -HomeDirectory $EmptyHome -Environment $TestEnvironment -Arguments @{ Url = $emulator.Url; Key = $emulator.KeyArn } -Script @'
            $a = [runspacefactory]::CreateRunspace(); $a.Open()
            $b = [runspacefactory]::CreateRunspace(); $b.Open()
            foreach ($rs in $a, $b) { $ps = [powershell]::Create($rs); $null = $ps.AddScript("Import-Module '$Module'").Invoke(); $ps.Dispose() }
            $ps = [powershell]::Create($a); $null = $ps.AddScript('Remove-Module KmsGrants').Invoke()
            "REMOVED=$(-not (Get-Module KmsGrants)) ERRORS=$($ps.Streams.Error.Count)"
            $ps = [powershell]::Create($b)
            $found = $ps.AddScript("Get-KmsGrant -KeyId '$Key' -EndpointUrl '$Url'").Invoke()
            "LISTED=$($found.Count) ERRORS=$($ps.Streams.Error.Count) $($ps.Streams.Error | Out-String)"
'@
        $run.Output | Should -Match 'REMOVED=True ERRORS=0'
        $alive | Should -BeGreaterThan 0
        $run.Output | Should -Match "LISTED=$alive ERRORS=0"
    }
}

Describe '-MaxRequestsPerSecond 0.5, below the rate controller''s floor of 1' {
    It 'paces at 0.5/s: three grants take at least 4 s' {
        $mine = @(Get-PoolGrant 6 3)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = $mine | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru -MaxRequestsPerSecond 0.5
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 3.8
        $results.Status | Sort-Object -Unique | Should -Be 'Retired'
        # Two seconds between sends, measured from when each grant was taken in.
        $elapsed = @($results.Elapsed.TotalSeconds | Sort-Object)
        $elapsed[1] - $elapsed[0] | Should -BeGreaterThan 1.8
        $elapsed[2] - $elapsed[1] | Should -BeGreaterThan 1.8
        $elapsed[2] | Should -BeLessThan 8
        $mine.GrantId | Where-Object { $_ -in (Get-AlivePoolId) } | Should -BeNullOrEmpty
    }
}

Describe 'Regions, principals and key ARNs that cannot be right send nothing' {
    It '<Case> -> <Id>' -ForEach @(
        @{ Case = '-Region with a trailing space'; Run = { Get-KmsGrant -KeyId $FakeKey -EndpointUrl $emulator.Url -Region 'us-east-1 ' }; Id = 'KmsGrants.InvalidRegion,KmsGrants.Commands.GetKmsGrantCommand' }
        @{ Case = '-Region with a trailing space (Remove)'; Run = { New-FakeGrant 2 | Remove-KmsGrant -EndpointUrl $emulator.Url -Region 'us-east-1 ' -Force }; Id = 'KmsGrants.InvalidRegion,KmsGrants.Commands.RemoveKmsGrantCommand' }
        @{ Case = '-Region xx-nowhere-9'; Run = { Get-KmsRetirableGrant arn:aws:iam::111122223333:role/x -EndpointUrl $emulator.Url -Region xx-nowhere-9 }; Id = 'KmsGrants.InvalidRegion,KmsGrants.Commands.GetKmsRetirableGrantCommand' }
        @{ Case = '$StoredAWSRegion = ''bogus'''; Run = {
                $global:StoredAWSRegion = 'bogus'
                try { New-FakeGrant 1 | Remove-KmsGrant -EndpointUrl $emulator.Url -Force } finally { Remove-Variable StoredAWSRegion -Scope Global }
            }; Id = 'KmsGrants.InvalidRegion,KmsGrants.Commands.RemoveKmsGrantCommand'
        }
        @{ Case = 'a principal ending in a newline'; Run = { Get-KmsRetirableGrant "arn:aws:iam::111122223333:role/x`n" -EndpointUrl $emulator.Url -ErrorAction Stop }; Id = 'KmsGrants.InvalidPrincipal,KmsGrants.Commands.GetKmsRetirableGrantCommand' }
        @{ Case = 'a key ARN naming a bogus Region'; Run = { [pscustomobject]@{ KeyId = 'arn:aws:kms:xx-nowhere-9:111122223333:key/k'; GrantId = ('a' * 64) } | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -ErrorAction Stop }; Id = 'KmsGrants.InvalidArn,KmsGrants.Commands.RemoveKmsGrantCommand' }
        @{ Case = 'a key ARN naming a bogus Region (Get)'; Run = { Get-KmsGrant -KeyId 'arn:aws:kms:xx-nowhere-9:111122223333:key/k' -EndpointUrl $emulator.Url -ErrorAction Stop }; Id = 'KmsGrants.InvalidArn,KmsGrants.Commands.GetKmsGrantCommand' }
    ) {
        $before = Get-TotalRequestCount $emulator
        { & $Run } | Should -Throw -ErrorId $Id
        Get-TotalRequestCount $emulator | Should -Be $before
    }

    It 'reports that error alone: <Command> writes no other' -ForEach @(
        @{ Command = 'Get-KmsGrant'; Script = 'Get-KmsGrant -KeyId arn:aws:kms:us-east-1:111122223333:key/k' }
        @{ Command = 'Get-KmsRetirableGrant'; Script = 'Get-KmsRetirableGrant arn:aws:iam::111122223333:role/x' }
        @{ Command = 'Remove-KmsGrant'; Script = 'Remove-KmsGrant -KeyId arn:aws:kms:us-east-1:111122223333:key/k -GrantId abc -Force' }
    ) {
        $run = Invoke-Isolated "param(`$Url) $Script -EndpointUrl `$Url -Region 'us-east-1 '; `$Error.FullyQualifiedErrorId" -Arguments @{ Url = $emulator.Url }
        $run.Output | Should -Be "KmsGrants.InvalidRegion,KmsGrants.Commands.$($Command -replace '-', '')Command"
        $run.PowerShell.Dispose()
    }
}

Describe 'A refused connection (nothing listening)' {
    BeforeAll {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $results = New-FakeGrant 2 | Remove-KmsGrant -EndpointUrl "http://127.0.0.1:$port" -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors
    }

    It 'reports Failed, not Unknown, with the socket error and "not sent"' {
        $results.Status | Should -Be @('Failed', 'Failed')
        $results.ErrorCode | Sort-Object -Unique | Should -Be 'SocketException'
        $results.Message | ForEach-Object { $_ | Should -BeLike '*request was not sent*not retired*' }
        # Retried as a fault: a refused connection may be a restart.
        $results.Attempts | Sort-Object -Unique | Should -Be 6
    }

    It 'writes KmsGrants.NotSent per grant' {
        $errors.FullyQualifiedErrorId | Should -Be (@('KmsGrants.NotSent,KmsGrants.Commands.RemoveKmsGrantCommand') * 2)
        $errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
    }
}

Describe '-EndpointUrl with a user name and password' {
    BeforeAll {
        $mine = @(Get-PoolGrant 9 4)
        $url = $emulator.Url -replace '^http://', 'http://kmsuser7:Pa55-hunter2-XYZ@'
        $missingKey = 'arn:aws:kms:us-east-1:111122223333:key/' + ('0' * 36)
        # -Verbose -Debug as typed at a prompt. -Debug makes a binary cmdlet's warnings prompts (Inquire): the host answers
        # them, and keeps every prompt and host line; every stream and the errors in full are read after.
        $run = Invoke-Isolated -Answer 'Yes' -Arguments @{ Url = $url; Key = $emulator.KeyArn; Ids = [string[]]$mine.GrantId; Missing = $missingKey } -Script @'
            param($Url, $Key, $Ids, $Missing)
            'LISTEDMINE=' + @(Get-KmsGrant -KeyId $Key -EndpointUrl $Url -Region us-east-1 -Verbose -Debug | Where-Object GrantId -In $Ids).Count
            $Ids | ForEach-Object { [pscustomobject]@{ KeyId = $Key; GrantId = $_ } } |
                Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru -Verbose -Debug
            Get-KmsGrant -KeyId $Missing -EndpointUrl $Url -Region us-east-1 -Verbose -Debug
'@
        $streams = $run.PowerShell.Streams
        $text = (@($run.Output | Out-String -Width 300) + @($run.Prompts) + @($run.Lines) + @($streams.Verbose.Message) +
            @($streams.Debug.Message) + @($streams.Warning.Message) + @($streams.Information | Out-String -Width 300) +
            @($streams.Error | Format-List * -Force | Out-String -Width 300)) -join "`n"
    }
    AfterAll { $run.PowerShell.Dispose() }

    It 'shows neither the password nor the user name in any stream, prompt or error' {
        # The case is real: the streams name the endpoint (verbose) and carry the missing key's error.
        $text | Should -Match ([regex]::Escape(($emulator.Url -replace '^http://', '')))
        $text | Should -Match 'KmsGrants\.NotFound'
        Get-FlatText $text | Should -Not -Match 'hunter2'
        Get-FlatText $text | Should -Not -Match 'kmsuser7'
    }

    It 'warns that the user info was removed' {
        $streams.Warning.Message | Should -Contain "-EndpointUrl had a user name or password; KMS does not use them, so they were removed (endpoint: $($emulator.Url)/)."
    }

    It 'still works: lists and retires' {
        $run.Output | Should -Contain 'LISTEDMINE=4'
        @($run.Output | Where-Object Status -EQ 'Retired').Count | Should -Be 4
        $mine.GrantId | Where-Object { $_ -in (Get-AlivePoolId) } | Should -BeNullOrEmpty
    }
}

Describe 'Answers of hundreds of MB' {
    BeforeAll {
        $declared = Start-HostileServer huge
        $streamed = Start-HostileServer stream
        # A fresh pwsh, so that its peak working set is this case's alone.
        $run = Invoke-Isolated -NewProcess -HomeDirectory $EmptyHome -Environment $TestEnvironment -Arguments @{ Emulator = $emulator.Url; Declared = $declared.Url; Streamed = $streamed.Url } -Script @'
            $self = [Diagnostics.Process]::GetCurrentProcess()
            # Warm up: the SDK loaded and a client made, so that what follows measures the answers alone.
            Get-KmsGrant -KeyId arn:aws:kms:us-east-1:111122223333:key/warm -EndpointUrl $Emulator -ErrorAction SilentlyContinue
            [GC]::Collect(); $self.Refresh(); $before = $self.PeakWorkingSet64
            foreach ($case in @{ Name = 'DECLARED'; Url = $Declared }, @{ Name = 'STREAMED'; Url = $Streamed }) {
                $clock = [Diagnostics.Stopwatch]::StartNew()
                try { Get-KmsGrant -KeyId arn:aws:kms:us-east-1:111122223333:key/k -EndpointUrl $case.Url -ErrorAction Stop } catch { $id = $_.FullyQualifiedErrorId }
                "$($case.Name)=$id SECONDS=$($clock.Elapsed.TotalSeconds)"
            }
            $self.Refresh()
            'PEAKGROWTHMB=' + [int](($self.PeakWorkingSet64 - $before) / 1MB)
'@
        $retireResults = @(New-FakeGrant 1 | Remove-KmsGrant -EndpointUrl $declared.Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable retireErrors -WarningAction SilentlyContinue)
    }
    AfterAll { Stop-TestServer $declared; Stop-TestServer $streamed }

    It 'refuses an answer that declares 500 MB, and one that streams without a length, with KmsGrants.ResponseTooLarge' {
        $run.Output | Should -Match 'DECLARED=KmsGrants\.ResponseTooLarge,KmsGrants\.Commands\.GetKmsGrantCommand'
        $run.Output | Should -Match 'STREAMED=KmsGrants\.ResponseTooLarge,KmsGrants\.Commands\.GetKmsGrantCommand'
    }

    It 'refuses them early' {
        foreach ($m in [regex]::Matches($run.Output, 'SECONDS=([\d.]+)')) { [double]$m.Groups[1].Value | Should -BeLessThan 10 }
        # Hundreds of MB at loopback speed would take longer than cutting at 24 MiB (a few attempts each).
        (Get-HostileStats $declared).targets.'TrentService.ListGrants' | Should -BeLessOrEqual 3
        (Get-HostileStats $streamed).targets.'TrentService.ListGrants' | Should -BeLessOrEqual 3
    }

    It 'keeps the working set bounded: well under 200 MB more than before' {
        $run.Output | Should -Match 'PEAKGROWTHMB=(\d+)'
        [int]($run.Output | Select-String 'PEAKGROWTHMB=(\d+)').Matches[0].Groups[1].Value | Should -BeLessThan 200
    }

    It 'reports a grant whose RetireGrant answer was too large Unknown, not Failed, and stops' {
        $retireErrors.Count | Should -Be 1
        $retireErrors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.ResponseTooLarge,KmsGrants.Commands.RemoveKmsGrantCommand'
        # The endpoint took the request and answered 200: whether it acted is not known.
        $retireResults.Status | Should -Be 'Unknown'
    }
}

Describe 'Answers that do not fit KMS''s model' {
    BeforeAll {
        <# Runs a listing against a server answering BODY; a run that does not end within 20 s is reported, not awaited:
           the SDK's parser, handed a scalar where the model has a list, loops without end (and cannot be stopped). #>
        function Invoke-Listing([string] $Body, [hashtable] $Case) {
            $server = Start-HostileServer json @('--body', $Body)
            try {
                $run = Invoke-Isolated 'param($Command, $Params, $Url) try { & $Command @Params -EndpointUrl $Url } catch { $_ }' `
                    -Arguments @{ Command = $Case.Command; Params = $Case.Params; Url = $server.Url } -NoWait
                $ended = $run.Handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(20))
                [pscustomobject]@{ Ended = $ended; Output = if ($ended) { (Complete-Isolated $run).Output }; Requests = (Get-HostileStats $server).requests }
            }
            finally { Stop-TestServer $server }
        }
    }

    It '<Command> answered <Body> ends with KmsGrants.NotKmsResponse after one request' -ForEach @(
        foreach ($c in $ListingCases) {
            foreach ($b in '{"Grants":"x"}', '{"Grants":[5]}', '{"Grants":[{"Operations":"x"}]}', '{"Grants":[],"Truncated":"yes"}',
                '{"Grants":[],"NextMarker":5}', '{"Grants":[{"Constraints":{"EncryptionContextSubset":"x"}}]}') { $c + @{ Body = $b } }
        }
    ) {
        $r = Invoke-Listing $Body $_
        $r.Ended | Should -BeTrue -Because 'a listing must end, whatever the answer'
        $r.Output.FullyQualifiedErrorId | Should -Be "KmsGrants.NotKmsResponse,KmsGrants.Commands.$Class"
        $r.Output.Exception.Message | Should -BeLike "*does not fit KMS's model*"
        $r.Requests | Should -Be 1
    }

    It 'RetireGrant answered HTTP <Status> <Body> (<Why>) is Unknown, never Retired or Failed, and stops the run' -ForEach @(
        @{ Status = 200; Body = '{"ok": true}'; Options = @('--no-request-id'); Why = 'another JSON service, no request ID'; Expect = '*without the request ID*' }
        @{ Status = 200; Body = '{ this is not json }'; Options = @(); Why = 'braces around text'; Expect = '*not JSON*' }
        @{ Status = 200; Body = '{"__type":"NotFoundException"}'; Options = @(); Why = 'a success naming an error'; Expect = '*error type*' }
        @{ Status = 200; Body = '{}'; Options = @('--request-id', ''); Why = 'an empty request ID'; Expect = '*without the request ID*' }
        @{ Status = 200; Body = '{}'; Options = @('--duplicate-request-id'); Why = 'two request IDs'; Expect = '*several request IDs*' }
        @{ Status = 400; Body = '{}'; Options = @(); Why = 'an error without a type'; Expect = '*without the error type*' }
        @{ Status = 404; Body = '{"message":"no such page"}'; Options = @(); Why = 'an error without a type'; Expect = '*without the error type*' }
        @{ Status = 412; Body = '{"__type":"DryRunOperationException","message":"would succeed"}'; Options = @(); Why = 'a DryRun verdict nobody asked for'; Expect = '*was not a DryRun*' }
    ) {
        $server = Start-HostileServer json (@('--status', "$Status", '--body', $Body) + $Options)
        try {
            $results = @(New-FakeGrant 3 | Remove-KmsGrant -EndpointUrl $server.Url -Force -PassThru `
                -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
            $results.Count | Should -Be 3
            $errors[-1].FullyQualifiedErrorId | Should -Be 'KmsGrants.NotKmsResponse,KmsGrants.Commands.RemoveKmsGrantCommand'
            $errors[-1].Exception.Message | Should -BeLike $Expect
            @($results | Where-Object Status -NotIn 'Unknown', 'NotAttempted') | Should -BeNullOrEmpty
            @($results | Where-Object Status -EQ 'Unknown').Count | Should -Be (Get-HostileStats $server).requests
        }
        finally { Stop-TestServer $server }
    }
}

Describe 'An endpoint that redirects (HTTP <Status>)' -ForEach @(@{ Status = 307 }, @{ Status = 302 }) {
    BeforeAll {
        # Where the redirect points: a server that would answer anything with a KMS-looking success.
        $elsewhere = Start-HostileServer json @('--body', '{}')
        $server = Start-HostileServer redirect @('--status', "$Status", '--location', "$($elsewhere.Url)/x")
        $results = @(New-FakeGrant 3 | Remove-KmsGrant -EndpointUrl $server.Url -AccessKey AKID -SecretKey SECRET -SessionToken SESSIONTOKEN `
            -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
    }
    AfterAll { Stop-TestServer $server; Stop-TestServer $elsewhere }

    It 'is not followed: nothing, and no session token, reaches where it points' {
        (Get-HostileStats $elsewhere).requests | Should -Be 0
        (Get-HostileStats $elsewhere).securityTokens | Should -Be 0
        (Get-HostileStats $server).securityTokens | Should -BeGreaterThan 0
    }

    It 'reports the grants sent Unknown, never Retired, and stops with KmsGrants.NotKmsResponse' {
        $results.Count | Should -Be 3
        $errors[-1].FullyQualifiedErrorId | Should -Be 'KmsGrants.NotKmsResponse,KmsGrants.Commands.RemoveKmsGrantCommand'
        @($results | Where-Object Status -NotIn 'Unknown', 'NotAttempted') | Should -BeNullOrEmpty
        @($results | Where-Object Status -EQ 'Unknown').Count | Should -Be (Get-HostileStats $server).requests
    }

    It '<Command> gives KmsGrants.NotKmsResponse' -ForEach $ListingCases {
        { & $Command @Params -EndpointUrl $server.Url } | Should -Throw -ErrorId "KmsGrants.NotKmsResponse,KmsGrants.Commands.$Class"
        (Get-HostileStats $elsewhere).requests | Should -Be 0
    }
}

Describe 'A listing whose NextMarker comes round again' {
    BeforeAll { $server = Start-HostileServer loop }
    AfterAll { Stop-TestServer $server }

    It '<Command> stops at the repeated marker with KmsGrants.NotKmsResponse, after the first page' -ForEach $ListingCases {
        $before = (Get-HostileStats $server).requests
        $fatal = $null
        $grants = @(try { & $Command @Params -EndpointUrl $server.Url -PageSize 1 } catch { $fatal = $_ })
        $fatal.FullyQualifiedErrorId | Should -Be "KmsGrants.NotKmsResponse,KmsGrants.Commands.$Class"
        $fatal.Exception.Message | Should -BeLike '*NextMarker it had given before*'
        @($grants | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }).Count | Should -Be 1
        (Get-HostileStats $server).requests - $before | Should -Be 2
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
        $run.Seconds | Should -BeGreaterThan 29
        # 30 s and the stop's grace; slack for a machine shared with other test runs.
        $run.Seconds | Should -BeLessThan 40
    }

    It 'reports each grant Failed (sent, throttled) or NotAttempted, with the throttle as its error' {
        $run.Results.Count | Should -Be 3
        $run.Results.Status | ForEach-Object { $_ | Should -BeIn 'Failed', 'NotAttempted' }
        $run.Results.ErrorCode | Sort-Object -Unique | Should -Be 'ThrottlingException'
        # Paced down to the controller's floor of 1/s: about one request a second, not a storm.
        $stats.requests | Should -BeLessThan 60
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
        ($results | Where-Object GrantId -EQ ('f' * 64)).Message | Should -BeLike '*to prove that the endpoint honours DryRun*'
    }
}

Describe 'A CSV exported from by-token results' {
    It 'binds back by token (empty KeyId and GrantId columns) and retires' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 3
        $csv = Join-Path $TestDrive 'by-token.csv'
        # The report of a -WhatIf run, reviewed, then fed back in.
        $set.Grants.GrantToken | Remove-KmsGrant -EndpointUrl $emulator.Url -WhatIf -PassThru | Export-Csv $csv
        $rows = Import-Csv $csv
        $rows.KeyId | Sort-Object -Unique | Should -Be ''
        $rows.GrantId | Sort-Object -Unique | Should -Be ''
        $results = $rows | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru
        $results.Status | Sort-Object -Unique | Should -Be 'Retired'
        ($results.GrantToken | Sort-Object) | Should -Be ($set.Grants.GrantToken | Sort-Object)
        Get-AliveGrantId $set.KeyId -Server $emulator | Should -BeNullOrEmpty
    }
}

Describe 'Plain http to <Name>' -ForEach $PlainHttpCases {
    BeforeAll {
        # A web page on the non-loopback address: the command stops at the first answer, after the warning.
        $server = if ($Address) { Start-HostileServer html -Bind $Address }
        $url = if ($server) { $server.Url } else { 'http://example.invalid' }
        # Every stream in the order written; a terminating error (the web page) last.
        function Get-Records([hashtable] $Extra) {
            $records = [System.Collections.Generic.List[object]]::new()
            try { Get-KmsGrant -KeyId $FakeKey -EndpointUrl $url -AccessKey AKID -SecretKey SECRET @Extra *>&1 | ForEach-Object { $records.Add($_) } }
            catch { $records.Add($_) }
            , $records
        }
        $withToken = Get-Records @{ SessionToken = 'SESSIONTOKEN' }
        $withoutToken = Get-Records @{}
    }
    AfterAll { if ($server) { Stop-TestServer $server } }

    It 'warns that the session token crosses in clear, before any request' {
        $withToken[0] | Should -BeOfType [System.Management.Automation.WarningRecord]
        $withToken[0].Message | Should -BeLike '*plain http to another machine*and the session token) crosses it in clear*'
        # Then the request: its failure comes after the warning.
        $withToken[1] | Should -BeOfType [System.Management.Automation.ErrorRecord]
        if ($server) { (Get-HostileStats $server).requests | Should -BeGreaterThan 0 }
    }

    It 'does not mention a session token when there is none' {
        $withoutToken[0] | Should -BeOfType [System.Management.Automation.WarningRecord]
        $withoutToken[0].Message | Should -Not -BeLike '*session token*'
    }
}

Describe 'Plain http to loopback' {
    It 'gives no warning' {
        # Temporary credentials: the emulator refuses a session token sent with a long-term key, as KMS does.
        $temporary = Start-KmsEmulator -Identity @{ AccessKey = 'testing'; SecretKey = 'testing'; SessionToken = 'TOKEN' }
        try {
            Get-KmsGrant -KeyId $FakeKey -EndpointUrl $temporary.Url -SessionToken TOKEN -AccessKey testing -SecretKey testing -ErrorAction SilentlyContinue -WarningVariable warnings
            $warnings | Should -BeNullOrEmpty
        }
        finally { $temporary | Stop-KmsEmulator }
    }
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
