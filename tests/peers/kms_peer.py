"""boto3 against a KMS endpoint: set-up and checks for the Pester suites and the benchmarks.

Usage: kms_peer.py ENDPOINT COMMAND [ARGS...]; prints JSON. Credentials and region come from the environment
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION), as for any boto3 program; `sequence` names
the Region of each of its steps.
"""
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(endpoint, max_attempts=3, mode="standard", pool=10):
    return boto3.client("kms", endpoint_url=endpoint,
                        config=Config(retries={"total_max_attempts": max_attempts, "mode": mode}, max_pool_connections=pool))


def create_key(kms, _args):
    return {"KeyId": kms.create_key(Description="kms_peer")["KeyMetadata"]["Arn"]}


def create_grants(kms, args):
    """create-grants KEY COUNT GRANTEE RETIRING [OPERATIONS,...]"""
    key, count, grantee, retiring = args[0], int(args[1]), args[2], args[3]
    operations = (args[4] if len(args) > 4 else "Decrypt").split(",")
    out = []
    for i in range(count):
        request = dict(KeyId=key, GranteePrincipal=grantee, Operations=operations, Name=f"peer-{i}")
        if retiring != "-":
            request["RetiringPrincipal"] = retiring
        r = kms.create_grant(**request)
        out.append({"KeyId": key, "GrantId": r["GrantId"], "GrantToken": r["GrantToken"]})
    return out


def create_constrained_grant(kms, args):
    """create-constrained-grant KEY GRANTEE RETIRING CONSTRAINTS_JSON: one Decrypt grant with Constraints, e.g.
    {"EncryptionContextSubset": {"Department": "IT"}}."""
    key, grantee, retiring, constraints = args[0], args[1], args[2], json.loads(args[3])
    r = kms.create_grant(KeyId=key, GranteePrincipal=grantee, RetiringPrincipal=retiring, Operations=["Decrypt"],
                         Constraints=constraints, Name="constrained")
    return {"KeyId": key, "GrantId": r["GrantId"], "GrantToken": r["GrantToken"]}


def list_grants(kms, args):
    """list-grants KEY [LIMIT]: every page, as boto3 pages them."""
    request = {"KeyId": args[0]}
    if len(args) > 1:
        request["Limit"] = int(args[1])
    grants, pages = [], 0
    while True:
        r = kms.list_grants(**request)
        pages += 1
        grants += r.get("Grants", [])
        if not r.get("Truncated"):
            break
        request["Marker"] = r["NextMarker"]
    return {"Pages": pages, "GrantIds": [g["GrantId"] for g in grants]}


def retire(kms, args):
    """retire-many FILE THREADS: retire every {KeyId, GrantId} in FILE (JSON), report timing and errors."""
    grants = json.load(open(args[0]))
    threads = int(args[1])
    errors = []

    def one(g):
        try:
            kms.retire_grant(KeyId=g["KeyId"], GrantId=g["GrantId"])
        except ClientError as e:
            errors.append(e.response["Error"]["Code"])

    start = time.perf_counter()
    if threads <= 1:
        for g in grants:
            one(g)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, grants))
    return {"Seconds": time.perf_counter() - start, "Count": len(grants), "Errors": errors}


def call_many(kms, args):
    """call-many OPERATION COUNT: one attempt each, as fast as one thread goes; returns the error codes seen."""
    method, count = getattr(kms, args[0]), int(args[1])
    codes = []
    for _ in range(count):
        try:
            method()
            codes.append("OK")
        except ClientError as e:
            codes.append(e.response["Error"]["Code"])
    return codes


