# Shared by the Pester suites: start and stop the KMS backends (our emulator, moto), and drive the real
# third-party clients (boto3, the AWS CLI) against them.
. (Join-Path $PSScriptRoot 'TestPaths.ps1')

# The KMS emulator is the built KmsGrants.Testing module, the code that ships: the suites call its cmdlets
# (Start-KmsEmulator, Get-KmsEmulatorGrant, ...) directly, so it is imported for the whole session.
Import-Module (Get-KmsGrantsTestingModulePath) -Global

$script:Peer = Join-Path $script:RepoRoot 'tests/peers/kms_peer.py'

# The account root that the emulator maps the default testing:testing key to.
$script:AccountRoot = 'arn:aws:iam::111122223333:root'

function Find-PythonTool([string] $Name) {
    $cmd = Get-Command $Name -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($cmd) { return $cmd.Source }
    $shim = Join-Path $HOME ".pyenv/shims/$Name"
    if (Test-Path $shim) { return $shim }
    throw "$Name was not found on PATH or in ~/.pyenv/shims; the machine image ships it with Python 3.11."
}

function Start-TestProcess([string] $FileName, [string[]] $Arguments) {
    $info = [System.Diagnostics.ProcessStartInfo]::new($FileName)
    foreach ($a in $Arguments) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    [System.Diagnostics.Process]::Start($info)
}

<#
.SYNOPSIS Starts moto_server (third-party, from the machine's Python) on a free loopback port.
#>
function Start-MotoServer {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    $process = Start-TestProcess (Find-PythonTool 'moto_server') @('-H', '127.0.0.1', '-p', "$port")
    $url = "http://127.0.0.1:$port"
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        try { $null = Invoke-WebRequest "$url/moto-api/" -TimeoutSec 2; break }
        catch {
            if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
                Stop-TestServer ([pscustomobject]@{ Process = $process })
                throw "moto_server did not start on $url"
            }
            Start-Sleep -Milliseconds 200
        }
    }
    [pscustomobject]@{ Url = $url; KeyArn = $null; Process = $process }
}

# Stops the emulator, moto or any other server process the suites start.
function Stop-TestServer($Server) {
    if ($Server -is [KmsGrants.Testing.KmsEmulator]) { Stop-KmsEmulator $Server; return }
    if ($Server -and $Server.Process -and -not $Server.Process.HasExited) {
        $Server.Process.Kill($true)
        $null = $Server.Process.WaitForExit(10000)
    }
}

function Get-EmulatorStats($Emulator) {
    Get-KmsEmulatorStatistic -Emulator $Emulator
}

<#
.SYNOPSIS The request count of one operation (0 when it was never called).
#>
function Get-RequestCount($Emulator, [string] $Operation) {
    $op = (Get-EmulatorStats $Emulator).operations.$Operation
    if ($op) { $op.requests } else { 0 }
}

<#
.SYNOPSIS Runs tests/peers/kms_peer.py (boto3) against an endpoint; returns its parsed JSON.
#>
function Invoke-KmsPeer {
    param([Parameter(Mandatory)] [string] $Endpoint, [Parameter(Mandatory)] [string] $Command, [string[]] $Arguments = @(),
        [string] $AccessKey = 'testing', [string] $SecretKey = 'testing', [string] $Region = 'us-east-1')
    $saved = $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY, $env:AWS_DEFAULT_REGION
    try {
        $env:AWS_ACCESS_KEY_ID = $AccessKey; $env:AWS_SECRET_ACCESS_KEY = $SecretKey; $env:AWS_DEFAULT_REGION = $Region
        $json = & (Find-PythonTool 'python3') $script:Peer $Endpoint $Command @Arguments
        if ($LASTEXITCODE -ne 0) { throw "kms_peer.py $Command failed (exit $LASTEXITCODE)" }
        $json | ConvertFrom-Json
    }
    finally {
        $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY, $env:AWS_DEFAULT_REGION = $saved
    }
}

<#
.SYNOPSIS
    boto3 calls against an endpoint, in order, one attempt each, in one process (kms_peer.py calls): -Calls is a list of
    @{ label; op = 'list_grants'; params = @{…}; access_key; secret_key; region; repeat }, where a param '{{LABEL.Field}}'
    is a field of an earlier answer. Returns label -> @{ ok; code; message; response } (with repeat: @{ codes }).
#>
function Invoke-KmsCalls([Parameter(Mandatory)] [string] $Endpoint, [Parameter(Mandatory)] [object[]] $Calls) {
    $file = Join-Path ([IO.Path]::GetTempPath()) "kms-calls-$([guid]::NewGuid().ToString('N')).json"
    try {
        ConvertTo-Json -InputObject $Calls -Depth 10 | Set-Content $file
        $answers = Invoke-KmsPeer $Endpoint 'calls' @($file)
        $byLabel = @{}
        foreach ($p in $answers.PSObject.Properties) { $byLabel[$p.Name] = $p.Value }
        $byLabel
    }
    finally { Remove-Item $file -ErrorAction Ignore }
}

