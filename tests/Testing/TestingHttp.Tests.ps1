# KmsGrants.Testing's emulator on the wire, against clients that misbehave: stalled mid-body, half-sent, idle, gone,
# and the shapes of an attack (a line without end, heads that never end, floods of connections, framing the host does
# not implement, another site's Host). Raw sockets from this process (no client library would send these); the emulator
# is the built module. What a stop must never do is answer: a client reading "200 OK" from a stopping emulator takes it
# as a success; what a refusal must do is answer once and close, never answer what was not asked.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)   # a real client after each attack

    <# A connected socket that has sent $Text (nothing when empty). #>
    function Open-Client([int] $Port, [string] $Text) {
        $client = [System.Net.Sockets.TcpClient]::new()
        $client.Connect([System.Net.IPAddress]::Loopback, $Port)
        if ($Text) {
            $bytes = [Text.Encoding]::ASCII.GetBytes($Text)
            $client.GetStream().Write($bytes, 0, $bytes.Length)
        }
        $client
    }

    <# A request line and headers declaring $Length body bytes, and $Body (usually less). #>
    function Get-StalledRequest([int] $Port, [long] $Length = 1048576, [string] $Body = '') {
        "POST / HTTP/1.1`r`nHost: 127.0.0.1:$Port`r`nContent-Length: $Length`r`nX-Amz-Target: TrentService.ListKeys`r`n`r`n$Body"
    }

    <# What the client reads next: 'reset', 'closed' (end of stream), 'silent' (nothing within the time-out), or the
       first line of what it was sent. #>
    function Read-Outcome($Client, [int] $TimeoutMs = 3000) {
        # The socket, not TcpClient.GetStream(), which refuses once the connection is known to be gone.
        $socket = $Client.Client
        $socket.ReceiveTimeout = $TimeoutMs
        $buffer = [byte[]]::new(4096)
        try {
            $n = $socket.Receive($buffer)
            if ($n -eq 0) { 'closed' } else { ([Text.Encoding]::ASCII.GetString($buffer, 0, $n) -split "`r`n")[0] }
        }
        catch [System.Net.Sockets.SocketException] {
            if ($_.Exception.SocketErrorCode -eq 'TimedOut') { 'silent' } else { 'reset' }
        }
    }

    <# Waits until the emulator has read what the clients sent (no public signal: a short, bounded poll). #>
    function Wait-Settled { Start-Sleep -Milliseconds 500 }

    <# Everything the client reads until the connection ends or stays silent for $TimeoutMs: Text, and End ('closed',
       'reset' or 'silent'). #>
    function Read-Answer($Client, [int] $TimeoutMs = 3000) {
        $socket = $Client.Client
        $socket.ReceiveTimeout = $TimeoutMs
        $buffer = [byte[]]::new(65536)
        $text = [Text.StringBuilder]::new()
        while ($true) {
            try {
                $n = $socket.Receive($buffer)
                if ($n -eq 0) { $end = 'closed'; break }
                $null = $text.Append([Text.Encoding]::ASCII.GetString($buffer, 0, $n))
            }
            catch [System.Net.Sockets.SocketException] {
                $end = if ($_.Exception.SocketErrorCode -eq 'TimedOut') { 'silent' } else { 'reset' }
                break
            }
        }
        [pscustomobject]@{ Text = $text.ToString(); End = $end; Answers = [regex]::Matches($text.ToString(), 'HTTP/1\.[01] \d{3} ').Count }
    }

    <# One refusal, as every refusal must be: the status, "Connection: close", the connection closed after it, and no
       second answer (HttpListener answered some of these, then sent an unasked "200 OK" or "404" after). #>
    function Assert-RefusedOnce($Answer, [int] $Status) {
        $Answer.Text | Should -Match "^HTTP/1\.1 $Status "
        $Answer.Text | Should -Match '(?m)^Connection: close\r$'
        $Answer.Answers | Should -Be 1
        $Answer.End | Should -Be 'closed'
    }

    <# KmsGrants' connection to an emulator, as its own identity. #>
    function Get-Connection($Kms) { @{ EndpointUrl = $Kms.Url; Region = $Kms.Region; AccessKey = $Kms.AccessKey; SecretKey = $Kms.SecretKey } }
}

