"""Recorded registry answers for license tests: the ``recorded_session`` fixture.

How to use it (npm and PyPI tests alike)::

    from ospo_scan.licenses.http import HttpClient
    from tests.licenses.conftest import RECORDED, Reply

    def test_something(recorded_session):
        http = HttpClient(session_factory=recorded_session.session, sleep=lambda s: None)
        # 1. Recorded files: https://registry.test/<ecosystem>/<path> is answered from
        #    tests/fixtures/registry/<ecosystem>/<path> (the path is URL-decoded, so
        #    ".../npm/@babel%2fcore/7.24.0" reads npm/@babel/core/7.24.0.json); the file is
        #    tried as named, then with ".json" appended, and a path ending in "/" reads
        #    "index.html" or "index.json" in that folder. A sidecar "<file>.headers.json"
        #    (a JSON object) adds response headers, e.g. a PEP 691 Content-Type.
        # 2. A standing answer for one URL (any host), served on every request to it:
        recorded_session.add(f"{RECORDED}/npm/gone/1.0.0", status=404)
        recorded_session.add("https://files.test/x.json", {"license": "MIT"})   # dict -> JSON
        recorded_session.add("https://files.test/bad", b"{not json", headers={"X-A": "1"})
        recorded_session.add_file("https://files.test/x-1.0-py3-none-any.whl", path_to_wheel)
        # 3. One-shot answers, consumed in order before the standing answer or file:
        recorded_session.script(
            url,
            Reply(429, headers={"Retry-After": "3"}),
            Reply(503),
            requests.ConnectTimeout("timed out"),      # an exception instance is raised
            requests.ConnectionError("refused"),
            Reply(200, {"license": "MIT"}),
        )
        # 4. A whole host down: every request raises (ConnectionError unless another given).
        recorded_session.down("https://registry.test")

Range requests: a request with ``Range: bytes=a-b``, ``bytes=a-`` or ``bytes=-n`` (one range)
on a 200 answer is served as ``206`` with only those bytes, ``Content-Range: bytes
a-b/total`` and ``Content-Length``; an unsatisfiable range gets ``416`` with ``Content-Range:
bytes */total``. Every such answer carries ``Accept-Ranges: bytes``. Register with
``ranges=False`` to imitate a server that ignores Range (plain 200, whole body). HEAD requests
get the headers (with ``Content-Length``) and no body.

Inspect what was asked: ``recorded_session.requests`` (``SeenRequest(method, url, headers)``
in order), ``recorded_session.urls()``, ``recorded_session.max_in_flight`` (the most requests
served at once; set ``recorded_session.delay`` to a few hundredths of a second to let
concurrent requests overlap).

A URL with no answer FAILS the test (``pytest.fail`` inside the request, and again at
teardown in case something swallowed it): recordings must cover every URL the code asks for.
"""

from __future__ import annotations

import http
import io
import json
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from tests.conftest import FIXTURES

if TYPE_CHECKING:
    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.resolve import ResolveOptions

RECORDED = "https://registry.test"
REGISTRY_FIXTURES = FIXTURES / "registry"


