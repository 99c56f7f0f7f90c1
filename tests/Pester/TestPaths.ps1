# Where the test run's pieces are, in one place: the built modules, Pester and the NuGet packages the suites load.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Get-NuGetPackagesFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    Join-Path $HOME '.nuget/packages'
}

# Pinned in tests/TestDependencies/TestDependencies.csproj (PackageDownload); see CONTRIBUTING.md, "Why Pester 5.7.1".
function Get-PesterManifest {
    Join-Path (Get-NuGetPackagesFolder) 'pester/5.7.1/tools/Pester.psd1'
}

function Get-KmsGrantsModulePath {
    if ($env:KMSGRANTS_MODULE) { return $env:KMSGRANTS_MODULE }
    Join-Path $script:RepoRoot 'out/KmsGrants'
}

# The KMS emulator the suites run against: the built module that ships (in-process, on loopback).
function Get-KmsGrantsTestingModulePath {
    if ($env:KMSGRANTS_TESTING_MODULE) { return $env:KMSGRANTS_TESTING_MODULE }
    Join-Path $script:RepoRoot 'out/KmsGrants.Testing'
}
