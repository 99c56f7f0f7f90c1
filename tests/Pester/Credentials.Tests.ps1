# Credentials, region and endpoint resolved in the AWS Tools' order; secrets never shown.
# Each case runs in a fresh pwsh with its own HOME and environment, as a user's session would.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    $emulator = Start-KmsEmulator -Identity @(
        @{ AccessKey = 'AKEXPLICIT'; SecretKey = 'explicit-secret'; Principal = 'arn:aws:iam::111122223333:role/explicit' }
        @{ AccessKey = 'AKPROFILE'; SecretKey = 'profile-secret'; Principal = 'arn:aws:iam::111122223333:role/profile' }
        @{ AccessKey = 'AKDEFAULT'; SecretKey = 'default-secret'; Principal = 'arn:aws:iam::111122223333:role/default' }
        @{ AccessKey = 'AKENV'; SecretKey = 'env-secret'; Principal = 'arn:aws:iam::111122223333:role/env' }
        @{ AccessKey = 'AKSESSION'; SecretKey = 'session-secret'; Principal = 'arn:aws:iam::111122223333:role/session' }
        @{ AccessKey = 'AKLOCATION'; SecretKey = 'location-secret'; Principal = 'arn:aws:iam::111122223333:role/location' }
        @{ AccessKey = 'AKCRED'; SecretKey = 'cred-secret'; Principal = 'arn:aws:iam::111122223333:role/credential' })

    $homeDir = Join-Path $TestDrive 'home'
    $null = New-Item -ItemType Directory (Join-Path $homeDir '.aws') -Force
    Set-Content (Join-Path $homeDir '.aws/credentials') @'
[default]
aws_access_key_id = AKDEFAULT
aws_secret_access_key = default-secret

[work]
aws_access_key_id = AKPROFILE
aws_secret_access_key = profile-secret

[session]
aws_access_key_id = AKSESSION
aws_secret_access_key = session-secret

[bad]
aws_access_key_id = AKPROFILE
aws_secret_access_key = not-the-secret
'@
    Set-Content (Join-Path $homeDir '.aws/config') @'
[default]
region = us-east-1

[profile work]
region = eu-west-1
'@
    $customFile = Join-Path $TestDrive 'custom-credentials'
    Set-Content $customFile @'
[default]
aws_access_key_id = AKLOCATION
aws_secret_access_key = location-secret

