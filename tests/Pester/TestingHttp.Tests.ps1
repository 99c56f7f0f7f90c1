# KmsGrants.Testing's emulator on the wire, against clients that misbehave: stalled mid-body, half-sent, idle, gone.
# Raw sockets from this process (no client library would send these); the emulator is the built module. What a stop
# must never do is answer: a client reading "200 OK" from a stopping emulator takes it as a success.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

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
        try { Read-Outcome $client | Should -Be 'HTTP/1.1 413 Content Too Large' }
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
