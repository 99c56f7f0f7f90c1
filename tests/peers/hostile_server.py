"""Loopback HTTP servers that are not KMS, for the Pester suites (Start-HostileServer in tests/Pester/TestHelpers.psm1).

Usage: hostile_server.py MODE [--bind ADDRESS] [--status N] [--body TEXT] [--location URL]
       [--request-id TEXT | --duplicate-request-id | --no-request-id]
Prints the port it listens on as the first line of stdout, then serves until killed. Python 3.11 stdlib only.

Every POST (what a KMS client sends) gets MODE's treatment; GET /_stats answers {"requests": N, "targets": {...},
"times": [...], "grants": {GRANT: [...]}}: the POSTs so far, by X-Amz-Target, when each arrived (seconds since the
server started), and when each grant's requests arrived (by the GrantId or GrantToken in the body), so a test can tell
how many requests reached the server, and when.

Modes:
  html      --status N (default 200): a web page (text/html), as a captive portal, a proxy or a login page sends.
  json      --status N (default 200) --body TEXT: that body as application/x-amz-json-1.1 (e.g. '{"ok": true}').
  redirect  --status N (default 307) --location URL: a redirect there, with no body.
  loop      a ListGrants-shaped page of one grant (ListKeys: of one key), Truncated, whose NextMarker is always "SAME".
  endless   ListKeys and ListAliases pages with nothing on them, Truncated, each with a new NextMarker, for ever.
  ignores-dryrun  KMS-like but for DryRun: a grant that cannot exist (grant ID of 64 zeros, or a token no CreateGrant
            issued) gets NotFoundException, as KMS answers; any other RetireGrant or RevokeGrant succeeds, whatever
            DryRun says: the endpoint a canary cannot expose, whose damage -WhatIf must keep to one grant.

Every answer carries an x-amzn-RequestId header, as AWS's do: --request-id TEXT (default hostile-0000; '' sends it
empty), twice with --duplicate-request-id, not at all with --no-request-id.
GETs other than /_stats are counted too (target "GET": a POST redirected with 302 comes back as one), and
"securityTokens" counts the requests that carried an X-Amz-Security-Token header, "dryRuns" those whose body said
"DryRun": true.
  echo      --body TYPE (default AccessDeniedException): HTTP 400, a KMS-shaped error of that __type whose message
            quotes every request header (X-Amz-Security-Token and Authorization included), as a proxy or a WAF that
            echoes what it received might, and the session token again in lower case, URL-encoded, base64 and halved.
  silent    reads the request, never answers; holds the connection until the client closes it.
  trickle   200 with every header at once and Content-Length 64, then the body (a KMS-shaped '{ ... }') at one byte
            a second: a client that does not bound the body read waits a minute, then sees a success.
  huge      200 declaring Content-Length 500 MB, then sends filler until the client hangs up.
  stream    200 with chunked transfer encoding (no Content-Length), a ListGrants-looking answer that never ends
            (filler until the client hangs up, at most 1 GB).
"""
import argparse
import base64
import json
import select
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = b"""<!DOCTYPE html>
<html><head><title>Sign in - Corporate Network</title></head>
<body><h1>Please sign in to continue</h1><form method="post" action="/login">
<input name="user"><input name="password" type="password"><button>Sign in</button></form></body></html>
"""

HUGE = 500 * 1024 * 1024
STREAM_CAP = 1024 * 1024 * 1024
FILLER = (b'{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/x","GrantId":"' + b"0" * 64 + b'","Name":"n"},') * 100