@dataclass(frozen=True)
class Reply:
    """One scripted answer: status, body (bytes, str, or a dict/list sent as JSON), headers."""

    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    ranges: bool = True

    def content(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class SeenRequest:
    method: str
    url: str
    headers: dict[str, str]


def _canonical(url: str) -> str:
    """The URL as requests sends it, so that registrations match what is requested."""
    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, None)
    return prepared.url or url


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class RecordedRegistry:
    """Serves recorded and scripted answers; see the module docstring for how to use it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[SeenRequest] = []
        self.unknown: list[str] = []
        self.delay = 0.0
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._standing: dict[str, Reply] = {}
        self._scripts: dict[str, deque[Reply | BaseException]] = {}
        self._down: dict[str, BaseException] = {}

    # -- registering answers --------------------------------------------------------------

    def add(
        self,
        url: str,
        body: bytes | str | dict[str, Any] | list[Any] | None = None,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        ranges: bool = True,
    ) -> None:
        """Answer every request to ``url`` with this status, body and headers."""
        self._standing[_canonical(url)] = Reply(status, body, dict(headers or {}), ranges)

    def add_file(
        self,
        url: str,
        path: Path,
        *,
        headers: Mapping[str, str] | None = None,
        ranges: bool = True,
    ) -> None:
        """Answer ``url`` with the bytes of a file (a wheel, say), with Range support."""
        self.add(url, path.read_bytes(), headers=headers, ranges=ranges)

    def script(self, url: str, *steps: Reply | BaseException) -> None:
        """Queue one-shot answers (or exceptions to raise) for ``url``, used in order."""
        self._scripts.setdefault(_canonical(url), deque()).extend(steps)

    def down(self, host: str, error: BaseException | None = None) -> None:
        """Make every request to ``host`` (``scheme://netloc``) raise ``error``."""
        self._down[host.rstrip("/")] = error or requests.ConnectionError(f"{host} refused")

    # -- inspecting -----------------------------------------------------------------------

    def urls(self) -> list[str]:
        return [seen.url for seen in self.requests]

    def session(self) -> requests.Session:
        """A new session answering from this registry (pass as ``session_factory``)."""
        session = requests.Session()
        adapter = _RecordedAdapter(self)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    # -- serving --------------------------------------------------------------------------

    def answer(self, request: requests.PreparedRequest) -> requests.Response:
        url = request.url or ""
        method = request.method or "GET"
        with self._lock:
            self.requests.append(SeenRequest(method, url, dict(request.headers)))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            reply = self._find(url)
            return _respond(request, reply)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _find(self, url: str) -> Reply:
        error = self._down.get(_host(url))
        if error is not None:
            raise error
        with self._lock:
            queue = self._scripts.get(url)
            step = queue.popleft() if queue else None
        if isinstance(step, BaseException):
            raise step
        if step is not None:
            return step
        standing = self._standing.get(url)
        if standing is not None:
            return standing
        recorded = self._recorded(url)
        if recorded is not None:
            return recorded
        with self._lock:
            self.unknown.append(url)
        pytest.fail(f"no recorded answer for {url} (register it or add a fixture file)")

    def _recorded(self, url: str) -> Reply | None:
        if _host(url) != RECORDED:
            return None
        relative = unquote(urlsplit(url).path).lstrip("/")
        base = (self.root / relative).resolve()
        if not base.is_relative_to(self.root.resolve()):
            return None
        if relative.endswith("/") or relative == "":
            candidates = [base / "index.html", base / "index.json"]
        else:
            candidates = [base, base.with_name(base.name + ".json")]
        for candidate in candidates:
            if candidate.is_file():
                headers: dict[str, str] = {}
                sidecar = candidate.with_name(candidate.name + ".headers.json")
                if sidecar.is_file():
                    headers = json.loads(sidecar.read_text())
                if candidate.suffix == ".json":
                    headers.setdefault("Content-Type", "application/json")
                return Reply(200, candidate.read_bytes(), headers)
        return None


class _RecordedAdapter(BaseAdapter):
    """A requests transport that never opens a socket: it asks the ``RecordedRegistry``."""

    def __init__(self, registry: RecordedRegistry) -> None:
        super().__init__()
        self.registry = registry

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        assert kwargs.get("timeout") is not None, "every registry request needs a timeout"
        return self.registry.answer(request)

    def close(self) -> None:
        pass


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) for a single ``bytes=`` range (RFC 9110 section 14.1.2); None if invalid."""
    unit, _, spec = header.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None
    first_text, _, last_text = spec.strip().partition("-")
    if not first_text:
        if not last_text.isdigit() or int(last_text) == 0:
            return None
        return max(0, size - int(last_text)), size - 1
    if not first_text.isdigit():
        return None
    first = int(first_text)
    last = int(last_text) if last_text.isdigit() else size - 1
    if first >= size or last < first:
        return None
    return first, min(last, size - 1)


def _respond(request: requests.PreparedRequest, reply: Reply) -> requests.Response:
    content = reply.content()
    status = reply.status
    headers: dict[str, str] = dict(reply.headers)
    range_header = request.headers.get("Range")
    if reply.ranges and status == 200:
        headers["Accept-Ranges"] = "bytes"
        if range_header:
            span = _byte_range(range_header, len(content))
            if span is None:
                status, content = 416, b""
                headers["Content-Range"] = f"bytes */{len(reply.content())}"
            else:
                first, last = span
                status = 206
                headers["Content-Range"] = f"bytes {first}-{last}/{len(content)}"
                content = content[first : last + 1]
    headers["Content-Length"] = str(len(content))
    if request.method == "HEAD":
        content = b""
    response = requests.Response()
    response.status_code = status
    response.reason = http.HTTPStatus(status).phrase
    response.headers = CaseInsensitiveDict(headers)
    response.url = request.url or ""
    response.request = request
    response.encoding = "utf-8"
    response._content = content
    response.raw = io.BytesIO(content)
    return response


@pytest.fixture
def recorded_session() -> Iterator[RecordedRegistry]:
    """A ``RecordedRegistry`` over tests/fixtures/registry; pass ``.session`` as factory."""
    registry = RecordedRegistry(REGISTRY_FIXTURES)
    yield registry
    if registry.unknown:
        pytest.fail(f"requests without a recorded answer: {registry.unknown}")


@pytest.fixture
def sleeps() -> list[float]:
    """A list to pass ``sleeps.append`` as an ``HttpClient`` sleep: records, never waits."""
    return []


def chain_options(
    recorded: RecordedRegistry, tmp_path: Path, endpoints: Mapping[str, str], **overrides: Any
) -> ResolveOptions:
    """Options for ``resolve_licenses`` on recorded answers: a cache under ``tmp_path``, the
    given registry endpoints, and a client that never sleeps and retries twice."""
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.resolve import ResolveOptions

    settings: dict[str, Any] = {
        "cache_dir": tmp_path / "chain-cache",
        "registries": dict(endpoints),
        "http": HttpClient(session_factory=recorded.session, sleep=lambda s: None, retries=2),
    }
    settings.update(overrides)
    return ResolveOptions(**settings)


@pytest.fixture(name="http")
def http_client(recorded_session: RecordedRegistry, sleeps: list[float]) -> Iterator[HttpClient]:
    """A client on the recorded registry whose backoff sleeps are recorded in ``sleeps``.

    Modules that need another client (no sleeps, other retries) define their own ``http``.
    """
    from ospo_scan.licenses.http import HttpClient

    with HttpClient(session_factory=recorded_session.session, sleep=sleeps.append) as client:
        yield client


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[LicenseCache]:
    """An empty license cache under ``tmp_path``."""
    from ospo_scan.licenses.cache import LicenseCache

    with LicenseCache(tmp_path / "cache") as opened:
        yield opened
