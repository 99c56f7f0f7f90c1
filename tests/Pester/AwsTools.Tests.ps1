# Living with AWS.Tools: Get-KMSRetirableGrant and our Get-KmsRetirableGrant are one name to PowerShell, so scripts
# written for AWS.Tools must keep working when ours answers, and ours must stay reachable when theirs does. Also the
# AWS.Tools conventions we follow: key aliases and -KeyId completion (-WhatIf against moto is in DryRunSafety, pipeline
# binding in RemoveKmsGrant, credential/Region resolution and $AWSProxy in Credentials). AWS.Tools cannot be installed here: a binary stand-in with their
# cmdlets' names and parameters (Fixtures/AwsToolsKms.cs) is compiled per run.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
    $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1 -Identity @(
        @{ AccessKey = 'testing'; SecretKey = 'testing'; Principal = 'arn:aws:iam::111122223333:root' }
        @{ AccessKey = 'AKTOOLS'; SecretKey = 'tools-secret'; Principal = 'arn:aws:iam::111122223333:role/tools' }
        @{ AccessKey = 'AKPROFILE'; SecretKey = 'profile-secret'; Principal = 'arn:aws:iam::111122223333:role/profile' }
        @{ AccessKey = 'AKDEFAULT'; SecretKey = 'default-secret'; Principal = 'arn:aws:iam::111122223333:role/default' }
        @{ AccessKey = 'AKENV'; SecretKey = 'env-secret'; Principal = 'arn:aws:iam::111122223333:role/env' }
        @{ AccessKey = 'AKLOCATION'; SecretKey = 'location-secret'; Principal = 'arn:aws:iam::111122223333:role/location' })
    $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $emulator.Url
    $account = '111122223333'

    # The stand-in module as AWS.Tools ships theirs: a dll as RootModule and a manifest that names its cmdlets.
    $standInDir = Join-Path $TestDrive 'AWS.Tools.KeyManagementService'
    $null = New-Item -ItemType Directory $standInDir
    Add-Type -Path (Join-Path $PSScriptRoot 'Fixtures/AwsToolsKms.cs') -OutputType Library -ErrorAction Stop `
        -OutputAssembly (Join-Path $standInDir 'AWS.Tools.KeyManagementService.dll')
    $standIn = Join-Path $standInDir 'AWS.Tools.KeyManagementService.psd1'
    New-ModuleManifest $standIn -RootModule 'AWS.Tools.KeyManagementService.dll' -ModuleVersion '5.0.0' `
        -CmdletsToExport 'Get-KMSRetirableGrant', 'Get-KMSGrantList', 'Disable-KMSGrant' -FunctionsToExport @() -AliasesToExport @() -VariablesToExport @()

    $emptyHome = Join-Path $TestDrive 'empty-home'
    $null = New-Item -ItemType Directory $emptyHome

    <#
    Runs a script in a fresh pwsh (nothing imported: the script imports in the order under test). The script sees $Url,
    $StandIn, $Module and $ResultFile, and reports by writing JSON to $ResultFile; its full output comes back too, to
    explain a failure.
    #>
    function Invoke-Fresh([string] $Script, [hashtable] $Environment = @{}, [string] $HomeDir = $emptyHome, [hashtable] $Arguments = @{}) {
        $resultFile = Join-Path $TestDrive ('result-{0}.json' -f [guid]::NewGuid().ToString('N'))
        $all = @{ Url = $emulator.Url; StandIn = $standIn; ResultFile = $resultFile }
        foreach ($k in $Arguments.Keys) { $all[$k] = $Arguments[$k] }
        $run = Invoke-Isolated -NewProcess -NoImport -Script $Script -Environment $Environment -HomeDirectory $HomeDir -Arguments $all
        if (-not (Test-Path $resultFile)) { throw "The fresh pwsh wrote no result. Its output:`n$($run.Output)" }
        [pscustomobject]@{ Result = Get-Content $resultFile -Raw | ConvertFrom-Json; Output = $run.Output }
    }

    # Shared by the fresh scripts: the emulator's request count for one operation.
    $requestsFunction = @'
function Requests([string] $Op) { $o = (Invoke-RestMethod "$Url/_emulator/stats").operations.$Op; if ($o) { [int]$o.requests } else { 0 } }
'@
}
AfterAll { Stop-TestServer $emulator }

