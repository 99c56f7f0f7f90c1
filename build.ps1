<#
.SYNOPSIS
    Builds, tests, benchmarks, demonstrates and packages KmsGrants.
.DESCRIPTION
    One entry point, one task per run:
      Build    (default) out/KmsGrants/ and out/KmsGrants.Testing/ (the KMS emulator): the complete module folders.
      Test     Build, then the xunit tests and every Pester suite of tests/Pester and tests/Testing (each in a fresh
               pwsh, -Parallel 2 at a time, each
               one's output printed whole when it ends), then one summary line:
               "Tests: N passed, M failed[, K skipped]". Exits non-zero on any failure.
      Bench    Build, then tests/bench/*.ps1, each printing its figures.
      Demo     Build, then the main job against the KMS emulator of KmsGrants.Testing (or, with -EndpointUrl/-Region/
               -ProfileName, its read-only part against a real account).
      Package  Build, then out/package/KmsGrants.<version>.nupkg and KmsGrants.Testing.<version>.nupkg for
               Install-PSResource.
      Docs     Build, then regenerate docs/en-US from the built modules: a page per cmdlet and every generated block
               of the about topics (tools/Update-Docs.ps1; tests/Pester/Docs.Tests.ps1 fails when one is stale).
      TestAlone  Build, then each Pester block on its own, in a fresh pwsh: every top-level Describe (-AloneLevel
               Describe, the default) or every It (-AloneLevel It), so that no test leans on another having run first.
               Ends with the same summary line as Test.
      StressTest The README's test command -Repeat times (3) in a row with -Hogs CPU-bound processes (2) beside it: the
               suite must stay green on a busy machine. Exits non-zero unless every run is green.
      Clean    Removes out/ and the projects' bin/ and obj/.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'TestAlone', 'StressTest', 'Bench', 'Demo', 'Package', 'Docs', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Test, TestAlone: only the Pester suites whose file name matches this wildcard (xunit always runs in Test).
    [string] $Filter = '*',

    # TestAlone: run each top-level Describe alone, or each It.
    [ValidateSet('Describe', 'It')]
    [string] $AloneLevel = 'Describe',

    # Test, TestAlone: how many Pester suites (or blocks) run at once, each in its own pwsh.
    [ValidateRange(1, 8)] [int] $Parallel = 2,

    # StressTest: how many runs of the test command, beside how many CPU-bound processes.
    [ValidateRange(1, 20)] [int] $Repeat = 3,
    [ValidateRange(0, 16)] [int] $Hogs = 2,

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

# Get-Help's files: the cmdlets' MAML from the prose in docs/help and the built cmdlets' metadata, and the about topics
# from docs/en-US/about_*.md as text; in a separate pwsh because it imports the module.
function Write-ModuleHelp([string] $ModulePath, [string] $Name) {
    $enUS = Join-Path $ModulePath 'en-US'
    $null = New-Item -ItemType Directory $enUS -Force
    Invoke-Native "Generating $Name help" {
        dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tools/New-MamlHelp.ps1') -ModulePath $ModulePath `
            -Source (Join-Path $Root "docs/help/$Name.help.psd1") -Destination (Join-Path $enUS "$Name.dll-Help.xml") `
            -AboutSource (Join-Path $Root 'docs/en-US')
    }
}

# out/KmsGrants.Testing: the emulator as a module, with no dependency of its own (its HTTP server is on .NET's sockets).
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

# Never let a test reach for instance metadata (169.254.169.254) or a developer's own AWS set-up.
function Clear-AwsEnvironment {
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    foreach ($name in 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
        'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_KMS', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE') {
        Remove-Item "env:$name" -ErrorAction Ignore
    }
}

function Initialize-ResultsDir {
    if (Test-Path $ResultsDir) { Remove-Item $ResultsDir -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ResultsDir
}

# KmsGrants' suites (tests/Pester) and the emulator module's (tests/Testing), by file name.
function Get-PesterSuite {
    Get-ChildItem (Join-Path $Root 'tests/Pester'), (Join-Path $Root 'tests/Testing') -Filter '*.Tests.ps1' | Where-Object Name -Like $Filter | Sort-Object Name
}

<#
    Runs Pester suites (or blocks of them: Line "path:line"), each in a fresh pwsh — a binary module cannot be unloaded,
    and suites must not share state — -Parallel at a time; prints each one's output as a whole when it ends, and adds its
    counts to $Totals. Returns the names of the runs that were not green. Runs: @{ Suite; Line; Name }.
#>
function Invoke-PesterRuns([object[]] $Runs, [hashtable] $Totals) {
    $runner = Join-Path $Root 'tests/Pester/Invoke-Suite.ps1'
    $failing = [Collections.Generic.List[string]]::new()
    $Runs | ForEach-Object -ThrottleLimit $Parallel -Parallel {
        $run = $_
        $result = Join-Path $using:ResultsDir ($run.Name + '.json')
        $log = Join-Path $using:ResultsDir ($run.Name + '.log')
        $runnerArgs = @('-NoProfile', '-NonInteractive', '-File', $using:runner, '-Path', $run.Suite.FullName, '-ResultPath', $result,
            '-ModulePath', $using:ModuleOut, '-TestingModulePath', $using:TestingOut)
        if ($run.Line) { $runnerArgs += @('-Line', $run.Line) }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        dotnet pwsh @runnerArgs *> $log
        [pscustomobject]@{ Run = $run; Result = $result; Log = $log; Seconds = $clock.Elapsed.TotalSeconds }
    } | ForEach-Object {
        Write-Host "`n== Pester: $($_.Run.Name) ($($_.Run.Title))" -ForegroundColor Cyan
        Get-Content $_.Log | ForEach-Object { Write-Host $_ }
        if (-not (Test-Path $_.Result)) {
            Write-Host "$($_.Run.Name) produced no result: counted as one failure." -ForegroundColor Red
            $Totals.Failed++
            $failing.Add("$($_.Run.Name): produced no result (log: $($_.Log))")
            return
        }
        $r = Get-Content $_.Result -Raw | ConvertFrom-Json
        $Totals.Passed += $r.Passed; $Totals.Failed += $r.Failed; $Totals.Skipped += $r.Skipped
        if ($r.ContainerFailed) { $Totals.Failed++ }
        if ($r.Failed -or $r.ContainerFailed) {
            $log = $_.Log
            $failing.AddRange([string[]]@(@($r.FailedTests) | ForEach-Object { "$($_) (log: $log)" }))
            if (-not $r.FailedTests) { $failing.Add("$($_.Run.Name) (log: $log)") }
        }
        Write-Host ('{0}: {1} passed, {2} failed in {3:0} s' -f $_.Run.Name, $r.Passed, ($r.Failed + [int]$r.ContainerFailed), $_.Seconds)
    }
    , $failing
}

function Write-TestSummary([hashtable] $Totals) {
    $summary = "Tests: $($Totals.Passed) passed, $($Totals.Failed) failed"
    if ($Totals.Skipped) { $summary += ", $($Totals.Skipped) skipped" }
    Write-Host ''
    Write-Output $summary
    if ($Totals.Failed -gt 0) { exit 1 }
}

function Invoke-TestTask {
    Invoke-BuildTask
    Initialize-TestDependencies
    Initialize-ResultsDir
    Clear-AwsEnvironment
    $totals = @{ Passed = 0; Failed = 0; Skipped = 0 }

    Write-Host "`n== xunit: tests/KmsGrants.Tests" -ForegroundColor Cyan
    $trx = Join-Path $ResultsDir 'xunit.trx'
    dotnet test (Join-Path $Root 'tests/KmsGrants.Tests') -c $Configuration --nologo -v quiet --logger "trx;LogFileName=$trx" `
        --logger "nunit;LogFilePath=$(Join-Path $ResultsDir 'xunit.xml')" --logger 'console;verbosity=minimal'
    $xunitFailing = [Collections.Generic.List[string]]::new()
    if (Test-Path $trx) {
        $testRun = ([xml](Get-Content $trx -Raw)).TestRun
        $counters = $testRun.ResultSummary.Counters
        $totals.Passed += [int]$counters.passed
        $totals.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout
        $totals.Skipped += [int]$counters.notExecuted
        foreach ($failed in @($testRun.Results.UnitTestResult | Where-Object outcome -NE 'Passed' | Where-Object outcome -NE 'NotExecuted')) {
            $xunitFailing.Add("xunit: $($failed.testName) (log: $trx)")
        }
    }
    elseif ($LASTEXITCODE -ne 0) {
        Write-Host 'xunit did not run (build failure?): counted as one failure.' -ForegroundColor Red
        $totals.Failed++
        $xunitFailing.Add('xunit: did not run (build failure?)')
    }

    $runs = foreach ($suite in Get-PesterSuite) { @{ Suite = $suite; Name = $suite.BaseName; Title = $suite.Name } }
    $failing = Invoke-PesterRuns $runs $totals
    $failing.InsertRange(0, $xunitFailing)
    Write-Failing 'Not green' $failing
    Write-TestSummary $totals
}

# The closing lines of a failed run: each failing test by name, with the log that has its output.
function Write-Failing([string] $Title, [Collections.Generic.List[string]] $Failing) {
    if (-not $Failing.Count) { return }
    Write-Host "`n${Title}:" -ForegroundColor Red
    foreach ($line in $Failing) { Write-Host "  $line" -ForegroundColor Red }
}

# Each top-level Describe (or each It) of each suite, alone: its line, as Pester's Filter.Line takes it.
function Invoke-TestAloneTask {
    Invoke-BuildTask
    Initialize-TestDependencies
    Initialize-ResultsDir
    Clear-AwsEnvironment
    $totals = @{ Passed = 0; Failed = 0; Skipped = 0 }
    $runs = foreach ($suite in Get-PesterSuite) {
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($suite.FullName, [ref]$null, [ref]$null)
        $blocks = $ast.FindAll({
                param($node)
                $node -is [System.Management.Automation.Language.CommandAst] -and $node.GetCommandName() -eq $AloneLevel -and
                ($AloneLevel -eq 'It' -or -not (Get-EnclosingBlock $node))
            }, $true)
        foreach ($block in $blocks) {
            $line = $block.Extent.StartLineNumber
            @{ Suite = $suite; Line = "$($suite.FullName):$line"; Name = "$($suite.BaseName)-$line"; Title = "alone: $($block.CommandElements[1].Extent.Text)" }
        }
    }
    $failing = Invoke-PesterRuns $runs $totals
    Write-Failing 'Failed alone' $failing
    Write-TestSummary $totals
}

# Whether a Describe sits inside another Describe (only the top-level ones are run alone).
function Get-EnclosingBlock($Node) {
    for ($p = $Node.Parent; $p; $p = $p.Parent) {
        if ($p -is [System.Management.Automation.Language.CommandAst] -and $p.GetCommandName() -eq 'Describe') { return $p }
    }
}

# The README's test command, -Repeat times, each beside -Hogs processes that spin on the CPU.
function Invoke-StressTestTask {
    $hogProcesses = @(1..$Hogs | Where-Object { $Hogs -gt 0 } | ForEach-Object {
            Start-Process -FilePath ([Environment]::ProcessPath) -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', 'while ($true) { }') -PassThru
        })
    $lines = [Collections.Generic.List[string]]::new()
    try {
        foreach ($i in 1..$Repeat) {
            Write-Host "`n=== StressTest run $i of $Repeat, beside $Hogs CPU-bound processes" -ForegroundColor Cyan
            $clock = [Diagnostics.Stopwatch]::StartNew()
            dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'build.ps1') -Task Test -Configuration $Configuration | Tee-Object -Variable shown | Out-Host
            $summary = @($shown | Where-Object { $_ -match '^Tests: ' })[-1]
            $lines.Add(('run {0}: {1} (exit {2}) in {3:0} s' -f $i, $summary, $LASTEXITCODE, $clock.Elapsed.TotalSeconds))
            Write-Host $lines[-1]
        }
    }
    finally {
        foreach ($hog in $hogProcesses) { if (-not $hog.HasExited) { $hog.Kill($true) } }
    }
    $green = @($lines | Where-Object { $_ -match ', 0 failed' -and $_ -match '\(exit 0\)' }).Count
    Write-Host ''
    $lines | ForEach-Object { Write-Host $_ }
    Write-Output "StressTest: $green of $Repeat runs green beside $Hogs CPU-bound processes"
    if ($green -ne $Repeat) { exit 1 }
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

# docs/en-US from the built modules, then the modules' about topics again (they are written from those files).
function Invoke-DocsTask {
    Invoke-BuildTask
    Invoke-Native 'Generating docs/en-US' {
        dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tools/Update-Docs.ps1') -ModulePath $ModuleOut -TestingModulePath $TestingOut
    }
    Write-ModuleHelp $ModuleOut 'KmsGrants'
    Write-ModuleHelp $TestingOut 'KmsGrants.Testing'
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
    'TestAlone' { Invoke-TestAloneTask }
    'StressTest' { Invoke-StressTestTask }
    'Bench' { Invoke-BenchTask }
    'Demo' { Invoke-DemoTask }
    'Package' { Invoke-PackageTask }
    'Docs' { Invoke-DocsTask }
    'Clean' { Invoke-CleanTask }
}
