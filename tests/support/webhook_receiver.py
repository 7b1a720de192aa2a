#!/usr/bin/env python3
"""A webhook receiver for the alert tests: listens on 127.0.0.1 (port 0 = any free one),
writes its port to PORT_FILE once listening, and appends each POST as one JSON line
{"path": ..., "body": <the parsed JSON body>} to OUT_FILE. Answers 200, or the status given
with --status (to test failed deliveries).

usage: webhook_receiver.py PORT_FILE OUT_FILE [--status N]
"""
import http.server
import json
import os
import sys


def main():
    port_file, out_file = sys.argv[1], sys.argv[2]
    status = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--status" else 200

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            with open(out_file, "a", encoding="utf-8") as out:
                out.write(json.dumps({"path": self.path, "body": body}) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    tmp = port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
