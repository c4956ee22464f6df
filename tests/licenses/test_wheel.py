"""Reading one member out of a remote zip by range requests, and PKG-INFO out of a tarball."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from ospo_scan.licenses import wheel
from ospo_scan.licenses.http import HttpClient, RegistryResponseError
from ospo_scan.licenses.wheel import (
    ArchiveError,
    ArchiveNotFound,
    find_in_tarball,
    read_sdist_member,
    read_zip_member,
)
from tests.licenses.conftest import RecordedRegistry

URL = "https://files.test/packages/demo-1.0-py3-none-any.whl"
METADATA = (
    b"Metadata-Version: 2.4\nName: demo\nVersion: 1.0\nLicense-Expression: MIT\n"
    b"License-File: LICENSE\n\nA demo.\n"
)


@pytest.fixture
def http(recorded_session: RecordedRegistry) -> Iterator[HttpClient]:
    client = HttpClient(session_factory=recorded_session.session, sleep=lambda s: None)
    yield client
    client.close()


def _metadata_chooser(names: Sequence[str]) -> str | None:
    return next((n for n in names if n.endswith(".dist-info/METADATA")), None)


def _zip(
    members: list[tuple[str, bytes]],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    comment: bytes = b"",
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
        archive.comment = comment
    return out.getvalue()


def _ranges(recorded: RecordedRegistry) -> list[str | None]:
    return [seen.headers.get("Range") for seen in recorded.requests]


def test_small_wheel_is_read_with_one_tail_request(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    body = _zip(
        [
            ("demo/__init__.py", b"print('never run')\n" * 50),
            ("demo-1.0.dist-info/METADATA", METADATA),
            ("demo-1.0.dist-info/RECORD", b""),
        ]
    )
    recorded_session.add(URL, body)

    name, data, sent = read_zip_member(http, URL, _metadata_chooser)

    assert (name, data, sent) == ("demo-1.0.dist-info/METADATA", METADATA, 1)
    assert _ranges(recorded_session) == [f"bytes=-{wheel.TAIL_BYTES}"]
    assert recorded_session.requests[0].headers["Accept-Encoding"] == "identity"


def test_member_outside_the_tail_costs_one_more_range(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    # METADATA first, then 300 KB of incompressible data: the tail holds the directory only.
    body = _zip([("demo-1.0.dist-info/METADATA", METADATA), ("demo/blob.bin", os.urandom(300_000))])
    recorded_session.add(URL, body)

    name, data, sent = read_zip_member(http, URL, _metadata_chooser)

    assert data == METADATA and sent == 2
    second = _ranges(recorded_session)[1]
    assert second is not None and second.startswith("bytes=0-")
    # Only the member's header and data were fetched, not the blob after it.
    assert int(second.rsplit("-", 1)[1]) < 1000


def test_central_directory_larger_than_the_tail(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    # 1500 entries with long names: a central directory of about 200 KB.
    members = [(f"demo/{'deep/' * 20}module_{i:05d}.py", b"x") for i in range(1500)]
    members.insert(0, ("demo-1.0.dist-info/METADATA", METADATA))
    members.append(("demo/blob.bin", os.urandom(100_000)))
    body = _zip(members)
    recorded_session.add(URL, body)

    name, data, sent = read_zip_member(http, URL, _metadata_chooser)

    assert data == METADATA
    assert sent == 3  # the tail, the rest of the directory, the member
    assert len(recorded_session.requests) == 3


def test_stored_member_and_archive_comment(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    # A comment near the 64 KiB maximum still leaves the record inside the tail.
    body = _zip(
        [("demo-1.0.dist-info/METADATA", METADATA)],
        compression=zipfile.ZIP_STORED,
        comment=b"PK\x05\x06 looks like a record but is a comment " * 1200,
    )
    recorded_session.add(URL, body)

    assert read_zip_member(http, URL, _metadata_chooser)[1] == METADATA


def test_zip64_records_and_extra_fields(
    http: HttpClient, recorded_session: RecordedRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lower zipfile's limits (as CPython's own zip64 tests do) so that a small archive gets a
    # zip64 end record, a zip64 locator and zip64 extra fields with 0xFFFFFFFF placeholders.
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 9)
    members = [(f"demo/m{i}.py", os.urandom(1500)) for i in range(12)]
    members.append(("demo-1.0.dist-info/METADATA", METADATA))
    body = _zip(members)
    monkeypatch.undo()
    assert b"PK\x06\x06" in body and b"PK\x06\x07" in body
    recorded_session.add(URL, body)

    name, data, _ = read_zip_member(http, URL, _metadata_chooser)

    assert (name, data) == ("demo-1.0.dist-info/METADATA", METADATA)


def test_data_prepended_to_the_archive_shifts_every_offset(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    stub = b"#!/bin/sh\necho a self-extractor stub\n" * 10
    recorded_session.add(URL, stub + _zip([("demo-1.0.dist-info/METADATA", METADATA)]))

    assert read_zip_member(http, URL, _metadata_chooser)[1] == METADATA


class _Unseekable(io.RawIOBase):
    """A write-only stream without tell/seek: zipfile then writes data descriptors."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self.buffer.extend(chunk)
        return len(chunk)


