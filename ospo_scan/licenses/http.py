"""The HTTP client every registry resolver shares: retries, backoff, a circuit breaker per host."""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ospo_scan import __version__
from ospo_scan.errors import RegistryError

if TYPE_CHECKING:
    import requests

logger = logging.getLogger(__name__)

USER_AGENT = f"ospo-scan/{__version__}"
# No registry document we read comes near this; a larger body is refused, not buffered.
MAX_RESPONSE_BYTES = 64 * 2**20
_CHUNK = 256 * 1024

# Statuses after which a retry can help: 429 Too Many Requests (RFC 6585 section 4) and the
# server errors (RFC 9110 section 15.6); 501 and 505 say the request itself is not supported.
_NOT_RETRIED_5XX = frozenset({501, 505})

_OFFLINE_HINT = "check the network and proxy settings, or rerun with --offline and a warm cache"


class RegistryUnavailable(RegistryError):
    """A registry host could not be reached, or kept failing after every retry.

    ``url`` is the request that failed and ``reason`` a short text fit for a report (it names
    the host); the message adds advice for the user.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"cannot reach {url}: {reason}", _OFFLINE_HINT)


class RegistryResponseError(RegistryError):
    """A registry answered, but with a malformed body or a status we cannot use.

    ``status`` is the HTTP status, or ``None`` when the status was fine but the body was not.
    """

    def __init__(self, url: str, problem: str, status: int | None = None) -> None:
        self.url = url
        self.problem = problem
        self.status = status
        super().__init__(f"{url}: {problem}")


@dataclass(frozen=True)
class HttpResponse:
    """A complete response: the final status, lower-case header names, the body, the final URL."""

    status: int
    headers: dict[str, str]
    content: bytes
    url: str

    def json(self) -> Any:
        """Return the body decoded as JSON; raise ``RegistryResponseError`` when it is not JSON."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RegistryResponseError(self.url, f"malformed JSON ({exc})", None) from exc


