<#
.SYNOPSIS
    Builds, tests, benchmarks, demonstrates and packages KmsGrants.
.DESCRIPTION
    One entry point, one task per run:
      Build    (default) out/KmsGrants/ and out/KmsGrants.Testing/ (the KMS emulator): the complete module folders.
      Test     Build, then the xunit tests and every Pester suite (each in a fresh pwsh), then one summary line:
               "Tests: N passed, M failed[, K skipped]". Exits non-zero on any failure.
      Bench    Build, then tests/bench/*.ps1, each printing its figures.
      Demo     Build, then the main job against the KMS emulator of KmsGrants.Testing (or, with -EndpointUrl/-Region/
               -ProfileName, its read-only part against a real account).
      Package  Build, then out/package/KmsGrants.<version>.nupkg and KmsGrants.Testing.<version>.nupkg for
               Install-PSResource.
      Clean    Removes out/ and the projects' bin/ and obj/.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Bench', 'Demo', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Test: only the Pester suites whose file name matches this wildcard (xunit always runs).
    [string] $Filter = '*',

    # Demo against a real account (read-only part).
    [string] $EndpointUrl,
    [string] $Region,
    [string] $ProfileName,
    [string] $RetiringPrincipal
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'KmsGrants'
$TestingOut = Join-Path $Out 'KmsGrants.Testing'
$TestingSource = Join-Path $Root 'src/KmsGrants.Testing'
$ResultsDir = Join-Path $Out 'test-results'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:POWERSHELL_TELEMETRY_OPTOUT = '1'
$env:POWERSHELL_UPDATECHECK = 'Off'
# The Python peers (moto, boto3, the AWS CLI) live in pyenv; a non-login shell may lack its shims.
$shims = Join-Path $HOME '.pyenv/shims'
if ((Test-Path $shims) -and ($env:PATH -split [IO.Path]::PathSeparator) -notcontains $shims) {
    $env:PATH = $shims + [IO.Path]::PathSeparator + $env:PATH
}

function Invoke-Native([string] $What, [scriptblock] $Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)." }
}

function Get-ModuleVersion([string] $Manifest = (Join-Path $Root 'KmsGrants.psd1')) {
    (Import-PowerShellDataFile $Manifest).ModuleVersion
}

# Cmdlet help: generated from the prose in docs/help and the built cmdlets' metadata, in a separate pwsh because it
# imports the module; about_ topics are copied as written.
function Write-ModuleHelp([string] $ModulePath, [string] $Name) {
    $enUS = Join-Path $ModulePath 'en-US'
    $null = New-Item -ItemType Directory $enUS -Force
    Copy-Item (Join-Path $Root "docs/help/about_$Name.help.txt") $enUS
    Invoke-Native "Generating $Name cmdlet help" {
        dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tools/New-MamlHelp.ps1') -ModulePath $ModulePath `
            -Source (Join-Path $Root "docs/help/$Name.help.psd1") -Destination (Join-Path $enUS "$Name.dll-Help.xml")
    }
}

# out/KmsGrants.Testing: the emulator as a module, with no dependency of its own (pwsh carries HttpListener).
function Invoke-BuildTestingModule {
    if (Test-Path $TestingOut) { Remove-Item $TestingOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $TestingOut
    $manifest = Join-Path $TestingSource 'KmsGrants.Testing.psd1'
    $version = Get-ModuleVersion $manifest
    Invoke-Native 'Building KmsGrants.Testing' { dotnet build $TestingSource -c $Configuration --nologo -v quiet "-p:Version=$version" }
    $bin = Join-Path $TestingSource "bin/$Configuration/net8.0"
    Copy-Item (Join-Path $bin 'KmsGrants.Testing.dll'), (Join-Path $bin 'KmsGrants.Testing.pdb') $TestingOut
    Copy-Item $manifest, (Join-Path $TestingSource 'KmsGrants.Testing.Format.ps1xml'), (Join-Path $Root 'LICENSE') $TestingOut
    Write-ModuleHelp $TestingOut 'KmsGrants.Testing'
    Write-Host "Built $TestingOut (version $version)"
}

function Invoke-BuildTask {
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut
    $version = Get-ModuleVersion
    $common = @('-c', $Configuration, '--nologo', '-v', 'quiet', "-p:Version=$version")

    # The engine and everything it needs (AWS SDK included) go to dependencies/, loaded privately at run time.
    Invoke-Native 'Publishing the engine' { dotnet publish (Join-Path $Root 'src/KmsGrants.Engine') @common -o (Join-Path $ModuleOut 'dependencies') }
    Invoke-Native 'Building the cmdlets' { dotnet build (Join-Path $Root 'src/KmsGrants') @common }
    $bin = Join-Path $Root "src/KmsGrants/bin/$Configuration/netstandard2.0"
    Copy-Item (Join-Path $bin 'KmsGrants*.dll'), (Join-Path $bin 'KmsGrants*.pdb') $ModuleOut
    Copy-Item (Join-Path $Root 'KmsGrants.psd1'), (Join-Path $Root 'src/KmsGrants/KmsGrants.Format.ps1xml'), (Join-Path $Root 'LICENSE') $ModuleOut
    Get-ChildItem (Join-Path $ModuleOut 'dependencies') -Filter '*.deps.json' | Remove-Item
    Write-ModuleHelp $ModuleOut 'KmsGrants'
    Write-Host "Built $ModuleOut (version $version)"
    Invoke-BuildTestingModule
}

function Invoke-CleanTask {
    foreach ($path in @($Out) + (Get-ChildItem $Root -Recurse -Directory -Include bin, obj | Where-Object FullName -NotLike '*node_modules*').FullName) {
        if (Test-Path $path) { Remove-Item $path -Recurse -Force }
    }
    Write-Host 'Cleaned.'
}

function Initialize-TestDependencies {
    Invoke-Native 'Restoring test dependencies' { dotnet restore (Join-Path $Root 'tests/TestDependencies') --nologo -v quiet }
    # The emulator's console host: the benchmarks run it out of process, and a test checks its command line.
    Invoke-Native 'Building the KMS emulator host' { dotnet build (Join-Path $Root 'tests/KmsEmulator') -c Release --nologo -v quiet }
}

function Invoke-TestTask {
    Invoke-BuildTask
    Initialize-TestDependencies
    if (Test-Path $ResultsDir) { Remove-Item $ResultsDir -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ResultsDir

    # Never let a test reach for instance metadata (169.254.169.254) or a developer's own AWS set-up.
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    foreach ($name in 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
        'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_KMS', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE') {
        Remove-Item "env:$name" -ErrorAction Ignore
    }

    $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }

    Write-Host "`n== xunit: tests/KmsGrants.Tests" -ForegroundColor Cyan
    $trx = Join-Path $ResultsDir 'xunit.trx'
    dotnet test (Join-Path $Root 'tests/KmsGrants.Tests') -c $Configuration --nologo -v quiet --logger "trx;LogFileName=$trx" `
        --logger "nunit;LogFilePath=$(Join-Path $ResultsDir 'xunit.xml')" --logger 'console;verbosity=minimal'
    if (Test-Path $trx) {
        $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        $totals.Passed += [int]$counters.passed
        $totals.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout
        $totals.Skipped += [int]$counters.notExecuted
    }
    elseif ($LASTEXITCODE -ne 0) {
        Write-Host 'xunit did not run (build failure?): counted as one failure.' -ForegroundColor Red
        $totals.Failed++
    }

    $runner = Join-Path $Root 'tests/Pester/Invoke-Suite.ps1'
    foreach ($suite in Get-ChildItem (Join-Path $Root 'tests/Pester') -Filter '*.Tests.ps1' | Where-Object Name -Like $Filter | Sort-Object Name) {
        Write-Host "`n== Pester: $($suite.Name)" -ForegroundColor Cyan
        $result = Join-Path $ResultsDir ($suite.BaseName + '.json')
        # A fresh process per suite: a binary module cannot be unloaded, and suites must not share state.
        dotnet pwsh -NoProfile -NonInteractive -File $runner -Path $suite.FullName -ResultPath $result -ModulePath $ModuleOut -TestingModulePath $TestingOut
        if (Test-Path $result) {
            $r = Get-Content $result -Raw | ConvertFrom-Json
            $totals.Passed += $r.Passed; $totals.Failed += $r.Failed; $totals.Skipped += $r.Skipped
            if ($r.ContainerFailed) { $totals.Failed++ }
        }
        else {
            Write-Host "$($suite.Name) produced no result: counted as one failure." -ForegroundColor Red
            $totals.Failed++
        }
    }

    $line = "Tests: $($totals.Passed) passed, $($totals.Failed) failed"
    if ($totals.Skipped) { $line += ", $($totals.Skipped) skipped" }
    Write-Host ''
    Write-Output $line
    if ($totals.Failed -gt 0) { exit 1 }
}

function Invoke-BenchTask {
    Invoke-BuildTask
    Initialize-TestDependencies
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    $env:KMSGRANTS_TESTING_MODULE = $TestingOut   # for the bench of the in-process emulator (tests/Pester/TestPaths.ps1)
    foreach ($bench in Get-ChildItem (Join-Path $Root 'tests/bench') -Filter '*.ps1' | Where-Object Name -NotLike '_*' | Sort-Object Name) {
        Write-Host "`n== $($bench.Name)" -ForegroundColor Cyan
        dotnet pwsh -NoProfile -NonInteractive -File $bench.FullName -ModulePath $ModuleOut
        if ($LASTEXITCODE -ne 0) { throw "$($bench.Name) failed (exit code $LASTEXITCODE)." }
    }
}

function Invoke-DemoTask {
    Invoke-BuildTask
    $demo = Join-Path $Root 'tools/Demo.ps1'
    $demoArgs = @('-ModulePath', $ModuleOut, '-TestingModulePath', $TestingOut)
    if ($EndpointUrl) { $demoArgs += @('-EndpointUrl', $EndpointUrl) }
    if ($Region) { $demoArgs += @('-Region', $Region) }
    if ($ProfileName) { $demoArgs += @('-ProfileName', $ProfileName) }
    if ($RetiringPrincipal) { $demoArgs += @('-RetiringPrincipal', $RetiringPrincipal) }
    dotnet pwsh -NoProfile -File $demo @demoArgs
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-PackageTask {
    Invoke-BuildTask
    $packageDir = Join-Path $Out 'package'
    if (Test-Path $packageDir) { Remove-Item $packageDir -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $packageDir
    # PSResourceGet writes the .nupkg (with the manifest's metadata) into a local folder repository.
    $repo = 'KmsGrantsBuild-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Register-PSResourceRepository -Name $repo -Uri $packageDir -Trusted
    try {
        foreach ($module in $ModuleOut, $TestingOut) { Publish-PSResource -Path $module -Repository $repo -SkipDependenciesCheck }
    }
    finally {
        Unregister-PSResourceRepository -Name $repo
    }
    Get-ChildItem $packageDir -Filter '*.nupkg' | ForEach-Object { Write-Host "Packaged $($_.FullName)" }
}

switch ($Task) {
    'Build' { Invoke-BuildTask }
    'Test' { Invoke-TestTask }
    'Bench' { Invoke-BenchTask }
    'Demo' { Invoke-DemoTask }
    'Package' { Invoke-PackageTask }
    'Clean' { Invoke-CleanTask }
}