def test_data_descriptor_sizes_come_from_the_central_directory(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("demo-1.0.dist-info/METADATA", "w") as member:
            member.write(METADATA)
    body = bytes(stream.buffer)
    assert int.from_bytes(body[6:8], "little") & 0x8  # bit 3: sizes follow the data
    recorded_session.add(URL, body)

    assert read_zip_member(http, URL, _metadata_chooser)[1] == METADATA


def test_server_ignoring_range_small_body_is_used(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    recorded_session.add(URL, _zip([("demo-1.0.dist-info/METADATA", METADATA)]), ranges=False)

    name, data, sent = read_zip_member(http, URL, _metadata_chooser)

    assert data == METADATA and sent == 1


def test_server_ignoring_range_large_body_is_refused(
    http: HttpClient, recorded_session: RecordedRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wheel, "MAX_WHOLE_BODY", 1000)
    body = _zip([("demo-1.0.dist-info/METADATA", METADATA), ("blob", os.urandom(5000))])
    recorded_session.add(URL, body, ranges=False)

    with pytest.raises(ArchiveError, match="ignored the Range header and sent 5"):
        read_zip_member(http, URL, _metadata_chooser)


def test_truncated_zip_has_no_end_record(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    body = _zip([("demo-1.0.dist-info/METADATA", METADATA), ("blob", os.urandom(5000))])
    recorded_session.add(URL, body[: len(body) // 2])

    with pytest.raises(ArchiveError, match="no end-of-central-directory record"):
        read_zip_member(http, URL, _metadata_chooser)


def test_corrupt_member_fails_the_crc_check(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    body = bytearray(_zip([("demo-1.0.dist-info/METADATA", METADATA)], compression=0))
    at = bytes(body).index(b"License-Expression: MIT")
    body[at : at + 23] = b"License-Expression: GPL"
    recorded_session.add(URL, bytes(body))

    with pytest.raises(ArchiveError, match="fails its size or CRC-32 check"):
        read_zip_member(http, URL, _metadata_chooser)


def test_cut_deflate_stream_is_reported(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    # The central directory claims a compressed size shorter than the real stream.
    body = bytearray(_zip([("demo-1.0.dist-info/METADATA", METADATA * 20)]))
    directory = bytes(body).rindex(b"PK\x01\x02")
    size = int.from_bytes(body[directory + 20 : directory + 24], "little")
    body[directory + 20 : directory + 24] = (size // 2).to_bytes(4, "little")
    recorded_session.add(URL, bytes(body))

    with pytest.raises(ArchiveError, match="truncated or corrupt"):
        read_zip_member(http, URL, _metadata_chooser)


def test_unsupported_compression_is_refused(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    body = _zip([("demo-1.0.dist-info/METADATA", METADATA)], compression=zipfile.ZIP_BZIP2)
    recorded_session.add(URL, body)

    with pytest.raises(ArchiveError, match="compression method 12"):
        read_zip_member(http, URL, _metadata_chooser)


def test_no_wanted_member(http: HttpClient, recorded_session: RecordedRegistry) -> None:
    recorded_session.add(URL, _zip([("demo/__init__.py", b"")]))

    with pytest.raises(ArchiveError, match="no wanted member among 1 files"):
        read_zip_member(http, URL, _metadata_chooser)


def test_missing_archive(http: HttpClient, recorded_session: RecordedRegistry) -> None:
    recorded_session.add(URL, status=404)

    with pytest.raises(ArchiveNotFound, match="HTTP 404"):
        read_zip_member(http, URL, _metadata_chooser)


def test_not_a_zip_at_all(http: HttpClient, recorded_session: RecordedRegistry) -> None:
    recorded_session.add(URL, b"<html>Sign in to the mirror</html>")

    with pytest.raises(ArchiveError, match="not a zip"):
        read_zip_member(http, URL, _metadata_chooser)


def test_bad_content_range_is_refused(http: HttpClient, recorded_session: RecordedRegistry) -> None:
    recorded_session.add(URL, status=206, body=b"xyz", headers={"Content-Range": "bytes 0-9/10"})

    with pytest.raises(ArchiveError, match="3 bytes arrived"):
        read_zip_member(http, URL, _metadata_chooser)


# -- sdists ----------------------------------------------------------------------------------

SDIST_URL = "https://files.test/packages/demo-1.0.tar.gz"
PKG_INFO = b"Metadata-Version: 1.1\nName: demo\nVersion: 1.0\nLicense: MIT\n"


def _tarball(members: list[tuple[str, bytes]], *, compress: bool = True) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz" if compress else "w") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _top_pkg_info(name: str) -> bool:
    return name == "demo-1.0/PKG-INFO"


def test_sdist_pkg_info_after_other_members(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    body = _tarball(
        [
            ("demo-1.0/setup.py", b"raise SystemExit('never executed')\n"),
            ("demo-1.0/demo.egg-info/PKG-INFO", b"Name: wrong\n"),
            ("demo-1.0/PKG-INFO", PKG_INFO),
        ]
    )
    recorded_session.add(SDIST_URL, body)

    name, data = read_sdist_member(http, SDIST_URL, _top_pkg_info)

    assert (name, data) == ("demo-1.0/PKG-INFO", PKG_INFO)
    assert _ranges(recorded_session) == [f"bytes=0-{wheel.MAX_SDIST_BYTES - 1}"]


def test_sdist_cut_at_the_size_limit_before_pkg_info(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    body = _tarball([("demo-1.0/blob", os.urandom(200_000)), ("demo-1.0/PKG-INFO", PKG_INFO)])
    recorded_session.add(SDIST_URL, body)

    with pytest.raises(ArchiveError, match="cut-off tarball"):
        read_sdist_member(http, SDIST_URL, _top_pkg_info, max_bytes=50_000)


def test_sdist_whole_body_over_the_limit_is_refused(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    body = _tarball([("demo-1.0/PKG-INFO", PKG_INFO), ("demo-1.0/blob", os.urandom(9000))])
    recorded_session.add(SDIST_URL, body, ranges=False)

    # the client stops reading once the body passes the limit: it is never buffered whole
    with pytest.raises(RegistryResponseError, match="larger than 4000 bytes"):
        read_sdist_member(http, SDIST_URL, _top_pkg_info, max_bytes=4000)


def test_sdist_missing(http: HttpClient, recorded_session: RecordedRegistry) -> None:
    recorded_session.add(SDIST_URL, status=404)

    with pytest.raises(ArchiveNotFound):
        read_sdist_member(http, SDIST_URL, _top_pkg_info)


def test_tarball_skips_links_directories_and_huge_members(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:bz2") as archive:
        link = tarfile.TarInfo("demo-1.0/PKG-INFO")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
        folder = tarfile.TarInfo("demo-1.0/PKG-INFO")
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        big = tarfile.TarInfo("demo-1.0/PKG-INFO")
        big.size = 5000
        archive.addfile(big, io.BytesIO(b"x" * 5000))
        real = tarfile.TarInfo("demo-1.0/PKG-INFO")
        real.size = len(PKG_INFO)
        archive.addfile(real, io.BytesIO(PKG_INFO))
    monkeypatch.setattr(wheel, "MAX_MEMBER_BYTES", 1000)

    assert find_in_tarball(out.getvalue(), _top_pkg_info, SDIST_URL)[1] == PKG_INFO


def test_tarball_that_is_not_one() -> None:
    with pytest.raises(ArchiveError, match="unreadable or cut-off tarball"):
        find_in_tarball(b"\x1f\x8b\x08 not really gzip", _top_pkg_info, SDIST_URL)


def test_tarball_without_the_member() -> None:
    body = _tarball([("demo-1.0/setup.py", b"")], compress=False)
    with pytest.raises(ArchiveError, match="no wanted member in the tarball"):
        find_in_tarball(body, _top_pkg_info, SDIST_URL)


def _manual_zip(name: str, data: bytes, *, local_extra: bytes, blob: bytes = b"") -> bytes:
    """A stored one-member zip whose local header carries an extra field the central one lacks
    (as writers that add zip64 or timestamp fields locally do), followed by ``blob``."""
    import struct
    import zlib

    crc = zlib.crc32(data)
    raw_name = name.encode()
    local = struct.pack(
        "<4s5H3L2H",
        b"PK\x03\x04",
        20,
        0,
        0,
        0,
        0,
        crc,
        len(data),
        len(data),
        len(raw_name),
        len(local_extra),
    )
    member = local + raw_name + local_extra + data
    padding_name = b"blob"
    padding_local = struct.pack(
        "<4s5H3L2H",
        b"PK\x03\x04",
        20,
        0,
        0,
        0,
        0,
        zlib.crc32(blob),
        len(blob),
        len(blob),
        len(padding_name),
        0,
    )
    padding = padding_local + padding_name + blob
    central = (
        struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            0,
            0,
            0,
            crc,
            len(data),
            len(data),
            len(raw_name),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + raw_name
    )
    central += (
        struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            0,
            0,
            0,
            zlib.crc32(blob),
            len(blob),
            len(blob),
            len(padding_name),
            0,
            0,
            0,
            0,
            0,
            len(member),
        )
        + padding_name
    )
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, 2, 2, len(central), len(member) + len(padding), 0
    )
    return member + padding + central + end


@pytest.mark.parametrize("blob_size", [0, 200_000])
def test_local_extra_field_longer_than_the_central_one(
    http: HttpClient, recorded_session: RecordedRegistry, blob_size: int
) -> None:
    body = _manual_zip(
        "demo-1.0.dist-info/METADATA",
        METADATA,
        local_extra=b"\xfe\xca\x10\x00" + b"\x00" * 16,
        blob=os.urandom(blob_size),
    )
    assert zipfile.ZipFile(io.BytesIO(body)).read("demo-1.0.dist-info/METADATA") == METADATA
    recorded_session.add(URL, body)

    name, data, sent = read_zip_member(http, URL, _metadata_chooser)

    assert data == METADATA
    # Small: all in the tail. Large: the member's range, then the few bytes the guess missed.
    assert sent == (1 if blob_size == 0 else 3)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"status": 403}, "HTTP 403"),
        ({"status": 206, "body": b"x", "headers": {"Content-Range": "pages 1-2/3"}}, "206 without"),
        ({"status": 206, "body": b"x", "headers": {"Content-Range": "bytes 5-5/10"}}, "no end-of"),
    ],
)
def test_unusable_answers(
    http: HttpClient, recorded_session: RecordedRegistry, reply: dict[str, Any], message: str
) -> None:
    recorded_session.add(URL, **reply)

    with pytest.raises(ArchiveError, match=message):
        read_zip_member(http, URL, _metadata_chooser)


def test_empty_file_is_unsatisfiable(http: HttpClient, recorded_session: RecordedRegistry) -> None:
    # What a server answers a suffix range on an empty file (RFC 9110 section 14.1.2).
    recorded_session.add(URL, status=416, headers={"Content-Range": "bytes */0"})

    with pytest.raises(ArchiveError, match="HTTP 416"):
        read_zip_member(http, URL, _metadata_chooser)


def test_encrypted_member_is_refused(http: HttpClient, recorded_session: RecordedRegistry) -> None:
    body = bytearray(_zip([("demo-1.0.dist-info/METADATA", METADATA)]))
    directory = bytes(body).rindex(b"PK\x01\x02")
    body[directory + 8] |= 0x1  # general purpose flag bit 0: encrypted
    recorded_session.add(URL, bytes(body))

    with pytest.raises(ArchiveError, match="is encrypted"):
        read_zip_member(http, URL, _metadata_chooser)


def test_oversized_member_is_refused(
    http: HttpClient, recorded_session: RecordedRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wheel, "MAX_MEMBER_BYTES", 10)
    recorded_session.add(URL, _zip([("demo-1.0.dist-info/METADATA", METADATA)]))

    with pytest.raises(ArchiveError, match="is too large"):
        read_zip_member(http, URL, _metadata_chooser)


def test_corrupt_central_directory(http: HttpClient, recorded_session: RecordedRegistry) -> None:
    body = bytearray(_zip([("a", b"1"), ("demo-1.0.dist-info/METADATA", METADATA)]))
    second = bytes(body).rindex(b"PK\x01\x02")
    body[second : second + 4] = b"XXXX"
    recorded_session.add(URL, bytes(body))

    with pytest.raises(ArchiveError, match="bad central directory entry"):
        read_zip_member(http, URL, _metadata_chooser)


def test_remote_zip_reads_several_members(
    http: HttpClient, recorded_session: RecordedRegistry
) -> None:
    body = _zip(
        [("demo-1.0.dist-info/METADATA", METADATA), ("demo-1.0.dist-info/licenses/LICENSE", b"L")]
    )
    recorded_session.add(URL, body)

    archive = wheel.RemoteZip.open(http, URL)
    assert archive.read("demo-1.0.dist-info/licenses/LICENSE") == b"L"
    assert archive.read("demo-1.0.dist-info/METADATA") == METADATA
    assert archive.requests == 1
    with pytest.raises(ArchiveError, match="no member 'nope'"):
        archive.read("nope")
