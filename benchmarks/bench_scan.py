"""Benchmarks for the scan as a whole; run on demand, never as unit tests.

    python benchmarks/bench_scan.py warm      # 2,000-package lockfile, warm cache, whole process
    python benchmarks/bench_scan.py parse     # synthetic 25k/50k/100k lockfiles: time and memory
    python benchmarks/bench_scan.py cold-live # 1,000 real npm packages, empty cache, real registry

`warm` fills the cache from a registry served on 127.0.0.1 by this script, then times complete
`ospo-scan scan` processes writing json and cyclonedx-json. `cold-live` asks the public npm
registry (its default endpoint comes from packageurl-python) for real package names taken from
the shared corpus, or from any package-lock.json given with --lockfile.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS_LOCK = ROOT.parent / "shared/corpus/npm-lock-v3/socketio__socket.io/package-lock.json"
LICENSES = (
    ["MIT"] * 60
    + ["ISC"] * 15
    + ["Apache-2.0"] * 10
    + ["BSD-3-Clause"] * 8
    + [
        "BSD-2-Clause",
        "MIT OR Apache-2.0",
        "(MIT OR CC0-1.0)",
        "0BSD",
        "BlueOak-1.0.0",
        "Python-2.0",
        "CC-BY-4.0",
    ]
)


def synthetic_lockfile(packages: int, with_licenses: bool, seed: int = 7) -> dict[str, object]:
    """A package-lock.json v3 with ``packages`` entries, a random DAG and a few nested copies."""
    rng = random.Random(seed)
    names = [f"pkg-{i:06d}" if i % 7 else f"@scope{i % 13}/pkg-{i:06d}" for i in range(packages)]
    direct = names[: max(1, packages // 50)]
    entries: dict[str, object] = {
        "": {"name": "bench", "version": "1.0.0", "dependencies": dict.fromkeys(direct, "^1.0.0")}
    }
    for i, name in enumerate(names):
        deps = {
            names[j]: "^1.0.0" for j in rng.sample(range(i + 1, packages), min(3, packages - i - 1))
        }
        entry: dict[str, object] = {
            "version": f"1.{i % 10}.{i % 7}",
            "resolved": f"https://registry.test/{name}/-/{name.split('/')[-1]}-1.0.0.tgz",
            "integrity": "sha512-" + "A" * 86 + "==",
        }
        if deps:
            entry["dependencies"] = deps
        if i % 5 == 0:
            entry["dev"] = True
        if with_licenses:
            entry["license"] = rng.choice(LICENSES)
        entries[f"node_modules/{name}"] = entry
    return {
        "name": "bench",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": entries,
    }


class _Registry(BaseHTTPRequestHandler):
    """Answers npm per-version documents for the synthetic packages."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        rng = random.Random(self.path)
        body = json.dumps({"license": rng.choice(LICENSES)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _ospo(*args: str) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ospo_scan", *args], capture_output=True, text=True, check=False
    )
    return time.perf_counter() - start, proc.returncode, proc.stderr


def bench_warm(packages: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project, cache, out = Path(tmp, "project"), Path(tmp, "cache"), Path(tmp)
        project.mkdir()
        lock = synthetic_lockfile(packages, with_licenses=False)
        (project / "package-lock.json").write_text(json.dumps(lock, indent=2))
        server, url = _serve()
        common = [
            "scan",
            str(project),
            "--cache-dir",
            str(cache),
            "--registry",
            f"npm={url}",
            "-q",
            "--fail-on",
            "never",
            "--format",
            "json",
            "--output",
            str(out / "r.json"),
            "--format",
            "cyclonedx-json",
            "--output",
            str(out / "r.cdx.json"),
        ]
        cold, code, err = _ospo(*common)
        if code != 0:
            sys.exit(f"cold run failed ({code}): {err}")
        server.shutdown()
        # the registry is gone now: warm runs must answer from the cache alone
        times = []
        for _ in range(runs):
            seconds, code, err = _ospo(*common)
            if code != 0:
                sys.exit(f"warm run failed ({code}): {err}")
            times.append(seconds)
        report = json.loads((out / "r.json").read_text())
        unresolved = sum(1 for c in report["components"] if c["license"]["expression"] is None)
        print(f"warm scan, {packages} packages, json + cyclonedx-json, whole process")
        print(f"  cold (local registry) {cold:.2f} s")
        print(
            f"  warm median {statistics.median(times):.3f} s  min {min(times):.3f} s  "
            f"max {max(times):.3f} s over {runs} runs; unresolved {unresolved}"
        )


def bench_parse(sizes: list[int]) -> None:
    print("parse of synthetic package-lock.json v3 (separate process per size)")
    code = (
        "import resource, sys, time\n"
        "from pathlib import Path\n"
        "from ospo_scan.sources import parse_file\n"
        "t = time.perf_counter(); r = parse_file(Path(sys.argv[1]))\n"
        "dt = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(f'{len(r.components)} {dt:.3f} {rss:.0f}')\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp, f"{size}", "package-lock.json")
            path.parent.mkdir()
            path.write_text(json.dumps(synthetic_lockfile(size, with_licenses=True)))
            mib = path.stat().st_size / 2**20
            out = subprocess.run(
                [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
            ).stdout.split()
            print(
                f"  {size:>7} entries ({mib:5.1f} MiB): {out[0]} components in {out[1]} s, "
                f"peak RSS {out[2]} MiB, {float(out[1]) / size * 1e6:.1f} us/entry"
            )


def bench_cold_live(lockfile: Path, limit: int, concurrency: int) -> None:
    from ospo_scan.licenses.resolve import ResolveOptions, resolve_licenses
    from ospo_scan.sources import parse_file

    components = [c for c in parse_file(lockfile).components if c.registry][:limit]
    # drop the lockfile's own license data so that every component asks the registry
    from dataclasses import replace

    components = [replace(c, declared_license=None) for c in components]
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        resolutions, stats = resolve_licenses(
            components, ResolveOptions(cache_dir=Path(cache), concurrency=concurrency)
        )
        seconds = time.perf_counter() - start
    unresolved = sum(1 for r in resolutions.values() if r.expression is None)
    print(f"cold resolution, {len(components)} npm packages, concurrency {concurrency}")
    print(
        f"  {seconds:.2f} s, {stats.requests} requests, {stats.requests / seconds:.0f} requests/s, "
        f"unresolved {unresolved}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="bench", required=True)
    warm = sub.add_parser("warm")
    warm.add_argument("--packages", type=int, default=2000)
    warm.add_argument("--runs", type=int, default=5)
    parse = sub.add_parser("parse")
    parse.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    cold = sub.add_parser("cold-live")
    cold.add_argument("--lockfile", type=Path, default=CORPUS_LOCK)
    cold.add_argument("--packages", type=int, default=1000)
    cold.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    if args.bench == "warm":
        bench_warm(args.packages, args.runs)
    elif args.bench == "parse":
        bench_parse(args.sizes)
    else:
        bench_cold_live(args.lockfile, args.packages, args.concurrency)


if __name__ == "__main__":
    main()
