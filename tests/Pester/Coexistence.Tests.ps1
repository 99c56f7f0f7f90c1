# KmsGrants and another AWSSDK copy (what AWS.Tools loads) in one session, in either order.
# Each order runs in a fresh pwsh: the first AWSSDK.Core loaded into the default context is the point of the test.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    $emulator = Start-KmsEmulator -SeedGrants 30 -RetiringPrincipal 'arn:aws:iam::111122223333:role/coexist'
    $packages = Get-NuGetPackagesFolder
    $core4033 = Join-Path $packages 'awssdk.core/4.0.3.3/lib/net8.0/AWSSDK.Core.dll'
    $kms4 = Join-Path $packages 'awssdk.keymanagementservice/4.0.100.9/lib/net8.0/AWSSDK.KeyManagementService.dll'

    function Invoke-Session([string] $Script) {
        Invoke-Isolated -NewProcess -NoImport -Environment @{ AWS_ACCESS_KEY_ID = 'testing'; AWS_SECRET_ACCESS_KEY = 'testing'; AWS_REGION = 'us-east-1' } `
            -Arguments @{ Url = $emulator.Url; Core4033 = $core4033; Kms4 = $kms4 } -Script (@'
$ErrorActionPreference = 'Stop'
function Use-KmsGrants([int] $Retire) {
    $grants = @(Get-KmsRetirableGrant arn:aws:iam::111122223333:role/coexist -EndpointUrl $Url)
    $done = @($grants | Select-Object -First $Retire | Remove-KmsGrant -EndpointUrl $Url -Force -PassThru)
    'listed=' + $grants.Count + ' retired=' + @($done | Where-Object Status -EQ Retired).Count
}
function Show-Cores { [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AWSSDK.Core' } |
    ForEach-Object { 'core=' + $_.GetCustomAttributes([Reflection.AssemblyFileVersionAttribute], $false)[0].Version + '@' + ([Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name) } }
'@ + $Script)
    }
}
AfterAll { Stop-TestServer $emulator }

Describe 'One session with another AWSSDK.Core' {
    It 'works when AWSSDK.Core 4.0.3.3 was loaded first, and that copy keeps working' {
        $r = Invoke-Session @'
Add-Type -Path $Core4033
Import-Module $Module
Use-KmsGrants 2
# The session's own copy (AWS.Tools' in real life) still works after ours ran.
[Amazon.Runtime.BasicAWSCredentials]::new('a', 'b').GetCredentials().AccessKey
Show-Cores
'@
        $r.Output | Should -Match 'listed=\d+ retired=2'
        $r.Output | Should -Match '(?m)^a$'
        $r.Output | Should -Match 'core=4\.0\.3\.3@Default'
        $r.Output | Should -Match 'core=4\.1\.0\.\d+@KmsGrants'
        $r.ExitCode | Should -Be 0
    }

    It 'works when KmsGrants was used first and AWSSDK.Core 4.0.3.3 loads after' {
        $r = Invoke-Session @'
Import-Module $Module
Use-KmsGrants 2
Add-Type -Path $Core4033
[Amazon.Runtime.BasicAWSCredentials]::new('a', 'b').GetCredentials().AccessKey
Use-KmsGrants 2
Show-Cores
'@
        ([regex]::Matches($r.Output, 'retired=2')).Count | Should -Be 2
        $r.Output | Should -Match '(?m)^a$'
        $r.Output | Should -Match 'core=4\.0\.3\.3@Default'
        $r.ExitCode | Should -Be 0
    }

    It 'works beside a different AWSSDK.KeyManagementService version' {
        $r = Invoke-Session @'
Add-Type -Path $Core4033
Add-Type -Path $Kms4
$other = [Amazon.KeyManagementService.AmazonKeyManagementServiceConfig]::new()
'other-kms=' + $other.GetType().Assembly.GetCustomAttributes([Reflection.AssemblyFileVersionAttribute], $false)[0].Version
Import-Module $Module
Use-KmsGrants 2
'@
        $r.Output | Should -Match 'other-kms=4\.0\.100\.9'
        $r.Output | Should -Match 'listed=\d+ retired=2'
        $r.ExitCode | Should -Be 0
    }
}