[elsewhere]
aws_access_key_id = AKLOCATION
aws_secret_access_key = location-secret
'@
    $emptyHome = Join-Path $TestDrive 'empty-home'
    $null = New-Item -ItemType Directory $emptyHome -Force

    $core4033 = Join-Path (Get-NuGetPackagesFolder) 'awssdk.core/4.0.3.3/lib/net8.0/AWSSDK.Core.dll'
    $standIn = Join-Path $PSScriptRoot 'Fixtures/AWSPSCredentials.cs'

    # A fresh pwsh per case, as a user's session would be; the emulator says whom the call was signed as, and for where.
    function Invoke-Case([string] $Script, [hashtable] $Environment = @{}, [string] $HomeDir = $homeDir) {
        $r = Invoke-Isolated $Script -NewProcess -Environment $Environment -HomeDirectory $HomeDir `
            -Arguments @{ Url = $emulator.Url; Core4033 = $core4033; StandIn = $standIn }
        $stats = Get-EmulatorStats $emulator
        [pscustomobject]@{ Caller = $stats.lastCaller; Region = $stats.lastRegion; Output = $r.Output }
    }

    $list = 'Get-KmsRetirableGrant -RetiringPrincipal arn:aws:iam::111122223333:role/x -EndpointUrl $Url'
}
AfterAll { Stop-TestServer $emulator }

Describe 'Which credentials a call uses' {
    It 'the default profile when nothing else is set' {
        (Invoke-Case $list).Caller | Should -Be 'arn:aws:iam::111122223333:role/default'
    }

    It 'environment keys before the default profile' {
        (Invoke-Case $list @{ AWS_ACCESS_KEY_ID = 'AKENV'; AWS_SECRET_ACCESS_KEY = 'env-secret' }).Caller | Should -Be 'arn:aws:iam::111122223333:role/env'
    }

    It 'AWS_PROFILE selects a profile in the default chain' {
        (Invoke-Case $list @{ AWS_PROFILE = 'work' }).Caller | Should -Be 'arn:aws:iam::111122223333:role/profile'
    }

    It '-ProfileName before the environment' {
        (Invoke-Case "$list -ProfileName work" @{ AWS_ACCESS_KEY_ID = 'AKENV'; AWS_SECRET_ACCESS_KEY = 'env-secret' }).Caller | Should -Be 'arn:aws:iam::111122223333:role/profile'
    }

    It '-ProfileName with -ProfileLocation reads that file; -ProfileLocation alone takes its default profile' {
        (Invoke-Case "$list -ProfileName elsewhere -ProfileLocation '$customFile'").Caller | Should -Be 'arn:aws:iam::111122223333:role/location'
        (Invoke-Case "$list -ProfileLocation '$customFile'").Caller | Should -Be 'arn:aws:iam::111122223333:role/location'
    }

    It 'explicit keys before -ProfileName' {
        (Invoke-Case "$list -AccessKey AKEXPLICIT -SecretKey explicit-secret -ProfileName work").Caller | Should -Be 'arn:aws:iam::111122223333:role/explicit'
    }

    It 'the AWS Tools aliases -AK/-SK and -StoredCredentials work' {
        (Invoke-Case "$list -AK AKEXPLICIT -SK explicit-secret").Caller | Should -Be 'arn:aws:iam::111122223333:role/explicit'
        (Invoke-Case "$list -StoredCredentials work").Caller | Should -Be 'arn:aws:iam::111122223333:role/profile'
    }

    It '-Credential with an AWSCredentials object from another AWSSDK.Core copy (as AWS.Tools hands out)' {
        $script = 'Add-Type -Path $Core4033; $c = [Amazon.Runtime.BasicAWSCredentials]::new(''AKCRED'', ''cred-secret''); ' + "$list -Credential `$c"
        (Invoke-Case $script @{ AWS_ACCESS_KEY_ID = 'AKENV'; AWS_SECRET_ACCESS_KEY = 'env-secret' }).Caller | Should -Be 'arn:aws:iam::111122223333:role/credential'
    }

    It '-ProfileName before -Credential' {
        $script = 'Add-Type -Path $Core4033; $c = [Amazon.Runtime.BasicAWSCredentials]::new(''AKCRED'', ''cred-secret''); ' + "$list -Credential `$c -ProfileName work"
        (Invoke-Case $script).Caller | Should -Be 'arn:aws:iam::111122223333:role/profile'
    }

    Context '$StoredAWSCredentials (Set-AWSCredential)' {
        BeforeAll {
            $newStored = 'Add-Type -Path $Core4033; Add-Type -Path $StandIn; ' +
                '$ctor = [Amazon.PowerShell.Common.AWSPSCredentials].GetConstructors(''NonPublic,Instance'')[0]; '
        }

        It 'uses the credentials it wraps, before the environment' {
            $script = $newStored + '$global:StoredAWSCredentials = $ctor.Invoke(@([Amazon.Runtime.BasicAWSCredentials]::new(''AKSESSION'', ''session-secret''), ''mine'', 0)); ' + $list
            (Invoke-Case $script @{ AWS_ACCESS_KEY_ID = 'AKENV'; AWS_SECRET_ACCESS_KEY = 'env-secret' }).Caller | Should -Be 'arn:aws:iam::111122223333:role/session'
        }

        It 'resolves the profile it names when it wraps nothing readable' {
            $script = $newStored + '$global:StoredAWSCredentials = $ctor.Invoke(@($null, ''session'', 0)); ' + $list
            (Invoke-Case $script).Caller | Should -Be 'arn:aws:iam::111122223333:role/session'
        }

        It 'comes after -Credential and -ProfileName' {
            $script = $newStored + '$global:StoredAWSCredentials = $ctor.Invoke(@($null, ''session'', 0)); ' + "$list -ProfileName work"
            (Invoke-Case $script).Caller | Should -Be 'arn:aws:iam::111122223333:role/profile'
            $script = $newStored + '$global:StoredAWSCredentials = $ctor.Invoke(@($null, ''session'', 0)); $c = [Amazon.Runtime.BasicAWSCredentials]::new(''AKCRED'', ''cred-secret''); ' + "$list -Credential `$c"
            (Invoke-Case $script).Caller | Should -Be 'arn:aws:iam::111122223333:role/credential'
        }
    }

    It 'no credentials anywhere is a terminating KmsGrants.NoCredentials that says how to give them' {
        $r = Invoke-Case "try { $list -Region us-east-1 -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }" -HomeDir $emptyHome
        $r.Output | Should -Match 'KmsGrants\.NoCredentials,KmsGrants\.Commands\.GetKmsRetirableGrantCommand'
        $r.Output | Should -Match 'Set-AWSCredential'
    }

    It 'a missing profile is KmsGrants.ProfileNotFound' {
        (Invoke-Case "try { $list -ProfileName nosuch } catch { `$_.FullyQualifiedErrorId }").Output | Should -Match 'KmsGrants\.ProfileNotFound'
    }

    It 'a wrong secret is KmsGrants.InvalidSignature naming the credentials'' source, not the secret' {
        $r = Invoke-Case "try { $list -ProfileName bad } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        $r.Output | Should -Match 'KmsGrants\.InvalidSignature,KmsGrants\.Commands\.GetKmsRetirableGrantCommand'
        $r.Output | Should -Match "profile 'bad' \(-ProfileName\)"
        $r.Output | Should -Not -Match 'not-the-secret'
        $r = Invoke-Case "try { $list -AccessKey AKEXPLICIT -SecretKey wrong-secret-value } catch { `$_.Exception.Message }"
        $r.Output | Should -Match '-AccessKey/-SecretKey'
        $r.Output | Should -Not -Match 'wrong-secret-value'
    }
}