Describe 'Stop-KmsEmulator, whatever clients do' {
    It 'stops within a second with 300 clients stalled mid-body, half-sent and idle; each is cut, none answered' {
        $kms = Start-KmsEmulator
        $clients = [System.Collections.Generic.List[object]]::new()
        try {
            $stalled = 1..300 | ForEach-Object { Open-Client $kms.Port (Get-StalledRequest $kms.Port) }
            $halfSent = 1..5 | ForEach-Object { Open-Client $kms.Port "POST / HTTP/1.1`r`nHost: 127.0.0.1`r`n" }
            $idle = Open-Client $kms.Port "GET /_emulator/quota HTTP/1.1`r`nHost: 127.0.0.1:$($kms.Port)`r`n`r`n"
            $clients.AddRange(@($stalled) + @($halfSent) + @($idle))
            Read-Outcome $idle | Should -Be 'HTTP/1.1 200 OK'   # answered once; the connection stays open for the next
            Wait-Settled
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $kms | Stop-KmsEmulator
            # Cutting them is immediate; waiting on them would take a second each (minutes here): 5 s holds under load.
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            # HttpListener's own close answers each of these "200 OK"; cut, they read a reset (or the end) instead.
            foreach ($c in @($stalled[0], $stalled[-1], $halfSent[0], $idle)) { Read-Outcome $c | Should -BeIn 'reset', 'closed' }
            @($stalled | Where-Object { (Read-Outcome $_ 200) -like 'HTTP/*' }).Count | Should -Be 0
        }
        finally {
            $kms | Stop-KmsEmulator
            foreach ($c in $clients) { $c.Dispose() }
        }
    }

    It 'does not hold the declared length of a stalled body in memory' {
        $kms = Start-KmsEmulator
        try {
            $before = [GC]::GetTotalMemory($true)
            # 200 clients declaring 1 MiB each: 200 MiB if the emulator made room for what was declared.
            $clients = 1..200 | ForEach-Object { Open-Client $kms.Port (Get-StalledRequest $kms.Port -Body '{') }
            Wait-Settled
            ([GC]::GetTotalMemory($true) - $before) / 1MB | Should -BeLessThan 40
        }
        finally {
            $kms | Stop-KmsEmulator
            foreach ($c in $clients) { $c.Dispose() }
        }
    }

    It 'lets the process exit at once with clients stalled mid-body' {
        $script = Join-Path $TestDrive 'exit.ps1'
        Set-Content $script "Import-Module '$(Get-KmsGrantsTestingModulePath)'; `$kms = Start-KmsEmulator; `$kms.Port; [Console]::Out.Flush(); `$null = [Console]::In.ReadLine(); exit 0"
        $info = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        foreach ($a in (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $script) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardInput = $true
        $process = [System.Diagnostics.Process]::Start($info)
        $clients = @()
        try {
            $read = $process.StandardOutput.ReadLineAsync()
            $read.Wait(30000) | Should -BeTrue
            $port = [int]$read.Result
            $clients = 1..20 | ForEach-Object { Open-Client $port (Get-StalledRequest $port) }
            Wait-Settled
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $process.StandardInput.WriteLine('exit')
            # It used to live on a second per stalled client (20 s here).
            $process.WaitForExit(10000) | Should -BeTrue
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10 -Because 'a second per stalled client would be 20 s'
            $process.ExitCode | Should -Be 0
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            foreach ($c in $clients) { $c.Dispose() }
        }
    }
}

Describe 'Request bodies that do not all arrive' {
    BeforeAll { $kms = Start-KmsEmulator }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'cuts a body that ends short of its Content-Length, unanswered and unlogged' {
        $logged = @(Get-KmsEmulatorRequest -Emulator $kms).Count
        $client = Open-Client $kms.Port (Get-StalledRequest $kms.Port -Length 100 -Body '{}')
        try {
            $client.Client.Shutdown([System.Net.Sockets.SocketShutdown]::Send)
            Read-Outcome $client | Should -BeIn 'reset', 'closed'
            @(Get-KmsEmulatorRequest -Emulator $kms).Count | Should -Be $logged
        }
        finally { $client.Dispose() }
    }

    It 'cuts a body that has not all arrived within 10 s, and serves others meanwhile' {
        $client = Open-Client $kms.Port (Get-StalledRequest $kms.Port -Length 100 -Body '{')
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            (Invoke-WebRequest "$($kms.Url)/_emulator/quota").StatusCode | Should -Be 200 -Because 'a stalled client holds nothing but its own connection'
            $outcome = Read-Outcome $client 20000
            $seconds = $watch.Elapsed.TotalSeconds
            $outcome | Should -BeIn 'reset', 'closed'
            $seconds | Should -BeGreaterThan 8
            $seconds | Should -BeLessThan 30 -Because 'it must be cut, not left open (the upper bound has room for a loaded machine)'
        }
        finally { $client.Dispose() }
    }

    It 'refuses a body it will not read (405, 404, 413) and closes the connection without waiting for it' {
        foreach ($head in "PUT / HTTP/1.1", "POST /nothing HTTP/1.1") {
            $client = Open-Client $kms.Port "$head`r`nHost: 127.0.0.1:$($kms.Port)`r`nContent-Length: 1000`r`n`r`n"
            try {
                Read-Outcome $client | Should -BeIn 'HTTP/1.1 405 Method Not Allowed', 'HTTP/1.1 404 Not Found'
                $watch = [Diagnostics.Stopwatch]::StartNew()
                Read-Outcome $client | Should -BeIn 'closed', 'reset'
                $watch.ElapsedMilliseconds | Should -BeLessThan 500 -Because 'it must not wait for the body (HttpListener waited a second)'
            }
            finally { $client.Dispose() }
        }
        $client = Open-Client $kms.Port (Get-StalledRequest $kms.Port -Length 2MB)
        try { Assert-RefusedOnce (Read-Answer $client) 413 }
        finally { $client.Dispose() }
    }

    It 'answers a body that arrives in pieces, within the time' {
        $body = '{"Limit": 5}'
        $client = Open-Client $kms.Port (Get-StalledRequest $kms.Port -Length $body.Length -Body $body.Substring(0, 3))
        try {
            Start-Sleep -Milliseconds 300
            $rest = [Text.Encoding]::ASCII.GetBytes($body.Substring(3))
            $client.GetStream().Write($rest, 0, $rest.Length)
            # Unsigned: KMS's own refusal, which shows the whole body was read and handled.
            Read-Outcome $client | Should -Be 'HTTP/1.1 400 Bad Request'
        }
        finally { $client.Dispose() }
    }
}

