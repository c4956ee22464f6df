"""HttpClient: statuses, retries with backoff, Retry-After, the circuit breaker, thread safety."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from ospo_scan import __version__
from ospo_scan.errors import RegistryError
from ospo_scan.licenses.http import (
    HttpClient,
    HttpResponse,
    RegistryResponseError,
    RegistryUnavailable,
)
from tests.licenses.conftest import RECORDED, RecordedRegistry, Reply

LEFT_PAD = f"{RECORDED}/npm/left-pad/1.3.0"
URL = f"{RECORDED}/npm/some-package/1.0.0"


def client(registry: RecordedRegistry, sleeps: list[float], **kwargs: float | int) -> HttpClient:
    return HttpClient(session_factory=registry.session, sleep=sleeps.append, **kwargs)  # type: ignore[arg-type]


def test_get_serves_the_recorded_file_with_user_agent_and_lower_case_headers(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    http = client(recorded_session, sleeps)
    response = http.get(LEFT_PAD)
    assert isinstance(response, HttpResponse)
    assert response.status == 200
    assert response.url == LEFT_PAD
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"name": "left-pad", "version": "1.3.0", "license": "WTFPL"}
    assert recorded_session.requests[0].headers["User-Agent"] == f"ospo-scan/{__version__}"
    assert http.request_count == 1
    assert sleeps == []


def test_404_and_410_are_final_and_get_json_returns_none(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    recorded_session.add(URL, status=404)
    recorded_session.add(f"{URL}-gone", status=410)
    http = client(recorded_session, sleeps)
    assert http.get(URL).status == 404
    assert http.get_json(URL) is None
    assert http.get_json(f"{URL}-gone") is None
    assert http.request_count == 3
    assert sleeps == []


def test_get_json_rejects_other_statuses_and_malformed_bodies(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    recorded_session.add(URL, {"error": "forbidden"}, status=403)
    recorded_session.add(f"{URL}-bad", b'{"license": "MIT"')
    http = client(recorded_session, sleeps)
    with pytest.raises(RegistryResponseError) as forbidden:
        http.get_json(URL)
    assert forbidden.value.status == 403
    assert str(forbidden.value) == f"{URL}: unexpected HTTP 403"
    with pytest.raises(RegistryResponseError, match="malformed JSON") as malformed:
        http.get_json(f"{URL}-bad")
    assert malformed.value.status is None
    assert isinstance(malformed.value, RegistryError)
    # A 403 is an answer, not an outage: no retry.
    assert http.request_count == 2


def test_5xx_is_retried_with_growing_backoff_then_succeeds(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    recorded_session.script(URL, Reply(500), Reply(502), Reply(503), Reply(504))
    recorded_session.add(URL, {"license": "MIT"})
    http = client(recorded_session, sleeps, backoff=0.5)
    assert http.get_json(URL) == {"license": "MIT"}
    assert http.request_count == 5
    # Equal jitter: attempt n waits between half and all of 0.5 * 2**n seconds.
    assert len(sleeps) == 4
    for attempt, delay in enumerate(sleeps):
        full = 0.5 * 2**attempt
        assert full / 2 <= delay <= full


def test_backoff_is_capped_by_max_retry_after(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    recorded_session.script(URL, *[Reply(503)] * 4)
    recorded_session.add(URL, {})
    http = client(recorded_session, sleeps, backoff=10.0, max_retry_after=12.0)
    http.get(URL)
    assert all(delay <= 12.0 for delay in sleeps)
    assert sleeps[-1] >= 6.0


def test_retry_after_in_seconds_is_honoured_and_capped(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    recorded_session.script(
        URL,
        Reply(429, headers={"Retry-After": "7"}),
        Reply(503, headers={"Retry-After": "3600"}),
    )
    recorded_session.add(URL, {"license": "ISC"})
    http = client(recorded_session, sleeps, max_retry_after=30.0)
    assert http.get_json(URL) == {"license": "ISC"}
    assert sleeps == [7.0, 30.0]


def test_retry_after_as_http_date(recorded_session: RecordedRegistry, sleeps: list[float]) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    earlier = format_datetime(datetime.now(UTC) - timedelta(seconds=20), usegmt=True)
    recorded_session.script(
        URL,
        Reply(429, headers={"Retry-After": later}),
        Reply(429, headers={"Retry-After": earlier}),
        Reply(429, headers={"Retry-After": "not a date"}),
    )
    recorded_session.add(URL, {})
    http = client(recorded_session, sleeps, backoff=0.5)
    http.get(URL)
    assert 17.0 < sleeps[0] <= 20.0
    assert sleeps[1] == 0.0
    # Unreadable Retry-After: back off as for any other failure (third attempt: 1-2 s).
    assert 1.0 <= sleeps[2] <= 2.0


def test_connection_errors_and_timeouts_are_retried(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    recorded_session.script(
        URL,
        requests.ConnectTimeout("connect timed out"),
        requests.ConnectionError("connection refused"),
        requests.ReadTimeout("read timed out"),
        requests.exceptions.ChunkedEncodingError("connection broken"),
    )
    recorded_session.add(URL, {"license": "MIT"})
    http = client(recorded_session, sleeps)
    assert http.get_json(URL) == {"license": "MIT"}
    assert http.request_count == 5
    assert len(sleeps) == 4


def test_exhausted_retries_raise_registry_unavailable(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    recorded_session.add(URL, status=503)
    http = client(recorded_session, sleeps, retries=2)
    with pytest.raises(RegistryUnavailable) as caught:
        http.get(URL)
    assert caught.value.url == URL
    assert caught.value.reason == f"{RECORDED}: HTTP 503 (after 3 attempts)"
    assert "--offline" in str(caught.value)
    assert http.request_count == 3
    assert len(sleeps) == 2


def test_exhausted_connection_retries_name_the_host(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    recorded_session.down(RECORDED, requests.ConnectTimeout("timed out"))
    http = client(recorded_session, sleeps, retries=1)
    with pytest.raises(RegistryUnavailable) as caught:
        http.get_json(URL)
    assert caught.value.reason == f"{RECORDED}: connection timed out (after 2 attempts)"


def test_statuses_that_retrying_cannot_fix_are_returned_at_once(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    recorded_session.add(URL, status=501)
    http = client(recorded_session, sleeps)
    assert http.get(URL).status == 501
    assert http.request_count == 1


def test_circuit_breaker_fails_fast_after_consecutive_failures(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    recorded_session.down(RECORDED)
    recorded_session.add("https://other.test/x", {"ok": True})
    http = client(recorded_session, sleeps, retries=1, breaker_threshold=3)
    reasons = []
    for index in range(3):
        with pytest.raises(RegistryUnavailable) as caught:
            http.get(f"{URL}/{index}")
        reasons.append(caught.value.reason)
    assert http.request_count == 6
    # Open: no more requests to that host, same reason as the failures.
    for index in range(3, 50):
        with pytest.raises(RegistryUnavailable) as caught:
            http.get(f"{URL}/{index}")
        assert caught.value.reason == reasons[-1]
    assert http.request_count == 6
    # Other hosts are not affected.
    assert http.get_json("https://other.test/x") == {"ok": True}


def test_a_success_resets_the_breaker(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    failing = requests.ConnectionError("refused")
    recorded_session.script(URL, failing, failing, failing, failing)
    recorded_session.add(URL, {})
    recorded_session.script(f"{URL}/after", failing, failing, failing, failing)
    recorded_session.add(f"{URL}/after", {})
    http = client(recorded_session, sleeps, retries=0, breaker_threshold=3)
    for _ in range(2):
        with pytest.raises(RegistryUnavailable):
            http.get(URL)
    assert http.get(LEFT_PAD).status == 200
    for _ in range(2):
        with pytest.raises(RegistryUnavailable):
            http.get(URL)
    # Two failures since the last success: still closed, the request is sent.
    with pytest.raises(RegistryUnavailable):
        http.get(f"{URL}/after")
    assert http.request_count == 6


def test_unusable_urls_are_response_errors_not_outages(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    http = client(recorded_session, sleeps)
    with pytest.raises(RegistryResponseError, match="MissingSchema"):
        http.get("registry.test/npm/x")
    assert sleeps == []


def test_range_requests_reach_the_recording(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    recorded_session.add("https://files.test/blob", b"0123456789")
    http = client(recorded_session, sleeps)
    tail = http.get("https://files.test/blob", headers={"Range": "bytes=-4"})
    assert (tail.status, tail.content) == (206, b"6789")
    assert tail.headers["content-range"] == "bytes 6-9/10"
    middle = http.get("https://files.test/blob", headers={"Range": "bytes=2-4"})
    assert (middle.status, middle.content, middle.headers["content-length"]) == (206, b"234", "3")
    beyond = http.get("https://files.test/blob", headers={"Range": "bytes=20-"})
    assert (beyond.status, beyond.headers["content-range"]) == (416, "bytes */10")


def test_one_session_per_thread_and_a_thread_safe_request_count(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    made: list[requests.Session] = []
    lock = threading.Lock()

    def factory() -> requests.Session:
        session = recorded_session.session()
        with lock:
            made.append(session)
        return session

    http = HttpClient(session_factory=factory, sleep=sleeps.append)

    def work() -> None:
        for _ in range(25):
            assert http.get(LEFT_PAD).status == 200

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert http.request_count == 200
    assert len(recorded_session.requests) == 200
    assert len(made) == 8
    http.close()


def test_an_unrecorded_url_fails_the_test(
    recorded_session: RecordedRegistry, sleeps: list[float]
) -> None:
    http = client(recorded_session, sleeps)
    with pytest.raises(pytest.fail.Exception, match="no recorded answer"):
        http.get(f"{RECORDED}/npm/never-recorded/1.0.0")
    assert recorded_session.unknown == [f"{RECORDED}/npm/never-recorded/1.0.0"]
    recorded_session.unknown.clear()  # this test wanted the failure; let teardown pass