Describe 'Which region a call uses' {
    It '-Region first' {
        (Invoke-Case "$list -Region ap-south-1 -ErrorAction SilentlyContinue" @{ AWS_REGION = 'eu-north-1' }).Region | Should -Be 'ap-south-1'
    }

    It '$StoredAWSRegion (Set-DefaultAWSRegion) before the environment' {
        (Invoke-Case "`$global:StoredAWSRegion = 'ca-central-1'; $list -ErrorAction SilentlyContinue" @{ AWS_REGION = 'eu-north-1' }).Region | Should -Be 'ca-central-1'
    }

    It 'the environment' {
        (Invoke-Case "$list -AccessKey AKENV -SecretKey env-secret -ErrorAction SilentlyContinue" @{ AWS_REGION = 'eu-north-1' } -HomeDir $emptyHome).Region | Should -Be 'eu-north-1'
    }

    It 'the region of the profile named by -ProfileName' {
        (Invoke-Case "$list -ProfileName work -ErrorAction SilentlyContinue").Region | Should -Be 'eu-west-1'
    }

    It 'the default profile''s region through the SDK chain' {
        (Invoke-Case "$list -ErrorAction SilentlyContinue").Region | Should -Be 'us-east-1'
    }

    It 'none at all is a terminating KmsGrants.NoRegion that says how to set one' {
        $r = Invoke-Case "try { $list -AccessKey AKENV -SecretKey env-secret } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }" -HomeDir $emptyHome
        $r.Output | Should -Match 'KmsGrants\.NoRegion,KmsGrants\.Commands\.GetKmsRetirableGrantCommand'
        $r.Output | Should -Match '-Region'
        $r.Output | Should -Match 'Set-DefaultAWSRegion'
    }

    It 'says in -Verbose which region, endpoint and credential source it uses' {
        $r = Invoke-Case "$list -ProfileName work -Region us-east-1 -Verbose"
        $r.Output | Should -Match "$([regex]::Escape($emulator.Url))/? \(Region us-east-1 from -Region; a key named by its ARN goes to the ARN's Region\), credentials from profile 'work' \(-ProfileName\)"
    }
}