<#
.SYNOPSIS Runs the AWS CLI against an endpoint; returns @{ ExitCode; Output (parsed JSON when possible); Error }.
#>
function Invoke-AwsCli {
    param([string] $Endpoint, [Parameter(Mandatory)] [string[]] $Arguments, $Peer,
        [string] $AccessKey = 'testing', [string] $SecretKey = 'testing', [string] $Region = 'us-east-1')
    if ($Peer) {
        # The same call through a running boto3 peer (Start-KmsPeer): the CLI is botocore too, without the process start.
        $Peer.Process.StandardInput.WriteLine((@{ args = $Arguments; access_key = $AccessKey; secret_key = $SecretKey; region = $Region } | ConvertTo-Json -Compress))
        return $Peer.Process.StandardOutput.ReadLine() | ConvertFrom-Json
    }
    $saved = $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY, $env:AWS_DEFAULT_REGION, $env:AWS_MAX_ATTEMPTS
    try {
        $env:AWS_ACCESS_KEY_ID = $AccessKey; $env:AWS_SECRET_ACCESS_KEY = $SecretKey; $env:AWS_DEFAULT_REGION = $Region
        $env:AWS_MAX_ATTEMPTS = '1'
        $errFile = [IO.Path]::GetTempFileName()
        $out = & (Find-PythonTool 'aws') --endpoint-url $Endpoint --output json @Arguments 2>$errFile
        $code = $LASTEXITCODE
        $parsed = if ($out) { try { ($out -join "`n") | ConvertFrom-Json } catch { $out } }
        [pscustomobject]@{ ExitCode = $code; Output = $parsed; Error = (Get-Content $errFile -Raw) }
        Remove-Item $errFile
    }
    finally {
        $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY, $env:AWS_DEFAULT_REGION, $env:AWS_MAX_ATTEMPTS = $saved
    }
}

<#
.SYNOPSIS
    Starts one boto3 process (tests/peers/kms_peer.py serve) that takes AWS CLI-style calls for an endpoint, so that a
    suite making many calls pays one process start, not one per call. Invoke-AwsCli -Peer uses it.
#>
function Start-KmsPeer([Parameter(Mandatory)] [string] $Endpoint) {
    $info = [System.Diagnostics.ProcessStartInfo]::new((Find-PythonTool 'python3'))
    foreach ($a in $script:Peer, $Endpoint, 'serve') { $info.ArgumentList.Add($a) }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    [pscustomobject]@{ Process = [System.Diagnostics.Process]::Start($info) }
}

<#
.SYNOPSIS
    Starts kms_peer.py hammer: boto3 calling ListKeys (with -BodyKiB, DescribeKey with that many KiB of grant tokens)
    from -Threads threads, back to back for -Seconds, at an endpoint where something may or may not listen (errors are
    counted, not fatal). Stops by itself; Stop-TestServer ends it sooner.
#>
function Start-KmsHammer([Parameter(Mandatory)] [string] $Endpoint, [int] $Seconds = 60, [int] $Threads = 12, [int] $BodyKiB = 0) {
    $saved = $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY, $env:AWS_DEFAULT_REGION
    try {
        $env:AWS_ACCESS_KEY_ID = 'testing'; $env:AWS_SECRET_ACCESS_KEY = 'testing'; $env:AWS_DEFAULT_REGION = 'us-east-1'
        [pscustomobject]@{ Process = Start-TestProcess (Find-PythonTool 'python3') @($script:Peer, $Endpoint, 'hammer', "$Seconds", "$Threads", "$BodyKiB") }
    }
    finally { $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY, $env:AWS_DEFAULT_REGION = $saved }
}

<#
.SYNOPSIS Creates a key and COUNT grants through boto3; returns @{ KeyId; Grants = @({KeyId, GrantId, GrantToken}) }.
#>
function New-TestGrantSet {
    param([Parameter(Mandatory)] [string] $Endpoint, [int] $Count = 3,
        [string] $Grantee = 'arn:aws:iam::111122223333:role/app',
        [string] $RetiringPrincipal = 'arn:aws:iam::111122223333:role/retirer',
        [string] $Operations = 'Decrypt', [string] $KeyId)
    if (-not $KeyId) { $KeyId = (Invoke-KmsPeer $Endpoint 'create-key').KeyId }
    $grants = if ($Count -gt 0) { @(Invoke-KmsPeer $Endpoint 'create-grants' @($KeyId, "$Count", $Grantee, $RetiringPrincipal, $Operations)) } else { @() }
    [pscustomobject]@{ KeyId = $KeyId; Grants = $grants }
}

