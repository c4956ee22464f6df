"""License accuracy against the hand-labelled ground truth, resolved live from the registries.

    python benchmarks/accuracy.py                      # empty cache, 16 requests at a time
    python benchmarks/accuracy.py --cache-dir DIR      # reuse (or fill) a license cache
    python benchmarks/accuracy.py --evidence           # print what every source said, per miss
    python benchmarks/accuracy.py --tag dual --json out.json
    python benchmarks/accuracy.py --as-lockfile        # npm: the license a lockfile would carry

The ground truth is tests/fixtures/ground-truth/licenses.json (how it was made: README.md
beside it). Each package is built into a component with ``make_purl`` and resolved with the
real chain (``resolve_licenses``); the answer is compared with the truth by SPDX expression
equivalence (license-expression's ``is_equivalent``: order, duplicates and grouping do not
matter, ids and version qualifiers do). Both the truth and the answer are then judged by
policies/default.toml: a component whose true license that policy denies but whose answer it
allows is the worst possible error and is counted on its own.

Non-SPDX licenses cannot have an agreed name, so before comparing, every ``LicenseRef-...``
becomes one of two classes: public domain (ours ``LicenseRef-ospo-public-domain``, the truth's
``LicenseRef-public-domain``) or "not an SPDX license" (any other LicenseRef, ours or the
truth's, e.g. ``LicenseRef-proprietary`` for a commercial EULA or npm's ``UNLICENSED``): a
package under a commercial EULA is answered right by any non-SPDX key, which every policy has
to send to a person. A truth of ``NONE`` (nothing grants a license) is answered right by
"unresolved", by ``NONE`` or by a non-SPDX key, and is judged as proprietary by the policy.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TRUTH = ROOT / "tests" / "fixtures" / "ground-truth" / "licenses.json"
DEFAULT_POLICY = ROOT / "policies" / "default.toml"
BAR_ACCURACY = 0.97

# The truth's own names for the two non-SPDX answers it distinguishes (see README.md).
TRUTH_PROPRIETARY = "LicenseRef-proprietary"
TRUTH_PUBLIC_DOMAIN = "LicenseRef-public-domain"
_PUBLIC_DOMAIN_CLASS = "LicenseRef-class-public-domain"
_NON_SPDX_CLASS = "LicenseRef-class-non-spdx"
_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+")


@dataclass(frozen=True)
class TruthEntry:
    """One labelled package: where it comes from and its true SPDX expression."""

    purl: str
    ecosystem: str
    namespace: str | None
    name: str
    version: str
    expression: str
    primary: str | None
    tags: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class Outcome:
    """What ospo-scan answered for one labelled package, and how it compares."""

    entry: TruthEntry
    expression: str | None
    source: str
    confidence: float
    reason: str | None
    evidence: tuple[tuple[str, str, str | None], ...]
    correct: bool
    primary_correct: bool  # correct, or equivalent to the entry's primary license
    truth_verdict: str
    our_verdict: str

    @property
    def denied_as_allowed(self) -> bool:
        return self.truth_verdict == "deny" and self.our_verdict == "allow"

    @property
    def not_allowed_as_allowed(self) -> bool:
        return self.truth_verdict != "allow" and self.our_verdict == "allow"


@dataclass
class AccuracyReport:
    """Every outcome, plus how long the resolution took and how many requests it sent."""

    outcomes: list[Outcome]
    seconds: float
    requests: int
    policy: str
    by_tag: dict[str, list[Outcome]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        grouped: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            for tag in outcome.entry.tags:
                grouped[tag].append(outcome)
        self.by_tag = dict(sorted(grouped.items()))

    @property
    def accuracy(self) -> float:
        return _share(self.outcomes)

    @property
    def primary_accuracy(self) -> float:
        return _share(self.outcomes, primary=True)

    @property
    def mismatches(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]

    @property
    def unresolved(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.expression is None]

    @property
    def denied_as_allowed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.denied_as_allowed]

    @property
    def not_allowed_as_allowed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.not_allowed_as_allowed]

    def ecosystem_accuracy(self) -> dict[str, tuple[int, float]]:
        """``{ecosystem: (packages, accuracy)}``."""
        grouped: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            grouped[outcome.entry.ecosystem].append(outcome)
        return {eco: (len(items), _share(items)) for eco, items in sorted(grouped.items())}

    @property
    def meets_bar(self) -> bool:
        return self.accuracy >= BAR_ACCURACY and not self.denied_as_allowed


def _share(outcomes: Sequence[Outcome], primary: bool = False) -> float:
    if not outcomes:
        return 0.0
    hits = sum(1 for o in outcomes if (o.primary_correct if primary else o.correct))
    return hits / len(outcomes)


# -- the ground truth ------------------------------------------------------------------------


def load_truth(path: Path = TRUTH) -> list[TruthEntry]:
    """The labelled packages of ``path``. Raises ``ValueError`` on a malformed entry."""
    document = json.loads(path.read_text("utf-8"))
    entries: list[TruthEntry] = []
    for index, item in enumerate(document["packages"]):
        try:
            entries.append(
                TruthEntry(
                    purl=item["purl"],
                    ecosystem=item["ecosystem"],
                    namespace=item.get("namespace"),
                    name=item["name"],
                    version=item["version"],
                    expression=item["expression"],
                    primary=item.get("primary"),
                    tags=tuple(item["tags"]),
                    note=item.get("note"),
                )
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: packages[{index}]: malformed entry ({exc})") from exc
    return entries


def component_for(entry: TruthEntry) -> Any:
    """The ``Component`` a lockfile parser would make for ``entry`` (a registry package)."""
    from ospo_scan.model import Component
    from ospo_scan.sources.base import make_purl

    purl = make_purl(entry.ecosystem, entry.name, entry.version, namespace=entry.namespace)
    if purl != entry.purl:
        raise ValueError(f"{entry.purl}: make_purl gives {purl} (fix the ground truth)")
    name = f"{entry.namespace}/{entry.name}" if entry.namespace else entry.name
    return Component(purl=purl, name=name, version=entry.version, ecosystem=entry.ecosystem)


def lockfile_licenses(entries: Sequence[TruthEntry], concurrency: int = 16) -> dict[str, str]:
    """The ``license`` an npm lockfile (v2+) would carry for each npm entry: its version
    document's ``license`` field when that is a string, as npm copies it from package.json.
    A scan of a real package-lock.json starts from these declarations (``--as-lockfile``)."""
    from concurrent.futures import ThreadPoolExecutor

    from ospo_scan.errors import RegistryError
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.registries.base import endpoint_for
    from ospo_scan.licenses.registries.npm import document_url

    http = HttpClient()

    def declared(entry: TruthEntry) -> tuple[str, str | None]:
        component = component_for(entry)
        endpoint = endpoint_for(component, {})
        url = document_url(component, endpoint) if endpoint else None
        try:
            document = http.get_json(url) if url else None
        except RegistryError:
            return entry.purl, None
        value = document.get("license") if isinstance(document, dict) else None
        return entry.purl, value if isinstance(value, str) and value.strip() else None

    npm = [entry for entry in entries if entry.ecosystem == "npm"]
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            found = dict(pool.map(declared, npm))
    finally:
        http.close()
    return {purl: value for purl, value in found.items() if value is not None}


# -- comparing expressions -------------------------------------------------------------------


@functools.cache
def _licensing() -> Any:
    from license_expression import Licensing

    return Licensing()


def _classed(expression: str) -> str:
    """``expression`` with every LicenseRef replaced by its class (see the module docstring)."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(0)
        if key in (TRUTH_PUBLIC_DOMAIN, "LicenseRef-ospo-public-domain"):
            return _PUBLIC_DOMAIN_CLASS
        return _NON_SPDX_CLASS

    return _REF.sub(replace, expression)


