# KmsGrants.Testing's cmdlets, as a runbook author uses them: start and stop, bad input, lifetime (runspaces, module
# removal, a killed process), emulators side by side, seeding keys and grants, the request log, faults over
# HttpListener, the HTTP introspection endpoints and the console host. The emulator's KMS behaviour itself is checked
# with the AWS CLI and boto3 in Emulator.Tests.ps1.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
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

    <# KmsGrants' connection parameters for an emulator, signed as identity $As (default: the emulator's own). #>
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

    It 'answers a Host header of localhost:PORT as well as 127.0.0.1:PORT' {
        (Invoke-RestMethod "http://localhost:$($kms.Port)/_emulator/stats").regions.PSObject.Properties.Name | Should -Be @('us-east-1', 'eu-west-1')
    }

    It 'does not show the secret key in its views' {
        $shown = ($kms | Format-Table | Out-String -Width 300) + ($kms | Format-List | Out-String -Width 300) + ($kms | Out-String -Width 300)
        $shown | Should -Match ([regex]::Escape($kms.Url))
        $shown | Should -Not -Match 'view-secret-4711'
    }
}

Describe 'Bad input stops Start-KmsEmulator with an error ID and leaves nothing listening' {
    It '<Case>' -ForEach @(
        @{ Case = 'a Region that is not one'; Parameters = @{ Region = 'us-east-1', 'Frankfurt' }; Id = 'KmsGrants.Testing.InvalidRegion' }
        @{ Case = 'a Region given twice'; Parameters = @{ Region = 'eu-west-1', 'eu-west-1' }; Id = 'KmsGrants.Testing.InvalidRegion' }
        @{ Case = 'a quota of an operation it lacks'; Parameters = @{ Quota = @{ RetireGrants = 5 } }; Id = 'KmsGrants.Testing.InvalidQuota' }
        @{ Case = 'a negative quota'; Parameters = @{ Quota = @{ RetireGrant = -1 } }; Id = 'KmsGrants.Testing.InvalidQuota' }
        @{ Case = 'a quota that is not a number'; Parameters = @{ Quota = @{ RetireGrant = 'fast' } }; Id = 'KmsGrants.Testing.InvalidQuota' }
        @{ Case = 'an identity without a secret key'; Parameters = @{ Identity = @{ AccessKey = 'AKNOSECRET'; Principal = 'arn:aws:iam::111122223333:root' } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'an identity with an unknown key'; Parameters = @{ Identity = @{ AccessKey = 'AK'; Secret = 'x' } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'an identity whose principal is not one'; Parameters = @{ Identity = @{ AccessKey = 'AK'; SecretKey = 'x'; Principal = 'not a principal' } }; Id = 'KmsGrants.Testing.InvalidIdentity' }
        @{ Case = 'an account that is not 12 digits'; Parameters = @{ Account = '1234' }; Id = 'ParameterArgumentValidationError' }
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

Describe 'Keys and grants made in the emulator' {
    BeforeAll {
        $kms = Start-KmsEmulator -Region us-east-1, eu-west-1
        $key = New-KmsEmulatorKey -Description app -Alias alias/app
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'makes keys in any account and served Region, with an alias KMS resolves' {
        $key | Should -BeOfType KmsGrants.Testing.EmulatorKey
        $key.Arn | Should -Be "arn:aws:kms:us-east-1:111122223333:key/$($key.KeyId)"
        (New-KmsEmulatorKey -Region eu-west-1 -Account 444455556666).Arn | Should -Match '^arn:aws:kms:eu-west-1:444455556666:key/'
        $null = $key | New-KmsEmulatorGrant -Name by-alias
        $c = Get-Connection $kms
        (Get-KmsGrant alias/app @c).Name | Should -Be 'by-alias'
    }

    It 'refuses an alias that exists, a Region not served, and a key that does not exist, each with its ID' {
        { New-KmsEmulatorKey -Alias alias/app -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.AliasExists,KmsGrants.Testing.Commands.NewKmsEmulatorKeyCommand'
        { New-KmsEmulatorKey -Region ap-south-1 -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.RegionNotServed,KmsGrants.Testing.Commands.NewKmsEmulatorKeyCommand'
        $missing = "arn:aws:kms:us-east-1:111122223333:key/$([guid]::NewGuid())"
        { New-KmsEmulatorGrant -KeyId $missing -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.Testing.KeyNotFound,KmsGrants.Testing.Commands.NewKmsEmulatorGrantCommand'
    }

    It 'returns grants with token and ID, as CreateGrant would make them' {
        $grants = @($key | New-KmsEmulatorGrant -RetiringPrincipal $ci -Name build-1, build-2 -Operations Decrypt, RetireGrant -EncryptionContextSubset @{ Department = 'IT' })
        $grants.Count | Should -Be 2
        $grants[0] | Should -BeOfType KmsGrants.Testing.EmulatorGrant
        $grants.GrantId | ForEach-Object { $_ | Should -Match '^[0-9a-f]{64}$' }
        $grants.GrantToken | ForEach-Object { $_.Length | Should -BeGreaterThan 200 }
        $grants[0].KeyId | Should -Be $key.Arn
        $grants.Name | Should -Be 'build-1', 'build-2'
        $grants[0].Operations | Should -Be 'Decrypt', 'RetireGrant'
        $grants[0].Constraints.EncryptionContextSubset.Department | Should -Be 'IT'
        $grants[0].IssuingAccount | Should -Be 'arn:aws:iam::111122223333:root'
        $c = Get-Connection $kms
        $listed = Get-KmsGrant $key.Arn @c -GrantId $grants[0].GrantId
        $listed.Name | Should -Be 'build-1'
        $listed.RetiringPrincipal | Should -Be $ci
        $listed.Constraints.EncryptionContextSubset.Department | Should -Be 'IT'
    }

    It 'checks what it makes as CreateGrant does: <Case>' -ForEach @(
        @{ Case = 'a name KMS refuses'; Parameters = @{ Name = 'has space' }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'an operation KMS lacks'; Parameters = @{ Operations = 'Delete' }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'both constraints'; Parameters = @{ EncryptionContextSubset = @{ a = 'b' }; EncryptionContextEquals = @{ a = 'b' } }; Id = 'AmbiguousParameterSet' }
    ) {
        { New-KmsEmulatorGrant -KeyId $key.KeyId @Parameters } | Should -Throw -ErrorId "$Id,KmsGrants.Testing.Commands.NewKmsEmulatorGrantCommand"
    }

    It 'are retired by KmsGrants'' Remove-KmsGrant and vanish from Get-KmsEmulatorGrant' {
        $grants = @(New-KmsEmulatorGrant -KeyId $key.KeyId -RetiringPrincipal $ci -Name retire-me -Count 3)
        $c = Get-Connection $kms
        $grants | Remove-KmsGrant @c -Force
        Get-KmsEmulatorGrant -GrantId $grants.GrantId | Should -BeNullOrEmpty
        (Get-KmsEmulatorRequest -Operation RetireGrant -Last 3).GrantTokenGiven | Should -Be $true, $true, $true
    }

    It 'are filtered by key, Region, retiring principal, grant ID and name' {
        $eu = New-KmsEmulatorKey -Region eu-west-1
        $euGrants = @($eu | New-KmsEmulatorGrant -RetiringPrincipal arn:aws:iam::111122223333:role/eu -Name eu-1, eu-2)
        (Get-KmsEmulatorGrant -Region eu-west-1).GrantId | Should -Be $euGrants.GrantId
        (Get-KmsEmulatorGrant -KeyId $eu.KeyId).GrantId | Should -Be $euGrants.GrantId
        ($eu | Get-KmsEmulatorGrant).GrantId | Should -Be $euGrants.GrantId
        (Get-KmsEmulatorGrant -RetiringPrincipal arn:aws:iam::111122223333:role/eu -Name '*-2').GrantId | Should -Be $euGrants[1].GrantId
        (Get-KmsEmulatorGrant -GrantId $euGrants[0].GrantId).Name | Should -Be 'eu-1'
        (Invoke-RestMethod "$($kms.Url)/_emulator/grants?region=eu-west-1&keyId=$($eu.Arn)").grants.grantId | Should -Be $euGrants.GrantId
    }
}

Describe 'The request log and the statistics' {
    BeforeAll {
        $kms = Start-KmsEmulator -Region us-east-1, eu-west-1 -Quota @{ ListKeys = 1 } -Identity @(
            @{ AccessKey = 'testing'; SecretKey = 'testing'; Principal = 'arn:aws:iam::111122223333:root' }
            @{ AccessKey = 'AKCI'; SecretKey = 'ci-secret'; Principal = 'arn:aws:sts::111122223333:assumed-role/ci/build-42' })
        $key = New-KmsEmulatorKey -Region eu-west-1
        $grant = $key | New-KmsEmulatorGrant -RetiringPrincipal $ci
        $asCi = Get-Connection $kms -AccessKey AKCI -SecretKey ci-secret -Region eu-west-1
        $grant | Select-Object KeyId, GrantId | Remove-KmsGrant @asCi -WhatIf
        $grant | Select-Object KeyId, GrantId | Remove-KmsGrant @asCi -Force
        $peer = Start-KmsPeer $kms.Url
        $throttled = 1..3 | ForEach-Object { Invoke-AwsCli -Peer $peer -Arguments 'kms', 'list-keys' }
    }
    AfterAll { Stop-TestServer $peer; $kms | Stop-KmsEmulator }

    It 'records each request''s operation, Region, caller, access key, DryRun flag, key, grant and answer' {
        $retires = @(Get-KmsEmulatorRequest -Operation RetireGrant | Where-Object GrantId -EQ $grant.GrantId)
        $retires.Count | Should -Be 2
        $retires.DryRun | Should -Be $true, $false
        $retires.StatusCode | Should -Be 412, 200
        $retires.ErrorCode | Should -Be 'DryRunOperationException', $null
        $retires | ForEach-Object {
            $_.Region | Should -Be 'eu-west-1'
            $_.Caller | Should -Be 'arn:aws:sts::111122223333:assumed-role/ci/build-42'
            $_.AccessKeyId | Should -Be 'AKCI'
            $_.KeyId | Should -Be $key.Arn
            $_.GrantTokenGiven | Should -BeFalse
        }
        $retires[1].Sequence | Should -BeGreaterThan $retires[0].Sequence
        $retires[1].Time | Should -BeGreaterOrEqual $retires[0].Time
    }

    It 'records throttled requests with ThrottlingException, and the stats count them' {
        $codes = @($throttled | ForEach-Object { if ($_.ExitCode) { ($_.Error -split '[()]')[1] } else { 'OK' } })
        $logged = @(Get-KmsEmulatorRequest -Operation ListKeys -Last 3)
        $logged.ErrorCode | Should -Be ($codes | ForEach-Object { if ($_ -eq 'OK') { $null } else { $_ } })
        $logged.ErrorCode | Should -Contain 'ThrottlingException'
        $stats = Get-KmsEmulatorStatistic -Emulator $kms
        $stats.operations.ListKeys.throttled | Should -Be @($codes | Where-Object { $_ -eq 'ThrottlingException' }).Count
        $stats.regions.'eu-west-1'.operations.RetireGrant.requests | Should -BeGreaterOrEqual 3   # the DryRun canary too
        $stats.lastCaller | Should -Be 'arn:aws:iam::111122223333:root'
    }

    It 'filters by operation (wildcards), Region and -Last, and reads the same over HTTP' {
        @(Get-KmsEmulatorRequest -Operation 'list*').Operation | Sort-Object -Unique | Should -Be 'ListKeys'
        @(Get-KmsEmulatorRequest -Operation 'List*', 'Retire*').Operation | Sort-Object -Unique | Should -Be 'ListKeys', 'RetireGrant'
        @(Get-KmsEmulatorRequest -Region eu-west-1).Region | Sort-Object -Unique | Should -Be 'eu-west-1'
        @(Get-KmsEmulatorRequest -Last 2).Count | Should -Be 2
        $http = (Invoke-RestMethod "$($kms.Url)/_emulator/requests").requests
        $http.sequence | Should -Be @(Get-KmsEmulatorRequest).Sequence
        ($http | Where-Object grantId -EQ $grant.GrantId).dryRun | Should -Be $true, $false
    }

    It 'keeps only the latest -RequestLogSize requests, while the counts stay totals' {
        $small = Start-KmsEmulator -RequestLogSize 2
        try {
            $null = 1..5 | ForEach-Object { Invoke-WebRequest -Method Post -Uri $small.Url -Body '{}' -SkipHttpErrorCheck -Headers @{ 'X-Amz-Target' = 'TrentService.ListKeys' } }
            @(Get-KmsEmulatorRequest -Emulator $small).Sequence | Should -Be 4, 5
            (Get-KmsEmulatorStatistic -Emulator $small).operations.ListKeys.requests | Should -Be 5
        }
        finally { $small.Stop() }
    }
}

Describe 'Set-KmsEmulatorQuota' {
    BeforeAll { $kms = Start-KmsEmulator -Quota @{ RetireGrant = 10 } }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'changes, removes and shows quotas; -WhatIf changes nothing; a bad quota changes nothing' {
        $kms | Set-KmsEmulatorQuota @{ ListGrants = 5 } -WhatIf
        (Invoke-RestMethod "$($kms.Url)/_emulator/quota").PSObject.Properties.Name | Should -Be 'RetireGrant'
        $table = $kms | Set-KmsEmulatorQuota @{ ListGrants = 5; RetireGrant = $null } -PassThru
        $table.PSObject.Properties.Name | Should -Be 'ListGrants'
        $table.ListGrants | Should -Be 5
        { $kms | Set-KmsEmulatorQuota @{ ListGrants = 1; CreateGrants = 1 } } | Should -Throw -ErrorId 'KmsGrants.Testing.InvalidQuota,KmsGrants.Testing.Commands.SetKmsEmulatorQuotaCommand'
        (Invoke-RestMethod "$($kms.Url)/_emulator/quota").ListGrants | Should -Be 5
    }
}

Describe 'Faults over HttpListener, as clients see them (boto3, one attempt)' {
    BeforeAll {
        $kms = @{}
        $peers = @{}
        foreach ($kind in 'internal', 'unavailable', 'reset', 'commit-then-drop') {
            $kms[$kind] = Start-KmsEmulator -FaultRate 1 -FaultKind $kind -FaultOperation RetireGrant
            $peers[$kind] = Start-KmsPeer $kms[$kind].Url
        }
        function Invoke-FaultedRetire([string] $Kind) {
            $grant = New-KmsEmulatorGrant -Emulator $kms[$Kind] -KeyId (New-KmsEmulatorKey -Emulator $kms[$Kind]).Arn
            $answer = Invoke-AwsCli -Peer $peers[$Kind] -Arguments 'kms', 'retire-grant', '--grant-token', $grant.GrantToken
            [pscustomobject]@{ Answer = $answer; Alive = @(Get-KmsEmulatorGrant -Emulator $kms[$Kind]).Count
                Logged = Get-KmsEmulatorRequest -Emulator $kms[$Kind] -Operation RetireGrant -Last 1 }
        }
    }
    AfterAll { $peers.Values | ForEach-Object { Stop-TestServer $_ }; $kms.Values | Stop-KmsEmulator }

    It '<Kind>: <Seen>; the grant is <Fate>' -ForEach @(
        @{ Kind = 'internal'; Seen = 'HTTP 500 KMSInternalException'; Pattern = 'KMSInternalException'; Fate = 'kept'; Alive = 1; Status = 500 }
        @{ Kind = 'unavailable'; Seen = 'HTTP 503'; Pattern = 'ServiceUnavailable'; Fate = 'kept'; Alive = 1; Status = 503 }
        @{ Kind = 'reset'; Seen = 'the connection cut before any answer'; Pattern = 'Connection|closed|Remote end'; Fate = 'kept'; Alive = 1; Status = $null }
        @{ Kind = 'commit-then-drop'; Seen = 'the connection cut halfway through the answer'; Pattern = 'IncompleteRead|Connection|closed|Remote end'; Fate = 'retired'; Alive = 0; Status = 200 }
    ) {
        $r = Invoke-FaultedRetire $Kind
        $r.Answer.ExitCode | Should -Not -Be 0
        $r.Answer.Error | Should -Match $Pattern
        $r.Alive | Should -Be $Alive
        $r.Logged.Fault | Should -Be $Kind
        $r.Logged.StatusCode | Should -Be $Status
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

    It 'refuses a bad option with a message and exit code 2' {
        $out = & dotnet (Join-Path $PSScriptRoot '../KmsEmulator/bin/Release/net10.0/KmsEmulator.dll') --port 0 --quota RetireGrants=5 2>&1
        $LASTEXITCODE | Should -Be 2
        "$out" | Should -Match 'RetireGrants'
    }
}
