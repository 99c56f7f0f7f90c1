# KmsGrants.Testing's emulator as a runbook author starts and stops it: the object it returns, bad input, Stop,
# emulators side by side, lifetime (runspaces, module removal, a killed process, several test files in one run) and the
# console host. What the cmdlets make and read is in TestingState.Tests.ps1; the emulator's KMS behaviour itself is
# checked with the AWS CLI and boto3 in Emulator.Tests.ps1.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Import-Module (Join-Path $PSScriptRoot '../KmsEmulator/KmsEmulator.psm1')
    $ci = 'arn:aws:iam::111122223333:role/ci'
    $Start = 'KmsGrants.Testing.Commands.StartKmsEmulatorCommand'

    <# Whether something accepts connections on 127.0.0.1:PORT now. #>
    function Test-Listening([int] $Port) {
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.ConnectAsync([System.Net.IPAddress]::Loopback, $Port).Wait(2000) }
        catch { $false }
        finally { $client.Dispose() }
    }

    <# A port nothing listens on (it was free a moment ago). #>
    function Get-FreePort {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $port
    }

    <# KmsGrants' connection parameters for an emulator, signed with -AccessKey/-SecretKey (default: its own identity). #>
    function Get-Connection($Kms, [string] $AccessKey = $Kms.AccessKey, [string] $SecretKey = $Kms.SecretKey, [string] $Region = $Kms.Region) {
        @{ EndpointUrl = $Kms.Url; Region = $Region; AccessKey = $AccessKey; SecretKey = $SecretKey }
    }
}