def equivalent(truth: str, ours: str | None) -> bool:
    """Whether the answer ``ours`` (None: unresolved) says the same as the ``truth``."""
    if truth == "NONE":
        return ours is None or ours == "NONE" or _classed(ours) == _NON_SPDX_CLASS
    if ours is None:
        return False
    licensing = _licensing()
    try:
        return bool(licensing.is_equivalent(_classed(truth), _classed(ours)))
    except Exception:  # license-expression raises several types for unparsable input
        return False


# -- running ---------------------------------------------------------------------------------


def _truth_for_policy(expression: str) -> str:
    """The truth written with ospo-scan's own non-SPDX keys, so that the policy can judge it."""
    from ospo_scan.licenses.normalize import PROPRIETARY_REF, PUBLIC_DOMAIN_REF

    if expression == "NONE":
        return PROPRIETARY_REF  # nothing grants a license: all rights reserved
    return expression.replace(TRUTH_PROPRIETARY, PROPRIETARY_REF).replace(
        TRUTH_PUBLIC_DOMAIN, PUBLIC_DOMAIN_REF
    )


def _curation_options(shipped: bool) -> dict[str, Any]:
    """``ResolveOptions`` keyword arguments for the shipped curations (none when the chain
    has no curations step, or when ``shipped`` is false)."""
    from dataclasses import fields

    from ospo_scan.licenses.resolve import ResolveOptions

    if not shipped or "curations" not in {f.name for f in fields(ResolveOptions)}:
        return {}
    from ospo_scan.licenses.curations import shipped_curations

    return {"curations": shipped_curations()}