class _Breaker:
    """Per-host count of consecutive failed requests; open means "stop asking this host"."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._last_reason: dict[str, str] = {}

    def open_reason(self, host: str) -> str | None:
        """The reason to fail fast for ``host``, or ``None`` while the host may still answer."""
        if self.threshold <= 0:
            return None
        with self._lock:
            if self._failures.get(host, 0) >= self.threshold:
                return self._last_reason[host]
        return None

    def failure(self, host: str, reason: str) -> None:
        with self._lock:
            count = self._failures.get(host, 0) + 1
            self._failures[host] = count
            self._last_reason[host] = reason
        if count == self.threshold:
            logger.warning("%s failed %d times in a row; not asking it again", host, count)

    def success(self, host: str) -> None:
        with self._lock:
            self._failures.pop(host, None)


class HttpClient:
    """A thread-safe GET client for registry metadata.

    Each thread gets its own ``requests.Session`` (keep-alive connections, a pool of
    ``pool_size``), made by ``session_factory`` when given (tests pass recorded sessions).
    Every request carries a timeout and the ``ospo-scan/<version>`` User-Agent. Connection
    errors, timeouts, 429 and retryable 5xx answers are retried ``retries`` times with
    exponential backoff and jitter; ``Retry-After`` (seconds or an HTTP-date) is honoured up to
    ``max_retry_after`` seconds. After ``breaker_threshold`` consecutive requests to one host
    have failed that way, further requests to that host fail at once with the same reason
    (a circuit breaker: a dead registry costs a few timeouts, not one per component).
    ``sleep`` is injected so tests never wait.
    """

    def __init__(
        self,
        *,
        session_factory: Callable[[], requests.Session] | None = None,
        timeout: float = 10.0,
        retries: int = 4,
        backoff: float = 0.5,
        max_retry_after: float = 30.0,
        pool_size: int = 16,
        sleep: Callable[[float], None] = time.sleep,
        breaker_threshold: int = 3,
    ) -> None:
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.pool_size = pool_size
        self._session_factory = session_factory
        self._sleep = sleep
        self._local = threading.local()
        self._lock = threading.Lock()
        self._sessions: list[requests.Session] = []
        self._request_count = 0
        self._random = random.Random()
        self._breaker = _Breaker(breaker_threshold)

    @property
    def request_count(self) -> int:
        """How many HTTP requests were sent (retries included)."""
        with self._lock:
            return self._request_count

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> HttpResponse:
        """GET ``url`` and return the final response, whatever its status (404, 206, 403 ...).

        The body is streamed and given up once it exceeds ``max_bytes``, so a server that
        ignores a Range header or an unexpectedly large file never fills memory.

        Raises ``RegistryUnavailable`` when the host cannot be reached or still answers 429/5xx
        after the retries, or when its circuit breaker is open; ``RegistryResponseError`` for a
        request that cannot succeed at all (an invalid URL, a redirect loop) or a body larger
        than ``max_bytes``.
        """
        import requests

        host = _host_of(url)
        reason = "no attempt made"
        attempts = self.retries + 1
        for attempt in range(attempts):
            fail_fast = self._breaker.open_reason(host)
            if fail_fast is not None:
                raise RegistryUnavailable(url, fail_fast)
            try:
                response = self._send(url, headers)
                if not _retryable(response.status_code):
                    # read inside the try: a body cut off mid-transfer is worth a retry
                    frozen = _freeze(response, url, max_bytes)
                    self._breaker.success(host)
                    return frozen
            except _transient_errors() as exc:
                reason = f"{host}: {_describe(exc)}"
                delay = self._backoff_delay(attempt)
            except requests.RequestException as exc:
                raise RegistryResponseError(url, _describe(exc)) from exc
            else:
                reason = f"{host}: HTTP {response.status_code}"
                asked = self._retry_after(response.headers.get("Retry-After"))
                delay = asked if asked is not None else self._backoff_delay(attempt)
                response.close()
            if attempt + 1 < attempts:
                logger.debug("retrying %s in %.2fs (%s)", url, delay, reason)
                self._sleep(delay)
        reason = f"{reason} (after {attempts} attempts)"
        self._breaker.failure(host, reason)
        raise RegistryUnavailable(url, reason)

    def get_json(self, url: str, *, headers: Mapping[str, str] | None = None) -> Any | None:
        """GET ``url`` and return its JSON body; ``None`` when the registry answers 404 or 410.

        Raises ``RegistryResponseError`` for any other non-2xx status or a body that is not
        JSON, and ``RegistryUnavailable`` as ``get`` does.
        """
        merged = {"Accept": "application/json"}
        merged.update(headers or {})
        response = self.get(url, headers=merged)
        if response.status in (404, 410):
            return None
        if not 200 <= response.status < 300:
            raise RegistryResponseError(url, f"unexpected HTTP {response.status}", response.status)
        return response.json()

    def close(self) -> None:
        """Close every session this client opened (in any thread)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, url: str, headers: Mapping[str, str] | None) -> requests.Response:
        session = self._session()
        with self._lock:
            self._request_count += 1
        # No auth is ever passed: requests drops Authorization on redirects to another host
        # and we add none, so nothing secret leaves for a host the user did not configure.
        return session.get(url, headers=dict(headers or {}), timeout=self.timeout, stream=True)

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._new_session()
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _new_session(self) -> requests.Session:
        import requests
        from requests.adapters import HTTPAdapter

        if self._session_factory is not None:
            # The factory owns the transport (tests mount recorded adapters on it).
            session = self._session_factory()
        else:
            session = requests.Session()
            adapter = HTTPAdapter(
                pool_connections=self.pool_size, pool_maxsize=self.pool_size, max_retries=0
            )
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        session.headers["User-Agent"] = USER_AGENT
        return session

    def _backoff_delay(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random, capped."""
        with self._lock:
            jitter = self._random.random()
        base = min(self.backoff * (2.0**attempt), self.max_retry_after)
        return base / 2 + base / 2 * jitter

    def _retry_after(self, value: str | None) -> float | None:
        """Seconds to wait per a ``Retry-After`` header (RFC 9110 section 10.2.3), capped."""
        if value is None:
            return None
        value = value.strip()
        if value.isdigit():
            return min(float(value), self.max_retry_after)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
        return min(max(seconds, 0.0), self.max_retry_after)


def _retryable(status: int) -> bool:
    return status == 429 or (500 <= status < 600 and status not in _NOT_RETRIED_5XX)


def _freeze(response: requests.Response, url: str, max_bytes: int) -> HttpResponse:
    """Read the (streamed) body, at most ``max_bytes`` of it, into an ``HttpResponse``."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise RegistryResponseError(url, f"response larger than {max_bytes} bytes")
            chunks.append(chunk)
    finally:
        response.close()
    return HttpResponse(
        status=response.status_code,
        headers={key.lower(): value for key, value in response.headers.items()},
        content=b"".join(chunks),
        url=response.url or "",
    )


def _transient_errors() -> tuple[type[Exception], ...]:
    """Errors worth a retry: no connection, a timeout, a body cut off mid-transfer."""
    import requests

    # ConnectTimeout is a ConnectionError and a Timeout; ReadTimeout is a Timeout only.
    return (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def _host_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL: the unit the circuit breaker counts failures for."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{port}" if port else "")


def _describe(exc: BaseException) -> str:
    """A one-line description of a requests exception, without the urllib3 object soup."""
    import requests

    if isinstance(exc, requests.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, requests.ReadTimeout):
        return "read timed out"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error"
    if isinstance(exc, requests.exceptions.ProxyError):
        return "proxy error"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
