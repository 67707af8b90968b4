"""A fake chat model server on a loopback port, for wiring tests and demos: OpenAI-compatible and Ollama-style.

Serves POST /v1/chat/completions (SSE when ``"stream": true``, else one JSON body) and POST /api/chat (Ollama's
NDJSON stream). Each request takes the next scripted behaviour, or the default one:

- ``Reply(text)``: streams ``text`` in chunks (optionally with a delay per chunk, or stalling mid-stream);
- ``Status(code)``: an OpenAI-style JSON error (401, 429, 500…);
- ``Garbage()``: HTTP 200 with bytes that are not a valid stream;
- ``Slow(seconds)``: waits before answering at all;
- ``Echo()`` (the default): a plausible answer that quotes the first clause of the prompt with its marker, and
  repeats the question for condensing requests; it needs no script, so it also serves the manual demo.

Only 127.0.0.1 is bound. Every wait is bounded and ends at shutdown. Run it alone for a demo:

    .venv/bin/python -m tests.fake_openai_server --port 8765
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_WAIT_S = 10.0  # no scripted wait lasts longer than this


@dataclass
class Reply:
    text: str
    chunk_chars: int = 6
    delay_s: float = 0.0
    stall_after: int | None = None  # chunks sent before the stream stalls (then waits ``stall_s``)
    stall_s: float = 0.0


@dataclass
class Status:
    code: int
    message: str = "scripted error"


@dataclass
class Garbage:
    body: bytes = b"data: {this is not json\n\n\x00\xff garbage\n\n"


@dataclass
class Slow:
    seconds: float
    then: Any = None  # the behaviour after the wait (default: Echo)


@dataclass
class Echo:
    delay_s: float = 0.0


@dataclass
class Seen:
    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]


_CLAUSE = re.compile(r"^\[1\] (\S+?)（[^\n]*）\n([^\n]+)", re.MULTILINE)


def echo_answer(body: dict[str, Any]) -> str:
    """A grounded reply built from the request: quote clause [1] with its ID, or repeat the question."""
    messages = body.get("messages") or []
    system = next((str(m.get("content", "")) for m in messages if m.get("role") == "system"), "")
    user = next((str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
    if "改写" in system:
        found = re.search(r"最新问题：(.+)", user)
        return found.group(1).strip() if found else user.strip()
    found = _CLAUSE.search(user)
    if not found:
        return "原文未作规定。"
    clause_id, text = found.group(1), found.group(2)
    sentences = [s for s in re.split(r"(?<=[。；])", text) if s.strip()]
    body_sentences = sentences[1:] if len(sentences) > 1 and len(sentences[0]) < 16 else sentences
    quote = body_sentences[0].rstrip("。；") if body_sentences else text
    return f"根据通知，{quote}〔{clause_id}〕。\n如需了解细节，请查阅所引条款原文〔{clause_id}〕。"


class FakeOpenAIServer:
    """The server, its script and the requests it saw."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the fake server binds loopback only")
        self.script: deque[Any] = deque()
        self.default: Any = Echo()
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """For LLM_BASE_URL with LLM_PROVIDER=openai."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def ollama_url(self) -> str:
        """For LLM_BASE_URL with LLM_PROVIDER=ollama."""
        return f"http://127.0.0.1:{self.port}"

    def push(self, *behaviours: Any) -> None:
        self.script.extend(behaviours)

    def reset(self) -> None:
        self.script.clear()
        self.seen.clear()
        self.default = Echo()

    def start(self) -> FakeOpenAIServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait(self, seconds: float) -> None:
        self.stopping.wait(min(max(seconds, 0.0), MAX_WAIT_S))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                server.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if self.path not in ("/v1/chat/completions", "/api/chat"):
                    self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                    return
                behaviour = server.script.popleft() if server.script else server.default
                self._serve(behaviour, body)

            def _serve(self, behaviour: Any, body: dict[str, Any]) -> None:
                if isinstance(behaviour, Slow):
                    server.wait(behaviour.seconds)
                    behaviour = behaviour.then or Echo()
                if isinstance(behaviour, Echo):
                    behaviour = Reply(echo_answer(body), delay_s=behaviour.delay_s)
                if isinstance(behaviour, Status):
                    self._json(behaviour.code, {"error": {"message": behaviour.message, "type": "scripted",
                                                          "code": str(behaviour.code)}})
                elif isinstance(behaviour, Garbage):
                    self._raw(200, "text/event-stream", behaviour.body)
                elif isinstance(behaviour, Reply):
                    if self.path == "/api/chat":
                        self._ollama(behaviour, body)
                    elif body.get("stream"):
                        self._sse(behaviour, body)
                    else:
                        self._json(200, _completion(body, behaviour.text))

            def _json(self, code: int, payload: dict[str, Any]) -> None:
                self._raw(code, "application/json", json.dumps(payload, ensure_ascii=False).encode())

            def _raw(self, code: int, content_type: str, data: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _chunks(self, reply: Reply) -> list[str]:
                step = max(reply.chunk_chars, 1)
                return [reply.text[i:i + step] for i in range(0, len(reply.text), step)]

            def _stream(self, content_type: str, lines: list[bytes], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for n, line in enumerate(lines):
                        if reply.stall_after is not None and n == reply.stall_after:
                            server.wait(reply.stall_s)
                        if reply.delay_s:
                            server.wait(reply.delay_s)
                        self.wfile.write(line)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client gave up: fine
                    pass
                self.close_connection = True

            def _sse(self, reply: Reply, body: dict[str, Any]) -> None:
                model = body.get("model", "fake")
                lines = []
                for n, piece in enumerate(self._chunks(reply)):
                    delta = {"role": "assistant", "content": piece} if n == 0 else {"content": piece}
                    lines.append(_sse_line(_chunk(model, delta, None)))
                lines.append(_sse_line(_chunk(model, {}, "stop")))
                lines.append(b"data: [DONE]\n\n")
                self._stream("text/event-stream", lines, reply)

            def _ollama(self, reply: Reply, body: dict[str, Any]) -> None:
                model = body.get("model", "fake")
                lines = [
                    (json.dumps({"model": model, "created_at": "2024-01-01T00:00:00Z",
                                 "message": {"role": "assistant", "content": piece}, "done": False},
                                ensure_ascii=False) + "\n").encode()
                    for piece in self._chunks(reply)
                ]
                lines.append((json.dumps({"model": model, "created_at": "2024-01-01T00:00:00Z",
                                          "message": {"role": "assistant", "content": ""}, "done": True,
                                          "done_reason": "stop"}) + "\n").encode())
                self._stream("application/x-ndjson", lines, reply)

        return Handler


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _sse_line(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


def _completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Fake OpenAI-compatible / Ollama chat server on 127.0.0.1 (demo, tests)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--delay", type=float, default=0.05, help="seconds between streamed chunks")
    args = p.parse_args(argv)
    server = FakeOpenAIServer(port=args.port)
    server.default = Echo(delay_s=args.delay)
    print(f"fake chat server: {server.base_url} (openai) and {server.ollama_url} (ollama); Ctrl-C stops it")
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