def run(
    entries: Sequence[TruthEntry],
    *,
    cache_dir: Path | None = None,
    concurrency: int = 16,
    policy_path: Path = DEFAULT_POLICY,
    today: date | None = None,
    shipped_curations: bool = True,
    declared: dict[str, str] | None = None,
) -> AccuracyReport:
    """Resolve every entry live (with an empty temporary cache unless ``cache_dir`` is given)
    and compare. As ``ospo-scan scan`` does by default, the curations shipped with ospo-scan
    come first (``shipped_curations=False`` leaves them out, to measure the chain alone).
    ``declared``: license data a lockfile would carry, by purl (``lockfile_licenses``).
    Returns the report; raises ``PolicyError`` for a broken policy or curations file."""
    from dataclasses import replace

    from ospo_scan.licenses.resolve import ResolveOptions, resolve_licenses
    from ospo_scan.model import Resolution
    from ospo_scan.policy.evaluate import evaluate
    from ospo_scan.policy.load import load_policy

    policy = load_policy(policy_path)
    components = [
        replace(component_for(entry), declared_license=(declared or {}).get(entry.purl))
        for entry in entries
    ]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ospo-accuracy-") as scratch:
        options = ResolveOptions(
            cache_dir=cache_dir if cache_dir is not None else Path(scratch),
            concurrency=concurrency,
            **_curation_options(shipped_curations),
        )
        resolutions, stats = resolve_licenses(components, options)
    seconds = time.perf_counter() - started

    day = today or date.today()
    ours = {
        s.component.purl: s.verdict
        for s in evaluate(
            policy, [(c, resolutions[c.purl]) for c in components], today=day
        ).components
    }
    truth_items = [
        (c, Resolution(_truth_for_policy(e.expression), "ground-truth"))
        for c, e in zip(components, entries, strict=True)
    ]
    truths = {
        s.component.purl: s.verdict for s in evaluate(policy, truth_items, today=day).components
    }

    outcomes: list[Outcome] = []
    for component, entry in zip(components, entries, strict=True):
        resolution = resolutions[component.purl]
        correct = equivalent(entry.expression, resolution.expression)
        primary_correct = correct or (
            entry.primary is not None and equivalent(entry.primary, resolution.expression)
        )
        outcomes.append(
            Outcome(
                entry=entry,
                expression=resolution.expression,
                source=resolution.source,
                confidence=resolution.confidence,
                reason=resolution.reason,
                evidence=tuple((e.source, e.value, e.detail) for e in resolution.evidence),
                correct=correct,
                primary_correct=primary_correct,
                truth_verdict=str(truths[component.purl]),
                our_verdict=str(ours[component.purl]),
            )
        )
    return AccuracyReport(outcomes, seconds, stats.requests, str(policy_path.name))