<#
.SYNOPSIS Credentials and region for the module in this process: the emulator's default identity.
#>
function Set-TestAwsEnvironment {
    $env:AWS_ACCESS_KEY_ID = 'testing'
    $env:AWS_SECRET_ACCESS_KEY = 'testing'
    $env:AWS_REGION = 'us-east-1'
    $env:AWS_EC2_METADATA_DISABLED = 'true'
}

<#
.SYNOPSIS
    The IDs of the grants a key (key ID or ARN) has now, from an oracle independent of KmsGrants (the module under test):
    the emulator's own state, or boto3's ListGrants for moto (-Server: what Start-KmsEmulator or Start-MotoServer gave).
#>
function Get-AliveGrantId {
    param([Parameter(Mandatory, Position = 0)] [string] $KeyId, [Parameter(Mandatory)] $Server, [string] $Region = 'us-east-1')
    # ForEach-Object, not .GrantId: member access on an empty list gives $null, which would count as one grant.
    if ($Server -is [KmsGrants.Testing.KmsEmulator]) { return Get-KmsEmulatorGrant -Emulator $Server -KeyId $KeyId | ForEach-Object GrantId }
    (Invoke-KmsPeer $Server.Url 'list-grants' @($KeyId) -Region $Region).GrantIds | ForEach-Object { $_ }
}

<#
.SYNOPSIS
    Runs a script somewhere other than this runspace, with the built module imported, and returns what happened.