Describe 'A profile region the SDK or KmsGrants refuses is KmsGrants.InvalidRegion, naming the profile, never quoting the line' {
    BeforeAll {
        # The secret sits on the region line: the SDK reads a comment after a value as part of it, and quotes the value
        # when it refuses it as a Region name.
        $secret = 'SECRET-ON-THE-REGION-LINE'
        $badHome = Join-Path $TestDrive 'bad-region-home'
        $null = New-Item -ItemType Directory (Join-Path $badHome '.aws') -Force
        Set-Content (Join-Path $badHome '.aws/credentials') @"
[default]
aws_access_key_id = AKDEFAULT
aws_secret_access_key = default-secret
region = us-east-1 # $secret
"@
        Set-Content (Join-Path $badHome '.aws/config') @"
[profile commented]
aws_access_key_id = AKPROFILE
aws_secret_access_key = profile-secret
region = eu-west-1 # prod $secret

[profile cityname]
aws_access_key_id = AKPROFILE
aws_secret_access_key = profile-secret
region = Frankfurt
"@
        $both = "try { $list -ErrorAction Stop } catch { 'GET ' + `$_.FullyQualifiedErrorId; `$_.Exception.Message }; " +
            "try { Remove-KmsGrant -GrantToken tok -EndpointUrl `$Url -Force -ErrorAction Stop } catch { 'REMOVE ' + `$_.FullyQualifiedErrorId }"
        $configFile = [regex]::Escape((Join-Path $badHome '.aws/config'))
        function Get-Requests { $total = 0; foreach ($op in (Get-EmulatorStats $emulator).operations.PSObject.Properties) { $total += $op.Value.requests }; $total }
    }

    It '<Case>' -ForEach @(
        @{ Case = '-ProfileName with a comment after its region'; Arguments = '-ProfileName commented'; Environment = @{}; Profile = 'commented' }
        @{ Case = 'AWS_PROFILE''s profile with a comment after its region'; Arguments = ''; Environment = @{ AWS_PROFILE = 'commented' }; Profile = 'commented' }
        @{ Case = 'the default profile''s region, credentials from the environment'; Arguments = ''; Environment = @{ AWS_ACCESS_KEY_ID = 'AKENV'; AWS_SECRET_ACCESS_KEY = 'env-secret' }; Profile = 'default' }
        @{ Case = 'the default profile''s region, credentials from it'; Arguments = ''; Environment = @{}; Profile = 'default' }
    ) {
        $before = Get-Requests
        $r = Invoke-Case ($both -replace '-ErrorAction Stop', "$Arguments -ErrorAction Stop") $Environment -HomeDir $badHome
        $r.Output | Should -Match 'GET KmsGrants\.InvalidRegion,KmsGrants\.Commands\.GetKmsRetirableGrantCommand'
        $r.Output | Should -Match 'REMOVE KmsGrants\.InvalidRegion,KmsGrants\.Commands\.RemoveKmsGrantCommand'
        $r.Output | Should -Match "profile '$Profile'"
        $r.Output | Should -Match $configFile
        $r.Output | Should -Not -Match $secret
        $r.Output | Should -Not -Match '# prod'
        $r.Output | Should -Not -Match 'AmazonClientException'
        Get-Requests | Should -Be $before -Because 'nothing was sent'
    }

    It 'a region the SDK accepts but no Region has (Frankfurt): named by profile, not quoted, and never offered by -Region''s completion' {
        $script = "try { $list -ProfileName cityname -ErrorAction Stop } catch { 'GET ' + `$_.FullyQualifiedErrorId; `$_.Exception.Message }; " +
            "'COMPLETES ' + ((TabExpansion2 'Get-KmsGrant -Region Fr').CompletionMatches.CompletionText -join ','); " +
            "'COMPLETES-EU ' + ((TabExpansion2 'Get-KmsGrant -Region eu-central-').CompletionMatches.CompletionText -join ',')"
        $r = Invoke-Case $script -HomeDir $badHome
        $r.Output | Should -Match 'GET KmsGrants\.InvalidRegion,KmsGrants\.Commands\.GetKmsRetirableGrantCommand'
        $r.Output | Should -Match "profile 'cityname'"
        $r.Output | Should -Not -CMatch 'Frankfurt'
        $r.Output | Should -Match '(?m)^COMPLETES\s*$'
        $r.Output | Should -Match 'COMPLETES-EU eu-central-1'
    }
}