# -- reporting -------------------------------------------------------------------------------


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def render(report: AccuracyReport, evidence: bool = False) -> str:
    """The human-readable report: figures, per-tag table, mismatches, dangerous answers."""
    total = len(report.outcomes)
    correct = total - len(report.mismatches)
    lines = [
        f"ground truth: {total} packages; resolved in {report.seconds:.1f} s "
        f"with {report.requests} requests",
        f"accuracy: {_percent(report.accuracy)} ({correct}/{total}); bar {_percent(BAR_ACCURACY)}"
        f" -> {'MET' if report.meets_bar else 'NOT MET'}",
        f"accuracy accepting the primary license of 'portions' entries: "
        f"{_percent(report.primary_accuracy)}",
    ]
    for eco, (count, share) in report.ecosystem_accuracy().items():
        lines.append(f"  {eco}: {_percent(share)} of {count}")
    lines.append(f"unresolved: {len(report.unresolved)}")
    lines.append(
        f"denied by {report.policy} but reported as allowed: {len(report.denied_as_allowed)}"
        f" (any not-allowed truth reported as allowed: {len(report.not_allowed_as_allowed)})"
    )
    lines.append("")
    lines.append(f"{'tag':24} {'n':>4} {'correct':>7} {'accuracy':>8}")
    for tag, items in report.by_tag.items():
        hits = sum(1 for o in items if o.correct)
        lines.append(f"{tag:24} {len(items):4d} {hits:7d} {_percent(_share(items)):>8}")
    lines.append("")
    lines.append(f"mismatches ({len(report.mismatches)}):")
    for o in sorted(report.mismatches, key=lambda o: o.entry.purl):
        flag = "DANGER " if o.not_allowed_as_allowed else ""
        lines.append(
            f"  {flag}{o.entry.purl}\n      truth: {o.entry.expression}   ours: {o.expression}"
            f"   source: {o.source}   confidence: {o.confidence:.2f}"
            f"   verdict: {o.truth_verdict} -> {o.our_verdict}"
            + (f"\n      reason: {o.reason}" if o.reason else "")
        )
        if evidence:
            for source, value, detail in o.evidence:
                shown = " ".join(value.split())[:140]
                lines.append(f"      - {source}: {shown}" + (f"  [{detail}]" if detail else ""))
    if report.not_allowed_as_allowed:
        lines.append("")
        lines.append("reported as allowed although the true license is not allowed:")
        lines.extend(
            f"  {o.entry.purl}: truth {o.entry.expression} ({o.truth_verdict})"
            for o in report.not_allowed_as_allowed
        )
    return "\n".join(lines)


def to_json(report: AccuracyReport) -> dict[str, Any]:
    """A machine-readable form of the report (for comparing runs)."""
    return {
        "packages": len(report.outcomes),
        "accuracy": report.accuracy,
        "primary_accuracy": report.primary_accuracy,
        "ecosystems": {
            k: {"packages": n, "accuracy": a} for k, (n, a) in report.ecosystem_accuracy().items()
        },
        "unresolved": len(report.unresolved),
        "denied_as_allowed": [o.entry.purl for o in report.denied_as_allowed],
        "not_allowed_as_allowed": [o.entry.purl for o in report.not_allowed_as_allowed],
        "tags": {
            tag: {"packages": len(items), "accuracy": _share(items)}
            for tag, items in report.by_tag.items()
        },
        "outcomes": [
            {
                "purl": o.entry.purl,
                "truth": o.entry.expression,
                "ours": o.expression,
                "source": o.source,
                "confidence": o.confidence,
                "reason": o.reason,
                "correct": o.correct,
                "truth_verdict": o.truth_verdict,
                "our_verdict": o.our_verdict,
                "evidence": [list(e) for e in o.evidence],
            }
            for o in report.outcomes
        ],
        "seconds": report.seconds,
        "requests": report.requests,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit status 0 when the bar is met, 1 when it is not."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--truth", type=Path, default=TRUTH)
    parser.add_argument("--policy", type=Path, default=DEFAULT_POLICY)
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: a fresh one")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--tag", action="append", default=[], help="only entries with a tag")
    parser.add_argument("--evidence", action="store_true", help="print evidence per mismatch")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    parser.add_argument(
        "--no-curations", action="store_true", help="leave out the curations ospo-scan ships"
    )
    parser.add_argument(
        "--as-lockfile",
        action="store_true",
        help="give npm packages the license a lockfile would carry, as a scan would see them",
    )
    args = parser.parse_args(argv)

    entries = load_truth(args.truth)
    if args.tag:
        entries = [e for e in entries if set(args.tag) & set(e.tags)]
    declared = lockfile_licenses(entries, args.concurrency) if args.as_lockfile else None
    report = run(
        entries,
        cache_dir=args.cache_dir,
        concurrency=args.concurrency,
        policy_path=args.policy,
        shipped_curations=not args.no_curations,
        declared=declared,
    )
    print(render(report, evidence=args.evidence))
    if args.json is not None:
        args.json.write_text(json.dumps(to_json(report), indent=1) + "\n", "utf-8")
    return 0 if report.meets_bar else 1


if __name__ == "__main__":
    sys.exit(main())
