"""Benchmark CycloneDX rendering: our direct emitter against cyclonedx-python-lib's model path.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_cyclonedx.py            # ours, 500..5000 components
    /work/venv/bin/python benchmarks/bench_cyclonedx.py --library  # also the library path
    /work/venv/bin/python benchmarks/bench_cyclonedx.py --library --profile 2000

The library path is what a straightforward implementation does: build a ``Bom`` component by
component (``bom.components.add`` and ``bom.register_dependency``), serialize it with
``make_outputter`` and validate it with the official schema. It is kept here as the baseline
that motivated emitting CycloneDX directly (see ``ospo_scan/report/cyclonedx.py``).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ospo_scan.model import (  # noqa: E402
    AppliedException,
    Component,
    Evidence,
    Finding,
    LockfileReport,
    ReportContext,
    Resolution,
    ScannedComponent,
    ScanResult,
    Scope,
    Severity,
    SourceLocation,
    Verdict,
)
from ospo_scan.sources.base import make_purl  # noqa: E402

# (expression or None, verdict, weight): roughly the mix of a real npm/PyPI project.
LICENSE_MIX: tuple[tuple[str | None, Verdict, int], ...] = (
    ("MIT", Verdict.ALLOW, 50),
    ("Apache-2.0", Verdict.ALLOW, 15),
    ("MIT OR Apache-2.0", Verdict.ALLOW, 8),
    ("BSD-3-Clause", Verdict.ALLOW, 6),
    ("ISC", Verdict.ALLOW, 5),
    ("Apache-2.0 AND BSD-3-Clause", Verdict.ALLOW, 3),
    ("LGPL-2.1-or-later", Verdict.REVIEW, 3),
    ("GPL-2.0-only WITH Classpath-exception-2.0", Verdict.REVIEW, 1),
    ("GPL-3.0-only", Verdict.DENY, 2),
    ("LicenseRef-ospo-acme-eula", Verdict.UNKNOWN, 3),
    (None, Verdict.UNRESOLVED, 4),
)
ECOSYSTEMS = ("npm", "pypi", "cargo", "maven", "golang")


def synthetic_result(count: int, seed: int = 7) -> ScanResult:
    """Return a deterministic ScanResult with ``count`` components, a graph and findings."""
    rng = random.Random(seed)
    weights = [weight for _, _, weight in LICENSE_MIX]
    purls: list[str] = []
    specs: list[tuple[str, str, str, str | None]] = []
    for index in range(count):
        ecosystem = ECOSYSTEMS[index % len(ECOSYSTEMS)]
        namespace = {"maven": "org.example", "golang": "git.test/mod"}.get(ecosystem)
        name = f"package-{index:05d}"
        version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}"
        purls.append(make_purl(ecosystem, name, version, namespace))
        specs.append((ecosystem, name, version, namespace))
    direct_count = max(1, count // 20)
    components: list[ScannedComponent] = []
    findings: list[Finding] = []
    for index, (ecosystem, name, version, _) in enumerate(specs):
        purl = purls[index]
        later = range(index + 1, count)
        dependencies = tuple(sorted(rng.sample(later, min(len(later), rng.randint(0, 4)))))
        scope = Scope.DEV if rng.random() < 0.2 else Scope.REQUIRED
        parent = purls[rng.randrange(direct_count)] if index >= direct_count else None
        expression, verdict, *_ = rng.choices(LICENSE_MIX, weights)[0]
        if expression is None:
            resolution = Resolution(None, "registry:" + ecosystem, 0.0, (), "no license metadata")
        else:
            resolution = Resolution(
                expression,
                "registry:" + ecosystem,
                0.9 if expression.startswith("LicenseRef") else 1.0,
                (Evidence("registry:" + ecosystem, expression.lower(), f"{name}@{version}"),),
            )
        components.append(
            ScannedComponent(
                component=Component(
                    purl=purl,
                    name=name,
                    version=version,
                    ecosystem=ecosystem,
                    scope=scope,
                    direct=index < direct_count,
                    locations=(SourceLocation(f"{ecosystem}/lockfile", line=index * 7 + 1),),
                    dependencies=tuple(purls[d] for d in dependencies),
                    paths=((purl,),) if parent is None else ((parent, purl),),
                ),
                resolution=resolution,
                verdict=verdict,
                elected="MIT" if expression == "MIT OR Apache-2.0" else None,
            )
        )
        if verdict in (Verdict.DENY, Verdict.UNKNOWN, Verdict.UNRESOLVED, Verdict.REVIEW):
            severity = Severity.WARNING if verdict is Verdict.REVIEW else Severity.ERROR
            exception = None
            if verdict is Verdict.DENY and rng.random() < 0.3:
                severity = Severity.INFO
                exception = AppliedException(
                    purl, "vendored, not shipped", "legal@example.test", date(2030, 1, 1)
                )
            findings.append(
                Finding(
                    purl=purl,
                    severity=severity,
                    rule=f"license-{verdict.value}",
                    message=f"{expression or 'no license'} is {verdict.value} under the policy",
                    licenses=(expression,) if expression else (),
                    exception=exception,
                )
            )
    lockfiles = tuple(
        LockfileReport(f"{ecosystem}/lockfile", f"{ecosystem}-lock", count // len(ECOSYSTEMS))
        for ecosystem in ECOSYSTEMS
    )
    return ScanResult(
        components=tuple(sorted(components, key=lambda c: c.component.purl)),
        findings=tuple(sorted(findings, key=lambda f: (f.purl or "", f.rule))),
        lockfiles=lockfiles,
        policy_name="default",
        policy_path="policies/default.toml",
        root="benchmark-project",
    )


def context() -> ReportContext:
    """A pinned report context."""
    return ReportContext(
        timestamp=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        serial_number="urn:uuid:" + str(uuid.UUID(int=7)),
        tool_version="0.1.0",
    )


def library_render(
    result: ScanResult, output_format: str, validate: bool = True
) -> dict[str, float]:
    """Render with cyclonedx-python-lib the straightforward way; return seconds per phase."""
    from cyclonedx.model import Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component as CdxComponent
    from cyclonedx.model.component import ComponentScope, ComponentType
    from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion
    from cyclonedx.validation import make_schemabased_validator
    from packageurl import PackageURL

    scopes = {
        Scope.REQUIRED: ComponentScope.REQUIRED,
        Scope.OPTIONAL: ComponentScope.OPTIONAL,
        Scope.DEV: ComponentScope.EXCLUDED,
    }
    times: dict[str, float] = {}
    started = time.perf_counter()
    bom = Bom(serial_number=uuid.UUID(int=7))
    bom.metadata.timestamp = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    bom.metadata.tools.components.add(
        CdxComponent(type=ComponentType.APPLICATION, name="ospo-scan", version="0.1.0")
    )
    root = CdxComponent(type=ComponentType.APPLICATION, name="project", bom_ref="ospo-scan:root")
    bom.metadata.component = root
    by_purl: dict[str, CdxComponent] = {}
    for scanned in result.components:
        component, resolution = scanned.component, scanned.resolution
        licenses: list[Any] = []
        expression = resolution.expression
        if expression is not None and " " in expression:
            licenses.append(LicenseExpression(expression))
        elif expression is not None and expression.startswith("LicenseRef-"):
            licenses.append(DisjunctiveLicense(name=expression))
        elif expression is not None:
            licenses.append(DisjunctiveLicense(id=expression))
        properties = [
            Property(name="ospo-scan:verdict", value=scanned.verdict.value),
            Property(name="ospo-scan:license-source", value=resolution.source),
            Property(name="ospo-scan:license-confidence", value=str(resolution.confidence)),
        ]
        if component.scope is not None:
            properties.append(Property(name="ospo-scan:scope", value=component.scope.value))
        cdx = CdxComponent(
            type=ComponentType.LIBRARY,
            name=component.name,
            version=component.version,
            purl=PackageURL.from_string(component.purl),
            bom_ref=component.purl,
            scope=scopes.get(component.scope) if component.scope else None,
            licenses=licenses,
            properties=properties,
        )
        bom.components.add(cdx)
        by_purl[component.purl] = cdx
    bom.register_dependency(
        root, [by_purl[c.component.purl] for c in result.components if c.component.direct]
    )
    for scanned in result.components:
        bom.register_dependency(
            by_purl[scanned.component.purl],
            [by_purl[d] for d in scanned.component.dependencies if d in by_purl],
        )
    times["build"] = time.perf_counter() - started
    fmt = OutputFormat.JSON if output_format == "json" else OutputFormat.XML
    started = time.perf_counter()
    text = make_outputter(bom, fmt, SchemaVersion.V1_6).output_as_string()
    times["serialize"] = time.perf_counter() - started
    if validate:
        started = time.perf_counter()
        error = make_schemabased_validator(fmt, SchemaVersion.V1_6).validate_str(text)
        times["validate"] = time.perf_counter() - started
        if error is not None:
            raise SystemExit(f"library output invalid: {error}")
    return times


def ours_render(result: ScanResult, reporter_name: str) -> float:
    """Render with our reporter; return seconds (best of three, as the renderer is fast)."""
    from ospo_scan.report import get_reporter

    reporter = get_reporter(reporter_name)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        reporter.render(result, context())
        best = min(best, time.perf_counter() - started)
    return best


def profile(function: Callable[[], object]) -> None:
    """Print the top functions by cumulative and by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    function()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000,5000")
    parser.add_argument("--library", action="store_true", help="also time cyclonedx-python-lib")
    parser.add_argument("--library-max", type=int, default=5000, help="largest size for it")
    parser.add_argument("--profile", type=int, metavar="N", help="profile the library at N")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    if args.profile:
        result = synthetic_result(args.profile)
        profile(lambda: library_render(result, "json", validate=False))
        return

    header = f"{'components':>10} | {'ours json':>9} | {'ours xml':>9}"
    if args.library:
        header += " | lib build | lib json ser | lib validate | lib xml ser | lib xml valid"
    print(header)
    print("-" * len(header))
    for size in sizes:
        result = synthetic_result(size)
        row = f"{size:>10} | {ours_render(result, 'cyclonedx-json'):>8.3f}s"
        row += f" | {ours_render(result, 'cyclonedx-xml'):>8.3f}s"
        if args.library and size <= args.library_max:
            as_json = library_render(result, "json")
            as_xml = library_render(result, "xml")
            row += f" | {as_json['build']:>8.2f}s | {as_json['serialize']:>11.2f}s"
            row += f" | {as_json['validate']:>11.2f}s | {as_xml['serialize']:>10.2f}s"
            row += f" | {as_xml['validate']:>12.2f}s"
        print(row, flush=True)


if __name__ == "__main__":
    main()