.DESCRIPTION
    In a new runspace of this process (the default): the script gets -Arguments as parameters (add a param() block).
    -Answer gives the runspace a host that answers every prompt so ('Yes', 'No to All', …) and records prompts and host
    lines. -NoWait returns at once with the running pipeline, to stop it as Ctrl+C does; Complete-Isolated waits for it.
    Returns Output, Errors, Prompts, Lines, PowerShell (its streams and runspace).

    In a fresh pwsh (-NewProcess), for what a process holds once (environment, credential chain, loaded assemblies):
    its environment is exactly HOME (-HomeDirectory), the AWS variables in -Environment and the test flags. The script
    sees $Module (the module's path; imported first unless -NoImport) and each of -Arguments as a variable. Returns
    ExitCode and Output: every stream and every error in $Error, formatted in full, as text.
#>
function Invoke-Isolated {
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Arguments = @{},
        [string] $Answer,
        [switch] $NoWait,
        [switch] $NewProcess,
        [hashtable] $Environment = @{},
        [string] $HomeDirectory = $HOME,
        [switch] $NoImport
    )
    $module = Get-KmsGrantsModulePath
    if ($NewProcess) {
        $file = Join-Path ([IO.Path]::GetTempPath()) ("kmsgrants-isolated-{0}.ps1" -f [guid]::NewGuid().ToString('N'))
        $variables = foreach ($k in $Arguments.Keys) { "`$$k = '$("$($Arguments[$k])".Replace("'", "''"))'" }
        Set-Content $file @"
`$ErrorActionPreference = 'Continue'
`$Module = '$module'
$($variables -join "`n")
$(if (-not $NoImport) { "Import-Module `$Module" })
`$result = & { $Script } *>&1 | Out-String -Width 300
`$result += (`$Error | ForEach-Object { `$_ | Format-List * -Force | Out-String -Width 300 }) -join "``n"
`$result
"@
        $names = @('HOME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION') + @($Environment.Keys)
        $saved = @{}
        foreach ($n in $names) { $saved[$n] = [Environment]::GetEnvironmentVariable($n) }
        try {
            # Remove-Item, not SetEnvironmentVariable($n, $null): PowerShell passes $null to a string parameter as '',
            # which .NET now keeps as an empty variable (AWS_PROFILE='' makes boto3 look for a profile named '').
            foreach ($n in $names) { Remove-Item "env:$n" -ErrorAction Ignore }
            [Environment]::SetEnvironmentVariable('HOME', $HomeDirectory)
            foreach ($n in $Environment.Keys) { [Environment]::SetEnvironmentVariable($n, $Environment[$n]) }
            $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2>&1
            return [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n") }
        }
        finally {
            foreach ($n in $saved.Keys) {
                if ($null -eq $saved[$n]) { Remove-Item "env:$n" -ErrorAction Ignore } else { [Environment]::SetEnvironmentVariable($n, $saved[$n]) }
            }
            Remove-Item $file -ErrorAction Ignore
        }
    }

    $scriptedHost = $null
    if ($Answer) {
        if (-not ('KmsGrantsTests.ScriptedHost' -as [type])) { Add-Type -Path (Join-Path $PSScriptRoot 'Fixtures/ScriptedHost.cs') }
        $scriptedHost = [KmsGrantsTests.ScriptedHost]::new($Answer)
    }
    $runspace = if ($scriptedHost) { [runspacefactory]::CreateRunspace($scriptedHost) } else { [runspacefactory]::CreateRunspace() }
    $runspace.Open()
    $ps = [powershell]::Create($runspace)
    $null = $ps.AddScript("Import-Module '$module'").AddStatement().AddScript($Script)
    foreach ($k in $Arguments.Keys) { $null = $ps.AddParameter($k, $Arguments[$k]) }
    $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
    $run = [pscustomobject]@{ PowerShell = $ps; Output = $output; Host = $scriptedHost
        Handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]$null, $output) }
    if ($NoWait) { return $run }
    Complete-Isolated $run
}

<#
.SYNOPSIS Waits for a run of Invoke-Isolated -NoWait (stopped or not) and returns Output, Errors, Prompts, Lines.
#>
function Complete-Isolated($Run) {
    # Let the asynchronous invocation finish its own bookkeeping before the caller touches the runspace's session
    # state: PowerShell forbids concurrent SessionStateProxy calls and ends the process on one.
    try { $null = $Run.PowerShell.EndInvoke($Run.Handle) }
    catch [System.Management.Automation.PipelineStoppedException] { }
    [pscustomobject]@{
        Output = @($Run.Output); Errors = @($Run.PowerShell.Streams.Error); PowerShell = $Run.PowerShell
        Prompts = @(if ($Run.Host) { $Run.Host.Prompts })
        Lines = @(if ($Run.Host) { $Run.Host.Lines })
        HostWarnings = @(if ($Run.Host) { $Run.Host.Warnings })
    }
}

# A key ARN that names no key anywhere: for grants sent to endpoints that never look at them.
$script:FakeKey = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
$script:HostileScript = Join-Path $script:RepoRoot 'tests/peers/hostile_server.py'

<#
.SYNOPSIS
    Starts tests/peers/hostile_server.py (a loopback server that is not KMS) in MODE on a free port of BIND; returns
    @{ Url; Process } (stop it with Stop-TestServer).
#>
function Start-HostileServer([string] $Mode, [string[]] $Options = @(), [string] $Bind = '127.0.0.1') {
    $info = [System.Diagnostics.ProcessStartInfo]::new((Find-PythonTool 'python3'))
    foreach ($a in @($script:HostileScript, $Mode, '--bind', $Bind) + $Options) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    # It prints its port first.
    $read = $process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait([TimeSpan]::FromSeconds(15)) -or $read.Result -notmatch '^\d+$') {
        Stop-TestServer ([pscustomobject]@{ Process = $process })
        throw "hostile_server.py $Mode did not print its port: $($read.Result)"
    }
    [pscustomobject]@{ Url = "http://${Bind}:$($read.Result)"; Process = $process }
}

<#
.SYNOPSIS
    What reached a hostile server, by its own count: requests (POSTs), targets (by X-Amz-Target), grants (by grant ID
    or token), securityTokens.
#>
function Get-HostileStats($Server) { Invoke-RestMethod "$($Server.Url)/_stats" -NoProxy }

<#
.SYNOPSIS Every request the emulator has seen, of any operation.
#>
function Get-TotalRequestCount($Emulator) {
    $ops = (Get-EmulatorStats $Emulator).operations
    $total = 0
    foreach ($p in $ops.PSObject.Properties) { $total += $p.Value.requests }
    $total
}

<#
.SYNOPSIS COUNT grants that exist nowhere, named by key ARN (-KeyId, $FakeKey by default) and IDs 00…01, 00…02, …
#>
function New-FakeGrant([int] $Count, [string] $KeyId = $script:FakeKey) {
    1..$Count | ForEach-Object { [pscustomobject]@{ KeyId = $KeyId; GrantId = ('{0:x64}' -f $_) } }
}

<#
.SYNOPSIS Text with all white space removed (line wrapping undone): a secret split over two lines is still found.
#>
function Get-FlatText([string] $Text) { $Text -replace '\s', '' }

Export-ModuleMember -Function Start-MotoServer, Stop-TestServer, Get-EmulatorStats, Get-RequestCount, Invoke-KmsCalls,
    Invoke-KmsPeer, Invoke-AwsCli, Start-KmsPeer, Start-KmsHammer, Invoke-Isolated, Complete-Isolated, Get-AliveGrantId, New-TestGrantSet, Set-TestAwsEnvironment, Find-PythonTool, Get-KmsGrantsModulePath,
    Get-KmsGrantsTestingModulePath, Get-NuGetPackagesFolder,
    Start-HostileServer, Get-HostileStats, Get-TotalRequestCount, New-FakeGrant, Get-FlatText -Variable AccountRoot, FakeKey
