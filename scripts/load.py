"""Load test: N concurrent simulated users asking questions through the /ask HTTP API, on loopback only.

Starts the app (``app.py``) on a free 127.0.0.1 port in a subprocess, unless --url names apps already running
on this machine (repeat --url for several replicas: users are spread over them, each user staying on one, as
sticky sessions would). Every user sends --requests questions back to back (a closed loop: the next question
goes out when the answer is in). Bounded in count (users x requests) and in time (--deadline). Prints throughput,
p50/p95/p99 latency and the error count; exits 1 if any request failed or did not finish.

    .venv/bin/python scripts/load.py                  # 50 users (make load)
    .venv/bin/python scripts/load.py --users 200      # make load N=200
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parent.parent
MAX_USERS = 1000
MAX_REQUESTS = 20_000

# A mix like real traffic: answerable questions, questions the notice does not answer, a follow-up.
QUESTIONS: list[tuple[str, list[dict[str, str]]]] = [
    ("单个项目投资规模有什么要求？", []),
    ("项目承担单位必须是企业法人吗？", []),
    ("申报材料要交几份？截止到什么时候？", []),
    ("基本原则有哪些？", []),
    ("重点项目实施方案要从哪几个方面论述？", []),
    ("涉及标识管理的项目要和哪个平台兼容？", []),
    ("每个省最多报几个重点项目？", []),
    ("大纲第五部分写什么？", []),
    ("明天北京天气怎么样？", []),
    ("国家补助资金的比例是多少？", []),
    ("那事业单位呢？", [{"role": "user", "content": "项目承担单位有什么要求？"},
                   {"role": "assistant", "content": "项目承担单位原则上应为企业法人。"}]),
    ("我们公司投资4000万元，可以申报吗？", []),
]


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    error_examples: list[str] = field(default_factory=list)
    abuse: Result | None = None  # the abusive clients' own requests (a mixed run)

    def fail(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.error_examples) < 5:
            self.error_examples.append(f"{kind}: {detail[:300]}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def parse_events(body: str) -> tuple[str, str]:
    """The last (event, data) of a Gradio /gradio_api/call/… event stream."""
    event, data = "", ""
    for line in body.splitlines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data = line[5:].strip()
    return event, data


async def ask(client: httpx.AsyncClient, question: str, history: list[dict[str, str]], result: Result) -> None:
    started = time.perf_counter()
    try:
        post = await client.post("gradio_api/call/ask", json={"data": [question, history, None]})
        if post.status_code != 200:
            result.fail(f"http {post.status_code}", post.text)
            return
        stream = await client.get(f"gradio_api/call/ask/{post.json()['event_id']}")
        event, data = parse_events(stream.text)
        if event != "complete":
            result.fail(f"event {event or 'none'}", data)
            return
        answer = json.loads(data)[0]
        if answer.get("status") not in ("answered", "not_found"):
            result.fail("bad answer", data)
            return
    except (httpx.HTTPError, ValueError, KeyError, IndexError) as exc:
        result.fail(type(exc).__name__, str(exc))
        return
    result.latencies_ms.append((time.perf_counter() - started) * 1000)
    result.statuses[answer["status"]] += 1


async def user(n: int, requests: int, client: httpx.AsyncClient, result: Result) -> None:
    for i in range(requests):
        question, history = QUESTIONS[(n * requests + i) % len(QUESTIONS)]
        await ask(client, question, history, result)


# An abusive client: the longest question allowed, asking four things, with a huge history (which the app cuts).
ABUSE_QUESTION = ("我们是一家高校下属企业，" * 60 + "材料最迟什么时候交？还有，一个项目3000万能报吗？另外材料交几份？以及报送给谁？")[-2000:]
ABUSE_HISTORY = [{"role": "user" if i % 2 == 0 else "assistant", "content": "历史" * 50_000} for i in range(20)]


async def abuser(client: httpx.AsyncClient, stop: asyncio.Event, result: Result) -> None:
    """Sends the largest inputs allowed, back to back, until the normal users are done."""
    while not stop.is_set():
        await ask(client, ABUSE_QUESTION, ABUSE_HISTORY, result)


async def run_load(urls: list[str], users: int, requests: int, deadline_s: float,
                   timeout_s: float, abusers: int = 0) -> tuple[Result, float]:
    result = Result()
    abuse = Result()
    stop = asyncio.Event()
    # Idle connections are dropped before the server's 5 s keep-alive timeout (uvicorn's default), so a request
    # never goes out on a connection the server is closing at that moment.
    limits = httpx.Limits(max_connections=users + 10, max_keepalive_connections=users + 10, keepalive_expiry=2.0)
    clients = [httpx.AsyncClient(base_url=url, timeout=timeout_s, limits=limits, trust_env=False) for url in urls]
    try:
        started = time.perf_counter()
        bad = [asyncio.create_task(abuser(clients[n % len(clients)], stop, abuse)) for n in range(abusers)]
        tasks = [asyncio.create_task(user(n, requests, clients[n % len(clients)], result)) for n in range(users)]
        _, pending = await asyncio.wait(tasks, timeout=deadline_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        wall = time.perf_counter() - started
        stop.set()
        if bad:
            await asyncio.wait(bad, timeout=timeout_s)
        for task in bad:
            task.cancel()
        await asyncio.gather(*bad, return_exceptions=True)
        result.abuse = abuse
    finally:
        for client in clients:
            await client.aclose()
    finished = len(result.latencies_ms) + sum(result.errors.values())
    if finished < users * requests:
        result.errors["not finished by the deadline"] += users * requests - finished
    return result, wall


def start_app(port: int, data_dir: str | None, log_path: Path, startup_timeout_s: float) -> subprocess.Popen:
    env = dict(os.environ)
    if data_dir:
        env["DATA_DIR"] = data_dir
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + startup_timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/gradio_api/info", timeout=2, trust_env=False).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_app(proc)
    raise RuntimeError(f"the app did not answer within {startup_timeout_s:.0f} s:\n"
                       f"{log_path.read_text(errors='replace')[-3000:]}")


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (Linux), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def stop_app(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(p / 100 * len(sorted_values) + 0.4999))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary(result: Result, wall: float, users: int, requests: int) -> dict:
    lat = sorted(result.latencies_ms)
    return {
        "users": users, "requests_per_user": requests, "requests": users * requests, "ok": len(lat),
        "errors": sum(result.errors.values()), "error_kinds": dict(result.errors), "wall_s": round(wall, 2),
        "throughput_rps": round(len(lat) / wall, 2) if wall > 0 else 0.0,
        "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1), "max_ms": round(lat[-1], 1) if lat else float("nan"),
        "mean_ms": round(statistics.fmean(lat), 1) if lat else float("nan"), "statuses": dict(result.statuses),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", "-n", type=int, default=50, help="concurrent simulated users (default 50)")
    p.add_argument("--requests", "-r", type=int, default=10, help="questions each user asks (default 10)")
    p.add_argument("--url", action="append", default=[],
                   help="an app already running on loopback, e.g. http://127.0.0.1:7860/ (repeat for replicas)")
    p.add_argument("--data-dir", help="DATA_DIR for the app the script starts (default: the app's settings)")
    p.add_argument("--deadline", type=float, default=600, help="seconds the whole run may take (default 600)")
    p.add_argument("--timeout", type=float, default=300, help="seconds one request may take (default 300)")
    p.add_argument("--startup-timeout", type=float, default=600,
                   help="seconds to wait for the app to come up; a first start builds the index (default 600)")
    p.add_argument("--abusers", type=int, default=0,
                   help="also run this many abusive clients (largest allowed inputs) beside the users")
    p.add_argument("--compare", action="store_true",
                   help="with --abusers: first a run without them, then one with them; report both p95s")
    p.add_argument("--json", action="store_true", help="also print the summary as one JSON line")
    args = p.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS or not 1 <= args.requests or args.users * args.requests > MAX_REQUESTS:
        p.error(f"--users must be 1..{MAX_USERS} and users x requests at most {MAX_REQUESTS}")
    if not all(is_loopback(urlparse(u).hostname or "") for u in args.url):
        p.error("--url must be a loopback address (127.0.0.1, ::1 or localhost): this script loads this machine only")

    proc = None
    rss = None
    log_path = Path(tempfile.mkdtemp(prefix="load-")) / "app.log"
    try:
        if args.url:
            urls = [u if u.endswith("/") else u + "/" for u in args.url]
        else:
            port = free_port()
            print(f"starting the app on http://127.0.0.1:{port}/ (log: {log_path}) …", flush=True)
            started = time.perf_counter()
            proc = start_app(port, args.data_dir, log_path, args.startup_timeout)
            print(f"app up in {time.perf_counter() - started:.1f} s", flush=True)
            urls = [f"http://127.0.0.1:{port}/"]
        print(f"load: {args.users} users x {args.requests} questions = {args.users * args.requests} requests "
              f"on {', '.join(u + 'gradio_api/call/ask' for u in urls)}", flush=True)
        baseline = None
        if args.compare and args.abusers:
            base, base_wall = asyncio.run(run_load(urls, args.users, args.requests, args.deadline, args.timeout))
            baseline = summary(base, base_wall, args.users, args.requests)
            print(f"without abusers: p50 {baseline['p50_ms']}  p95 {baseline['p95_ms']} ms", flush=True)
            print(f"with {args.abusers} abusive clients (largest allowed inputs) …", flush=True)
        result, wall = asyncio.run(run_load(urls, args.users, args.requests, args.deadline, args.timeout,
                                            args.abusers))
        rss = rss_mb(proc.pid) if proc is not None else None
    except RuntimeError as exc:
        print(f"load test could not start: {exc}", file=sys.stderr)
        return 2
    finally:
        if proc is not None:
            stop_app(proc)

    s = summary(result, wall, args.users, args.requests)
    s["app_rss_mb"] = rss
    if args.abusers:
        abuse = result.abuse or Result()
        lat = sorted(abuse.latencies_ms)
        s["abusers"] = {"clients": args.abusers, "requests": len(lat), "errors": sum(abuse.errors.values()),
                        "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1)}
        print(f"abusive clients: {len(lat)} requests answered, p50 {s['abusers']['p50_ms']}  "
              f"p95 {s['abusers']['p95_ms']} ms, errors {s['abusers']['errors']}")
    if baseline is not None:
        s["without_abusers"] = {k: baseline[k] for k in ("p50_ms", "p95_ms", "p99_ms", "errors")}
        ratio = s["p95_ms"] / baseline["p95_ms"] if baseline["p95_ms"] else float("nan")
        s["p95_ratio"] = round(ratio, 2)
        print(f"normal users' p95: {baseline['p95_ms']} ms without abusers, {s['p95_ms']} ms with: x{ratio:.2f} "
              f"(target: at most x2)")
    print(f"completed {s['ok']}/{s['requests']} in {s['wall_s']} s: throughput {s['throughput_rps']} req/s")
    print(f"latency ms: p50 {s['p50_ms']}  p95 {s['p95_ms']}  p99 {s['p99_ms']}  max {s['max_ms']}  mean {s['mean_ms']}")
    print(f"answers: {', '.join(f'{k} {v}' for k, v in sorted(s['statuses'].items())) or '-'}")
    if rss is not None:
        print(f"app memory after the run: {rss} MB resident")
    print(f"errors: {s['errors']}" + (f" {s['error_kinds']}" if s["errors"] else ""))
    for example in result.error_examples:
        print(f"  {example}")
    if args.json:
        print(json.dumps(s, ensure_ascii=False))
    return 0 if s["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
