"""The endpoint backend: an OpenAI-compatible server (vLLM, TGI, llama.cpp, ...), one request
per segment on `/chat/completions` (or `/completions`), `concurrency` requests in flight.

429 and 5xx answers, timeouts and refused connections are retried `retries` times with
exponential backoff (0.5 s, 1 s, 2 s, ... capped at 10 s, or the server's Retry-After when it
says so); then, or at once for any other error, a GenerationError names the endpoint and what
it answered. Standard library only (urllib, threads): no client package to install.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

from ..errors import GenerationError
from .base import Backend, OnDone, Translation, one_line

BACKOFF_START, BACKOFF_CAP = 0.5, 10.0


class EndpointBackend(Backend):
    kind = "endpoint"

    def __init__(self, spec: dict[str, Any]) -> None:
        self.endpoint = spec["endpoint"].rstrip("/")
        self.model_name = spec["model_name"]
        self.api = spec["api"]
        self.prompt = spec["prompt"]
        self.system_prompt = spec.get("system_prompt")
        self.settings = {"temperature": 0, **(spec.get("generate") or {})}  # greedy unless asked
        self.concurrency = spec["concurrency"]
        self.retries = spec["retries"]
        self.timeout = float(spec["timeout"])
        self.url = f"{self.endpoint}/{'chat/completions' if self.api == 'chat' else 'completions'}"
        self.headers = {"Content-Type": "application/json"}
        key_env = spec.get("api_key_env")
        if key_env:
            if not os.environ.get(key_env):
                raise GenerationError(f"endpoint {self.endpoint}: environment variable {key_env} (api_key_env) is not set")
            self.headers["Authorization"] = f"Bearer {os.environ[key_env]}"
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.first_error: GenerationError | None = None
        self.requests = 0  # attempts made, retries included (read by tests and the bench)

    def identity(self) -> dict[str, Any]:
        return {"backend": "endpoint", "endpoint": self.endpoint, "model_name": self.model_name, "api": self.api,
                "prompt": self.prompt, "system_prompt": self.system_prompt, "generate": self.settings}

    def body(self, src: str) -> dict[str, Any]:
        text = self.prompt.replace("{src}", src)
        if self.api == "completions":
            return {"model": self.model_name, "prompt": text, **self.settings}
        messages = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        messages.append({"role": "user", "content": text})
        return {"model": self.model_name, "messages": messages, **self.settings}

    def run(self, sources: list[str], on_done: OnDone) -> None:
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="relecture-http") as pool:
            futures = {pool.submit(self.translate, src): src for src in sources}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    error = future.exception()
                    if error is not None:
                        for other in pending:
                            other.cancel()
                        raise self.first_error or error
                    on_done({futures[future]: future.result()})

    def translate(self, src: str) -> Translation:
        try:
            return self._translate(src)
        except GenerationError as exc:
            with self.lock:
                if not self.stop.is_set():
                    self.first_error = exc  # what the user sees, not the other workers' "stopped"
                    self.stop.set()  # the other workers start no new request
            raise

    def _translate(self, src: str) -> Translation:
        data = json.dumps(self.body(src)).encode("utf-8")
        last, pause = "", BACKOFF_START
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(pause)
            if self.stop.is_set():
                raise GenerationError(f"endpoint {self.url}: stopped after another request failed")
            pause = min(BACKOFF_CAP, BACKOFF_START * 2 ** attempt)
            with self.lock:
                self.requests += 1
            request = urllib.request.Request(self.url, data=data, headers=self.headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return self._parse(response.read())
            except urllib.error.HTTPError as exc:
                detail = exc.read()[:300].decode("utf-8", "replace").strip()
                last = f"HTTP {exc.code}" + (f": {detail}" if detail else "")
                if exc.code != 429 and exc.code < 500:
                    raise GenerationError(f"endpoint {self.url} answered {last}") from None
                pause = _retry_after(exc.headers.get("Retry-After"), pause)
            except (TimeoutError, socket.timeout):
                last = f"no answer within {self.timeout:g} s (timeout)"
            except urllib.error.URLError as exc:
                reason = exc.reason
                if isinstance(reason, (TimeoutError, socket.timeout)):
                    last = f"no answer within {self.timeout:g} s (timeout)"
                else:
                    last = f"not answering ({getattr(reason, 'strerror', None) or reason})"
            except (ConnectionError, OSError) as exc:
                last = f"connection failed ({exc})"
        raise GenerationError(f"endpoint {self.url}: {last}, after {self.retries + 1} attempt(s)")

    def _parse(self, raw: bytes) -> Translation:
        try:
            answer = json.loads(raw)
            choice = answer["choices"][0]
            text = choice["message"]["content"] if self.api == "chat" else choice["text"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise GenerationError(f"endpoint {self.url} sent an answer that is not an OpenAI-style "
                                  f"completion: {raw[:200]!r}") from None
        if not isinstance(text, str):
            raise GenerationError(f"endpoint {self.url} sent a completion without text: {raw[:200]!r}")
        return Translation(one_line(text), capped=choice.get("finish_reason") == "length")


def _retry_after(header: str | None, default: float) -> float:
    """The server's Retry-After in seconds (capped), else our own backoff."""
    try:
        return min(BACKOFF_CAP, max(0.0, float(header))) if header else default
    except ValueError:
        return default
