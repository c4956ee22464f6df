"""Benchmark: discovery, parsing and a warm-cache scan of a mixed-format monorepo (on demand).

    python benchmarks/bench_monorepo.py [--lockfiles 50] [--runs 5]

Lays out a monorepo in a temporary folder: every real lockfile of the shared corpus
(`../shared/corpus`, read in place and copied only into the temporary folder; 37 lockfiles in
21 formats, about 12,000 distinct components), then synthetic package-lock.json files of
distinct packages until it holds ``--lockfiles`` lockfiles and ``--components`` distinct
components. It fills a license cache with an answer for every component so that the scan
asks no registry (warm cache), and times complete `ospo-scan scan` processes writing the
JSON report.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_scan import synthetic_lockfile  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_lockfiles() -> list[list[Path]]:
    """Each corpus sample as the files that belong together (go.mod with go.sum)."""
    samples = []
    for folder in sorted(p for p in CORPUS.glob("*/*") if p.is_dir()):
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        if files:
            samples.append(files)
    return samples


def build_monorepo(target: Path, lockfiles: int, components: int) -> None:
    samples = corpus_lockfiles()
    if not samples:
        sys.exit(f"no corpus under {CORPUS}")
    samples = samples[:lockfiles]
    for index, files in enumerate(samples):
        service = target / "services" / f"svc{index:02d}"
        for file in files:
            # keep each file's own name (requirements/main.txt keeps its folder)
            destination = service / (
                f"requirements/{file.name}" if file.suffix == ".txt" else file.name
            )
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, destination)
    from ospo_scan.pipeline import parse_lockfiles

    have = len(parse_lockfiles([target])[0])
    extra = lockfiles - len(samples)
    if extra > 0:
        per_file = max(1, (components - have) // extra + 1)
        for index in range(extra):
            lock = synthetic_lockfile(per_file, with_licenses=False, seed=index)
            for key in list(lock["packages"]):  # type: ignore[union-attr]
                if key:  # distinct names per file
                    entry = lock["packages"].pop(key)  # type: ignore[union-attr]
                    lock["packages"][key.replace("pkg-", f"w{index}-pkg-")] = entry  # type: ignore[index]
            folder = target / "web" / f"app{index:02d}"
            folder.mkdir(parents=True)
            (folder / "package-lock.json").write_text(json.dumps(lock, indent=2))


def warm_cache(project: Path, cache_dir: Path) -> int:
    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.model import Resolution
    from ospo_scan.pipeline import parse_lockfiles

    components, _, _, _ = parse_lockfiles([project])
    with LicenseCache(cache_dir) as cache:
        for component in components:
            cache.put_resolution(component.purl, Resolution("MIT", "registry:bench", 1.0))
    return len(components)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lockfiles", type=int, default=50)
    parser.add_argument("--components", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project, cache, report = Path(tmp, "mono"), Path(tmp, "cache"), Path(tmp, "r.json")
        build_monorepo(project, args.lockfiles, args.components)
        components = warm_cache(project, cache)
        command = [
            sys.executable,
            "-m",
            "ospo_scan",
            "scan",
            str(project),
            "--cache-dir",
            str(cache),
            "--fail-on",
            "never",
            "-q",
            "--format",
            "json",
            "--output",
            str(report),
        ]
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.run(command, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - start)
            if proc.returncode not in (0, 1):
                sys.exit(f"scan failed ({proc.returncode}): {proc.stderr}")
        result = json.loads(report.read_text())
        formats = sorted({lf["format"] for lf in result["lockfiles"]})
        print(
            f"monorepo: {len(result['lockfiles'])} lockfiles in {len(formats)} formats, "
            f"{components} distinct components ({len(result['components'])} in the report)"
        )
        print(
            f"  warm scan, whole process, json report: median {statistics.median(times):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s over {args.runs} runs"
        )


if __name__ == "__main__":
    main()
