# Both modules publish to a PSResourceGet repository, install with Install-PSResource or Save-PSResource, and work
# installed: KmsGrants lists grants, the sample runbook's Pester file (about_KmsGrants.Testing shows it) passes in a fresh
# pwsh that has only the two saved modules and Pester, and no repository; the README's install block works as written,
# and Get-Help has every cmdlet and topic from what it installed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    . (Join-Path $PSScriptRoot 'TestPaths.ps1')
    $emulator = Start-KmsEmulator -SeedGrants 7 -RetiringPrincipal 'arn:aws:iam::111122223333:role/installed'
    $tempHome = Join-Path $TestDrive 'home'
    $repo = Join-Path $TestDrive 'repo'
    $saved = Join-Path $TestDrive 'modules'   # the module path of the "installed user" below
    $null = New-Item -ItemType Directory $tempHome, $repo, $saved
    $script = Join-Path $TestDrive 'install.ps1'
    Set-Content $script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name KmsGrantsTest -Uri '$repo' -Trusted
Publish-PSResource -Path '$(Get-KmsGrantsModulePath)' -Repository KmsGrantsTest
Publish-PSResource -Path '$(Get-KmsGrantsTestingModulePath)' -Repository KmsGrantsTest
'package=' + ((Get-ChildItem '$repo' -Filter *.nupkg).Name -join ',')
Install-PSResource -Name KmsGrants -Repository KmsGrantsTest -Scope CurrentUser -TrustRepository
Import-Module KmsGrants
'base=' + (Get-Module KmsGrants).ModuleBase
`$env:AWS_ACCESS_KEY_ID = 'testing'; `$env:AWS_SECRET_ACCESS_KEY = 'testing'
'grants=' + @(Get-KmsRetirableGrant arn:aws:iam::111122223333:role/installed -EndpointUrl '$($emulator.Url)' -Region us-east-1).Count
'examples=' + (Get-Help Remove-KmsGrant -Examples).Examples.Example.Count
Save-PSResource -Name KmsGrants, KmsGrants.Testing -Repository KmsGrantsTest -Path '$saved' -TrustRepository
"@
    $savedHome = $env:HOME
    try {
        # A fresh HOME: the repository registration and the CurrentUser install land in it, not in the user's own.
        $env:HOME = $tempHome
        $output = (& ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $script 2>&1) -join "`n"
        $exitCode = $LASTEXITCODE
    }
    finally { $env:HOME = $savedHome }

    # The installed user: Pester (as they would have it installed) beside the two saved modules; a working folder that
    # holds only a copy of samples/GrantCleanup; a HOME of its own; nothing that names this repository.
    $pester = Split-Path (Get-PesterManifest)
    $null = New-Item -ItemType Directory (Join-Path $saved 'Pester')
    Copy-Item $pester (Join-Path $saved 'Pester/5.7.1') -Recurse
    $work = Join-Path $TestDrive 'work'
    $userHome = Join-Path $TestDrive 'user-home'
    $null = New-Item -ItemType Directory $work, $userHome
    $sample = Join-Path $script:RepoRoot 'samples/GrantCleanup'
    Copy-Item (Join-Path $sample 'GrantCleanup.psm1'), (Join-Path $sample 'GrantCleanup.Tests.ps1') $work
    $run = Join-Path $TestDrive 'run-sample.ps1'
    Set-Content $run @'
