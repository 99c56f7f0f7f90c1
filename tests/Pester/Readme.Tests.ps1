# The README's examples, as written: each code block marked <!-- runs-in-tests: NAME --> is taken from README.md and run
# in a fresh pwsh with the built modules on its module path (as an installed user has them), against the emulator
# configured outside the command (AWS_ENDPOINT_URL_KMS and the other variables an AWS account's set-up would give), in a
# working folder of its own; what each example claims is then checked in the emulator's own state. (The install block
# needs the packages: Package.Tests.ps1 runs it.)
BeforeDiscovery {
    $readme = Join-Path $PSScriptRoot '../../README.md'
    $marked = @([regex]::Matches((Get-Content $readme -Raw), '<!-- runs-in-tests: ([\w-]+) -->') | ForEach-Object { $_.Groups[1].Value })
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    . (Join-Path $PSScriptRoot 'TestPaths.ps1')
    $account = '111122223333'

    # A clone as the README's reader has it after a build: out/KmsGrants and out/KmsGrants.Testing.
    $clone = Join-Path $TestDrive 'clone'
    $null = New-Item -ItemType Directory (Join-Path $clone 'out')
    foreach ($module in (Get-KmsGrantsModulePath), (Get-KmsGrantsTestingModulePath)) {
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $clone "out/$(Split-Path $module -Leaf)") -Target $module
    }
    $userHome = Join-Path $TestDrive 'home'
    $null = New-Item -ItemType Directory $userHome

    function Get-ReadmeBlock([string] $Name) {
        $text = (Get-Content (Join-Path $script:RepoRoot 'README.md') -Raw) -replace "`r`n", "`n"
        $m = [regex]::Match($text, "<!-- runs-in-tests: $([regex]::Escape($Name)) -->\n``````powershell\n(?<code>.*?)\n``````", 'Singleline')
        if (-not $m.Success) { throw "README.md has no block marked runs-in-tests: $Name." }
        $m.Groups['code'].Value
    }

    # The environment an AWS user's set-up gives every command, here pointing at the emulator.
    function Get-EmulatorEnvironment($Emulator) {
        @{ AWS_ENDPOINT_URL_KMS = $Emulator.Url; AWS_REGION = $Emulator.Region; AWS_ACCESS_KEY_ID = $Emulator.AccessKey; AWS_SECRET_ACCESS_KEY = $Emulator.SecretKey }
    }

    <#
        Runs a README block in a fresh pwsh: in -Work (a new folder unless given), with -Variables defined first (what the
        README names as given), the built modules on the module path, nothing of this machine's AWS set-up, and
        -Environment. Returns ExitCode, Output (every stream, as text) and Errors (what $Error held at the end).
    #>
    function Invoke-ReadmeBlock {
        param([string] $Name, [hashtable] $Environment = @{}, [hashtable] $Variables = @{}, [string] $Work, [string] $Code = (Get-ReadmeBlock $Name))
        if (-not $Work) { $Work = Join-Path $TestDrive $Name; $null = New-Item -ItemType Directory $Work -Force }
        $defined = foreach ($k in $Variables.Keys) { "`$$k = '$("$($Variables[$k])".Replace("'", "''"))'" }
        $script = Join-Path $TestDrive "$Name.run.ps1"
        Set-Content $script @"
$($defined -join "`n")
$Code
'ERRORS=' + `$Error.Count
`$Error | ForEach-Object { `$_ | Out-String -Width 300 }
"@
        $info = [System.Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        foreach ($a in (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $script) { $info.ArgumentList.Add($a) }
        $info.WorkingDirectory = $Work
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        foreach ($k in @($info.Environment.Keys)) { if ($k -like 'AWS_*' -or $k -like 'KMSGRANTS_*') { $null = $info.Environment.Remove($k) } }
        $info.Environment['HOME'] = $userHome
        $info.Environment['AWS_EC2_METADATA_DISABLED'] = 'true'
        $info.Environment['PSModulePath'] = Join-Path $clone 'out'
        $info.Environment['NO_COLOR'] = '1'
        foreach ($k in $Environment.Keys) { $info.Environment[$k] = $Environment[$k] }
        $process = [System.Diagnostics.Process]::Start($info)
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEnd()
        if (-not $process.WaitForExit(180000)) { $process.Kill($true); throw "The README's $Name block did not end within 180 s." }
        # Plain text whatever the host decided: escape codes would also spoil the NUnit report of a failure.
        $output = ($stdout + $stderr.Result) -replace '\x1b\[[0-9;?]*[A-Za-z]', ''
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Output   = $output
            Errors   = if ($output -match 'ERRORS=(\d+)') { [int]$Matches[1] } else { -1 }
        }
    }

    function New-KeyWithGrants($Emulator, [string] $Alias, [hashtable[]] $Grants) {
        $named = if ($Alias) { @{ Alias = $Alias } } else { @{} }
        $key = New-KmsEmulatorKey -Emulator $Emulator @named
        foreach ($g in $Grants) { $null = $key | New-KmsEmulatorGrant @g }
        $key
    }
}

Describe 'The README''s marked examples' {
    It 'are each run by a test: <_>' -ForEach $marked {
        $_ | Should -BeIn 'try-it', 'prompt', 'bulk', 'csv', 'whatif', 'revoke', 'replace-role', 'stale', 'pester', 'install'
    }

    It 'include every example this suite and Package.Tests.ps1 run' {
        $marked = @([regex]::Matches((Get-Content (Join-Path $script:RepoRoot 'README.md') -Raw), '<!-- runs-in-tests: ([\w-]+) -->') | ForEach-Object { $_.Groups[1].Value })
        foreach ($name in 'try-it', 'prompt', 'bulk', 'csv', 'whatif', 'revoke', 'replace-role', 'stale', 'pester', 'install') {
            $marked | Should -Contain $name
        }
    }
}

Describe 'Try it against the emulator' {
    It 'retires the ci role''s build grants in a fresh pwsh in the clone, and leaves the other' {
        # The block starts its own emulator: what is left is read from it in the same process.
        $code = (Get-ReadmeBlock 'try-it') + "`n'ALIVE=' + ((Get-KmsEmulatorGrant -Emulator `$kms).Name -join ',')"
        $run = Invoke-ReadmeBlock 'try-it' -Work $clone -Code $code
        $run.Errors | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'ALIVE=deploy-1\s'
        ([regex]::Matches($run.Output, '\bRetired\b')).Count | Should -Be 2 -Because $run.Output
    }
}

Describe 'Example: at a prompt' {
    BeforeAll {
        $kms = Start-KmsEmulator
        $ci = "arn:aws:iam::${account}:role/ci"
        $null = New-KeyWithGrants $kms $null @(@{ RetiringPrincipal = $ci; Name = 'build-1', 'build-2', 'build-3' })
        # The person at the prompt says Yes: a host that answers so, in a runspace of this process, with the environment set.
        $saved = @{}
        $environment = Get-EmulatorEnvironment $kms
        foreach ($k in $environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $environment[$k]) }
        try { $run = Invoke-Isolated -Script (Get-ReadmeBlock 'prompt') -Answer 'Yes' }
        finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'lists the grants, then asks once and retires the one it was given' {
        $run.Errors | Should -BeNullOrEmpty
        @($run.Output | Where-Object { $_ -is [KmsGrants.GrantInfo] }).Count | Should -Be 3
        $run.Prompts.Count | Should -Be 1
        @(Get-KmsEmulatorGrant -Emulator $kms).Count | Should -Be 2
    }
}

Describe 'Example: in bulk, with a report' {
    BeforeAll {
        $kms = Start-KmsEmulator
        $ci = "arn:aws:iam::${account}:role/ci"
        $null = New-KeyWithGrants $kms $null @(@{ RetiringPrincipal = $ci; Name = 'build-1', 'build-2', 'deploy-1' })
        $run = Invoke-ReadmeBlock 'bulk' -Environment (Get-EmulatorEnvironment $kms)
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'retires the build grants and keeps the deploy grant' {
        $run.Errors | Should -Be 0 -Because $run.Output
        (Get-KmsEmulatorGrant -Emulator $kms).Name | Should -Be 'deploy-1'
    }

    It 'reports each grant it retired, and shows the tally' {
        $report = @(Import-Csv (Join-Path $TestDrive 'bulk/retired.csv'))
        $report.Count | Should -Be 2
        $report.Status | Sort-Object -Unique | Should -Be 'Retired'
        $run.Output | Should -Match 'Retired\s*:\s*2\s'
        $run.Output | Should -Match 'Failed\s*:\s*0\s'
    }
}

Describe 'Example: retire the grants a CSV lists' {
    BeforeAll {
        $kms = Start-KmsEmulator
        $key = New-KeyWithGrants $kms $null @(@{ Name = 'a', 'b', 'c' })
        $grants = Get-KmsEmulatorGrant -Emulator $kms | Sort-Object Name
        $work = Join-Path $TestDrive 'csv'
        $null = New-Item -ItemType Directory $work
        $grants | Select-Object -First 2 | ForEach-Object { [pscustomobject]@{ KeyId = $key.Arn; GrantId = $_.GrantId } } | Export-Csv (Join-Path $work 'grants.csv')
        $run = Invoke-ReadmeBlock 'csv' -Work $work -Environment (Get-EmulatorEnvironment $kms)
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'retires exactly the grants the CSV lists, and reports each' {
        $run.Errors | Should -Be 0 -Because $run.Output
        (Get-KmsEmulatorGrant -Emulator $kms).Name | Should -Be 'c'
        $report = @(Import-Csv (Join-Path $work 'retired.csv'))
        $report.GrantId | Sort-Object | Should -Be ($grants | Select-Object -First 2 | ForEach-Object GrantId | Sort-Object)
        $report.Status | Sort-Object -Unique | Should -Be 'Retired'
    }
}

Describe 'Example: ask KMS first' {
    BeforeAll {
        $kms = Start-KmsEmulator
        $app = "arn:aws:iam::${account}:role/app"
        $null = New-KeyWithGrants $kms 'alias/app' @(@{ GranteePrincipal = $app; Name = 'app-1', 'app-2' }, @{ GranteePrincipal = "arn:aws:iam::${account}:role/other"; Name = 'other' })
        $run = Invoke-ReadmeBlock 'whatif' -Environment (Get-EmulatorEnvironment $kms)
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'prints KMS''s verdict for each of the app role''s grants' {
        $run.Errors | Should -Be 0 -Because $run.Output
        ([regex]::Matches($run.Output, 'KMS DryRun: the retirement would succeed')).Count | Should -Be 2 -Because $run.Output
    }

    It 'sends RetireGrant only as DryRun, and retires nothing' {
        $retires = @(Get-KmsEmulatorRequest -Emulator $kms -Operation RetireGrant)
        $retires.Count | Should -BeGreaterOrEqual 2
        $retires | Where-Object { -not $_.DryRun } | Should -BeNullOrEmpty
        @(Get-KmsEmulatorGrant -Emulator $kms).Count | Should -Be 3
    }
}

Describe 'Example: revoke, as a key administrator' {
    BeforeAll {
        $kms = Start-KmsEmulator
        $null = New-KeyWithGrants $kms 'alias/payments' @(
            @{ GranteePrincipal = "arn:aws:iam::${account}:role/compromised"; Name = 'c-1', 'c-2' }
            @{ GranteePrincipal = "arn:aws:iam::${account}:role/app"; Name = 'app' })
        $run = Invoke-ReadmeBlock 'revoke' -Environment (Get-EmulatorEnvironment $kms)
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'revokes the compromised role''s grants on the key, and reports each' {
        $run.Errors | Should -Be 0 -Because $run.Output
        (Get-KmsEmulatorGrant -Emulator $kms).Name | Should -Be 'app'
        $report = @(Import-Csv (Join-Path $TestDrive 'revoke/revoked.csv'))
        $report.Count | Should -Be 2
        $report.Status | Sort-Object -Unique | Should -Be 'Revoked'
        @(Get-KmsEmulatorRequest -Emulator $kms -Operation RevokeGrant | Where-Object { -not $_.DryRun }).Count | Should -Be 2
    }
}

Describe 'Example: give a deleted role''s grants to its replacement' {
    BeforeAll {
        $kms = Start-KmsEmulator
        $app = "arn:aws:iam::${account}:role/app"
        foreach ($n in 1, 2) { $null = New-KeyWithGrants $kms $null @(@{ GranteePrincipal = $app; Name = "app-$n"; Operations = 'Decrypt', 'GenerateDataKey' }) }
        # The role is deleted and made again: the old grants show the old role's unique ID.
        $oldRoleId = (Remove-KmsEmulatorPrincipal -Emulator $kms -Principal $app -PassThru).UniqueId
        $null = New-KmsEmulatorPrincipal -Emulator $kms -Principal $app
        $before = @(Get-KmsEmulatorGrant -Emulator $kms)
        $run = Invoke-ReadmeBlock 'replace-role' -Variables @{ oldRoleId = $oldRoleId } -Environment (Get-EmulatorEnvironment $kms)
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'asks KMS first with DryRun' {
        $run.Errors | Should -Be 0 -Because $run.Output
        @(Get-KmsEmulatorRequest -Emulator $kms -Operation CreateGrant | Where-Object DryRun).Count | Should -BeGreaterOrEqual 2
    }

    It 'gives the new role each grant the old one had, on the same key, with its operations and name' {
        $new = @(Get-KmsEmulatorGrant -Emulator $kms | Where-Object ListedGranteePrincipal -EQ $app)
        $new.Count | Should -Be 2
        foreach ($old in $before) {
            $copy = @($new | Where-Object { $_.KeyId -eq $old.KeyId })
            $copy.Count | Should -Be 1
            $copy[0].Name | Should -Be $old.Name
            ($copy[0].Operations | Sort-Object) -join ',' | Should -Be (($old.Operations | Sort-Object) -join ',')
        }
        @(Get-KmsEmulatorGrant -Emulator $kms | Where-Object ListedGranteePrincipal -EQ $oldRoleId).Count | Should -Be 2
        $report = @(Import-Csv (Join-Path $TestDrive 'replace-role/new-grants.csv'))
        $report.Status | Sort-Object -Unique | Should -Be 'Created'
        $report.GrantId | Sort-Object | Should -Be ($new.GrantId | Sort-Object)
    }
}

Describe 'Example: find grants to clean up' {
    BeforeAll {
        # A deleted role's grants, back-dated past the age rule, in two Regions; a live role's grant beside them in each.
        $kms = Start-KmsEmulator -Region us-east-1, eu-west-1
        $oldCi = "arn:aws:iam::${account}:role/old-ci"
        $app = "arn:aws:iam::${account}:role/app"
        $monthAgo = (Get-Date).AddDays(-30)
        foreach ($region in 'us-east-1', 'eu-west-1') {
            $key = New-KmsEmulatorKey -Emulator $kms -Region $region
            $null = $key | New-KmsEmulatorGrant -GranteePrincipal $oldCi -Operations Decrypt -CreationDate $monthAgo
            $null = $key | New-KmsEmulatorGrant -GranteePrincipal $oldCi -Operations Encrypt -CreationDate $monthAgo
            $null = $key | New-KmsEmulatorGrant -GranteePrincipal $app -Operations Decrypt -CreationDate $monthAgo
        }
        Remove-KmsEmulatorPrincipal -Emulator $kms -Principal $oldCi
        $run = Invoke-ReadmeBlock 'stale' -Environment (Get-EmulatorEnvironment $kms)
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'shows each finding with its reason and evidence' {
        $run.Errors | Should -Be 0 -Because $run.Output
        ([regex]::Matches($run.Output, 'Reason\s*:\s*PrincipalDeleted')).Count | Should -Be 4 -Because $run.Output
        ([regex]::Matches($run.Output, 'Evidence\s*:\s*The grantee principal is AROA')).Count | Should -Be 4 -Because $run.Output
    }

    It 'asks KMS first, then revokes the deleted role''s grants in both Regions, and only those' {
        @(Get-KmsEmulatorRequest -Emulator $kms -Operation RevokeGrant | Where-Object DryRun).Count | Should -BeGreaterOrEqual 4
        foreach ($region in 'us-east-1', 'eu-west-1') {
            $left = @(Get-KmsEmulatorGrant -Emulator $kms -Region $region)
            $left.GranteePrincipal | Should -Be $app -Because "only the live role's grant is left in $region"
        }
        $report = @(Import-Csv (Join-Path $TestDrive 'stale/revoked.csv'))
        $report.Count | Should -Be 4
        $report.Status | Sort-Object -Unique | Should -Be 'Revoked'
        $report.Region | Sort-Object -Unique | Should -Be 'eu-west-1', 'us-east-1'
    }
}

Describe 'Example: test a runbook' {
    It 'is a Pester file that passes, against an emulator of its own' {
        $work = Join-Path $TestDrive 'pester'
        $null = New-Item -ItemType Directory $work
        Set-Content (Join-Path $work 'Cleanup.Tests.ps1') (Get-ReadmeBlock 'pester')
        $run = Invoke-ReadmeBlock 'pester-run' -Work $work -Code @"
Import-Module '$(Get-PesterManifest)'
`$result = Invoke-Pester ./Cleanup.Tests.ps1 -PassThru -Output Detailed
'RESULT=' + `$result.Result + ' PASSED=' + `$result.PassedCount + ' FAILED=' + `$result.FailedCount
"@
        $run.Output | Should -Match 'RESULT=Passed PASSED=1 FAILED=0' -Because $run.Output
    }
}