Describe 'Scripts written for AWS.Tools, when KmsGrants was imported last' {
    BeforeAll {
        $principal = 'arn:aws:iam::111122223333:role/awstools-retirer'
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 5 -RetiringPrincipal $principal -Grantee 'arn:aws:iam::111122223333:role/app-a'
        $null = New-TestGrantSet -Endpoint $emulator.Url -Count 2 -KeyId $set.KeyId -RetiringPrincipal 'arn:aws:iam::111122223333:role/other' -Grantee 'arn:aws:iam::111122223333:role/app-b'
        $byId = [string[]]@(Get-KmsRetirableGrant $principal).GrantId
        $keyGrantIds = [string[]]@(Get-KmsGrant -KeyId $set.KeyId).GrantId

        # One fresh pwsh: theirs first, ours last. Every call below is spelled as for AWS.Tools (Get-KMSRetirableGrant,
        # -Limit, -MaxItems, -Marker, -NextToken, -Select, ...; the endpoint from AWS_ENDPOINT_URL_KMS, as a script would
        # not name one) and records what it wrote and how many requests it sent.
        $fresh = Invoke-Fresh -Environment @{ AWS_ACCESS_KEY_ID = 'testing'; AWS_SECRET_ACCESS_KEY = 'testing'; AWS_REGION = 'us-east-1'; AWS_ENDPOINT_URL_KMS = $emulator.Url } `
            -Arguments @{ P = $principal; K = $set.KeyId; G = $keyGrantIds[0] } -Script ($requestsFunction + @'
$ErrorActionPreference = 'Stop'
Import-Module $StandIn
Import-Module $Module
$R = [ordered]@{}
function Record([string] $Name, [string] $Op, [scriptblock] $Call) {
    $before = Requests $Op
    # A call that fails is recorded as such, so that only the tests of that call fail.
    $failed = $null
    $out = @(try { & $Call } catch { $failed = "$_" })
    $R[$Name] = [ordered]@{
        Error    = $failed
        Requests = (Requests $Op) - $before
        Types    = @($out | ForEach-Object { $_.GetType().FullName } | Select-Object -Unique)
        Values   = @($out | ForEach-Object { if ($_ -is [string]) { $_ } elseif ($_.PSObject.Properties['GrantId']) { $_.GrantId } else { "$_" } })
        Pages    = @($out | Where-Object { $_.PSObject.Properties['NextMarker'] } | ForEach-Object { [ordered]@{ Grants = @($_.Grants).Count; NextMarker = $_.NextMarker; Truncated = $_.Truncated } })
    }
}
$R.Answering = @(Get-Command Get-KMSRetirableGrant | ForEach-Object Source)
$R.SameName = @(Get-Command Get-KMSRetirableGrant -All | ForEach-Object Source)

Record 'Limit' ListRetirableGrants { Get-KMSRetirableGrant -RetiringPrincipal $P -Limit 2 }
Record 'MaxItems' ListRetirableGrants { Get-KMSRetirableGrant -RetiringPrincipal $P -MaxItems 2 }
Record 'FirstMarker' ListRetirableGrants { Get-KMSRetirableGrant -RetiringPrincipal $P -Limit 2 -Select NextMarker -NoAutoIteration }
$marker = $R.FirstMarker.Values[0]
Record 'Marker' ListRetirableGrants { Get-KMSRetirableGrant -RetiringPrincipal $P -Limit 2 -Marker $marker }
Record 'NextToken' ListRetirableGrants { Get-KMSRetirableGrant -RetiringPrincipal $P -Limit 2 -NextToken $marker }
Record 'NoAutoIteration' ListRetirableGrants { Get-KMSRetirableGrant -RetiringPrincipal $P -Limit 2 -NoAutoIteration }
Record 'SelectAll' ListRetirableGrants { Get-KMSRetirableGrant -RetiringPrincipal $P -Limit 2 -Select * }
Record 'SelectNextMarker' ListRetirableGrants { Get-KMSRetirableGrant -RetiringPrincipal $P -Limit 2 -Select NextMarker }
Record 'SelectGrantId' ListRetirableGrants { Get-KMSRetirableGrant -RetiringPrincipal $P -Limit 2 -Select Grants.GrantId }
Record 'SelectParameter' ListRetirableGrants { Get-KMSRetirableGrant -RetiringPrincipal $P -Limit 2 -Select ^RetiringPrincipal }
Record 'ByPropertyName' ListRetirableGrants { [pscustomobject]@{ RetiringPrincipal = $P } | Get-KMSRetirableGrant -Limit 2 }
Record 'CommonAliases' ListRetirableGrants { Get-KMSRetirableGrant -RetiringPrincipal $P -RegionToCall us-east-1 -AK AKTOOLS -SK tools-secret }
$R.CommonAliasesCaller = (Invoke-RestMethod "$Url/_emulator/stats").lastCaller

# Get-KMSGrantList's parameters, on Get-KmsGrant.
Record 'KeyLimit' ListGrants { Get-KmsGrant -KeyId $K -Limit 3 }
Record 'KeyMaxItems' ListGrants { Get-KmsGrant -KeyId $K -MaxItems 3 }
Record 'KeyPositional' ListGrants { Get-KmsGrant $K }
Record 'KeyGrantId' ListGrants { Get-KmsGrant -KeyId $K -GrantId $G }
Record 'KeyGrantee' ListGrants { Get-KmsGrant -KeyId $K -GranteePrincipal arn:aws:iam::111122223333:role/app-b }
Record 'KeyFirstMarker' ListGrants { Get-KmsGrant -KeyId $K -Limit 3 -Select NextMarker -NoAutoIteration }
$keyMarker = $R.KeyFirstMarker.Values[0]
Record 'KeyMarker' ListGrants { Get-KmsGrant -KeyId $K -Limit 3 -Marker $keyMarker }
Record 'KeyNextToken' ListGrants { Get-KmsGrant -KeyId $K -Limit 3 -NextToken $keyMarker }
Record 'KeyNoAutoIteration' ListGrants { Get-KmsGrant -KeyId $K -Limit 3 -NoAutoIteration }
Record 'KeySelectAll' ListGrants { Get-KmsGrant -KeyId $K -Limit 3 -Select * }
Record 'KeySelectGrantId' ListGrants { Get-KmsGrant -KeyId $K -Limit 3 -Select Grants.GrantId }
Record 'KeySelectParameter' ListGrants { Get-KmsGrant -KeyId $K -Limit 3 -Select ^KeyId }
$R | ConvertTo-Json -Depth 6 | Set-Content $ResultFile
'@)
        $R = $fresh.Result
    }

    It 'PowerShell picks ours for Get-KMSRetirableGrant, with theirs still loaded' {
        $R.Answering | Should -Be 'KmsGrants' -Because $fresh.Output
        $R.SameName | Should -Contain 'AWS.Tools.KeyManagementService'
    }

    It 'runs every call without an error' {
        @($R.PSObject.Properties | Where-Object { $_.Value -is [pscustomobject] -and $_.Value.Error } | ForEach-Object { "$($_.Name): $($_.Value.Error)" }) |
            Should -BeNullOrEmpty
    }

    It '-Limit and -MaxItems are the page size: 5 grants in 3 requests of 2' {
        foreach ($case in $R.Limit, $R.MaxItems) {
            $case.Values | Should -Be $byId
            $case.Requests | Should -Be 3
        }
    }

    It '-Marker and -NextToken start after a real NextMarker and list one page' {
        $R.FirstMarker.Values.Count | Should -Be 1
        $R.FirstMarker.Requests | Should -Be 1
        foreach ($case in $R.Marker, $R.NextToken) {
            $case.Values | Should -Be $byId[2..3]
            $case.Requests | Should -Be 1
        }
    }

    It '-NoAutoIteration lists one page' {
        $R.NoAutoIteration.Values | Should -Be $byId[0..1]
        $R.NoAutoIteration.Requests | Should -Be 1
    }

    It '-Select * writes each page with Grants, NextMarker and Truncated' {
        $R.SelectAll.Types | Should -Be 'KmsGrants.GrantPage'
        $R.SelectAll.Pages.Grants | Should -Be 2, 2, 1
        $R.SelectAll.Pages.Truncated | Should -Be $true, $true, $false
        $R.SelectAll.Pages[0].NextMarker | Should -Be $R.FirstMarker.Values[0]
        $R.SelectAll.Pages[2].NextMarker | Should -BeNullOrEmpty
        $R.SelectAll.Requests | Should -Be 3
    }

    It '-Select NextMarker writes the markers of the pages that have one' {
        $R.SelectNextMarker.Values | Should -Be @($R.SelectAll.Pages[0].NextMarker, $R.SelectAll.Pages[1].NextMarker)
    }

    It '-Select Grants.GrantId writes the grant IDs, flattened across pages' {
        $R.SelectGrantId.Types | Should -Be 'System.String'
        $R.SelectGrantId.Values | Should -Be $byId
    }

    It '-Select ^RetiringPrincipal writes the parameter once, after every page' {
        $R.SelectParameter.Values | Should -Be @($principal)
        $R.SelectParameter.Requests | Should -Be 3
    }

    It 'takes RetiringPrincipal by property name from a [pscustomobject]' {
        $R.ByPropertyName.Values | Should -Be $byId
    }

    It 'takes the common parameters'' AWS.Tools aliases (-RegionToCall, -AK, -SK)' {
        $R.CommonAliases.Values | Should -Be $byId
        $R.CommonAliasesCaller | Should -Be 'arn:aws:iam::111122223333:role/tools'
    }

    It 'Get-KmsGrant takes Get-KMSGrantList''s -Limit/-MaxItems, positional -KeyId, -GrantId and -GranteePrincipal' {
        foreach ($case in $R.KeyLimit, $R.KeyMaxItems) {
            $case.Values | Should -Be $keyGrantIds
            $case.Requests | Should -Be 3
        }
        $R.KeyPositional.Values | Should -Be $keyGrantIds
        $R.KeyGrantId.Values | Should -Be @($keyGrantIds[0])
        $R.KeyGrantee.Values | Should -Be $keyGrantIds[5..6]
    }

    It 'Get-KmsGrant takes Get-KMSGrantList''s -Marker/-NextToken, -NoAutoIteration and -Select' {
        foreach ($case in $R.KeyMarker, $R.KeyNextToken) {
            $case.Values | Should -Be $keyGrantIds[3..5]
            $case.Requests | Should -Be 1
        }
        $R.KeyNoAutoIteration.Values | Should -Be $keyGrantIds[0..2]
        $R.KeyNoAutoIteration.Requests | Should -Be 1
        $R.KeySelectAll.Pages.Grants | Should -Be 3, 3, 1
        $R.KeySelectGrantId.Values | Should -Be $keyGrantIds
        $R.KeySelectParameter.Values | Should -Be @($set.KeyId)
    }
}

Describe 'When AWS.Tools was imported last' {
    BeforeAll {
        $principal = 'arn:aws:iam::111122223333:role/awstools-second'
        $null = New-TestGrantSet -Endpoint $emulator.Url -Count 3 -RetiringPrincipal $principal
        $fresh = Invoke-Fresh -Environment @{ AWS_ACCESS_KEY_ID = 'testing'; AWS_SECRET_ACCESS_KEY = 'testing'; AWS_REGION = 'us-east-1' } `
            -Arguments @{ P = $principal } -Script ($requestsFunction + @'
$ErrorActionPreference = 'Stop'
Import-Module $Module
Import-Module $StandIn
$R = [ordered]@{}
$theirs = Get-Command Get-KMSRetirableGrant
$R.Answering = $theirs.Source
$R.AnsweringType = "$($theirs.CommandType)"

# What answers the bare name: theirs, and no request reaches the emulator.
$before = Requests ListRetirableGrants
$R.Bare = @(Get-KMSRetirableGrant -RetiringPrincipal $P -MaxItems 2 | ForEach-Object StandIn)
$R.BareRequests = (Requests ListRetirableGrants) - $before

$before = Requests ListRetirableGrants
$R.Qualified = @(KmsGrants\Get-KmsRetirableGrant -RetiringPrincipal $P -EndpointUrl $Url | ForEach-Object { $_.GetType().FullName })
$R.QualifiedRequests = (Requests ListRetirableGrants) - $before

Import-Module $Module -Prefix X
$before = Requests ListRetirableGrants
$R.Prefixed = @(Get-XKmsRetirableGrant -RetiringPrincipal $P -EndpointUrl $Url | ForEach-Object { $_.GetType().FullName })
$R.PrefixedRequests = (Requests ListRetirableGrants) - $before
$R.AnsweringAfterPrefix = (Get-Command Get-KMSRetirableGrant).Source

# Every parameter and alias of theirs must exist on ours with at least their pipeline binding and position, except
# that credentials and endpoint bind from the command line only (a CSV column must not choose them): listed apart.
$commandLineOnly = 'ProfileName', 'ProfileLocation', 'AccessKey', 'SecretKey', 'SessionToken', 'Credential', 'EndpointUrl'
$ours = @{ 'Get-KMSRetirableGrant' = 'KmsGrants\Get-KmsRetirableGrant'; 'Get-KMSGrantList' = 'KmsGrants\Get-KmsGrant' }
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
$R.CommandLineOnly = @()
$R.Missing = @(foreach ($name in $ours.Keys) {
    $their = Get-Command "AWS.Tools.KeyManagementService\$name"
    $our = Get-Command $ours[$name]
    foreach ($p in $their.Parameters.Values | Where-Object Name -NotIn $common) {
        $match = $our.Parameters.Values | Where-Object { $_.Name -eq $p.Name -or $_.Aliases -contains $p.Name }
        if (-not $match) { "$name -$($p.Name): no such parameter"; continue }
        foreach ($alias in $p.Aliases) { if ($match.Name -ne $alias -and $match.Aliases -notcontains $alias) { "$name -$($p.Name): no alias $alias" } }
        $t = $p.ParameterSets.Values | Select-Object -First 1
        $o = $match.ParameterSets.Values
        if ($t.ValueFromPipelineByPropertyName -and -not ($o | Where-Object ValueFromPipelineByPropertyName)) {
            if ($match.Name -in $commandLineOnly) { $R.CommandLineOnly += @("$name -$($match.Name)") } else { "$name -$($p.Name): not by property name" }
        }
        if ($t.ValueFromPipeline -and -not ($o | Where-Object ValueFromPipeline)) { "$name -$($p.Name): not from the pipeline" }
        if ($t.Position -ge 0 -and -not ($o | Where-Object Position -EQ $t.Position)) { "$name -$($p.Name): not at position $($t.Position)" }
    }
})
$R.TheirParameterCount = (Get-Command AWS.Tools.KeyManagementService\Get-KMSRetirableGrant).Parameters.Count
$R | ConvertTo-Json -Depth 6 | Set-Content $ResultFile
'@)
        $R = $fresh.Result
    }

    It 'theirs (a binary cmdlet) answers Get-KMSRetirableGrant and sends nothing to our endpoint' {
        $R.Answering | Should -Be 'AWS.Tools.KeyManagementService' -Because $fresh.Output
        $R.AnsweringType | Should -Be 'Cmdlet'
        $R.Bare | Should -Be 'AWS.Tools.KeyManagementService stand-in'
        $R.BareRequests | Should -Be 0
    }

    It 'KmsGrants\Get-KmsRetirableGrant (module-qualified) reaches ours' {
        $R.Qualified | Should -Be (@('KmsGrants.GrantInfo') * 3)
        $R.QualifiedRequests | Should -Be 1
    }

    It 'Import-Module KmsGrants -Prefix X makes Get-XKmsRetirableGrant ours, leaving theirs in place' {
        $R.Prefixed | Should -Be (@('KmsGrants.GrantInfo') * 3)
        $R.PrefixedRequests | Should -Be 1
        $R.AnsweringAfterPrefix | Should -Be 'AWS.Tools.KeyManagementService'
    }

    It 'ours takes every parameter and alias of theirs, bound from the pipeline as theirs are' {
        $R.TheirParameterCount | Should -BeGreaterThan 20   # the stand-in really has their parameters (and the common ones)
        $R.Missing | Should -BeNullOrEmpty
    }

    It 'ours binds credentials and endpoint from the command line only, where theirs also takes them by property name' {
        $R.CommandLineOnly | Sort-Object -Unique | Should -Be (@('Get-KMSGrantList', 'Get-KMSRetirableGrant') | ForEach-Object { $c = $_
            'AccessKey', 'Credential', 'EndpointUrl', 'ProfileLocation', 'ProfileName', 'SecretKey', 'SessionToken' | ForEach-Object { "$c -$_" } } | Sort-Object)
    }
}

Describe 'Grant objects carry Constraints shaped like GrantListEntry.Constraints' {
    BeforeAll {
        $retiring = 'arn:aws:iam::111122223333:role/constrained'
        $key = (Invoke-KmsPeer $emulator.Url 'create-key').KeyId
        $subset = Invoke-KmsPeer $emulator.Url 'create-constrained-grant' @($key, 'arn:aws:iam::111122223333:role/app', $retiring, '{"EncryptionContextSubset": {"Department": "IT", "Stage": "prod"}}')
        $equals = Invoke-KmsPeer $emulator.Url 'create-constrained-grant' @($key, 'arn:aws:iam::111122223333:role/app', $retiring, '{"EncryptionContextEquals": {"Project": "Apollo"}}')
        $plain = (New-TestGrantSet -Endpoint $emulator.Url -Count 1 -KeyId $key -RetiringPrincipal $retiring).Grants[0]
    }

    It 'from <Command>' -ForEach @(@{ Command = 'Get-KmsGrant' }, @{ Command = 'Get-KmsRetirableGrant' }) {
        $grants = if ($Command -eq 'Get-KmsGrant') { Get-KmsGrant -KeyId $key } else { Get-KmsRetirableGrant $retiring }
        $grants.Count | Should -Be 3
        $s = $grants | Where-Object GrantId -EQ $subset.GrantId
        $s.Constraints.EncryptionContextSubset | Should -BeOfType ([System.Collections.Generic.IDictionary[string, string]])
        $s.Constraints.EncryptionContextSubset['Department'] | Should -Be 'IT'
        $s.Constraints.EncryptionContextSubset['Stage'] | Should -Be 'prod'
        $s.Constraints.EncryptionContextSubset.Count | Should -Be 2
        $s.Constraints.EncryptionContextEquals | Should -BeNullOrEmpty
        $e = $grants | Where-Object GrantId -EQ $equals.GrantId
        $e.Constraints.EncryptionContextEquals['Project'] | Should -Be 'Apollo'
        $e.Constraints.EncryptionContextSubset | Should -BeNullOrEmpty
        ($grants | Where-Object GrantId -EQ $plain.GrantId).Constraints | Should -BeNullOrEmpty
    }
}

Describe 'Key aliases' {
    BeforeAll {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 5
        $alias = 'alias/awstools-app'
        $aliasArn = "arn:aws:kms:us-east-1:${account}:$alias"
        $cli = Invoke-AwsCli -Endpoint $emulator.Url -Arguments @('kms', 'create-alias', '--alias-name', $alias, '--target-key-id', $set.KeyId)
        if ($cli.ExitCode -ne 0) { throw "aws kms create-alias failed: $($cli.Error)" }
        $ids = [string[]]$set.Grants.GrantId
    }

    It 'Get-KmsGrant -KeyId <Form> lists the key''s grants' -ForEach @(@{ Form = 'alias/NAME'; Arn = $false }, @{ Form = 'with the alias ARN'; Arn = $true }) {
        $grants = Get-KmsGrant -KeyId $(if ($Arn) { $aliasArn } else { $alias })
        $grants.GrantId | Sort-Object | Should -Be ($ids | Sort-Object)
        $grants.KeyId | Sort-Object -Unique | Should -Be $set.KeyId
    }

    It 'Remove-KmsGrant -KeyId alias/NAME retires piped grant IDs, resolving the alias once' {
        $before = Get-RequestCount $emulator DescribeKey
        $results = $ids[0..2] | Remove-KmsGrant -KeyId $alias -Force -PassThru
        (Get-RequestCount $emulator DescribeKey) - $before | Should -Be 1
        $results.Status | Should -Be 'Retired', 'Retired', 'Retired'
        Get-AliveGrantId -KeyId $set.KeyId -Server $emulator | Sort-Object | Should -Be ($ids[3..4] | Sort-Object)
    }

    It 'Remove-KmsGrant -KeyId alias/NAME -GrantId takes the alias ARN too' {
        Remove-KmsGrant -KeyId $aliasArn -GrantId $ids[3] -Force
        Get-AliveGrantId -KeyId $set.KeyId -Server $emulator | Should -Not -Contain $ids[3]
        Get-AliveGrantId -KeyId $set.KeyId -Server $emulator | Should -Contain $ids[4]
    }

    It 'an unknown alias gives one KmsGrants.NotFound error (Get-KmsGrant)' {
        $before = Get-RequestCount $emulator DescribeKey
        Get-KmsGrant -KeyId alias/awstools-nosuch -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.NotFound,KmsGrants.Commands.GetKmsGrantCommand'
        (Get-RequestCount $emulator DescribeKey) - $before | Should -Be 1
    }

    It 'an unknown alias with several grant IDs is asked about once, and nothing is retired' {
        $sent = Get-RequestCount $emulator RetireGrant
        $before = Get-RequestCount $emulator DescribeKey
        $ids[4], ('f' * 64), ('d' * 64) | Remove-KmsGrant -KeyId alias/awstools-nosuch -Force -ErrorAction SilentlyContinue -ErrorVariable errors
        (Get-RequestCount $emulator DescribeKey) - $before | Should -Be 1
        # One error per grant not retired (about_KmsGrants_Errors), each naming its grant; the alias was asked about once.
        $errors.FullyQualifiedErrorId | Should -Be (@('KmsGrants.NotFound,KmsGrants.Commands.RemoveKmsGrantCommand') * 3)
        $errors.TargetObject.GrantId | Should -Be $ids[4], ('f' * 64), ('d' * 64)
        Get-RequestCount $emulator RetireGrant | Should -Be $sent
        Get-AliveGrantId -KeyId $set.KeyId -Server $emulator | Should -Contain $ids[4]
    }
}

Describe 'Completing -KeyId' {
    BeforeAll {
        $key = (Invoke-KmsPeer $emulator.Url 'create-key').KeyId
        $keyId = ($key -split '/')[-1]
        $cli = Invoke-AwsCli -Endpoint $emulator.Url -Arguments @('kms', 'create-alias', '--alias-name', 'alias/awstools-complete', '--target-key-id', $key)
        if ($cli.ExitCode -ne 0) { throw "aws kms create-alias failed: $($cli.Error)" }
        function Complete([string] $Line) { @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText) }
        $aliasLine = "Get-KmsGrant -EndpointUrl $($emulator.Url) -Region us-east-1 -KeyId al"
    }

    It 'offers the emulator''s aliases' {
        $before = Get-RequestCount $emulator ListAliases
        $offered = Complete $aliasLine
        (Get-RequestCount $emulator ListAliases) - $before | Should -BeGreaterOrEqual 1
        $offered | Should -Contain 'alias/awstools-complete'
        $offered | ForEach-Object { $_ | Should -BeLike 'al*' }
    }

    It 'offers a key ID for a prefix of it' {
        Complete "Get-KmsGrant -EndpointUrl $($emulator.Url) -Region us-east-1 -KeyId $($keyId.Substring(0, 8))" | Should -Be $keyId
    }

    It 'serves a second completion from the cache (no ListAliases, no DescribeKey)' {
        $null = Complete $aliasLine   # the first, which fills the cache (when this test runs alone)
        $before = (Get-RequestCount $emulator ListAliases) + (Get-RequestCount $emulator DescribeKey)
        Complete $aliasLine | Should -Contain 'alias/awstools-complete'
        (Get-RequestCount $emulator ListAliases) + (Get-RequestCount $emulator DescribeKey) | Should -Be $before
    }

    It 'asks the Region of $StoredAWSRegion when -Region is not given, as the command would' {
        # This process has AWS_REGION=us-east-1; Set-DefaultAWSRegion's variable must win, for completion as for the call.
        $euKey = (Invoke-KmsPeer $emulator.Url 'create-key' -Region eu-west-1).KeyId
        $cli = Invoke-AwsCli -Endpoint $emulator.Url -Region eu-west-1 -Arguments @('kms', 'create-alias', '--alias-name', 'alias/awstools-eu', '--target-key-id', $euKey)
        if ($cli.ExitCode -ne 0) { throw "aws kms create-alias failed: $($cli.Error)" }
        $global:StoredAWSRegion = 'eu-west-1'
        try { Complete "Get-KmsGrant -EndpointUrl $($emulator.Url) -KeyId alias/awstools-e" | Should -Be 'alias/awstools-eu' }
        finally { Remove-Variable StoredAWSRegion -Scope Global }
    }

    It 'gives nothing, quickly and without an error, when the endpoint never answers' {
        # The kernel accepts connections into the backlog; nothing ever reads or answers them.
        $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $silent.Start()
        try {
            $errorsBefore = $Error.Count
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $offered = Complete "Get-KmsGrant -EndpointUrl http://127.0.0.1:$($silent.LocalEndpoint.Port) -Region us-east-1 -KeyId al"
            $clock.Stop()
            $silent.Pending() | Should -BeTrue   # it did try this endpoint
            $offered | Should -BeNullOrEmpty
            # Completion gives up after 2 s. "Did not hang": four times that, and still under the three 5 s SDK attempts it
            # would take if it waited for the endpoint.
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 8
            $Error.Count | Should -Be $errorsBefore
        }
        finally { $silent.Stop() }
    }
}