$ErrorActionPreference = 'Stop'
'modules=' + ((Get-Module -ListAvailable KmsGrants, KmsGrants.Testing, Pester).ModuleBase -join ';')
'files=' + ((Get-ChildItem -Name | Sort-Object) -join ',')
$result = Invoke-Pester ./GrantCleanup.Tests.ps1 -PassThru -Output Detailed
foreach ($name in 'KmsGrants', 'KmsGrants.Testing') { "loaded $name=" + (Get-Module $name).ModuleBase }
'result=' + $result.Result + ' passed=' + $result.PassedCount + ' failed=' + $result.FailedCount
'@
    $environment = @{ HOME = $userHome; PSModulePath = $saved; KMSGRANTS_MODULE = $null; KMSGRANTS_TESTING_MODULE = $null }
    $before = @{}
    foreach ($name in $environment.Keys) { $before[$name] = [Environment]::GetEnvironmentVariable($name) }
    $location = Get-Location
    try {
        foreach ($name in $environment.Keys) {
            if ($null -eq $environment[$name]) { Remove-Item "env:$name" -ErrorAction Ignore } else { Set-Item "env:$name" $environment[$name] }
        }
        Set-Location $work
        $sampleOutput = (& ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $run 2>&1) -join "`n"
        $sampleExitCode = $LASTEXITCODE
    }
    finally {
        Set-Location $location
        foreach ($name in $before.Keys) {
            if ($null -eq $before[$name]) { Remove-Item "env:$name" -ErrorAction Ignore } else { Set-Item "env:$name" $before[$name] }
        }
    }

    # The README's install block, as written: in a clone whose out/package holds the two packages, for a user whose
    # NuGet folder holds the Pester package the test command restored; then Get-Help for every cmdlet and topic.
    $readme = (Get-Content (Join-Path $script:RepoRoot 'README.md') -Raw) -replace "`r`n", "`n"
    $installBlock = [regex]::Match($readme, "<!-- runs-in-tests: install -->\n``````powershell\n(?<code>.*?)\n``````", 'Singleline').Groups['code'].Value
    $clone = Join-Path $TestDrive 'clone'
    $installHome = Join-Path $TestDrive 'install-home'
    $null = New-Item -ItemType Directory (Join-Path $clone 'out/package'), (Join-Path $installHome '.nuget/packages/pester')
    Copy-Item (Join-Path $repo '*.nupkg') (Join-Path $clone 'out/package')
    Copy-Item (Split-Path (Split-Path (Get-PesterManifest))) (Join-Path $installHome '.nuget/packages/pester/5.7.1') -Recurse
    $topics = (Get-ChildItem (Join-Path $script:RepoRoot 'docs/en-US') -Filter 'about_*.md').BaseName
    $installScript = Join-Path $TestDrive 'readme-install.ps1'
    Set-Content $installScript @"
`$ErrorActionPreference = 'Stop'
$installBlock
'saved=' + ((Get-ChildItem `$modules -Directory).Name -join ',')
'found=' + ((Get-Module -ListAvailable KmsGrants, KmsGrants.Testing, Pester).ModuleBase -join ';')
Import-Module KmsGrants, KmsGrants.Testing
foreach (`$topic in '$($topics -join "', '")') {
    `$text = Get-Help `$topic | Out-String
    'topic ' + `$topic + '=' + (`$text -match ('TOPIC\s+' + [regex]::Escape(`$topic)))
}
foreach (`$command in Get-Command -Module KmsGrants, KmsGrants.Testing) {
    `$help = Get-Help `$command.Name -Full
    'cmdlet ' + `$command.Name + '=' + ([bool]`$help.Synopsis -and `$help.Synopsis -notlike ('*' + `$command.Name + '*[[]*') -and @(`$help.Examples.Example).Count -ge 3)
}
"@
    $location = Get-Location
    $savedHome = $env:HOME
    try {
        Set-Location $clone
        $env:HOME = $installHome
        # Plain text: escape codes would spoil the NUnit report of a failure.
        $installOutput = ((& ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $installScript 2>&1) -join "`n") -replace '\x1b\[[0-9;?]*[A-Za-z]', ''
        $installExitCode = $LASTEXITCODE
    }
    finally {
        $env:HOME = $savedHome
        Set-Location $location
    }
}
AfterAll { Stop-TestServer $emulator }

Describe 'Install-PSResource from a local repository' {
    It 'publishes a .nupkg of each module named after its manifest''s version' {
        $version = (Import-PowerShellDataFile (Join-Path (Get-KmsGrantsModulePath) 'KmsGrants.psd1')).ModuleVersion
        $testingVersion = (Import-PowerShellDataFile (Join-Path (Get-KmsGrantsTestingModulePath) 'KmsGrants.Testing.psd1')).ModuleVersion
        $output | Should -Match "package=.*KmsGrants\.$([regex]::Escape($version))\.nupkg"
        $output | Should -Match "package=.*KmsGrants\.Testing\.$([regex]::Escape($testingVersion))\.nupkg"
        $exitCode | Should -Be 0 -Because $output
    }

    It 'installs into the user''s module path and imports from there' {
        $output | Should -Match ("base=" + [regex]::Escape($tempHome))
    }

    It 'lists grants and shows help once installed' {
        $output | Should -Match 'grants=7'
        $output | Should -Match 'examples=[3-9]'
    }
}

