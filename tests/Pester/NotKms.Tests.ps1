# Endpoints that are not KMS, and answers KMS would never give: web pages (HTTP 200, 403, and 503, which is retried as a
# fault), JSON of another service, redirects, a listing whose NextMarker comes round again, answers that do not fit
# KMS's model, answers of hundreds of MB, and a refused connection. Each endpoint is a loopback server of
# tests/peers/hostile_server.py (or a port nothing listens on); the oracle for what was sent is the server's own count
# (/_stats: requests, by target, by grant), never the module's, and every run is checked for one result per grant.
BeforeDiscovery {
    $script:ListingCases = @(
        @{ Command = 'Get-KmsGrant'; Params = @{ KeyId = 'arn:aws:kms:us-east-1:111122223333:key/k' }; Class = 'GetKmsGrantCommand' }
        @{ Command = 'Get-KmsRetirableGrant'; Params = @{ RetiringPrincipal = 'arn:aws:iam::111122223333:role/x' }; Class = 'GetKmsRetirableGrantCommand' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
}

Describe 'An endpoint that answers HTTP <Status> with a web page is not KMS' -ForEach @(@{ Status = 200 }, @{ Status = 403 }) {
    BeforeAll {
        $server = Start-HostileServer html @('--status', "$Status")
        $grants = @(New-FakeGrant 20)
        # Results and errors merged into one stream (2>&1), in the order the command wrote them.
        $written = @($grants | Remove-KmsGrant -EndpointUrl $server.Url -Force -PassThru `
            -ErrorAction Continue -ErrorVariable errors -WarningAction SilentlyContinue 2>&1)
        $results = @($written | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
        $summary = $KmsGrantsLastRun
        $retireRequests = (Get-HostileStats $server).targets.'TrentService.RetireGrant'
    }
    AfterAll { Stop-TestServer $server }

    It 'reports the grants it sent Unknown (never Retired) and the others NotAttempted' {
        # One result per grant: the grants that arrive after the stop are taken in and not sent.
        $results.Count | Should -Be 20
        $summary.Submitted | Should -Be 20
        $results.GrantId | Sort-Object -Unique | Should -HaveCount 20
        $unknown = @($results | Where-Object Status -EQ 'Unknown')
        # Only grants whose request reached the page are Unknown, each after one request.
        $unknown.Count | Should -Be $retireRequests
        $unknown.ErrorCode | Sort-Object -Unique | Should -Be 'NotKmsResponse'
        $unknown.Attempts | Sort-Object -Unique | Should -Be 1
        @($results | Where-Object Status -EQ 'NotAttempted').Count | Should -Be ($results.Count - $unknown.Count)
    }

    It 'stops sending after the first page' {
        # Requests paced out before the first answer came back may have gone too (at 50/s, a few: the first call's
        # warm-up on a loaded machine took 12); nothing after.
        $retireRequests | Should -BeGreaterThan 0
        $retireRequests | Should -BeLessOrEqual 20
        $summary.Stopped | Should -BeTrue
        $summary.Submitted | Should -BeGreaterThan $retireRequests
    }

    It 'ends with one KmsGrants.NotKmsResponse, written after every result, and no per-grant errors' {
        # The order written: every grant's result first, then the stop, the last record and the only error.
        $written.Count | Should -Be ($grants.Count + 1)
        $written[-1] | Should -BeOfType [System.Management.Automation.ErrorRecord]
        @($written | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Count | Should -Be 1
        ($written[0..($written.Count - 2)].GrantId | Sort-Object) -join ',' | Should -Be (($grants.GrantId | Sort-Object) -join ',')
        $stop = $written[-1]
        $stop.FullyQualifiedErrorId | Should -Be 'KmsGrants.NotKmsResponse,KmsGrants.Commands.RemoveKmsGrantCommand'
        $stop.Exception.Message | Should -BeLike "*HTTP $Status (text/html*"
        # The error variable saw the same single error.
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be $stop.FullyQualifiedErrorId
        # Names the grant whose answer it was, as its target: one that was sent, and so Unknown.
        ($results | Where-Object GrantId -EQ $stop.TargetObject.GrantId).Status | Should -Be 'Unknown'
    }

    It '<Command> gives KmsGrants.NotKmsResponse after one request (the SDK does not retry it)' -ForEach $ListingCases {
        $before = (Get-HostileStats $server).requests
        { & $Command @Params -EndpointUrl $server.Url } | Should -Throw -ErrorId "KmsGrants.NotKmsResponse,KmsGrants.Commands.$Class"
        (Get-HostileStats $server).requests - $before | Should -Be 1
    }
}

Describe 'A JSON answer that is not KMS''s' {
    BeforeAll {
        # Another JSON service on that port: no request ID, as only AWS answers carry one.
        $plain = Start-HostileServer json @('--body', '{"ok": true}', '--no-request-id')
        # One that even sends a request ID: a listing must still have what every KMS listing has.
        $mimic = Start-HostileServer json @('--body', '{"ok": true}')
    }
    AfterAll { Stop-TestServer $plain; Stop-TestServer $mimic }

    It '<Command> answered {"ok": true} is KmsGrants.NotKmsResponse, not an empty listing (<Server>)' -ForEach @(
        foreach ($c in $ListingCases) { foreach ($s in 'plain', 'mimic') { $c + @{ Server = $s } } }
    ) {
        $url = (Get-Variable $Server -ValueOnly).Url
        { & $Command @Params -EndpointUrl $url } | Should -Throw -ErrorId "KmsGrants.NotKmsResponse,KmsGrants.Commands.$Class"
    }
}

Describe 'An endpoint that answers HTTP 503 with a web page is at fault, and retried' {
    BeforeAll {
        $server = Start-HostileServer html @('--status', '503')
        $results = New-FakeGrant 2 | Remove-KmsGrant -EndpointUrl $server.Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue
        $stats = Get-HostileStats $server
    }
    AfterAll { Stop-TestServer $server }

    It 'retries each grant six times, then reports it Unknown (a 5xx may come after the change was made)' {
        $results.Status | Should -Be @('Unknown', 'Unknown')
        $results.Attempts | Should -Be @(6, 6)
        $stats.requests | Should -Be 12
    }

    It 'reports a non-terminating KmsGrants.InternalFailure per grant' {
        $errors.FullyQualifiedErrorId | Should -Be (@('KmsGrants.InternalFailure,KmsGrants.Commands.RemoveKmsGrantCommand') * 2)
        ($errors.TargetObject.GrantId | Sort-Object) | Should -Be ($results.GrantId | Sort-Object)
    }
}

Describe 'An endpoint that redirects (HTTP <Status>)' -ForEach @(@{ Status = 307 }, @{ Status = 302 }) {
    BeforeAll {
        # Where the redirect points: a server that would answer anything with a KMS-looking success.
        $elsewhere = Start-HostileServer json @('--body', '{}')
        $server = Start-HostileServer redirect @('--status', "$Status", '--location', "$($elsewhere.Url)/x")
        $results = @(New-FakeGrant 3 | Remove-KmsGrant -EndpointUrl $server.Url -AccessKey AKID -SecretKey SECRET -SessionToken SESSIONTOKEN `
            -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
    }
    AfterAll { Stop-TestServer $server; Stop-TestServer $elsewhere }

    It 'is not followed: nothing, and no session token, reaches where it points' {
        (Get-HostileStats $elsewhere).requests | Should -Be 0
        (Get-HostileStats $elsewhere).securityTokens | Should -Be 0
        (Get-HostileStats $server).securityTokens | Should -BeGreaterThan 0
    }

    It 'reports the grants sent Unknown, never Retired, and stops with KmsGrants.NotKmsResponse' {
        $results.Count | Should -Be 3
        $errors[-1].FullyQualifiedErrorId | Should -Be 'KmsGrants.NotKmsResponse,KmsGrants.Commands.RemoveKmsGrantCommand'
        @($results | Where-Object Status -NotIn 'Unknown', 'NotAttempted') | Should -BeNullOrEmpty
        @($results | Where-Object Status -EQ 'Unknown').Count | Should -Be (Get-HostileStats $server).requests
    }

    It '<Command> gives KmsGrants.NotKmsResponse' -ForEach $ListingCases {
        { & $Command @Params -EndpointUrl $server.Url } | Should -Throw -ErrorId "KmsGrants.NotKmsResponse,KmsGrants.Commands.$Class"
        (Get-HostileStats $elsewhere).requests | Should -Be 0
    }
}

Describe 'A listing whose NextMarker comes round again' {
    BeforeAll { $server = Start-HostileServer loop }
    AfterAll { Stop-TestServer $server }

    It '<Command> stops at the repeated marker with KmsGrants.NotKmsResponse, after the first page' -ForEach $ListingCases {
        $before = (Get-HostileStats $server).requests
        $fatal = $null
        $grants = @(try { & $Command @Params -EndpointUrl $server.Url -PageSize 1 } catch { $fatal = $_ })
        $fatal.FullyQualifiedErrorId | Should -Be "KmsGrants.NotKmsResponse,KmsGrants.Commands.$Class"
        $fatal.Exception.Message | Should -BeLike '*NextMarker it had given before*'
        @($grants | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }).Count | Should -Be 1
        (Get-HostileStats $server).requests - $before | Should -Be 2
    }
}

Describe 'Listing every key (-KeyId *, several Regions) from an endpoint that is not KMS: the same stops, bounded' {
    It '<Case>: KmsGrants.NotKmsResponse ends the command, after a bounded number of requests' -ForEach @(
        @{ Case = 'a web page for ListKeys'; Mode = 'html'; Options = @(); Params = @{ KeyId = '*' }; Most = 1 }
        @{ Case = 'ListKeys answered with {}'; Mode = 'json'; Options = @('--body', '{}'); Params = @{ KeyId = '*' }; Most = 1 }
        @{ Case = 'ListKeys whose NextMarker comes round again'; Mode = 'loop'; Options = @(); Params = @{ KeyId = '*' }; Most = 8 }
        @{ Case = 'ListKeys answering empty pages with a new NextMarker for ever'; Mode = 'endless'; Options = @(); Params = @{ KeyId = '*' }; Most = 50 }
        @{ Case = 'ListAliases answering empty pages with a new NextMarker for ever'; Mode = 'endless'; Options = @(); Params = @{ KeyId = 'alias/app-*' }; Most = 100 }
        @{ Case = 'a key in two Regions whose ListGrants NextMarker comes round again'; Mode = 'loop'; Options = @()
            Params = @{ KeyId = '1234abcd-12ab-34cd-56ef-1234567890ab'; Region = 'us-east-1', 'eu-west-1' }; Most = 8 }
    ) {
        $server = Start-HostileServer $Mode $Options
        try {
            $fatal = $null
            $null = try { Get-KmsGrant @Params -EndpointUrl $server.Url -ErrorAction SilentlyContinue } catch { $fatal = $_ }
            $fatal.FullyQualifiedErrorId | Should -Be 'KmsGrants.NotKmsResponse,KmsGrants.Commands.GetKmsGrantCommand'
            (Get-HostileStats $server).requests | Should -BeLessOrEqual $Most
        }
        finally { Stop-TestServer $server }
    }

    It 'a silent endpoint: the command ends with the listing''s time-out as an error, not a hang' {
        $server = Start-HostileServer silent
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $null = Get-KmsGrant -KeyId * -EndpointUrl $server.Url -ErrorAction SilentlyContinue -ErrorVariable failed
            # "Did not hang": the SDK's three 5 s attempts of ListKeys take 15 s; four times that holds on two busy cores.
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 60
            $failed[-1].FullyQualifiedErrorId | Should -Be 'KmsGrants.TimedOut,KmsGrants.Commands.GetKmsGrantCommand'
        }
        finally { Stop-TestServer $server }
    }
}

Describe 'Answers that do not fit KMS''s model' {
    BeforeAll {
        <# Runs a listing against a server answering BODY; a run that does not end within 20 s is reported, not awaited:
           the SDK's parser, handed a scalar where the model has a list, loops without end (and cannot be stopped).
           20 s is a "did not hang" bound: one request and its refusal take well under a second, and a starved machine
           stretches that by a few times, not by twenty. #>
        function Invoke-Listing([string] $Body, [hashtable] $Case) {
            $server = Start-HostileServer json @('--body', $Body)
            try {
                $run = Invoke-Isolated 'param($Command, $Params, $Url) try { & $Command @Params -EndpointUrl $Url } catch { $_ }' `
                    -Arguments @{ Command = $Case.Command; Params = $Case.Params; Url = $server.Url } -NoWait
                $ended = $run.Handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(20))
                [pscustomobject]@{ Ended = $ended; Output = if ($ended) { (Complete-Isolated $run).Output }; Requests = (Get-HostileStats $server).requests }
            }
            finally { Stop-TestServer $server }
        }
    }

    It '<Command> answered <Body> ends with KmsGrants.NotKmsResponse after one request' -ForEach @(
        foreach ($c in $ListingCases) {
            foreach ($b in '{"Grants":"x"}', '{"Grants":[5]}', '{"Grants":[{"Operations":"x"}]}', '{"Grants":[],"Truncated":"yes"}',
                '{"Grants":[],"NextMarker":5}', '{"Grants":[{"Constraints":{"EncryptionContextSubset":"x"}}]}') { $c + @{ Body = $b } }
        }
    ) {
        $r = Invoke-Listing $Body $_
        $r.Ended | Should -BeTrue -Because 'a listing must end, whatever the answer'
        $r.Output.FullyQualifiedErrorId | Should -Be "KmsGrants.NotKmsResponse,KmsGrants.Commands.$Class"
        $r.Output.Exception.Message | Should -BeLike "*does not fit KMS's model*"
        $r.Requests | Should -Be 1
    }

    It 'RetireGrant answered HTTP <Status> <Body> (<Why>) is Unknown, never Retired or Failed, and stops the run' -ForEach @(
        @{ Status = 200; Body = '{"ok": true}'; Options = @('--no-request-id'); Why = 'another JSON service, no request ID'; Expect = '*without the request ID*' }
        @{ Status = 200; Body = '{ this is not json }'; Options = @(); Why = 'braces around text'; Expect = '*not JSON*' }
        @{ Status = 200; Body = '{"__type":"NotFoundException"}'; Options = @(); Why = 'a success naming an error'; Expect = '*error type*' }
        @{ Status = 200; Body = '{}'; Options = @('--request-id', ''); Why = 'an empty request ID'; Expect = '*without the request ID*' }
        @{ Status = 200; Body = '{}'; Options = @('--duplicate-request-id'); Why = 'two request IDs'; Expect = '*several request IDs*' }
        @{ Status = 400; Body = '{}'; Options = @(); Why = 'an error without a type'; Expect = '*without the error type*' }
        @{ Status = 404; Body = '{"message":"no such page"}'; Options = @(); Why = 'an error without a type'; Expect = '*without the error type*' }
        @{ Status = 412; Body = '{"__type":"DryRunOperationException","message":"would succeed"}'; Options = @(); Why = 'a DryRun verdict nobody asked for'; Expect = '*was not a DryRun*' }
    ) {
        $server = Start-HostileServer json (@('--status', "$Status", '--body', $Body) + $Options)
        try {
            $results = @(New-FakeGrant 3 | Remove-KmsGrant -EndpointUrl $server.Url -Force -PassThru `
                -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
            $results.Count | Should -Be 3
            $errors[-1].FullyQualifiedErrorId | Should -Be 'KmsGrants.NotKmsResponse,KmsGrants.Commands.RemoveKmsGrantCommand'
            $errors[-1].Exception.Message | Should -BeLike $Expect
            @($results | Where-Object Status -NotIn 'Unknown', 'NotAttempted') | Should -BeNullOrEmpty
            @($results | Where-Object Status -EQ 'Unknown').Count | Should -Be (Get-HostileStats $server).requests
        }
        finally { Stop-TestServer $server }
    }
}

Describe 'Answers of hundreds of MB' {
    BeforeAll {
        $declared = Start-HostileServer huge
        $streamed = Start-HostileServer stream
        # The well-behaved KMS, for the warm-up; a HOME with no ~/.aws and explicit credentials for the fresh pwsh.
        $emulator = Start-KmsEmulator
        $EmptyHome = Join-Path $TestDrive 'empty-home'
        $null = New-Item -ItemType Directory $EmptyHome -Force
        $TestEnvironment = @{ AWS_ACCESS_KEY_ID = 'testing'; AWS_SECRET_ACCESS_KEY = 'testing'; AWS_REGION = 'us-east-1' }
        # A fresh pwsh, so that its peak working set is this case's alone.
        $run = Invoke-Isolated -NewProcess -HomeDirectory $EmptyHome -Environment $TestEnvironment -Arguments @{ Emulator = $emulator.Url; Declared = $declared.Url; Streamed = $streamed.Url } -Script @'
            $self = [Diagnostics.Process]::GetCurrentProcess()
            # Warm up: the SDK loaded and a client made, so that what follows measures the answers alone.
            Get-KmsGrant -KeyId arn:aws:kms:us-east-1:111122223333:key/warm -EndpointUrl $Emulator -ErrorAction SilentlyContinue
            [GC]::Collect(); $self.Refresh(); $before = $self.PeakWorkingSet64
            foreach ($case in @{ Name = 'DECLARED'; Url = $Declared }, @{ Name = 'STREAMED'; Url = $Streamed }) {
                $clock = [Diagnostics.Stopwatch]::StartNew()
                try { Get-KmsGrant -KeyId arn:aws:kms:us-east-1:111122223333:key/k -EndpointUrl $case.Url -ErrorAction Stop } catch { $id = $_.FullyQualifiedErrorId }
                "$($case.Name)=$id SECONDS=$($clock.Elapsed.TotalSeconds)"
            }
            $self.Refresh()
            'PEAKGROWTHMB=' + [int](($self.PeakWorkingSet64 - $before) / 1MB)
'@
        $retireResults = @(New-FakeGrant 1 | Remove-KmsGrant -EndpointUrl $declared.Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable retireErrors -WarningAction SilentlyContinue)
    }
    AfterAll { Stop-TestServer $declared; Stop-TestServer $streamed; Stop-TestServer $emulator }

    It 'refuses an answer that declares 500 MB, and one that streams without a length, with KmsGrants.ResponseTooLarge' {
        $run.Output | Should -Match 'DECLARED=KmsGrants\.ResponseTooLarge,KmsGrants\.Commands\.GetKmsGrantCommand'
        $run.Output | Should -Match 'STREAMED=KmsGrants\.ResponseTooLarge,KmsGrants\.Commands\.GetKmsGrantCommand'
    }

    It 'refuses them early' {
        # A "did not hang" bound, not a speed test: each refusal takes a tenth of a second idle, and load stretches it
        # by a few times; reading the whole answer would be the SDK's minute-long time-outs, or 1 GB of stream.
        foreach ($m in [regex]::Matches($run.Output, 'SECONDS=([\d.]+)')) { [double]$m.Groups[1].Value | Should -BeLessThan 10 }
        # What reached the servers, by their count: a few attempts each, not the SDK's reads of hundreds of MB retried.
        (Get-HostileStats $declared).targets.'TrentService.ListGrants' | Should -BeLessOrEqual 3
        (Get-HostileStats $streamed).targets.'TrentService.ListGrants' | Should -BeLessOrEqual 3
    }

    It 'keeps the working set bounded: well under 200 MB more than before' {
        $run.Output | Should -Match 'PEAKGROWTHMB=(\d+)'
        [int]($run.Output | Select-String 'PEAKGROWTHMB=(\d+)').Matches[0].Groups[1].Value | Should -BeLessThan 200
    }

    It 'reports a grant whose RetireGrant answer was too large Unknown, not Failed, and stops' {
        $retireErrors.Count | Should -Be 1
        $retireErrors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.ResponseTooLarge,KmsGrants.Commands.RemoveKmsGrantCommand'
        # The endpoint took the request and answered 200: whether it acted is not known.
        $retireResults.Status | Should -Be 'Unknown'
    }
}

Describe 'A refused connection (nothing listening)' {
    BeforeAll {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $results = New-FakeGrant 2 | Remove-KmsGrant -EndpointUrl "http://127.0.0.1:$port" -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors
    }

    It 'reports Failed, not Unknown, with the socket error and "not sent"' {
        $results.Status | Should -Be @('Failed', 'Failed')
        $results.ErrorCode | Sort-Object -Unique | Should -Be 'SocketException'
        $results.Message | ForEach-Object { $_ | Should -BeLike '*request was not sent*not retired*' }
        # Retried as a fault: a refused connection may be a restart.
        $results.Attempts | Sort-Object -Unique | Should -Be 6
    }

    It 'writes KmsGrants.NotSent per grant' {
        $errors.FullyQualifiedErrorId | Should -Be (@('KmsGrants.NotSent,KmsGrants.Commands.RemoveKmsGrantCommand') * 2)
        $errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
    }
}