Describe 'Bounds on what a client sends' {
    BeforeAll {
        $ci = 'arn:aws:iam::111122223333:role/ci'
        $kms = Start-KmsEmulator -SeedGrants 3 -RetiringPrincipal $ci
        $connection = Get-Connection $kms
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'refuses a request line longer than 8 KiB with 414, once, and closes' {
        $client = Open-Client $kms.Port ('GET /' + 'a' * 64KB)
        try { Assert-RefusedOnce (Read-Answer $client) 414 }
        finally { $client.Dispose() }
    }

    It 'holds none of an 8 MiB request line without end, and serves KmsGrants and boto3 after it' {
        # HttpListener kept the whole line (a string growing with it: 142 -> 556 MB at 200 MiB), then overflowed its stack.
        $before = [GC]::GetTotalMemory($true)
        $client = Open-Client $kms.Port 'GET /'
        try {
            $client.Client.SendTimeout = 10000   # a host that neither reads nor cuts fails the test, not hangs it
            $chunk = [Text.Encoding]::ASCII.GetBytes('a' * 64KB)
            try { foreach ($i in 1..128) { $null = $client.Client.Send($chunk) } }
            catch [System.Net.Sockets.SocketException] { }   # cut after its answer: what matters is what the host kept
            ([GC]::GetTotalMemory($true) - $before) / 1MB | Should -BeLessThan 4
            Read-Outcome $client | Should -Be 'HTTP/1.1 414 URI Too Long'
        }
        finally { $client.Dispose() }
        @(Get-KmsRetirableGrant $ci @connection).Count | Should -Be 3
        (Invoke-KmsPeer $kms.Url 'list-grants' @($kms.KeyArn)).GrantIds.Count | Should -Be 3
    }

    It 'refuses <Case> with <Status>, once, and closes' -ForEach @(
        @{ Case = '101 header fields'; Status = 431; Head = (0..100 | ForEach-Object { "X-Field-${_}: y" }) -join "`r`n" }
        @{ Case = 'a header field of 40 KiB'; Status = 431; Head = 'X-Field: ' + 'y' * 40KB }
        @{ Case = 'a header field folded onto a second line (obsolete)'; Status = 400; Head = "X-Field: y`r`n  folded" }
        @{ Case = 'white space before a colon'; Status = 400; Head = 'X-Field : y' }
        @{ Case = 'two Host fields'; Status = 400; Head = 'Host: 127.0.0.1' }
        @{ Case = 'Transfer-Encoding: gzip (not implemented)'; Status = 501; Head = "Transfer-Encoding: gzip`r`nX-Amz-Target: TrentService.ListKeys" }
        @{ Case = 'Transfer-Encoding: chunked (not implemented: no AWS client sends it)'; Status = 501; Head = 'Transfer-Encoding: chunked'; Body = "2`r`n{}`r`n0`r`n`r`n" }
        @{ Case = 'both Content-Length and Transfer-Encoding'; Status = 400; Head = "Content-Length: 7`r`nTransfer-Encoding: chunked"; Body = "2`r`n{}`r`n0`r`n`r`n" }
        @{ Case = 'a Content-Length that is not a number'; Status = 400; Head = 'Content-Length: 2x' }
    ) {
        $client = Open-Client $kms.Port "POST / HTTP/1.1`r`nHost: 127.0.0.1:$($kms.Port)`r`n$Head`r`n`r`n$Body"
        try { Assert-RefusedOnce (Read-Answer $client) $Status }
        finally { $client.Dispose() }
    }

    It 'refuses a request naming another Host (a DNS-rebinding page) with one 421, unlogged, and closes' {
        $logged = @(Get-KmsEmulatorRequest -Emulator $kms).Count
        $client = Open-Client $kms.Port "POST / HTTP/1.1`r`nHost: rebind.example:$($kms.Port)`r`nContent-Length: 2`r`nX-Amz-Target: TrentService.ListKeys`r`n`r`n{}"
        try {
            $answer = Read-Answer $client
            Assert-RefusedOnce $answer 421
            $answer.Text | Should -Match "Host header must be 127\.0\.0\.1:$($kms.Port) or localhost:$($kms.Port)"
        }
        finally { $client.Dispose() }
        @(Get-KmsEmulatorRequest -Emulator $kms).Count | Should -Be $logged
    }

    It 'cuts, within the 10 s a head may take, a client sending half a head, one trickling it and one sending nothing' {
        $clients = [ordered]@{
            half = Open-Client $kms.Port "POST / HTTP/1.1`r`n"
            trickling = Open-Client $kms.Port "POST / HTTP/1.1`r`nHost: 127.0.0.1:$($kms.Port)`r`nX-Slow: "
            silent = Open-Client $kms.Port ''
        }
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $cut = @{}
            $byte = [byte[]]@(0x61)
            # 40 s: four times the head's 10 s; its deadline is checked twice a second, and a busy machine only delays
            # the cut by the time it takes to run the sweep. HttpListener kept all three open (over 130 s).
            while ($cut.Count -lt $clients.Count -and $watch.Elapsed.TotalSeconds -lt 40) {
                if (-not $cut.Contains('trickling')) { try { $null = $clients.trickling.Client.Send($byte) } catch { } }
                foreach ($name in @($clients.Keys)) {
                    if (-not $cut.Contains($name) -and $clients[$name].Client.Poll(0, 'SelectRead')) {
                        $cut[$name] = [pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; Outcome = Read-Outcome $clients[$name] 1000 }
                    }
                }
                Start-Sleep -Milliseconds 250
            }
            @($cut.Keys | Sort-Object) | Should -Be @('half', 'silent', 'trickling')
            foreach ($c in $cut.Values) {
                $c.Outcome | Should -BeIn 'reset', 'closed' -Because 'no answer is owed to half a request'
                $c.Seconds | Should -BeGreaterThan 8 -Because 'a head has 10 s, counted from the connection''s start (just before this clock''s)'
            }
        }
        finally { foreach ($c in $clients.Values) { $c.Dispose() } }
        (Invoke-RestMethod "$($kms.Url)/_emulator/quota").PSObject | Should -Not -BeNullOrEmpty
    }
}

