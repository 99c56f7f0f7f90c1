<#
.SYNOPSIS
    Runs one Pester suite against the built modules, writes its counts as JSON (for the summary line) and its results
    as NUnit XML (for CI systems) beside it. Called by build.ps1 -Task Test, one fresh pwsh per suite.
#>
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'),
    [string] $TestingModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants.Testing'),
    # One block only ("path:line" of a Describe, Context or It): build.ps1 -Task TestAlone.
    [string] $Line
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'TestPaths.ps1')
Import-Module (Get-PesterManifest)
$env:KMSGRANTS_MODULE = (Resolve-Path $ModulePath).Path
$env:KMSGRANTS_TESTING_MODULE = (Resolve-Path $TestingModulePath).Path

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
if ($Line) { $config.Filter.Line = $Line }
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = [IO.Path]::ChangeExtension($ResultPath, '.xml')
$result = Invoke-Pester -Configuration $config

[ordered]@{
    Passed          = $result.PassedCount
    Failed          = $result.FailedCount + $result.FailedBlocksCount
    Skipped         = $result.SkippedCount
    ContainerFailed = $result.FailedContainersCount -gt 0
    # Named in the test command's closing lines, beside this suite's log.
    FailedTests     = @(@($result.Failed | ForEach-Object ExpandedPath) + @($result.FailedBlocks | ForEach-Object { "$($_.ExpandedPath) (its set-up)" }) +
        @($result.FailedContainers | ForEach-Object { "$($_.Item) (the file itself)" }))
} | ConvertTo-Json | Set-Content -Path $ResultPath