Describe 'Secrets never appear in any stream' {
    It 'not in -Verbose, -Debug, errors or $Error | Format-List * -Force' {
        $secret = 'S3cr3tValue/WithSlash+Plus0123456789'
        $token = 'SessionTokenValue0123456789ABCDEFGHIJ'
        $r = Invoke-Case ("$list -AccessKey AKEXPLICIT -SecretKey '$secret' -SessionToken '$token' -Verbose -Debug; " +
            "Remove-KmsGrant -KeyId 1234abcd-12ab-34cd-56ef-1234567890ab -GrantId ('a' * 64) -AccessKey AKEXPLICIT -SecretKey '$secret' -SessionToken '$token' -EndpointUrl `$Url -Force -Verbose -Debug -WhatIf")
        $r.Output | Should -Match 'InvalidSignature'
        $r.Output | Should -Not -Match ([regex]::Escape($secret))
        $r.Output | Should -Not -Match ([regex]::Escape($token))
    }
}

Describe 'Where we follow AWS.Tools.Common: the emulator of these identities, seen from fresh sessions and through a proxy' {
    BeforeAll {
        Import-Module (Get-KmsGrantsModulePath)
        Set-TestAwsEnvironment
        $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1 -Identity @(
            @{ AccessKey = 'testing'; SecretKey = 'testing'; Principal = 'arn:aws:iam::111122223333:root' }
            @{ AccessKey = 'AKPROFILE'; SecretKey = 'profile-secret'; Principal = 'arn:aws:iam::111122223333:role/profile' }
            @{ AccessKey = 'AKDEFAULT'; SecretKey = 'default-secret'; Principal = 'arn:aws:iam::111122223333:role/default' }
            @{ AccessKey = 'AKENV'; SecretKey = 'env-secret'; Principal = 'arn:aws:iam::111122223333:role/env' }
            @{ AccessKey = 'AKLOCATION'; SecretKey = 'location-secret'; Principal = 'arn:aws:iam::111122223333:role/location' })
        $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $emulator.Url
        $emptyHome = Join-Path $TestDrive 'empty-home'
        $null = New-Item -ItemType Directory $emptyHome -Force
        # A script in a fresh pwsh (it imports the module itself); it reports by writing JSON to $ResultFile.
        function Invoke-Fresh([string] $Script, [hashtable] $Environment = @{}, [string] $HomeDir = $emptyHome, [hashtable] $Arguments = @{}) {
            $resultFile = Join-Path $TestDrive ('result-{0}.json' -f [guid]::NewGuid().ToString('N'))
            $all = @{ Url = $emulator.Url; ResultFile = $resultFile }
            foreach ($k in $Arguments.Keys) { $all[$k] = $Arguments[$k] }
            $run = Invoke-Isolated -NewProcess -NoImport -Script $Script -Environment $Environment -HomeDirectory $HomeDir -Arguments $all
            if (-not (Test-Path $resultFile)) { throw "The fresh pwsh wrote no result. Its output:`n$($run.Output)" }
            [pscustomobject]@{ Result = Get-Content $resultFile -Raw | ConvertFrom-Json; Output = $run.Output }
        }
    }
    AfterAll { Stop-TestServer $emulator; $PSDefaultParameterValues.Remove('*-Kms*:EndpointUrl') }

    Context 'Credential and Region resolution, where ours differs from AWS.Tools or theirs is deliberate' {
        BeforeAll {
            # A user's HOME: a [default] profile with a Region, and a 'work' profile with another one.
            $userHome = Join-Path $TestDrive 'user-home'
            $null = New-Item -ItemType Directory (Join-Path $userHome '.aws') -Force
            Set-Content (Join-Path $userHome '.aws/credentials') "[default]`naws_access_key_id = AKDEFAULT`naws_secret_access_key = default-secret`n`n[work]`naws_access_key_id = AKPROFILE`naws_secret_access_key = profile-secret"
            Set-Content (Join-Path $userHome '.aws/config') "[default]`nregion = us-west-2`n`n[profile work]`nregion = eu-west-1"
            $customFile = Join-Path $TestDrive 'custom-credentials'
            Set-Content $customFile "[default]`naws_access_key_id = AKLOCATION`naws_secret_access_key = location-secret"
            $envKeys = @{ AWS_ACCESS_KEY_ID = 'AKENV'; AWS_SECRET_ACCESS_KEY = 'env-secret' }

            # Each case: a fresh pwsh with that HOME and environment; after each call, whom and which Region the emulator
            # saw. Regions other than us-east-1 are refused by the emulator (InvalidSignature) but still recorded.
            function Invoke-Resolution([string[]] $Calls, [hashtable] $Environment = @{}, [string] $Prelude = '') {
                $script = $Prelude + "`n`$seen = @()`n" + (($Calls | ForEach-Object {
                    "Get-KmsRetirableGrant arn:aws:iam::111122223333:role/nobody -EndpointUrl `$Url $_ -ErrorAction SilentlyContinue`n" +
                    "`$s = Invoke-RestMethod `"`$Url/_emulator/stats`"; `$seen += [ordered]@{ Caller = `$s.lastCaller; Region = `$s.lastRegion }"
                }) -join "`n") + "`nConvertTo-Json -InputObject @(`$seen) | Set-Content `$ResultFile"
                $r = Invoke-Fresh "Import-Module `$Module`n$script" -Environment $Environment -HomeDir $userHome -Arguments @{ CustomFile = $customFile }
                $r.Result
            }
        }

        It '-ProfileLocation alone comes after environment keys (theirs)' {
            $seen = Invoke-Resolution '-ProfileLocation $CustomFile -Region us-east-1' $envKeys
            $seen[0].Caller | Should -Be 'arn:aws:iam::111122223333:role/env'
        }

        It 'the [default] profile''s Region comes before AWS_REGION (theirs)' {
            $seen = Invoke-Resolution '' ($envKeys + @{ AWS_REGION = 'eu-north-1' })
            $seen[0].Region | Should -Be 'us-west-2'
        }

        It 'the -ProfileName profile''s Region is used (ours; AWS.Tools issue #25 asks for it)' {
            $seen = Invoke-Resolution '-ProfileName work' @{ AWS_REGION = 'eu-north-1' }
            $seen[0].Caller | Should -Be 'arn:aws:iam::111122223333:role/profile'
            $seen[0].Region | Should -Be 'eu-west-1'
        }

        It 'AWS_PROFILE selects the credentials'' profile, and its Region is used' {
            $seen = Invoke-Resolution '' @{ AWS_PROFILE = 'work'; AWS_REGION = 'eu-north-1' }
            $seen[0].Caller | Should -Be 'arn:aws:iam::111122223333:role/profile'
            $seen[0].Region | Should -Be 'eu-west-1'
        }

        It '$StoredAWSRegion comes before everything but -Region' {
            $seen = Invoke-Resolution @('-ProfileName work', '-ProfileName work -Region ap-south-1') @{ AWS_REGION = 'eu-north-1' } `
                -Prelude '$global:StoredAWSRegion = ''ca-central-1'''
            $seen[0].Region | Should -Be 'ca-central-1'
            $seen[1].Region | Should -Be 'ap-south-1'
        }
    }

    Context '$AWSProxy (Set-AWSProxy)' {
        BeforeAll {
            Add-Type -Path (Join-Path $PSScriptRoot 'Fixtures/ProxySettings.cs')
            $info = [System.Diagnostics.ProcessStartInfo]::new((Find-PythonTool 'python3'))
            $info.ArgumentList.Add((Join-Path $PSScriptRoot 'Fixtures/CountingProxy.py'))
            $info.RedirectStandardOutput = $true
            $info.UseShellExecute = $false
            $proxyProcess = [System.Diagnostics.Process]::Start($info)
            $read = $proxyProcess.StandardOutput.ReadLineAsync()
            if (-not $read.Wait(15000) -or $read.Result -notmatch 'listening on (http://127\.0\.0\.1:(\d+))$') { throw "The counting proxy did not start: $($read.Result)" }
            $proxyUrl = $Matches[1]; $proxyPort = [int]$Matches[2]
            function Get-Forwarded { (Invoke-RestMethod "$proxyUrl/_proxy/stats").forwarded }
            $principal = 'arn:aws:iam::111122223333:role/awstools-proxy'
            $set = New-TestGrantSet -Endpoint $emulator.Url -Count 3 -RetiringPrincipal $principal
        }
        AfterAll {
            Remove-Variable AWSProxy -Scope Global -ErrorAction Ignore
            if ($proxyProcess -and -not $proxyProcess.HasExited) { $proxyProcess.Kill(); $null = $proxyProcess.WaitForExit(5000) }
        }

        It 'calls go through the proxy and still succeed, even after direct calls in this session' {
            # A direct call first: a cached HTTP client from it must not be reused for proxied calls.
            (Get-KmsRetirableGrant $principal).Count | Should -Be 3
            $before = Get-Forwarded
            $global:AWSProxy = [Amazon.PowerShell.Common.ProxySettings]@{ Hostname = '127.0.0.1'; Port = $proxyPort }
            try {
                (Get-KmsRetirableGrant $principal).GrantId | Sort-Object | Should -Be ([string[]]$set.Grants.GrantId | Sort-Object)
                $listed = Get-Forwarded
                $listed - $before | Should -BeGreaterThan 0
                Remove-KmsGrant -KeyId $set.KeyId -GrantId $set.Grants[0].GrantId -Force
                (Get-Forwarded) - $listed | Should -BeGreaterThan 0   # the retire client too
            }
            finally { Remove-Variable AWSProxy -Scope Global }
            Get-AliveGrantId -KeyId $set.KeyId -Server $emulator | Sort-Object | Should -Be ([string[]]$set.Grants[1..2].GrantId | Sort-Object)
            (Invoke-RestMethod "$proxyUrl/_proxy/stats").targets.PSObject.Properties.Name | Should -Be ([uri]$emulator.Url).Authority
        }

        It 'without $AWSProxy, calls do not touch the proxy (even after proxied calls)' {
            $global:AWSProxy = [Amazon.PowerShell.Common.ProxySettings]@{ Hostname = '127.0.0.1'; Port = $proxyPort }
            try { $null = Get-KmsRetirableGrant $principal } finally { Remove-Variable AWSProxy -Scope Global }
            $before = Get-Forwarded
            (Get-KmsRetirableGrant $principal).Count | Should -Be 2
            Remove-KmsGrant -KeyId $set.KeyId -GrantId $set.Grants[1].GrantId -Force
            Get-Forwarded | Should -Be $before
            Get-AliveGrantId -KeyId $set.KeyId -Server $emulator | Should -Be $set.Grants[2].GrantId
        }
    }
}