Describe 'A flood of connections' {
    It 'keeps no more than 2,048 open (the longest-waiting closed first) and still serves KmsGrants and boto3' {
        $ci = 'arn:aws:iam::111122223333:role/ci'
        $kms = Start-KmsEmulator -SeedGrants 3 -RetiringPrincipal $ci
        $flood = [System.Collections.Generic.List[System.Net.Sockets.Socket]]::new()
        try {
            # Half of them idle (connected, nothing sent), half stalled in their head: 2,300 of them, past the bound.
            $halfHead = [Text.Encoding]::ASCII.GetBytes("POST / HTTP/1.1`r`nHost: 127.0.0.1:$($kms.Port)`r`n")
            foreach ($i in 1..2300) {
                $socket = [System.Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
                $socket.Connect([System.Net.IPAddress]::Loopback, $kms.Port)
                if ($i % 2) { $null = $socket.Send($halfHead) }
                $flood.Add($socket)
            }
            Wait-Settled
            $connection = Get-Connection $kms
            @(Get-KmsRetirableGrant $ci @connection).Count | Should -Be 3
            (Invoke-KmsPeer $kms.Url 'list-grants' @($kms.KeyArn)).GrantIds.Count | Should -Be 3
            # Readable with nothing sent to them: the host closed them. HttpListener kept every one (the attack: 19,900
            # of them took every descriptor the process had, and boto3 could no longer connect).
            $closed = @($flood | Where-Object { $_.Poll(0, 'SelectRead') }).Count
            $closed | Should -BeGreaterOrEqual (2300 - 2048)
            $flood[1].Poll(0, 'SelectRead') | Should -BeTrue -Because 'the first idle one (the second connected) has waited longest'
        }
        finally {
            $kms | Stop-KmsEmulator
            foreach ($s in $flood) { $s.Dispose() }
        }
    }
}

Describe 'Stop-KmsEmulator under load' {
    It 'leaves the request log and the stats as they were when it returned, round after round, under 12 boto3 threads' {
        # One boto3 process, 12 threads sending requests back to back to one port, where an emulator is started and
        # stopped 20 times. The emulator used to count and log a request before it was in flight, so that Stop did not
        # wait for it (1 round in 12 under the attack: 352 -> 353 requests logged); bodies of 512 KiB, which take a
        # while to parse, made that window show in half the rounds here. Stop now waits for every request it counted.
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $hammer = Start-KmsHammer "http://127.0.0.1:$port" -Seconds 120 -Threads 12 -BodyKiB 512
        try {
            foreach ($round in 1..20) {
                $kms = Start-KmsEmulator -Port $port
                try {
                    $deadline = [DateTime]::UtcNow.AddSeconds(30)
                    while ((Get-TotalRequestCount $kms) -lt 30 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                }
                finally { $kms | Stop-KmsEmulator }
                $log = Get-KmsEmulatorRequest -Emulator $kms | ForEach-Object { "$($_.Sequence) $($_.StatusCode)" }
                $stats = Get-KmsEmulatorStatistic $kms | ConvertTo-Json -Depth 6 -Compress
                Start-Sleep -Milliseconds 300
                @(Get-KmsEmulatorRequest -Emulator $kms | ForEach-Object { "$($_.Sequence) $($_.StatusCode)" }) | Should -Be @($log) -Because "round $round"
                Get-KmsEmulatorStatistic $kms | ConvertTo-Json -Depth 6 -Compress | Should -Be $stats -Because "round $round"
                $log.Count | Should -BeGreaterOrEqual 30 -Because 'boto3 reached the emulator'
            }
        }
        finally { Stop-TestServer $hammer }
    }
}