def sequence(endpoint, args):
    """sequence STEP...: steps run back to back in this one process, so that no process start-up lies between them
    (quota tests depend on how little time passes). A step is REGION:OPERATION:COUNT (call-many in that Region) or
    quota=JSON (POST /_emulator/quota). Returns one result per step: the error codes, or the new quota table."""
    # Every client made first: making one takes from 0.3 s to over a second on a loaded machine, during which a bucket
    # just changed would fill, unseen by the steps' own timing.
    clients, results = {}, []
    for step in args:
        if not step.startswith("quota="):
            region = step.split(":")[0]
            if region not in clients:
                clients[region] = boto3.client("kms", endpoint_url=endpoint, region_name=region,
                                               config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    for step in args:
        if step.startswith("quota="):
            request = urllib.request.Request(endpoint + "/_emulator/quota", data=step[len("quota="):].encode(), method="POST",
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request) as response:
                results.append(json.load(response))
            continue
        region, operation, count = step.split(":")
        results.append(call_many(clients[region], [operation, count]))
    return results


def steady(kms, args):
    """steady RATE SECONDS KEY: a competitor sharing the RetireGrant quota: a DryRun RetireGrant of a grant that does not
    exist on KEY, RATE times a second on a fixed schedule, for SECONDS; one attempt each. Returns the requests sent and
    how many were throttled."""
    rate, seconds, key = float(args[0]), float(args[1]), args[2]
    codes = []

    def one():
        try:
            kms.retire_grant(KeyId=key, GrantId="0" * 64, DryRun=True)
            codes.append("OK")
        except ClientError as e:
            codes.append(e.response["Error"]["Code"])

    start = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        i = 0
        while True:
            due = start + i / rate
            if due - start >= seconds:
                break
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(one)
            i += 1
    return {"Requests": len(codes), "Throttled": sum(1 for c in codes if c == "ThrottlingException"), "Seconds": time.perf_counter() - start}


def calls(endpoint, args):
    """calls FILE: boto3 calls from FILE (JSON), in order, each one attempt: [{"label", "op" (list_grants), "params",
    "access_key", "secret_key", "region", "repeat"}]. A string param "{{LABEL.Field.Field}}" is a field of the answer to
    an earlier call. Returns {label: {"ok", "code", "message", "response"}}, or with "repeat" N the error codes ("OK" for
    a success) of N calls made back to back (the clients are made first, so that making one costs none of that time)."""
    cases = json.load(open(args[0]))
    clients, results = {}, {}

    def client_for(c):
        who = (c.get("access_key", "testing"), c.get("secret_key", "testing"), c.get("region", "us-east-1"))
        if who not in clients:
            clients[who] = boto3.client("kms", endpoint_url=endpoint, region_name=who[2], aws_access_key_id=who[0],
                                        aws_secret_access_key=who[1], config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        return clients[who]

    def resolve(value):
        if isinstance(value, str) and value.startswith("{{") and value.endswith("}}"):
            label, *path = value[2:-2].split(".")
            found = results[label]["response"]
            for field in path:
                found = found[field]
            return found
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    for c in cases:
        client_for(c)
    for c in cases:
        kms = client_for(c)
        method = getattr(kms, c["op"])
        params = resolve(c.get("params", {}))
        if "repeat" in c:
            codes = []
            for _ in range(int(c["repeat"])):
                try:
                    method(**params)
                    codes.append("OK")
                except ClientError as e:
                    codes.append(e.response["Error"]["Code"])
            results[c["label"]] = {"codes": codes}
            continue
        try:
            response = method(**params)
            response.pop("ResponseMetadata", None)
            results[c["label"]] = {"ok": True, "code": None, "message": None, "response": response}
        except ClientError as e:
            results[c["label"]] = {"ok": False, "code": e.response["Error"]["Code"], "message": e.response["Error"].get("Message"), "response": {}}
    return results

def hammer(endpoint, args):
    """hammer SECONDS THREADS [KIB]: ListKeys from THREADS threads sharing one client, one attempt each, back to back for
    SECONDS, whether or not anything listens at ENDPOINT (an emulator started and stopped there, round after round);
    errors are counted, with a pause of 5 ms after each so that a closed port is not spun on. With KIB, DescribeKey
    with KIB KiB of grant tokens instead (botocore checks no maximum): a body that takes the emulator time to read.
    Prints {"OK", "Errors"} once SECONDS are over, and stops by itself."""
    seconds, threads = float(args[0]), int(args[1])
    kib = int(args[2]) if len(args) > 2 else 0
    tokens = ["t" * 8192] * max(1, kib // 8)
    kms = boto3.client("kms", endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                                                    max_pool_connections=threads, connect_timeout=2, read_timeout=10))
    end = time.monotonic() + seconds
    counts = {"OK": 0, "Errors": 0}

    def loop():
        while time.monotonic() < end:
            try:
                if kib:
                    kms.describe_key(KeyId="alias/hammer", GrantTokens=tokens)
                else:
                    kms.list_keys()
                counts["OK"] += 1
            except Exception:
                counts["Errors"] += 1
                time.sleep(0.005)

    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(loop)
    return counts


def serve(endpoint):
    """serve: one boto3 process for many calls (a process per call costs a second). Reads one JSON request a line:
    {"args": ["kms", "create-grant", "--key-id", "K", …], "access_key": …, "secret_key": …, "region": …} — the AWS CLI's
    arguments, translated to the boto3 call — and writes one JSON line: {"ExitCode", "Output", "Error"} as the CLI would
    (Error: botocore's "An error occurred (Code) when calling …" text)."""
    lists = {"operations", "grant-tokens"}
    numbers = {"limit", "pending-window-in-days", "max-items"}
    clients = {}
    for line in sys.stdin:
        request = json.loads(line)
        args = request["args"][1:]   # drop "kms"
        operation, rest = args[0].replace("-", "_"), args[1:]
        params, i = {}, 0
        while i < len(rest):
            name = rest[i][2:]
            key = "".join(part.capitalize() for part in name.split("-"))
            values = []
            while i + 1 < len(rest) and not rest[i + 1].startswith("--"):
                values.append(rest[i + 1])
                i += 1
            if name == "dry-run":
                params["DryRun"] = True
            elif name == "no-paginate":
                pass
            elif name in lists:
                params[key] = values
            elif name in numbers:
                params[key] = int(values[0])
            else:
                params[key] = values[0]
            i += 1
        params.pop("PageSize", None)
        who = (request["access_key"], request["secret_key"], request["region"])
        if who not in clients:
            clients[who] = boto3.client("kms", endpoint_url=endpoint, region_name=who[2], aws_access_key_id=who[0],
                                        aws_secret_access_key=who[1], config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        try:
            response = getattr(clients[who], operation)(**params)
            response.pop("ResponseMetadata", None)
            result = {"ExitCode": 0, "Output": response, "Error": ""}
        except ClientError as e:
            result = {"ExitCode": 254, "Output": None, "Error": str(e)}
        except Exception as e:   # parameter validation and the like, as the CLI reports them
            result = {"ExitCode": 252, "Output": None, "Error": f"{type(e).__name__}: {e}"}
        print(json.dumps(result, default=str), flush=True)


def list_all(kms, args):
    """list-all THREADS: every grant of every key, as a boto3 script lists them: the list_keys paginator, then the
    list_grants paginator per key, sequentially (THREADS 1) or in a thread pool; reports timing and counts."""
    threads = int(args[0])
    start = time.perf_counter()
    keys = [k["KeyArn"] for page in kms.get_paginator("list_keys").paginate() for k in page["Keys"]]
    errors = []

    def one(key):
        try:
            return sum(len(p["Grants"]) for p in kms.get_paginator("list_grants").paginate(KeyId=key, PaginationConfig={"PageSize": 100}))
        except ClientError as e:
            errors.append(e.response["Error"]["Code"])
            return 0

    if threads <= 1:
        counts = [one(k) for k in keys]
    else:
        with ThreadPoolExecutor(threads) as pool:
            counts = list(pool.map(one, keys))
    return {"Seconds": time.perf_counter() - start, "Keys": len(keys), "Grants": sum(counts), "Errors": errors}


def create_many(kms, args):
    """create-many FILE THREADS: one CreateGrant per {KeyId, GranteePrincipal, Operations, Name} in FILE (JSON)."""
    specs = json.load(open(args[0]))
    threads = int(args[1])
    errors = []

    def one(s):
        try:
            kms.create_grant(KeyId=s["KeyId"], GranteePrincipal=s["GranteePrincipal"], Operations=s["Operations"], Name=s["Name"])
        except ClientError as e:
            errors.append(e.response["Error"]["Code"])

    start = time.perf_counter()
    if threads <= 1:
        for s in specs:
            one(s)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, specs))
    return {"Seconds": time.perf_counter() - start, "Count": len(specs), "Errors": errors}


COMMANDS = {"steady": steady, "list-all": list_all, "create-many": create_many, "create-key": create_key, "create-grants": create_grants, "create-constrained-grant": create_constrained_grant, "list-grants": list_grants, "retire-many": retire, "call-many": call_many}

if __name__ == "__main__":
    endpoint, command, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    threads = int(rest[1]) if command in ("retire-many", "create-many") else int(rest[0]) if command == "list-all" else 1
    attempts = {"retire-many": 10, "create-many": 10, "list-all": 10, "call-many": 1, "steady": 1}.get(command, 3)
    if command == "sequence":
        print(json.dumps(sequence(endpoint, rest)))
    elif command == "calls":
        print(json.dumps(calls(endpoint, rest), default=str))
    elif command == "serve":
        serve(endpoint)
    elif command == "hammer":
        print(json.dumps(hammer(endpoint, rest)))
    else:
        kms = client(endpoint, max_attempts=attempts, pool=max(10, threads, 8))
        print(json.dumps(COMMANDS[command](kms, rest)))