Describe 'KmsGrants.Testing, saved with Save-PSResource, used as an installed user would' {
    It 'is found and loaded from the saved module path only, with nothing of this repository in the working folder' {
        $sampleOutput | Should -Match ('modules=' + ((@('KmsGrants', 'KmsGrants.Testing', 'Pester') | ForEach-Object { [regex]::Escape((Join-Path $saved $_)) + '/[^;]*' }) -join ';'))
        $sampleOutput | Should -Match 'files=GrantCleanup\.psm1,GrantCleanup\.Tests\.ps1\n'
        foreach ($name in 'KmsGrants', 'KmsGrants.Testing') {
            $sampleOutput | Should -Match ("loaded $([regex]::Escape($name))=" + [regex]::Escape((Join-Path $saved $name)) + '/')
        }
        $sampleOutput | Should -Not -Match ([regex]::Escape($script:RepoRoot))
    }

    It 'passes the sample runbook''s Pester file (about_KmsGrants.Testing shows it)' {
        $sampleOutput | Should -Match 'result=Passed passed=6 failed=0'
        $sampleExitCode | Should -Be 0 -Because $sampleOutput
    }

    It 'ships one assembly and no runtime: pwsh provides the rest' {
        $base = (Get-ChildItem (Join-Path $saved 'KmsGrants.Testing') -Directory | Select-Object -First 1).FullName
        (Get-ChildItem $base -Recurse -Filter *.dll).Name | Should -Be 'KmsGrants.Testing.dll'
        (Import-PowerShellDataFile (Join-Path $base 'KmsGrants.Testing.psd1')).PowerShellVersion | Should -Be '7.4'
    }
}

Describe 'The README''s install block, run as written' {
    It 'saves both modules and Pester into the folder it names, offline, and they are found there' {
        $installExitCode | Should -Be 0 -Because $installOutput
        $installOutput | Should -Match 'saved=KmsGrants,KmsGrants.Testing,Pester\n'
        foreach ($name in 'KmsGrants', 'KmsGrants.Testing', 'Pester') {
            $installOutput | Should -Match ([regex]::Escape((Join-Path $installHome "kms-modules/$name")))
        }
    }

    It 'gives Get-Help every about topic, from the installed packages' {
        foreach ($topic in $topics) { $installOutput | Should -Match "topic $([regex]::Escape($topic))=True" -Because $installOutput }
    }

    It 'gives Get-Help every cmdlet, with its synopsis and examples, from the installed packages' {
        $cmdlets = [regex]::Matches($installOutput, 'cmdlet (\S+)=(\w+)')
        $cmdlets.Count | Should -Be 17
        foreach ($c in $cmdlets) { $c.Groups[2].Value | Should -Be 'True' -Because "Get-Help $($c.Groups[1].Value)" }
    }
}

Describe 'about_KmsGrants.Testing, installed' {
    It 'shows samples/GrantCleanup/GrantCleanup.Tests.ps1 as it is' {
        $text = (Get-Content (Join-Path $script:RepoRoot 'docs/en-US/about_KmsGrants.Testing.md') -Raw) -replace "`r`n", "`n"
        $file = (Get-Content (Join-Path $script:RepoRoot 'samples/GrantCleanup/GrantCleanup.Tests.ps1') -Raw) -replace "`r`n", "`n"
        $text.Contains("``````powershell`n" + $file.TrimEnd("`n") + "`n``````") | Should -BeTrue
        $installed = Get-Content (Join-Path $installHome 'kms-modules/KmsGrants.Testing/*/en-US/about_KmsGrants.Testing.help.txt') -Raw
        foreach ($line in $file -split "`n" | Where-Object { $_.Trim() }) {
            $installed.Contains('        ' + $line.TrimEnd()) | Should -BeTrue -Because "Get-Help about_KmsGrants.Testing shows the sample's line '$line'"
        }
    }
}
