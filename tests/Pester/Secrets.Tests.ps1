# Secrets stay secret, and plain http says when they would not: -ProfileLocation to a file that is not a credentials
# file, a credential_process that fails and writes a secret to stderr, -EndpointUrl with a user name and password, and
# the warning for plain http to another machine (a name that does not resolve, this machine's non-loopback address) and
# its absence for loopback. The oracles: every stream, prompt, host line and $Error of the run, in full (a fresh pwsh, or
# a runspace whose host records them), searched with white space removed for the secret; what was sent, by the emulator's
# own request count or the hostile server's (/_stats); and which grants are alive, by the emulator's own state.
BeforeDiscovery {
    # This machine's own non-loopback IPv4 address, when it has one: plain http to it is "another machine" to the module.
    $script:NonLoopback = [Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces() |
        Where-Object OperationalStatus -EQ 'Up' |
        ForEach-Object { $_.GetIPProperties().UnicastAddresses.Address } |
        Where-Object { $_.AddressFamily -eq 'InterNetwork' -and -not [Net.IPAddress]::IsLoopback($_) } |
        Select-Object -First 1 | ForEach-Object { "$_" }
    $script:PlainHttpCases = @(@{ Name = 'a name that does not resolve (http://example.invalid)'; Address = $null }) +
        @(if ($NonLoopback) { @{ Name = "this machine's non-loopback address ($NonLoopback)"; Address = $NonLoopback } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
    # A HOME with no ~/.aws, for a fresh pwsh.
    $EmptyHome = Join-Path $TestDrive 'empty-home'
    $null = New-Item -ItemType Directory $EmptyHome -Force

    # The well-behaved KMS, for the cases that need real grants or must show that nothing was sent. Its seeded grants
    # are a pool that each case takes its own slice of.
    $emulator = Start-KmsEmulator -SeedGrants 8
    $PoolIds = [string[]]@(Get-KmsEmulatorGrant -Emulator $emulator -KeyId $emulator.KeyArn | ForEach-Object GrantId)

    <# Grants FROM..FROM+COUNT-1 of the pool, as objects that bind by key and ID. #>
    function Get-PoolGrant([int] $From, [int] $Count) {
        $PoolIds[$From..($From + $Count - 1)] | ForEach-Object { [pscustomobject]@{ KeyId = $emulator.KeyArn; GrantId = $_ } }
    }

    <# The pool's grants still alive. #>
    function Get-AlivePoolId { [string[]]@(Get-AliveGrantId $emulator.KeyArn -Server $emulator) }
}
AfterAll { Stop-TestServer $emulator }

Describe '-ProfileLocation to a file that is not a credentials file' {
    BeforeAll {
        $files = @{
            malformed = [Text.Encoding]::UTF8.GetBytes("[default]`naws_access_key_id = AKIDHOSTILE`naws_secret_access_key: SECRETVALUE`n")
            json      = [Text.Encoding]::UTF8.GetBytes("{`n  ""aws_access_key_id"": ""AKIDHOSTILE"",`n  ""aws_secret_access_key"": ""SECRETVALUE""`n}`n")
            binary    = [byte[]](@(0..255) + [Text.Encoding]::ASCII.GetBytes("`naws_secret_access_key: SECRETVALUE`n") + @(255..0))
        }
        foreach ($name in $files.Keys) { [IO.File]::WriteAllBytes((Join-Path $TestDrive "profile-$name"), $files[$name]) }
        $requestsBefore = Get-TotalRequestCount $emulator
        # A fresh pwsh (the SDK reads profile files once per process), every stream and $Error in full.
        $run = Invoke-Isolated -NewProcess -HomeDirectory $EmptyHome -Environment @{ AWS_REGION = 'us-east-1' } -Arguments @{ Url = $emulator.Url; Dir = $TestDrive; Key = $FakeKey } -Script @'
            foreach ($name in 'malformed', 'json', 'binary') {
                $file = Join-Path $Dir "profile-$name"
                $before = $Error.Count
                Get-KmsGrant -KeyId $Key -EndpointUrl $Url -ProfileLocation $file -Verbose -Debug
                Remove-KmsGrant -KeyId $Key -GrantId ('a' * 64) -EndpointUrl $Url -ProfileLocation $file -Force -Verbose -Debug
                Get-KmsRetirableGrant arn:aws:iam::111122223333:role/x -EndpointUrl $Url -ProfileLocation $file -ProfileName default -Verbose -Debug
                "ERRORIDS[$name]=" + (@($Error | Select-Object -First ($Error.Count - $before) | ForEach-Object FullyQualifiedErrorId) -join ';')
            }
'@
    }

    It 'stops each command with KmsGrants.InvalidProfileFile, naming the file and line <Line> (<Name>)' -ForEach @(
        @{ Name = 'malformed'; Line = 3 }
        @{ Name = 'json'; Line = 1 }
        @{ Name = 'binary'; Line = 1 }
    ) {
        $ids = @('GetKmsRetirableGrantCommand', 'RemoveKmsGrantCommand', 'GetKmsGrantCommand' |
                ForEach-Object { [regex]::Escape("KmsGrants.InvalidProfileFile,KmsGrants.Commands.$_") }) -join ';'
        $run.Output | Should -Match ("(?m)^ERRORIDS\[$Name\]=$ids\s*$")
        Get-FlatText $run.Output | Should -Match ([regex]::Escape("cannotreadline${Line}of$(Join-Path $TestDrive "profile-$Name")"))
    }

    It 'shows the secret in no stream and nowhere in $Error' {
        Get-FlatText $run.Output | Should -Not -Match 'SECRETVALUE'
        Get-FlatText $run.Output | Should -Not -Match 'AKIDHOSTILE'
    }

    It 'sends nothing' {
        Get-TotalRequestCount $emulator | Should -Be $requestsBefore
    }
}

Describe 'A credential_process that fails and writes a secret to stderr' {
    BeforeAll {
        $marker = Join-Path $TestDrive 'credential-process-runs'
        $processScript = Join-Path $TestDrive 'failing-credentials.sh'
        Set-Content $processScript "echo run >> '$marker'`necho 'aws_secret_access_key=STDERRSECRET for AKIDSTDERR: token expired' >&2`nexit 1`n"
        $cpHome = Join-Path $TestDrive 'credential-process-home'
        $null = New-Item -ItemType Directory (Join-Path $cpHome '.aws') -Force
        Set-Content (Join-Path $cpHome '.aws/config') "[profile failing]`ncredential_process = /bin/sh $processScript`nregion = us-east-1`n"
        $mine = @(Get-PoolGrant 0 4)
        $requestsBefore = Get-TotalRequestCount $emulator
        $run = Invoke-Isolated -NewProcess -HomeDirectory $cpHome -Arguments @{ Url = $emulator.Url; Key = $emulator.KeyArn; Ids = ($mine.GrantId -join ',') } -Script @'
            # Four grants piped in: the process must run once for the command, not once per grant.
            $Ids -split ',' | ForEach-Object { [pscustomobject]@{ KeyId = $Key; GrantId = $_ } } |
                Remove-KmsGrant -ProfileName failing -EndpointUrl $Url -Force -PassThru -Verbose -Debug
            'UNREPORTED=' + $KmsGrantsLastRun.UnreportedResults.Count + ';SUBMITTED=' + $KmsGrantsLastRun.Submitted
            Get-KmsGrant -KeyId $Key -ProfileName failing -EndpointUrl $Url -Verbose -Debug
            Get-KmsRetirableGrant arn:aws:iam::111122223333:role/x -ProfileName failing -EndpointUrl $Url -Verbose -Debug
            'ERRORIDS=' + (@($Error | ForEach-Object FullyQualifiedErrorId) -join ';')
'@
    }

    It 'stops each command with one KmsGrants.CredentialsUnavailable, and nothing else' {
        $run.Output | Should -Match ('(?m)^ERRORIDS=' + (@('GetKmsRetirableGrantCommand', 'GetKmsGrantCommand', 'RemoveKmsGrantCommand' |
                    ForEach-Object { [regex]::Escape("KmsGrants.CredentialsUnavailable,KmsGrants.Commands.$_") }) -join ';') + '\s*$')
        $run.Output | Should -Match 'UNREPORTED=0;SUBMITTED=0'
    }

    It 'ran the process once per command' {
        @(Get-Content $marker).Count | Should -Be 3
    }

    It 'shows what the process wrote to stderr nowhere' {
        Get-FlatText $run.Output | Should -Not -Match 'STDERRSECRET'
        Get-FlatText $run.Output | Should -Not -Match 'AKIDSTDERR'
        $run.Output | Should -Match "profile 'failing'"
    }

    It 'sends nothing and retires nothing' {
        Get-TotalRequestCount $emulator | Should -Be $requestsBefore
        $mine.GrantId | Where-Object { $_ -notin (Get-AlivePoolId) } | Should -BeNullOrEmpty
    }
}

Describe '-EndpointUrl with a user name and password' {
    BeforeAll {
        $mine = @(Get-PoolGrant 4 4)
        $url = $emulator.Url -replace '^http://', 'http://kmsuser7:Pa55-hunter2-XYZ@'
        $missingKey = 'arn:aws:kms:us-east-1:111122223333:key/' + ('0' * 36)
        # -Verbose -Debug as typed at a prompt. -Debug makes a binary cmdlet's warnings prompts (Inquire): the host answers
        # them, and keeps every prompt and host line; every stream and the errors in full are read after.
        $run = Invoke-Isolated -Answer 'Yes' -Arguments @{ Url = $url; Key = $emulator.KeyArn; Ids = [string[]]$mine.GrantId; Missing = $missingKey } -Script @'
            param($Url, $Key, $Ids, $Missing)
            'LISTEDMINE=' + @(Get-KmsGrant -KeyId $Key -EndpointUrl $Url -Region us-east-1 -Verbose -Debug | Where-Object GrantId -In $Ids).Count
            $Ids | ForEach-Object { [pscustomobject]@{ KeyId = $Key; GrantId = $_ } } |
                Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru -Verbose -Debug
            Get-KmsGrant -KeyId $Missing -EndpointUrl $Url -Region us-east-1 -Verbose -Debug
'@
        $streams = $run.PowerShell.Streams
        $text = (@($run.Output | Out-String -Width 300) + @($run.Prompts) + @($run.Lines) + @($streams.Verbose.Message) +
            @($streams.Debug.Message) + @($streams.Warning.Message) + @($streams.Information | Out-String -Width 300) +
            @($streams.Error | Format-List * -Force | Out-String -Width 300)) -join "`n"
    }
    AfterAll { $run.PowerShell.Dispose() }

    It 'shows neither the password nor the user name in any stream, prompt or error' {
        # The case is real: the streams name the endpoint (verbose) and carry the missing key's error.
        $text | Should -Match ([regex]::Escape(($emulator.Url -replace '^http://', '')))
        $text | Should -Match 'KmsGrants\.NotFound'
        Get-FlatText $text | Should -Not -Match 'hunter2'
        Get-FlatText $text | Should -Not -Match 'kmsuser7'
    }

    It 'warns that the user info was removed' {
        $streams.Warning.Message | Should -Contain "-EndpointUrl had a user name or password; KMS does not use them, so they were removed (endpoint: $($emulator.Url)/)."
    }

    It 'still works: lists and retires' {
        $run.Output | Should -Contain 'LISTEDMINE=4'
        @($run.Output | Where-Object Status -EQ 'Retired').Count | Should -Be 4
        $mine.GrantId | Where-Object { $_ -in (Get-AlivePoolId) } | Should -BeNullOrEmpty
    }
}

Describe '-EndpointUrl with a query or fragment' {
    It 'is refused before sending, with KmsGrants.InvalidEndpoint, not quoting what follows ? or # (<Command>)' -ForEach @(
        @{ Command = 'Get-KmsGrant'; Suffix = '/?X-Amz-Signature=QuerySecret123' }
        @{ Command = 'Remove-KmsGrant'; Suffix = '/#QuerySecret123' }
    ) {
        $before = Get-TotalRequestCount $emulator
        $run = Invoke-Isolated -Arguments @{ Url = $emulator.Url + $Suffix; Key = $emulator.KeyArn; Command = $Command } -Script @'
            param($Url, $Key, $Command)
            if ($Command -eq 'Get-KmsGrant') { Get-KmsGrant -KeyId $Key -EndpointUrl $Url -Region us-east-1 -Verbose }
            else { Remove-KmsGrant -KeyId $Key -GrantId ('a' * 64) -EndpointUrl $Url -Region us-east-1 -Force -Verbose }
'@
        $run.Errors.FullyQualifiedErrorId | Should -Be "KmsGrants.InvalidEndpoint,KmsGrants.Commands.$($Command -replace '-', '')Command"
        $all = (@($run.Errors | Format-List * -Force | Out-String -Width 300) + @($run.PowerShell.Streams.Verbose.Message)) -join "`n"
        $all | Should -Match ([regex]::Escape($emulator.Url))
        $all | Should -Not -Match 'QuerySecret123'
        Get-TotalRequestCount $emulator | Should -Be $before
        $run.PowerShell.Dispose()
    }
}

Describe 'An endpoint that echoes the request''s headers in its error messages' {
    BeforeAll {
        # A proxy or a WAF that quotes what it received: the session token (X-Amz-Security-Token) and the Authorization
        # header come back in a KMS-shaped error, for every operation and for the errors that stop a run.
        $token = 'FwoGZXIvYXdzEChoSecretSessionToken0123456789abcdef'
        $echo = @{ AccessDenied = Start-HostileServer echo; Unrecognized = Start-HostileServer echo @('--body', 'UnrecognizedClientException') }
        $run = Invoke-Isolated -Arguments @{ Denied = $echo.AccessDenied.Url; Unrecognized = $echo.Unrecognized.Url; Token = $token } -Script @'
            param($Denied, $Unrecognized, $Token)
            $c = @{ Region = 'us-east-1'; AccessKey = 'ASIAECHOTEST'; SecretKey = 'echo-secret-key-0123456789'; SessionToken = $Token; ErrorAction = 'Continue' }
            $key = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
            ('a' * 64) | Revoke-KmsGrant -KeyId $key -Force -PassThru -EndpointUrl $Denied @c -Verbose
            [pscustomobject]@{ KeyId = $key; GrantId = 'b' * 64 } | Remove-KmsGrant -Force -PassThru -EndpointUrl $Denied @c -Verbose
            Get-KmsGrant -KeyId $key -EndpointUrl $Denied @c
            Get-KmsRetirableGrant arn:aws:iam::111122223333:role/x -EndpointUrl $Denied @c
            Get-KmsGrant -KeyId alias/echo -EndpointUrl $Denied @c
            ('c' * 64) | Remove-KmsGrant -KeyId $key -Force -PassThru -EndpointUrl $Unrecognized @c
'@
        $streams = $run.PowerShell.Streams
        $text = (@($run.Output | Format-List * -Force | Out-String -Width 300) + @($streams.Verbose.Message) + @($streams.Warning.Message) +
            @($streams.Error | Format-List * -Force | Out-String -Width 300) + @($streams.Error.Exception | Format-List * -Force | Out-String -Width 300) +
            @($streams.Error.ErrorDetails | Format-List * -Force | Out-String -Width 300)) -join "`n"
    }
    AfterAll { $run.PowerShell.Dispose(); foreach ($s in $echo.Values) { Stop-TestServer $s } }

    It 'was answered with the headers quoted: the errors carry the echo' {
        (Get-HostileStats $echo.AccessDenied).securityTokens | Should -BeGreaterOrEqual 5
        $streams.Error.FullyQualifiedErrorId | Should -Contain 'KmsGrants.AccessDenied,KmsGrants.Commands.RevokeKmsGrantCommand'
        $streams.Error.FullyQualifiedErrorId | Should -Contain 'KmsGrants.UnrecognizedClient,KmsGrants.Commands.RemoveKmsGrantCommand'
        $text | Should -Match 'X-Amz-Security-Token: \*\*\*'
    }

    It 'shows the session token and the secret key nowhere: not in results, verbose, errors, their details or exceptions' {
        Get-FlatText $text | Should -Not -Match $token
        Get-FlatText $text | Should -Not -Match 'echo-secret-key'
    }

    It 'shows no altered echo of the token either: lower case, URL-encoded, base64 or half of it' {
        $text | Should -Match 'Token as seen: \*\*\*'   # the server did echo them
        $flat = Get-FlatText $text
        foreach ($form in $token.ToLowerInvariant(), [uri]::EscapeDataString($token), [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($token)),
                $token.Substring(0, [int]($token.Length / 2))) {
            $flat.Contains($form, [StringComparison]::OrdinalIgnoreCase) | Should -BeFalse -Because "the form $form must be masked"
        }
    }

    It 'says the session token may be the one refused' {
        ($streams.Error | Where-Object FullyQualifiedErrorId -Like 'KmsGrants.UnrecognizedClient,*').ErrorDetails.RecommendedAction | Should -Match 'session token'
    }
}

Describe 'Plain http to <Name>' -ForEach $PlainHttpCases {
    BeforeAll {
        # A web page on the non-loopback address: the command stops at the first answer, after the warning.
        $server = if ($Address) { Start-HostileServer html -Bind $Address }
        $url = if ($server) { $server.Url } else { 'http://example.invalid' }
        # Every stream in the order written; a terminating error (the web page) last.
        function Get-Records([hashtable] $Extra) {
            $records = [System.Collections.Generic.List[object]]::new()
            try { Get-KmsGrant -KeyId $FakeKey -EndpointUrl $url -AccessKey AKID -SecretKey SECRET @Extra *>&1 | ForEach-Object { $records.Add($_) } }
            catch { $records.Add($_) }
            , $records
        }
        $withToken = Get-Records @{ SessionToken = 'SESSIONTOKEN' }
        $withoutToken = Get-Records @{}
    }
    AfterAll { if ($server) { Stop-TestServer $server } }

    It 'warns that the session token crosses in clear, before any request' {
        $withToken[0] | Should -BeOfType [System.Management.Automation.WarningRecord]
        $withToken[0].Message | Should -BeLike '*plain http to another machine*and the session token) crosses it in clear*'
        # Then the request: its failure comes after the warning.
        $withToken[1] | Should -BeOfType [System.Management.Automation.ErrorRecord]
        if ($server) { (Get-HostileStats $server).requests | Should -BeGreaterThan 0 }
    }

    It 'does not mention a session token when there is none' {
        $withoutToken[0] | Should -BeOfType [System.Management.Automation.WarningRecord]
        $withoutToken[0].Message | Should -Not -BeLike '*session token*'
    }
}

Describe 'Plain http to loopback' {
    It 'gives no warning' {
        # Temporary credentials: the emulator refuses a session token sent with a long-term key, as KMS does.
        $temporary = Start-KmsEmulator -Identity @{ AccessKey = 'testing'; SecretKey = 'testing'; SessionToken = 'TOKEN' }
        try {
            Get-KmsGrant -KeyId $FakeKey -EndpointUrl $temporary.Url -SessionToken TOKEN -AccessKey testing -SecretKey testing -ErrorAction SilentlyContinue -WarningVariable warnings
            $warnings | Should -BeNullOrEmpty
        }
        finally { $temporary | Stop-KmsEmulator }
    }
}
