"""A small real OpenAI-compatible server on 127.0.0.1 for the endpoint backend's tests: it
answers /v1/chat/completions and /v1/completions with "EN <the French text>", counts requests,
and misbehaves on demand (an HTTP status for the first N requests, a delay before answering)."""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MARK = "TEXT:"  # the test prompts end with "TEXT: {src}"


class OpenAIServer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.answered: list[str] = []  # sources answered with a translation
        self.fail_status: int | None = None  # answer this status ...
        self.fail_count = 0                  # ... to this many requests first
        self.delay = 0.0                     # seconds before each answer
        self.bodies: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet test output
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                with server.lock:
                    server.requests += 1
                    server.bodies.append(body)
                    fail = server.fail_status if server.fail_count > 0 else None
                    if fail:
                        server.fail_count -= 1
                if fail:
                    self._send(fail, {"error": {"message": "busy" if fail == 429 else "boom"}},
                               {"Retry-After": "0"} if fail == 429 else {})
                    return
                time.sleep(server.delay)
                if self.path.endswith("/chat/completions"):
                    text = body["messages"][-1]["content"]
                    src = text.split(MARK, 1)[-1].strip()
                    choice = {"index": 0, "message": {"role": "assistant", "content": f"EN {src}"}, "finish_reason": "stop"}
                elif self.path.endswith("/completions"):
                    src = body["prompt"].split(MARK, 1)[-1].strip()
                    choice = {"index": 0, "text": f" EN {src}\n", "finish_reason": "stop"}
                else:
                    self._send(404, {"error": {"message": "no such route"}})
                    return
                with server.lock:
                    server.answered.append(src)
                try:
                    self._send(200, {"id": "x", "object": "chat.completion", "model": body.get("model"), "choices": [choice]})
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "OpenAIServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def closed_port_url() -> str:
    """The URL of a port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"