Describe 'Start-KmsEmulator' {
    BeforeAll {
        $kms = Start-KmsEmulator -Region us-east-1, eu-west-1 -SeedGrants 3 -RetiringPrincipal $ci -Identity @(
            @{ AccessKey = 'AKVIEW'; SecretKey = 'view-secret-4711'; Principal = 'arn:aws:iam::111122223333:root' })
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'returns the emulator: Url, Port, Regions, Account, the first identity and the seeded keys' {
        $kms | Should -BeOfType KmsGrants.Testing.KmsEmulator
        $kms.Url | Should -Be "http://127.0.0.1:$($kms.Port)"
        "$kms" | Should -Be $kms.Url
        $kms.Regions | Should -Be @('us-east-1', 'eu-west-1')
        $kms.Region | Should -Be 'us-east-1'
        $kms.Account | Should -Be '111122223333'
        $kms.AccessKey | Should -Be 'AKVIEW'
        $kms.KeyArns[0] | Should -Match '^arn:aws:kms:us-east-1:111122223333:key/'
        $kms.KeyArns[1] | Should -Match '^arn:aws:kms:eu-west-1:111122223333:key/'
        $kms.KeyArn | Should -Be $kms.KeyArns[0]
        $kms.IsRunning | Should -BeTrue
    }

    It 'serves KMS at Url for KmsGrants, in each Region, signed as the identity given' {
        $c = Get-Connection $kms
        @(Get-KmsRetirableGrant $ci @c).Count | Should -Be 3
        $eu = Get-Connection $kms -Region eu-west-1
        @(Get-KmsRetirableGrant $ci @eu).KeyId | Sort-Object -Unique | Should -Be $kms.KeyArns[1]
        # Its text is its Url: the emulator itself goes to -EndpointUrl too.
        @(Get-KmsRetirableGrant $ci -EndpointUrl $kms -Region us-east-1 -AccessKey AKVIEW -SecretKey view-secret-4711).Count | Should -Be 3
    }

    It 'refuses requests not signed by a known identity, as before' {
        $unknown = Get-Connection $kms -AccessKey testing -SecretKey testing
        { Get-KmsRetirableGrant $ci @unknown -ErrorAction Stop } |
            Should -Throw -ErrorId 'KmsGrants.UnrecognizedClient,KmsGrants.Commands.GetKmsRetirableGrantCommand'
        $wrong = Get-Connection $kms -SecretKey wrong
        { Get-KmsRetirableGrant $ci @wrong -ErrorAction Stop } |
            Should -Throw -ErrorId 'KmsGrants.InvalidSignature,KmsGrants.Commands.GetKmsRetirableGrantCommand'
        $unsigned = Invoke-WebRequest -Method Post -Uri $kms.Url -Body '{}' -SkipHttpErrorCheck `
            -Headers @{ 'X-Amz-Target' = 'TrentService.ListKeys' } -ContentType 'application/x-amz-json-1.1'
        $unsigned.StatusCode | Should -Be 400
        ([Text.Encoding]::UTF8.GetString($unsigned.RawContentStream.ToArray()) | ConvertFrom-Json).__type | Should -Be 'MissingAuthenticationTokenException'
    }

    It 'takes quotas below one request per second, and a [byte] quota' {
        $slow = Start-KmsEmulator -Quota @{ RetireGrant = 0.5; ListGrants = [byte]5 }
        try {
            $table = Invoke-RestMethod "$($slow.Url)/_emulator/quota"
            $table.RetireGrant | Should -Be 0.5
            $table.ListGrants | Should -Be 5
        }
        finally { $slow | Stop-KmsEmulator }
    }

    It 'answers a Host header of localhost:PORT as well as 127.0.0.1:PORT' {
        (Invoke-RestMethod "http://localhost:$($kms.Port)/_emulator/stats").regions.PSObject.Properties.Name | Should -Be @('us-east-1', 'eu-west-1')
    }

    It 'does not show the secret key in its views' {
        $shown = ($kms | Format-Table | Out-String -Width 300) + ($kms | Format-List | Out-String -Width 300) + ($kms | Out-String -Width 300)
        $shown | Should -Match ([regex]::Escape($kms.Url))
        $shown | Should -Not -Match 'view-secret-4711'
    }
}

Describe 'Regions of every AWS partition' {
    It 'serves cn-north-1, us-gov-west-1 and eusc-de-east-1 beside us-east-1' {
        $kms = Start-KmsEmulator -Region us-east-1, cn-north-1, us-gov-west-1, eusc-de-east-1
        try { $kms.Regions | Should -Be 'us-east-1', 'cn-north-1', 'us-gov-west-1', 'eusc-de-east-1' }
        finally { $kms.Stop() }
    }
}

Describe 'Bad input stops Start-KmsEmulator with an error ID and leaves nothing listening' {
    It '<Case>' -ForEach @(
        @{ Case = 'a Region that is not one'; Parameters = @{ Region = 'us-east-1', 'Frankfurt' }; Id = 'KmsGrants.Testing.InvalidRegion' }
        @{ Case = 'a Region of no AWS partition (KmsGrants would refuse it)'; Parameters = @{ Region = 'xx-nowhere-9' }; Id = 'KmsGrants.Testing.InvalidRegion' }
        @{ Case = 'an identity whose principal is no IAM or STS ARN'; Parameters = @{ Identity = @{ AccessKey = 'AK'; SecretKey = 'x'; Principal = 'bob' } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'an identity whose principal is a group, which signs nothing'; Parameters = @{ Identity = @{ AccessKey = 'AK'; SecretKey = 'x'; Principal = 'arn:aws:iam::111122223333:group/devs' } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'an identity whose principal ARN names no resource'; Parameters = @{ Identity = @{ AccessKey = 'AK'; SecretKey = 'x'; Principal = 'arn:aws:iam::111122223333:' } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'a Region with a leading zero'; Parameters = @{ Region = 'us-east-01' }; Id = 'KmsGrants.Testing.InvalidRegion' }
        @{ Case = 'a Region given twice'; Parameters = @{ Region = 'eu-west-1', 'eu-west-1' }; Id = 'KmsGrants.Testing.InvalidRegion' }
        @{ Case = 'a quota of an operation it lacks'; Parameters = @{ Quota = @{ RetireGrants = 5 } }; Id = 'KmsGrants.Testing.InvalidQuota' }
        @{ Case = 'a negative quota'; Parameters = @{ Quota = @{ RetireGrant = -1 } }; Id = 'KmsGrants.Testing.InvalidQuota' }
        @{ Case = 'a quota that is not a number'; Parameters = @{ Quota = @{ RetireGrant = 'fast' } }; Id = 'KmsGrants.Testing.InvalidQuota' }
        @{ Case = 'an identity without a secret key'; Parameters = @{ Identity = @{ AccessKey = 'AKNOSECRET'; Principal = 'arn:aws:iam::111122223333:root' } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'an identity with an unknown key'; Parameters = @{ Identity = @{ AccessKey = 'AK'; Secret = 'x' } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'an identity whose principal is not one'; Parameters = @{ Identity = @{ AccessKey = 'AK'; SecretKey = 'x'; Principal = 'not a principal' } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'an account that is not 12 digits'; Parameters = @{ Account = '1234' }; Id = 'ParameterArgumentValidationError' }
        # .NET's $ also matches before a final newline: each pattern must refuse one.
        @{ Case = 'a Region ending in a newline'; Parameters = @{ Region = "us-east-1`n" }; Id = 'KmsGrants.Testing.InvalidRegion' }
        @{ Case = 'an account ending in a newline (refused as any malformed account)'; Parameters = @{ Account = "111122223333`n" }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'a retiring principal ending in a newline'; Parameters = @{ RetiringPrincipal = "arn:aws:iam::111122223333:role/x`n"; SeedGrants = 1 }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'an identity whose principal ends in a newline'; Parameters = @{ Identity = @{ AccessKey = 'AK'; SecretKey = 'x'; Principal = "arn:aws:iam::111122223333:role/x`n" } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'an identity whose access key ends in a newline'; Parameters = @{ Identity = @{ AccessKey = "AK`n"; SecretKey = 'x' } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'an identity with an empty session token'; Parameters = @{ Identity = @{ AccessKey = 'AK'; SecretKey = 'x'; SessionToken = '' } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'an identity with a session token holding a newline'; Parameters = @{ Identity = @{ AccessKey = 'AK'; SecretKey = 'x'; SessionToken = "tok`nen" } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'a fault kind it lacks'; Parameters = @{ FaultRate = 0.1; FaultKind = 'timeout' }; Id = 'ParameterArgumentValidationError' }
    ) {
        $port = Get-FreePort
        { Start-KmsEmulator -Port $port @Parameters } | Should -Throw -ErrorId "$Id,$Start"
        Test-Listening $port | Should -BeFalse
    }

    It 'names the port in use, whoever holds it, and leaves only its holder listening' {
        $holder = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $holder.Start()
        $port = $holder.LocalEndpoint.Port
        try {
            $e = { Start-KmsEmulator -Port $port } | Should -Throw -ErrorId "KmsGrants.Testing.PortInUse,$Start" -PassThru
            $e.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $e.TargetObject | Should -Be $port
            $e.Exception.Message | Should -Match "Port $port"
        }
        finally { $holder.Stop() }
        Test-Listening $port | Should -BeFalse
        $first = Start-KmsEmulator -Port $port
        try { { Start-KmsEmulator -Port $port } | Should -Throw -ErrorId "KmsGrants.Testing.PortInUse,$Start" }
        finally { $first | Stop-KmsEmulator }
    }

    It 'does not print a secret key in its errors' {
        $e = { Start-KmsEmulator -Identity @{ AccessKey = 'AKBAD'; SecretKey = 'bad-secret-0815'; Principal = 'nobody here' } } | Should -Throw -PassThru
        ($e | Format-List * -Force | Out-String) + $e.Exception.Message | Should -Not -Match 'bad-secret-0815'
    }
}

Describe 'Temporary credentials: an identity with a session token' {
    BeforeAll {
        $role = 'arn:aws:sts::111122223333:assumed-role/ci/build-7'
        $kms = Start-KmsEmulator -SeedGrants 2 -RetiringPrincipal 'arn:aws:iam::111122223333:role/ci' -Identity @(
            @{ AccessKey = 'ASIATEMP'; SecretKey = 'temp-secret'; SessionToken = 'FwoGZXIvYXdzEXAMPLE/token+with=padding=='; Principal = $role }
            @{ AccessKey = 'AKLONG'; SecretKey = 'long-secret'; Principal = 'arn:aws:iam::111122223333:root' })
        $ci = 'arn:aws:iam::111122223333:role/ci'
        $temporary = @{ EndpointUrl = $kms.Url; Region = $kms.Region; AccessKey = 'ASIATEMP'; SecretKey = 'temp-secret' }
        $longTerm = @{ EndpointUrl = $kms.Url; Region = $kms.Region; AccessKey = 'AKLONG'; SecretKey = 'long-secret' }
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'serves KmsGrants (the AWS SDK for .NET) signing with the token; the emulator shows it but its views do not' {
        $kms.SessionToken | Should -Be 'FwoGZXIvYXdzEXAMPLE/token+with=padding=='
        @(Get-KmsRetirableGrant $ci @temporary -SessionToken $kms.SessionToken).Count | Should -Be 2
        (Get-KmsEmulatorStatistic $kms).lastCaller | Should -Be $role
        ($kms | Format-List | Out-String) + ($kms | Format-Table | Out-String) | Should -Not -Match 'FwoGZXIvYXdz'
    }

    It 'refuses temporary credentials without their token, or with another, as KMS does (UnrecognizedClientException)' {
        { Get-KmsRetirableGrant $ci @temporary -ErrorAction Stop } |
            Should -Throw -ErrorId 'KmsGrants.UnrecognizedClient,KmsGrants.Commands.GetKmsRetirableGrantCommand'
        { Get-KmsRetirableGrant $ci @temporary -SessionToken 'another-token' -ErrorAction Stop } |
            Should -Throw -ErrorId 'KmsGrants.UnrecognizedClient,KmsGrants.Commands.GetKmsRetirableGrantCommand'
    }

    It 'refuses a long-term key sent with any session token; without one it is served' {
        { Get-KmsRetirableGrant $ci @longTerm -SessionToken 'garbage-session-token' -ErrorAction Stop } |
            Should -Throw -ErrorId 'KmsGrants.UnrecognizedClient,KmsGrants.Commands.GetKmsRetirableGrantCommand'
        @(Get-KmsRetirableGrant $ci @longTerm).Count | Should -Be 2
    }

    It 'names a wrong secret as such, token or not' {
        { Get-KmsRetirableGrant $ci @longTerm -SecretKey wrong -SessionToken 'garbage' -ErrorAction Stop } |
            Should -Throw -ErrorId 'KmsGrants.InvalidSignature,KmsGrants.Commands.GetKmsRetirableGrantCommand'
    }
}

Describe 'Stop-KmsEmulator' {
    It 'stops listening, frees the port, keeps the state readable, and does nothing the second time or for $null' {
        $kms = Start-KmsEmulator -SeedGrants 2
        $port = $kms.Port
        $kms | Stop-KmsEmulator
        $kms.IsRunning | Should -BeFalse
        Test-Listening $port | Should -BeFalse
        @(Get-KmsEmulatorGrant -Emulator $kms).Count | Should -Be 2
        { $kms | Stop-KmsEmulator; Stop-KmsEmulator $null } | Should -Not -Throw
        { New-KmsEmulatorKey -Emulator $kms } | Should -Throw -ErrorId 'KmsGrants.Testing.EmulatorStopped,KmsGrants.Testing.Commands.NewKmsEmulatorKeyCommand'
        $again = Start-KmsEmulator -Port $port
        try { $again.Port | Should -Be $port } finally { $again.Stop() }
    }

    It 'changes nothing under -WhatIf' {
        $kms = Start-KmsEmulator
        try {
            $kms | Stop-KmsEmulator -WhatIf
            $kms.IsRunning | Should -BeTrue
        }
        finally { $kms.Stop() }
    }

    It 'stops the one emulator this session started when none is named' {
        $kms = Start-KmsEmulator
        try {
            Stop-KmsEmulator
            $kms.IsRunning | Should -BeFalse
            # Again, with none running: nothing to do, as for a stopped one (an AfterAll run twice, or after a failed BeforeAll).
            $again = @(Stop-KmsEmulator -PassThru -ErrorVariable failed -Verbose 4>&1)
            $failed | Should -BeNullOrEmpty
            "$again" | Should -BeLike '*nothing to stop*'
            # The other cmdlets still need one.
            { Get-KmsEmulatorGrant } | Should -Throw -ErrorId 'KmsGrants.Testing.NoEmulator,KmsGrants.Testing.Commands.GetKmsEmulatorGrantCommand'
        }
        finally { $kms.Stop() }
    }

    It 'refuses, bare, to choose between two emulators running side by side' {
        $a = Start-KmsEmulator; $b = Start-KmsEmulator
        try {
            { Stop-KmsEmulator } | Should -Throw -ErrorId 'KmsGrants.Testing.AmbiguousEmulator,KmsGrants.Testing.Commands.StopKmsEmulatorCommand'
            $a.IsRunning | Should -BeTrue
            $b.IsRunning | Should -BeTrue
        }
        finally { $a.Stop(); $b.Stop() }
    }

    It 'cuts a request still waiting out its latency: not applied, and nothing changes after it returns' {
        $kms = Start-KmsEmulator -SeedGrants 1 -LatencyMs 3000
        try {
            $grant = Get-KmsEmulatorGrant -Emulator $kms
            $run = Invoke-Isolated 'param($Url, $Key, $Id) Remove-KmsGrant -KeyId $Key -GrantId $Id -EndpointUrl $Url -Region us-east-1 -AccessKey testing -SecretKey testing -Force -PassThru -ErrorAction SilentlyContinue' `
                -Arguments @{ Url = $kms.Url; Key = $grant.KeyId; Id = $grant.GrantId } -NoWait
            # Stop once the request has arrived (counted at arrival, logged when answered): it is then in its 3 s wait.
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not (Get-KmsEmulatorStatistic $kms).operations.RetireGrant -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            (Get-KmsEmulatorStatistic $kms).operations.RetireGrant.requests | Should -Be 1
            $kms | Stop-KmsEmulator
            $logged = @(Get-KmsEmulatorRequest -Emulator $kms -Operation RetireGrant)
            $alive = @(Get-KmsEmulatorGrant -Emulator $kms)
            $logged.Count | Should -Be 1
            $logged[0].StatusCode | Should -BeNullOrEmpty -Because 'it was cut, never answered'
            $alive.GrantId | Should -Be $grant.GrantId
            $result = (Complete-Isolated $run).Output
            $run = $null
            $result.Status | Should -Be 'Unknown' -Because 'the client saw its connection cut, and cannot know'
            # Past the 3 s the request would have waited: still not applied, nothing more logged.
            Start-Sleep -Seconds 3
            @(Get-KmsEmulatorGrant -Emulator $kms).GrantId | Should -Be $grant.GrantId
            @(Get-KmsEmulatorRequest -Emulator $kms -Operation RetireGrant).Count | Should -Be 1
        }
        finally {
            $kms.Stop()
            # Waited for before it is disposed: disposing a running pipeline ends the process.
            if ($run) { $null = Complete-Isolated $run; $run.PowerShell.Dispose() }
        }
    }
}

Describe 'Two emulators side by side' {
    BeforeAll {
        $east = Start-KmsEmulator
        $west = Start-KmsEmulator -Region eu-west-1
    }
    AfterAll { Stop-KmsEmulator $east, $west }

    It 'listen on their own ports and keep their own grants' {
        $east.Port | Should -Not -Be $west.Port
        $null = New-KmsEmulatorKey -Emulator $east | New-KmsEmulatorGrant -RetiringPrincipal $ci -Name east-1, east-2
        $null = New-KmsEmulatorKey -Emulator $west | New-KmsEmulatorGrant -RetiringPrincipal $ci -Name west-1
        (Get-KmsEmulatorGrant -Emulator $east).Name | Should -Be 'east-1', 'east-2'
        ($west | Get-KmsEmulatorGrant).Name | Should -Be 'west-1'
        $c = Get-Connection $west
        @(Get-KmsRetirableGrant $ci @c).Name | Should -Be 'west-1'
    }

    It 'must be named: which one is meant is not guessed' {
        { Get-KmsEmulatorGrant } | Should -Throw -ErrorId 'KmsGrants.Testing.AmbiguousEmulator,KmsGrants.Testing.Commands.GetKmsEmulatorGrantCommand'
    }
}

Describe 'Lifetime: no emulator outlives what started it' {
    It 'stops when the runspace that started it closes, and frees its port' {
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $ps = [powershell]::Create($runspace)
        $kms = $ps.AddScript("Import-Module '$(Get-KmsGrantsTestingModulePath)'; Start-KmsEmulator").Invoke()[0]
        $ps.Dispose()
        (Invoke-RestMethod "$($kms.Url)/_emulator/stats").grantsAlive | Should -Be 0
        $runspace.Close()
        $kms.IsRunning | Should -BeFalse
        Test-Listening $kms.Port | Should -BeFalse
        $again = Start-KmsEmulator -Port $kms.Port
        $again.Stop()
    }

    It 'stops when the module is removed from that runspace; other runspaces'' emulators go on' {
        $mine = Start-KmsEmulator
        try {
            $runspace = [runspacefactory]::CreateRunspace()
            $runspace.Open()
            $ps = [powershell]::Create($runspace)
            $theirs = $ps.AddScript("Import-Module '$(Get-KmsGrantsTestingModulePath)'; Start-KmsEmulator").Invoke()[0]
            $ps.Commands.Clear()
            $null = $ps.AddScript('Remove-Module KmsGrants.Testing').Invoke()
            $theirs.IsRunning | Should -BeFalse
            Test-Listening $theirs.Port | Should -BeFalse
            $mine.IsRunning | Should -BeTrue
            Test-Listening $mine.Port | Should -BeTrue
            $ps.Dispose(); $runspace.Dispose()
        }
        finally { $mine.Stop() }
    }

    It 'leaves no listener behind when its process is killed' {
        $script = Join-Path $TestDrive 'hold.ps1'
        Set-Content $script "Import-Module '$(Get-KmsGrantsTestingModulePath)'; `$kms = Start-KmsEmulator; `$kms.Port; [Console]::Out.Flush(); Start-Sleep -Seconds 120"
        $info = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        foreach ($a in (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $script) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $process = [System.Diagnostics.Process]::Start($info)
        try {
            $read = $process.StandardOutput.ReadLineAsync()
            $read.Wait(30000) | Should -BeTrue
            $port = [int]$read.Result
            Test-Listening $port | Should -BeTrue
        }
        finally { $process.Kill($true); $null = $process.WaitForExit(10000) }
        Test-Listening $port | Should -BeFalse
        $next = Start-KmsEmulator -Port $port
        $next.Stop()
    }

    It 'serves several test files in one Invoke-Pester run, each with its own, and none is left running' {
        $folder = Join-Path $TestDrive 'suite'
        $null = New-Item -ItemType Directory $folder
        foreach ($n in 1, 2) {
            Set-Content (Join-Path $folder "File$n.Tests.ps1") @"
BeforeAll { Import-Module '$(Get-KmsGrantsTestingModulePath)'; `$kms = Start-KmsEmulator -SeedGrants $n }
AfterAll { `$kms | Stop-KmsEmulator; Add-Content '$folder/ports.txt' `$kms.Port }
Describe 'File $n' { It 'has its own grants' { @(Get-KmsEmulatorGrant).Count | Should -Be $n } }
"@
        }
        $run = Invoke-Isolated -NewProcess -NoImport -Script @"
Import-Module '$(Get-PesterManifest)'
`$r = Invoke-Pester '$folder' -PassThru -Output None
'passed=' + `$r.PassedCount + ' failed=' + `$r.FailedCount
"@
        $run.Output | Should -Match 'passed=2 failed=0'
        $ports = @(Get-Content (Join-Path $folder 'ports.txt'))
        $ports.Count | Should -Be 2
        foreach ($p in $ports) { Test-Listening $p | Should -BeFalse }
    }
}

Describe 'The console host (tests/KmsEmulator), for what needs the emulator out of process' {
    It 'prints the listening line and the seeded key ARNs, serves, and exits when its standard input ends' {
        $e = Start-EmulatorProcess -Regions us-east-1, eu-west-1 -SeedGrants 4 -RetiringPrincipal $ci -Arguments '--quota', 'RetireGrant=50'
        try {
            $e.KeyArns.Count | Should -Be 2
            $e.KeyArns[1] | Should -Match '^arn:aws:kms:eu-west-1:111122223333:key/'
            (Get-EmulatorProcessStatistic $e).regions.'eu-west-1'.grantsAlive | Should -Be 4
            (Set-EmulatorProcessQuota $e @{ RetireGrant = 7 }).RetireGrant | Should -Be 7
            @(Get-KmsRetirableGrant $ci -EndpointUrl $e.Url -Region eu-west-1 -AccessKey testing -SecretKey testing).Count | Should -Be 4
            $port = ([uri]$e.Url).Port
            $e.Process.StandardInput.Close()
            $e.Process.WaitForExit(10000) | Should -BeTrue
            $e.Process.ExitCode | Should -Be 0
            Test-Listening $port | Should -BeFalse
        }
        finally { Stop-EmulatorProcess $e }
    }

    It 'seeds the audit shape (--keys, --grants-per-key, --big-key-grants, --aws-managed-grants, --grant-age-days), prints its keys, and serves the /_emulator/ endpoints' {
        $e = Start-EmulatorProcess -Keys 3 -GrantsPerKey 5 -BigKeyGrants 12 -AwsManagedGrants 2 -GrantAgeDays 30 -SeedGrants 1
        try {
            $e.KeyArns.Count | Should -Be 1
            $e.AuditKeyArns.Count | Should -Be 5   # 3 keys, the big key, the AWS managed key
            (Get-EmulatorProcessStatistic $e).grantsAlive | Should -Be (1 + 3 * 5 + 12 + 2)
            $first = (Invoke-RestMethod "$($e.Url)/_emulator/grants?keyId=$($e.AuditKeyArns[0])").grants
            $first.name | Should -Be 'audit-0', 'audit-1', $null, $null, 'audit-4'
            $first[3].granteePrincipal | Should -Be $first[2].granteePrincipal   # the duplicate
            $first[4].listedGranteePrincipal | Should -MatchExactly '^AROA[A-Z0-9]{17}$'   # a deleted role
            $first[0].listedGranteePrincipal | Should -Be $first[0].granteePrincipal
            ($first.creationDate | Sort-Object -Unique).Count | Should -Be 5   # back-dated a day apart
            $listed = @(Get-KmsGrant $e.AuditKeyArns[3] -EndpointUrl $e.Url -Region us-east-1 -AccessKey testing -SecretKey testing)
            $listed.Count | Should -Be 12
            (Get-KmsGrant $e.AuditKeyArns[4] -EndpointUrl $e.Url -Region us-east-1 -AccessKey testing -SecretKey testing).GranteePrincipal | Should -Be 'ec2.us-east-1.amazonaws.com', 'ec2.us-east-1.amazonaws.com'
            $gone = Invoke-RestMethod -Method Post "$($e.Url)/_emulator/principals/delete" -Body '{"principals": ["arn:aws:iam::111122223333:role/audit-ci"]}'
            (Get-KmsGrant $e.AuditKeyArns[0] -EndpointUrl $e.Url -Region us-east-1 -AccessKey testing -SecretKey testing)[0].RetiringPrincipal | Should -Be $gone.principals[0].uniqueId
        }
        finally { Stop-EmulatorProcess $e }
    }

    It 'refuses a bad option with a message and exit code 2' {
        $out = & dotnet (Join-Path $PSScriptRoot '../KmsEmulator/bin/Release/net10.0/KmsEmulator.dll') --port 0 --quota RetireGrants=5 2>&1
        $LASTEXITCODE | Should -Be 2
        "$out" | Should -Match 'RetireGrants'
    }

    It 'takes a session token for an identity given before it (--session-token AKID=TOKEN)' {
        $e = Start-EmulatorProcess -Arguments '--identity', 'ASIAHOST:host-secret=arn:aws:iam::111122223333:root', '--session-token', 'ASIAHOST=host-token=='
        try {
            @(Get-KmsRetirableGrant $ci -EndpointUrl $e.Url -Region us-east-1 -AccessKey ASIAHOST -SecretKey host-secret -SessionToken 'host-token==').Count | Should -Be 0
            { Get-KmsRetirableGrant $ci -EndpointUrl $e.Url -Region us-east-1 -AccessKey ASIAHOST -SecretKey host-secret -ErrorAction Stop } |
                Should -Throw -ErrorId 'KmsGrants.UnrecognizedClient,KmsGrants.Commands.GetKmsRetirableGrantCommand'
        }
        finally { Stop-EmulatorProcess $e }
        $out = & dotnet (Join-Path $PSScriptRoot '../KmsEmulator/bin/Release/net10.0/KmsEmulator.dll') --port 0 --session-token NOBODY=x 2>&1
        $LASTEXITCODE | Should -Be 2
        "$out" | Should -Match 'session-token'
    }
}
