"""Load script for `kg serve` (not a test): a simple query's latency under abuse.

    python benchmarks/bench_serve_load.py                     # the packaged sample, defaults
    python benchmarks/bench_serve_load.py --out output --idle 1000 --slow 30 --requests 300

Starts `kg serve` on loopback with its default limits, measures p50/p95/p99 of a
simple query (COUNT of reports) alone, then again while these are open at once:

- ``--idle`` connections that send nothing, spread over many loopback addresses
  (8 per address, under the per-address cap, so the server really holds them
  all); whenever the server closes one (request deadline), it is opened again;
- ``--slow`` slow readers, each asking for an answer of ``--slow-bytes`` (64 MiB,
  the default answer cap) and reading it at ``--slow-rate`` bytes/s;
- one runaway client sending a cross join again each time one is cut at the
  time limit.

Prints the figures, what the server closed, and the peak memory (RSS) of the
server with its workers. Clients are told apart by address: the simple query
comes from 127.0.0.1, the others from 127.0.1.x–127.0.9.x.
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import psutil

SIMPLE = "SELECT (COUNT(*) AS ?n) WHERE { ?r a fz:Report }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(out: Path, port: int, extra: list[str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--out", str(out), "--port", str(port), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                sys.exit(proc.stdout.read().decode() if proc.stdout else "server exited")
            time.sleep(0.1)
    sys.exit("server did not start")


def _get(port: int, query: str, source: str = "127.0.0.1", timeout: float = 120) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.perf_counter() - started
    except OSError:
        return 0, time.perf_counter() - started
    finally:
        conn.close()


def _latencies(port: int, n: int) -> dict[str, float]:
    times, errors = [], 0
    for _ in range(n):
        status, seconds = _get(port, SIMPLE)
        times.append(seconds)
        errors += status != 200
        time.sleep(0.05)
    q = statistics.quantiles(times, n=100, method="inclusive")
    return {"n": n, "errors": errors, "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000,
            "p99_ms": q[98] * 1000, "max_ms": max(times) * 1000}


class Idle(threading.Thread):
    """Hold ``n`` silent connections open, reopening those the server closes."""

    def __init__(self, port: int, n: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.n, self.stop = port, n, stop
        self.reopened = self.refused = 0

    def _open(self, i: int) -> socket.socket | None:
        s = socket.socket()
        s.bind((f"127.0.{2 + i // 2000}.{1 + (i // 8) % 250}", 0))
        try:
            s.connect(("127.0.0.1", self.port))
            s.setblocking(False)
            return s
        except OSError:
            s.close()
            self.refused += 1
            return None

    def run(self) -> None:
        socks = [self._open(i) for i in range(self.n)]
        while not self.stop.wait(0.5):
            for i, s in enumerate(socks):
                try:
                    if s is not None and s.recv(4096) == b"":
                        raise ConnectionResetError
                except BlockingIOError:
                    continue
                except OSError:
                    pass
                if s is not None:
                    s.close()
                socks[i] = self._open(i)
                self.reopened += 1
        for s in socks:
            if s is not None:
                s.close()


class SlowReader(threading.Thread):
    """Ask for a large answer and read it at ``rate`` bytes/s until stopped."""

    def __init__(self, port: int, source: str, pad: int, rate: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.source, self.pad, self.rate, self.stop = port, source, pad, rate, stop
        self.got_headers = threading.Event()
        self.received = 0
        self.dropped = False

    def run(self) -> None:
        query = f'SELECT ?s ?pad WHERE {{ ?s ?p ?o . ?x ?y ?z BIND("{"x" * self.pad}" AS ?pad) }}'
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        s.bind((self.source, 0))
        try:
            s.connect(("127.0.0.1", self.port))
            s.sendall(f"GET /sparql?{urllib.parse.urlencode({'query': query})} HTTP/1.1\r\n"
                      "Host: localhost\r\n\r\n".encode())
            s.settimeout(1.0)
            while not self.stop.is_set():
                try:
                    chunk = s.recv(max(1, self.rate // 4))
                except TimeoutError:
                    continue
                if not chunk:
                    self.dropped = True
                    break
                self.received += len(chunk)
                self.got_headers.set()
                time.sleep(0.25)
        except OSError:
            self.dropped = True
        finally:
            self.got_headers.set()
            s.close()


class Runaway(threading.Thread):
    """Send a runaway query again whenever the last one was cut."""

    def __init__(self, port: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.stop, self.cut = port, stop, 0

    def run(self) -> None:
        while not self.stop.is_set():
            status, _ = _get(self.port, RUNAWAY, "127.0.9.1")
            self.cut += status == 503
            time.sleep(0.1)


def _rss(pid: int) -> int:
    try:
        p = psutil.Process(pid)
        return sum(q.memory_info().rss for q in [p, *p.children(recursive=True)])
    except psutil.Error:
        return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="a build folder (default: build the packaged sample)")
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--slow", type=int, default=30)
    ap.add_argument("--slow-bytes", type=int, default=64 * 2**20)
    ap.add_argument("--slow-rate", type=int, default=16384, help="bytes/s each slow reader reads")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--serve-arg", action="append", default=[], help="extra `kg serve` argument (repeat)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    out = args.out
    if out is None:
        out = Path(tempfile.mkdtemp(prefix="kg-load-")) / "out"
        subprocess.run([sys.executable, "-m", "kg", "build", "--out", str(out)], check=True,
                       stdout=subprocess.DEVNULL)
    port = _free_port()
    server = _serve(out, port, args.serve_arg)
    report: dict[str, object] = {"idle": args.idle, "slow": args.slow, "slow_bytes": args.slow_bytes}
    try:
        report["alone"] = _latencies(port, args.requests)
        stop = threading.Event()
        idle = Idle(port, args.idle, stop)
        idle.start()
        rows = 10_000  # the default row cap: pad each row so that the answer reaches slow_bytes
        readers = [SlowReader(port, f"127.0.{10 + i // 250}.{1 + i % 250}", args.slow_bytes // rows, args.slow_rate, stop)
                   for i in range(args.slow)]
        for r in readers:
            r.start()
        runaway = Runaway(port, stop)
        runaway.start()
        t = time.perf_counter()
        for r in readers:
            r.got_headers.wait(300)
        report["slow_answers_ready_s"] = time.perf_counter() - t
        peak = [0]
        sampler_stop = threading.Event()

        def sample() -> None:
            while not sampler_stop.wait(0.5):
                peak[0] = max(peak[0], _rss(server.pid))

        threading.Thread(target=sample, daemon=True).start()
        report["under_load"] = _latencies(port, args.requests)
        sampler_stop.set()
        stop.set()
        report["server_rss_peak_mib"] = peak[0] / 2**20
        report["idle_reopened"] = idle.reopened
        report["slow_dropped"] = sum(r.dropped for r in readers)
        report["slow_received_mib"] = sum(r.received for r in readers) / 2**20
        report["runaways_cut"] = runaway.cut
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
