# One source per fact: docs/en-US is what tools/Update-Docs.ps1 writes from the built modules (the cmdlet pages, and the
# generated blocks of the about topics), a hand edit of a generated block is caught and named, and the documents' links
# lead somewhere. (Get-Help's side is Help.Tests.ps1's; the README's examples run in Readme.Tests.ps1.)
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    . (Join-Path $PSScriptRoot 'TestPaths.ps1')

    # tools/Update-Docs.ps1 -Check, in a fresh pwsh (it imports the built modules), against -Root.
    function Invoke-DocsCheck([string] $Root) {
        $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File (Join-Path $script:RepoRoot 'tools/Update-Docs.ps1') `
            -ModulePath (Get-KmsGrantsModulePath) -TestingModulePath (Get-KmsGrantsTestingModulePath) -Root $Root -Check 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n") -replace '\x1b\[[0-9;?]*[A-Za-z]', '' }
    }

    # The markdown links of a document that lead into the repository (not to the web, not to an anchor of its own).
    function Get-RelativeLink([string] $Path) {
        $text = Get-Content $Path -Raw
        # Code is not markdown: a link-like text in a code block or span is not a link.
        $text = [regex]::Replace($text, '(?s)```.*?```', '')
        $text = [regex]::Replace($text, '`[^`\n]*`', '')
        foreach ($m in [regex]::Matches($text, '\]\(([^)\s]+)\)')) {
            $target = $m.Groups[1].Value
            if ($target -match '^(https?:|mailto:|#)') { continue }
            [pscustomobject]@{ Document = $Path; Target = $target; Resolved = Join-Path (Split-Path $Path) ($target -replace '#.*$', '') }
        }
    }
}

Describe 'docs/en-US' {
    It 'is what the built modules generate: no page and no generated block is stale' {
        $check = Invoke-DocsCheck $script:RepoRoot
        $check.Output | Should -Not -Match 'would change' -Because "build.ps1 -Task Docs regenerates these:`n$($check.Output)"
        $check.ExitCode | Should -Be 0 -Because $check.Output
    }

    It 'has a page for every cmdlet of both modules, and an about topic of its own for each module' {
        Import-Module (Get-KmsGrantsModulePath)
        foreach ($command in Get-Command -Module KmsGrants, KmsGrants.Testing -CommandType Cmdlet) {
            Join-Path $script:RepoRoot "docs/en-US/$($command.Name).md" | Should -Exist
        }
        Join-Path $script:RepoRoot 'docs/en-US/about_KmsGrants.md' | Should -Exist
        Join-Path $script:RepoRoot 'docs/en-US/about_KmsGrants.Testing.md' | Should -Exist
    }
}

Describe 'The check' {
    BeforeAll {
        # A copy of what the generator reads and writes, with one generated block and one page edited by hand.
        $copy = Join-Path $TestDrive 'repo'
        foreach ($folder in 'docs/en-US', 'docs/help', 'samples/GrantCleanup') {
            $null = New-Item -ItemType Directory (Join-Path $copy $folder) -Force
            Copy-Item (Join-Path $script:RepoRoot "$folder/*") (Join-Path $copy $folder)
        }
        $errors = Join-Path $copy 'docs/en-US/about_KmsGrants_Errors.md'
        $text = Get-Content $errors -Raw
        Set-Content $errors ($text -replace '(\| `KmsGrants\.NotFound` \| )[^|]*', '$1written by hand. ') -NoNewline
        $page = Join-Path $copy 'docs/en-US/Remove-KmsGrant.md'
        Set-Content $page ((Get-Content $page -Raw) -replace 'Retires AWS KMS grants', 'Removes grants') -NoNewline
        $check = Invoke-DocsCheck $copy
    }

    It 'names each file a hand edit made stale, and only those' {
        $check.ExitCode | Should -Be 1 -Because $check.Output
        $named = @([regex]::Matches($check.Output, 'would change: (\S+)') | ForEach-Object { $_.Groups[1].Value } | Sort-Object)
        $named | Should -Be 'docs/en-US/about_KmsGrants_Errors.md', 'docs/en-US/Remove-KmsGrant.md'
    }
}

Describe 'Links' {
    It 'in the README, CONTRIBUTING, CHANGELOG and docs lead to files that exist' {
        $documents = @(Get-ChildItem (Join-Path $script:RepoRoot 'docs') -Recurse -Filter '*.md').FullName +
            @('README.md', 'CONTRIBUTING.md', 'CHANGELOG.md' | ForEach-Object { Join-Path $script:RepoRoot $_ })
        $links = @($documents | ForEach-Object { Get-RelativeLink $_ })
        $links.Count | Should -BeGreaterThan 50
        foreach ($link in $links) {
            $link.Resolved | Should -Exist -Because "$([IO.Path]::GetRelativePath($script:RepoRoot, $link.Document)) links to $($link.Target)"
        }
    }

    It 'from the README reach every about topic, and it stays a landing page (200 lines at most)' {
        $readme = Join-Path $script:RepoRoot 'README.md'
        $targets = @(Get-RelativeLink $readme | ForEach-Object { Split-Path $_.Resolved -Leaf })
        foreach ($topic in Get-ChildItem (Join-Path $script:RepoRoot 'docs/en-US') -Filter 'about_*.md') { $targets | Should -Contain $topic.Name }
        @(Get-Content $readme).Count | Should -BeLessOrEqual 200
    }
}
