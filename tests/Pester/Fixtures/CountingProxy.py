"""A plain-HTTP forward proxy on a free loopback port, for the $AWSProxy tests: it forwards each absolute-form request
(POST http://host:port/ ...) to its target and counts it. GET /_proxy/stats (a request to the proxy itself) answers
{"forwarded": N, "targets": {...}}. Prints "proxy listening on http://127.0.0.1:PORT" once it listens."""
import http.client
import http.server
import json
import threading
import urllib.parse

lock = threading.Lock()
forwarded = 0
targets = {}
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate", "te",
              "trailer", "transfer-encoding", "upgrade", "content-length"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_any(self):
        global forwarded
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if not self.path.startswith("http://"):
            with lock:
                answer = json.dumps({"forwarded": forwarded, "targets": targets}).encode()
            status = 200 if self.path == "/_proxy/stats" else 404
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            return
        target = urllib.parse.urlsplit(self.path)
        with lock:
            forwarded += 1
            key = f"{target.hostname}:{target.port}"
            targets[key] = targets.get(key, 0) + 1
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
        try:
            upstream.request(self.command, (target.path or "/") + (f"?{target.query}" if target.query else ""), body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            self.send_response(response.status, response.reason)
            for k, v in response.getheaders():
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        finally:
            upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"proxy listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
