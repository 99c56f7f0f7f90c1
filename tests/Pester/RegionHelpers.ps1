# Shared by the suites about Regions and accounts (dot-sourced in their BeforeAll): per-Region counters, what a key
# has left, bare key IDs, and keys and grants made with boto3. Each reads the calling suite's $emulator.

# One operation's counters in one Region of an emulator's stats; zeros when the Region never saw it.
function Get-RegionOp($Stats, [string] $Region, [string] $Operation) {
    $op = $Stats.regions.$Region.operations.$Operation
    if ($op) { $op } else { [pscustomobject]@{ requests = 0; succeeded = 0; errors = 0; throttled = 0 } }
}

# The grant IDs a key has now, from the emulator's own state (an oracle independent of the module under test).
function Get-GrantIdsLeft([string] $KeyArn) {
    [string[]]@(Get-KmsEmulatorGrant -Emulator $emulator -KeyId $KeyArn | ForEach-Object GrantId)
}

# The key ID part of a key ARN: what "a bare key ID" means below.
function Get-BareKeyId([string] $KeyArn) { ($KeyArn -split '/')[-1] }

# Keys and grants made (or listed) with boto3, independent of the module, all in one Python process: each start
# costs a second or more on a loaded machine. A step is @{ Name; Region; AccessKey; SecretKey } and either
# Key (a step's Name, to reuse its key; else a new key) with Grants (how many) and Retiring, or List (a key ARN
# whose grants to list). Returns Name -> { KeyArn; Grants = @({ KeyId; GrantId; GrantToken }) }.
function Invoke-Boto3Steps([string] $Url, [hashtable[]] $Steps) {
    $python = @'
import json, sys, boto3
url, out = sys.argv[1], {}
for s in json.load(sys.stdin):
    kms = boto3.client("kms", endpoint_url=url, region_name=s["Region"],
                       aws_access_key_id=s.get("AccessKey", "testing"), aws_secret_access_key=s.get("SecretKey", "testing"))
    if s.get("List"):
        key = s["List"]
        grants = [{"KeyId": key, "GrantId": g["GrantId"]} for p in kms.get_paginator("list_grants").paginate(KeyId=key) for g in p["Grants"]]
    else:
        key = out[s["Key"]]["KeyArn"] if s.get("Key") else kms.create_key()["KeyMetadata"]["Arn"]
        grants = []
        for _ in range(s.get("Grants", 0)):
            r = kms.create_grant(KeyId=key, GranteePrincipal="arn:aws:iam::111122223333:role/app", RetiringPrincipal=s["Retiring"], Operations=["Decrypt"])
            grants.append({"KeyId": key, "GrantId": r["GrantId"], "GrantToken": r["GrantToken"]})
    out[s["Name"]] = {"KeyArn": key, "Grants": grants}
print(json.dumps(out))
'@
    $json = ConvertTo-Json -InputObject @($Steps) -Depth 4 -Compress
    $result = $json | & (Find-PythonTool 'python3') -c $python $Url
    if ($LASTEXITCODE -ne 0) { throw "boto3 set-up failed (exit $LASTEXITCODE)" }
    $result | ConvertFrom-Json -AsHashtable
}