class Stats:
    lock = threading.Lock()
    requests = 0
    targets: dict = {}
    times: list = []
    grants: dict = {}
    started = time.monotonic()
    security_tokens = 0
    dry_runs = 0

    @classmethod
    def count(cls, target, grant, token=False, dry_run=False):
        with cls.lock:
            cls.security_tokens += 1 if token else 0
            cls.dry_runs += 1 if dry_run else 0
            now = round(time.monotonic() - cls.started, 3)
            cls.requests += 1
            cls.targets[target] = cls.targets.get(target, 0) + 1
            cls.times.append(now)
            if grant:
                cls.grants.setdefault(grant, []).append(now)

    @classmethod
    def snapshot(cls):
        with cls.lock:
            return {"requests": cls.requests, "targets": dict(cls.targets), "times": list(cls.times),
                    "grants": {k: list(v) for k, v in cls.grants.items()}, "securityTokens": cls.security_tokens,
                    "dryRuns": cls.dry_runs}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    options = None

    def log_message(self, *args):  # quiet: stdout carries the port line only
        pass

    def do_GET(self):
        if self.path.startswith("/_stats"):
            self.reply(200, "application/json", json.dumps(Stats.snapshot()).encode())
        else:
            Stats.count("GET", None, "X-Amz-Security-Token" in self.headers)
            self.reply(200, "text/html", PAGE)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            request = json.loads(body or b"{}")
            grant = request.get("GrantId") or request.get("GrantToken") if isinstance(request, dict) else None
        except ValueError:
            request, grant = None, None
        Stats.count(self.headers.get("X-Amz-Target", "none"), grant, "X-Amz-Security-Token" in self.headers,
                    isinstance(request, dict) and request.get("DryRun") is True)
        mode = self.options.mode
        try:
            if mode == "html":
                self.reply(self.options.status or 200, "text/html; charset=utf-8", PAGE)
            elif mode == "json":
                self.reply(self.options.status or 200, "application/x-amz-json-1.1", self.options.body.encode())
            elif mode == "redirect":
                self.send_response(self.options.status or 307)
                self.send_header("Location", self.options.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif mode == "loop":
                key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                if self.headers.get("X-Amz-Target", "").endswith(".ListKeys"):
                    page = {"Keys": [{"KeyId": key.split("/")[-1], "KeyArn": key}], "Truncated": True, "NextMarker": "SAME"}
                else:
                    page = {"Grants": [{"KeyId": key, "GrantId": "%064x" % Stats.requests}], "Truncated": True, "NextMarker": "SAME"}
                self.reply(200, "application/x-amz-json-1.1", json.dumps(page).encode())
            elif mode == "endless":
                items = "Aliases" if self.headers.get("X-Amz-Target", "").endswith(".ListAliases") else "Keys"
                page = {items: [], "Truncated": True, "NextMarker": "m%d" % Stats.requests}
                self.reply(200, "application/x-amz-json-1.1", json.dumps(page).encode())
            elif mode == "ignores-dryrun":
                impossible = isinstance(request, dict) and (request.get("GrantId") == "0" * 64 or "DryRunCheck" in (request.get("GrantToken") or ""))
                if impossible:
                    self.reply(400, "application/x-amz-json-1.1", b'{"__type":"NotFoundException","message":"Grant not found"}')
                else:
                    self.reply(200, "application/x-amz-json-1.1", b"{}")
            elif mode == "echo":
                headers = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
                token = self.headers.get("X-Amz-Security-Token") or ""
                # Altered echoes too, as a log formatter or a WAF may write them: another case, encoded, cut in half.
                altered = (f" Token as seen: {token.lower()} / {urllib.parse.quote(token, safe='')} / "
                           f"{base64.b64encode(token.encode()).decode()} / {token[:len(token) // 2]}") if token else ""
                kind = self.options.body if self.options.body not in ("", "{}") else "AccessDeniedException"
                error = {"__type": kind, "message": f"Denied. You sent {headers}.{altered}"}
                self.reply(400, "application/x-amz-json-1.1", json.dumps(error).encode())
            elif mode == "silent":
                self.hold()
            elif mode == "trickle":
                self.trickle()
            elif mode == "huge":
                self.huge()
            elif mode == "stream":
                self.stream()
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            self.close_connection = True

    def reply(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if not self.options.no_request_id:
            for _ in range(2 if self.options.duplicate_request_id else 1):
                self.send_header("x-amzn-RequestId", self.options.request_id)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def client_gone(self, wait):
        """True once the client has closed its end (readable with nothing to read)."""
        readable, _, _ = select.select([self.connection], [], [], wait)
        if not readable:
            return False
        try:
            return self.connection.recv(1, 2) == b""  # MSG_PEEK
        except OSError:
            return True

    def hold(self):
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not self.client_gone(0.5):
            pass
        self.close_connection = True

    def trickle(self):
        body = b"{" + b" " * 62 + b"}"
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        for i in range(len(body)):
            self.wfile.write(body[i:i + 1])
            self.wfile.flush()
            if self.client_gone(1.0):
                break
        self.close_connection = True

    def huge(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(HUGE))
        self.end_headers()
        self.wfile.write(b'{"Grants":[')
        sent = 0
        while sent < HUGE:
            self.wfile.write(FILLER)
            sent += len(FILLER)
        self.close_connection = True

    def stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        first = b'{"Grants":['
        self.wfile.write(b"%x\r\n%s\r\n" % (len(first), first))
        while sent < STREAM_CAP:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(FILLER), FILLER))
            sent += len(FILLER)
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client hanging up mid-answer is the point, not news
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["html", "json", "redirect", "loop", "endless", "ignores-dryrun", "echo", "silent", "trickle", "huge", "stream"])
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--status", type=int, default=0)
    parser.add_argument("--body", default="{}")
    parser.add_argument("--no-request-id", action="store_true")
    parser.add_argument("--request-id", default="hostile-0000")
    parser.add_argument("--duplicate-request-id", action="store_true")
    parser.add_argument("--location", default="http://127.0.0.1:9/")
    options = parser.parse_args()
    Handler.options = options
    server = Server((options.bind, 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
