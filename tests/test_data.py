"""Tests for course_lib.data: checked fetching (no network is ever used) and the loaders.

Failure paths run on small fake files in ``tmp_path``; downloads are served by a local
HTTP server. Loader tests read the real offline mirror and skip when it is absent.
"""

import builtins
import dataclasses
import errno
import gzip
import hashlib
import http.server
import os
import re
import socket
import stat
import threading
import time
import types

import numpy as np
import pandas as pd
import pytest

from course_lib import data
from course_lib.data import DataError


# ---------------------------------------------------------------- helpers and fixtures
def _sha256(payload):
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def _md5(payload):
    return "md5:" + hashlib.md5(payload).hexdigest()


def _idx_gz(labels):
    """A tiny gzip-compressed IDX label file, the MNIST format."""
    raw = bytes([0, 0, 8, 1]) + len(labels).to_bytes(4, "big") + bytes(labels)
    return gzip.compress(raw, mtime=0)


PAYLOAD = _idx_gz([3, 1, 4, 1, 5, 9, 2, 6])
FAKE = "fake/labels-idx1-ubyte.gz"


def _register(monkeypatch, payload, url="http://127.0.0.1:9/none", path=FAKE, mirror_payload=None):
    """Put a small file in the registry, with a published MD5 like MNIST's."""
    entry = data.DataFile(path, url, _md5(payload), len(payload),
                          _sha256(mirror_payload) if mirror_payload else None)
    monkeypatch.setitem(data.REGISTRY, path, entry)
    return entry


def _files(folder):
    """Every file under ``folder`` (temporary files included)."""
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.fixture(autouse=True)
def cache(monkeypatch, tmp_path):
    """No mirror, a private cache, and no proxy between requests and the local server."""
    monkeypatch.delenv(data.MIRROR_ENV, raising=False)
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    return tmp_path / "cache"


@pytest.fixture(autouse=True)
def waits(monkeypatch):
    """pooch's pauses between download attempts, recorded instead of slept."""
    import pooch.core

    pauses = []
    monkeypatch.setattr(pooch.core, "time", types.SimpleNamespace(sleep=pauses.append))
    return pauses


@pytest.fixture
def unreadable(monkeypatch):
    """``unreadable(path)``: opening the file fails as without read permission (even as root)."""
    blocked, real_open = set(), builtins.open

    def guarded_open(file, *args, **kwargs):
        if os.fspath(file) in blocked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    return lambda path: blocked.add(os.fspath(path))


@pytest.fixture
def fake_mirror(monkeypatch, tmp_path):
    """An empty mirror directory, set as DGN_DATA_MIRROR."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    monkeypatch.setenv(data.MIRROR_ENV, str(folder))
    return folder


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files``; ``server.faults[path]`` lists faults for the next requests:

    an HTTP status, ``"drop"`` (announces the length, sends half, hangs up) or ``"cut"``
    (the same without a Content-Length, so the client cannot tell).
    """

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests.append(self.path)
        faults = self.server.faults.get(self.path)
        fault = faults.pop(0) if faults else None
        body = self.server.files.get(self.path)
        if body is None or isinstance(fault, int):
            self.send_error(fault or 404)
            return
        self.send_response(200)
        if fault != "cut":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if fault else body)  # HTTP/1.0: then closes

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def server():
    """A local HTTP server serving ``server.files[path]`` (bytes) at ``server.url(path)``."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.faults, httpd.requests = {}, {}, []
    httpd.url = lambda path: f"http://127.0.0.1:{httpd.server_port}{path}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_url():
    """A URL on a localhost port nothing listens on: the download fails at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/file.gz"


# ---------------------------------------------------------------- offline mirror
def test_mirror_file_is_verified_and_used(monkeypatch, fake_mirror):
    _register(monkeypatch, PAYLOAD)
    (fake_mirror / "fake").mkdir()
    (fake_mirror / FAKE).write_bytes(PAYLOAD)
    assert data.fetch(FAKE) == fake_mirror / FAKE
    assert data._read_idx(data.fetch(FAKE)).tolist() == [3, 1, 4, 1, 5, 9, 2, 6]


def test_mirror_may_hold_either_version(monkeypatch, fake_mirror):
    """A mirror copy may be the public file or the re-encoded one MANIFEST lists."""
    reencoded = gzip.compress(gzip.decompress(PAYLOAD), compresslevel=1, mtime=1)
    _register(monkeypatch, PAYLOAD, mirror_payload=reencoded)
    (fake_mirror / "fake").mkdir()
    for version in (PAYLOAD, reencoded):
        (fake_mirror / FAKE).write_bytes(version)
        assert data.fetch(FAKE) == fake_mirror / FAKE


def test_missing_mirror_file(fake_mirror):
    with pytest.raises(DataError) as err:
        data.fetch("mnist/t10k-labels-idx1-ubyte.gz")
    message = str(err.value)
    assert "t10k-labels-idx1-ubyte.gz is missing from the data mirror" in message
    assert "4,542 bytes" in message and data.MIRROR_ENV in message


def test_mirror_that_is_not_a_directory(monkeypatch, tmp_path):
    monkeypatch.setenv(data.MIRROR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match=f"{data.MIRROR_ENV}=.*nowhere is not a directory"):
        data.fetch("mnist/t10k-labels-idx1-ubyte.gz")


def test_empty_mirror_variable_is_an_error(monkeypatch):
    """Empty is not "no mirror": it is usually a shell variable that was never set."""
    monkeypatch.setenv(data.MIRROR_ENV, "")
    with pytest.raises(DataError) as err:
        data.load_mnist()
    assert str(err.value) == (
        f"{data.MIRROR_ENV} is set but empty, so the course does not know where the mirror is.\n"
        f"Set it to the mirror's absolute path (export {data.MIRROR_ENV}=/path/to/shared/data), "
        f"or unset it (unset {data.MIRROR_ENV}) to download the data.")


def test_unreadable_mirror_file(monkeypatch, fake_mirror, unreadable):
    _register(monkeypatch, PAYLOAD)
    (fake_mirror / "fake").mkdir()
    (fake_mirror / FAKE).write_bytes(PAYLOAD)
    unreadable(fake_mirror / FAKE)
    with pytest.raises(DataError) as err:
        data.fetch(FAKE)
    assert str(err.value) == (
        f"{fake_mirror / FAKE} in the data mirror {fake_mirror} (set by {data.MIRROR_ENV}) "
        f"cannot be read (Permission denied).\nMake it readable (chmod a+r {fake_mirror / FAKE}), "
        f"or unset {data.MIRROR_ENV} to download the data.")


def test_directory_in_place_of_a_mirror_file(monkeypatch, fake_mirror):
    _register(monkeypatch, PAYLOAD)
    (fake_mirror / FAKE).mkdir(parents=True)
    with pytest.raises(DataError) as err:
        data.fetch(FAKE)
    assert str(err.value) == (
        f"{fake_mirror / FAKE} is a directory, where the data mirror {fake_mirror} (set by "
        f"{data.MIRROR_ENV}) should hold the file {FAKE}.\nRemove or rename the directory, or "
        f"unset {data.MIRROR_ENV} to download the data.")


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "one byte flipped"])
def test_damaged_mirror_file(monkeypatch, fake_mirror, damage):
    entry = _register(monkeypatch, PAYLOAD)
    bad = {"truncated": PAYLOAD[: len(PAYLOAD) // 2], "garbage": b"<html>Not found</html>",
           "empty": b"", "one byte flipped": PAYLOAD[:-1] + bytes([PAYLOAD[-1] ^ 1])}[damage]
    (fake_mirror / "fake").mkdir()
    (fake_mirror / FAKE).write_bytes(bad)
    with pytest.raises(DataError) as err:
        data.fetch(FAKE)
    message = str(err.value)
    assert f"not a valid copy of {FAKE}" in message
    assert f"expected {entry.known_hash}" in message and f"found    {_sha256(bad)}" in message
    assert "truncated, corrupted" in message and data.MIRROR_ENV in message


def test_truncated_real_file_gives_one_clear_error(mirror, fake_mirror):
    """The loader stops at the hash check: no gzip EOFError from deep inside numpy."""
    name = "mnist/train-images-idx3-ubyte.gz"
    (fake_mirror / "mnist").mkdir()
    (fake_mirror / name).write_bytes((mirror / name).read_bytes()[:100_000])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz is not a valid copy") as err:
        data.load_mnist()
    assert "sha256:7ff28fd2" in str(err.value) and "md5:f68b3c2d" in str(err.value)


# ---------------------------------------------------------------- unreadable verified files
def test_verified_but_unreadable_idx(monkeypatch, fake_mirror):
    garbage = b"this is not gzip"
    _register(monkeypatch, garbage)
    (fake_mirror / "fake").mkdir()
    (fake_mirror / FAKE).write_bytes(garbage)
    with pytest.raises(DataError, match="passed its hash check but could not be read") as err:
        data._read_idx(data.fetch(FAKE))
    assert isinstance(err.value.__cause__, gzip.BadGzipFile)  # the traceback is kept


def test_reading_lets_other_errors_through(monkeypatch, fake_mirror):
    """Running out of memory is not a reading-library problem: it is not disguised as one."""
    _register(monkeypatch, PAYLOAD)
    (fake_mirror / "fake").mkdir()
    (fake_mirror / FAKE).write_bytes(PAYLOAD)

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(data.np, "frombuffer", out_of_memory)
    with pytest.raises(MemoryError):
        data._read_idx(data.fetch(FAKE))


@pytest.mark.filterwarnings("ignore:.*RDS:UserWarning")  # rdata guessing at the garbage
def test_verified_but_unreadable_loaders(monkeypatch, fake_mirror):
    """Each reader (rdata, anndata) turns a parse failure into a DataError."""
    garbage = b"not an R or HDF5 file"
    for path in ("scrna/kang_ifnb_seurat_sub/ifnb_sub.rda",
                 "scrna/kang_scgen_valid/scgen_kang_valid.h5ad"):
        _register(monkeypatch, garbage, path=path)
        (fake_mirror / path).parent.mkdir(parents=True)
        (fake_mirror / path).write_bytes(garbage)
    with pytest.raises(DataError, match="ifnb_sub.rda passed its hash check"):
        data.load_kang_seurat()
    with pytest.raises(DataError, match="scgen_kang_valid.h5ad passed its hash check"):
        data.load_kang_scgen()


# ---------------------------------------------------------------- downloads and the cache
def test_download_is_cached_and_verified(monkeypatch, server, cache):
    server.files["/labels.gz"] = PAYLOAD
    _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    path = data.fetch(FAKE)
    assert path == cache / FAKE and path.read_bytes() == PAYLOAD
    assert _files(cache) == [path]
    assert data.fetch(FAKE) == path and server.requests == ["/labels.gz"]  # no second download
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # readable by every user of the cache


def test_real_entry_downloads_by_published_md5(monkeypatch, mirror, server):
    """A public MNIST file is checked against its published MD5, not the mirror sha256."""
    name = "mnist/t10k-labels-idx1-ubyte.gz"
    entry = data.REGISTRY[name]
    assert entry.known_hash.startswith("md5:") and entry.mirror_hash.startswith("sha256:")
    server.files["/t10k-labels.gz"] = (mirror / name).read_bytes()
    local = dataclasses.replace(entry, url=server.url("/t10k-labels.gz"))
    monkeypatch.setitem(data.REGISTRY, name, local)
    assert data._read_idx(data.fetch(name)).shape == (10000,)


def test_download_with_wrong_hash_leaves_nothing(monkeypatch, server, cache):
    server.files["/labels.gz"] = PAYLOAD[:-5]  # complete, with its length: a changed file
    entry = _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    with pytest.raises(DataError) as err:
        data.fetch(FAKE)
    assert str(err.value) == (
        f"The download of {FAKE} from {entry.url} failed its hash check (3 attempts); nothing "
        f"was saved.\nThe server sent {len(PAYLOAD) - 5} bytes that are not the published file "
        f"(expected {entry.known_hash}, {len(PAYLOAD)} bytes): the file at that URL has "
        f"changed. Set {data.MIRROR_ENV} to a directory with a good copy (see data/README.md).")
    assert len(server.requests) == 3
    assert _files(cache) == []  # not the file, nor pooch's temporary file


def test_download_cut_short_without_a_length(monkeypatch, server, cache, waits):
    """Without a Content-Length, only the size tells a dropped connection from a changed file."""
    server.files["/labels.gz"] = PAYLOAD
    server.faults["/labels.gz"] = ["cut"] * 3
    entry = _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    with pytest.raises(DataError) as err:
        data.fetch(FAKE)
    assert str(err.value) == (
        f"The download of {FAKE} from {entry.url} failed its hash check (3 attempts); nothing "
        f"was saved.\nOnly {len(PAYLOAD) // 2} of its {len(PAYLOAD)} bytes arrived: the "
        f"connection was cut off. Try again later, or set {data.MIRROR_ENV} to a directory "
        f"with a good copy.")
    assert waits == [1, 2] and _files(cache) == []


def test_dropped_connection_and_server_error_are_tried_again(monkeypatch, server, cache, waits):
    server.files["/labels.gz"] = PAYLOAD
    server.faults["/labels.gz"] = ["drop", 503]
    _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    assert data.fetch(FAKE).read_bytes() == PAYLOAD
    assert server.requests == ["/labels.gz"] * 3 and waits == [1, 2]
    assert _files(cache) == [cache / FAKE]


def test_connection_dropped_on_every_attempt(monkeypatch, server, cache):
    server.files["/labels.gz"] = PAYLOAD
    server.faults["/labels.gz"] = ["drop"] * 3
    entry = _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    with pytest.raises(DataError) as err:
        data.fetch(FAKE)
    message = str(err.value)
    assert message.startswith(f"Could not download {FAKE} from {entry.url} (3 attempts; the "
                              f"last: ChunkedEncodingError: ")
    assert message.endswith(
        f"Check the network connection and try again. Without network access, set "
        f"{data.MIRROR_ENV} to the absolute path of a directory laid out like shared/data, "
        f"e.g. export {data.MIRROR_ENV}=/path/to/shared/data")
    assert _files(cache) == []


def test_abandoned_temporary_files_are_removed(monkeypatch, server, cache):
    """A download killed mid-way leaves pooch's temporary file; the next download clears it."""
    server.files["/labels.gz"] = PAYLOAD
    _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    (cache / "fake").mkdir(parents=True)
    abandoned, running = cache / "fake" / "tmpk3j4h5g6", cache / "fake" / "tmpa1b2c3d4"
    abandoned.write_bytes(PAYLOAD[:7])
    an_hour_ago = time.time() - 3600
    os.utime(abandoned, (an_hour_ago, an_hour_ago))
    running.write_bytes(PAYLOAD[:7])  # another process's download, still being written
    data.fetch(FAKE)
    assert _files(cache) == [cache / FAKE, running]


def test_other_download_failures_are_not_called_hash_mismatches(monkeypatch, cache):
    import requests

    def broken(*args, **kwargs):
        raise ValueError("a bug or a library change, not a bad file")

    monkeypatch.setattr(requests, "get", broken)
    entry = _register(monkeypatch, PAYLOAD)
    with pytest.raises(DataError) as err:
        data.fetch(FAKE)
    assert str(err.value) == (f"Could not download {FAKE} from {entry.url} "
                              f"(ValueError: a bug or a library change, not a bad file).")
    assert isinstance(err.value.__cause__, ValueError)


def test_unreachable_server(monkeypatch, closed_url, cache):
    _register(monkeypatch, PAYLOAD, url=closed_url)
    with pytest.raises(DataError, match=f"Could not download {FAKE} from {closed_url} "
                       r"\(3 attempts; the last: ConnectionError") as err:
        data.fetch(FAKE)
    assert f"set {data.MIRROR_ENV}" in str(err.value)
    assert _files(cache) == []


def test_http_error_is_not_tried_again(monkeypatch, server, cache):
    entry = _register(monkeypatch, PAYLOAD, url=server.url("/moved.gz"))
    with pytest.raises(DataError) as err:
        data.fetch(FAKE)
    assert str(err.value) == (
        f"Could not download {FAKE}: {entry.url} answered HTTP 404 Not Found. The file has "
        f"moved or is no longer public; set {data.MIRROR_ENV} to a directory with a good copy "
        f"(see data/README.md).")
    assert server.requests == ["/moved.gz"] and _files(cache) == []


def test_missing_everywhere_via_loader(monkeypatch, closed_url):
    """No mirror and no network: the loader raises one DataError naming the fix."""
    name = "mnist/train-images-idx3-ubyte.gz"
    unreachable = dataclasses.replace(data.REGISTRY[name], url=closed_url)
    monkeypatch.setitem(data.REGISTRY, name, unreachable)
    with pytest.raises(DataError, match=f"(?s)Could not download {name}.*{data.MIRROR_ENV}=/path"):
        data.load_mnist()


def test_stale_cache_is_downloaded_again(monkeypatch, server, cache):
    server.files["/labels.gz"] = PAYLOAD
    _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    (cache / "fake").mkdir(parents=True)
    (cache / FAKE).write_bytes(PAYLOAD[:10])  # e.g. an interrupted copy
    assert data.fetch(FAKE).read_bytes() == PAYLOAD
    assert server.requests == ["/labels.gz"]


def test_stale_cache_is_not_trusted_offline(monkeypatch, closed_url, cache):
    _register(monkeypatch, PAYLOAD, url=closed_url)
    (cache / "fake").mkdir(parents=True)
    (cache / FAKE).write_bytes(b"corrupted")
    with pytest.raises(DataError, match="Could not download"):
        data.fetch(FAKE)
    assert _files(cache) == []


def test_cache_accepts_the_mirror_version(monkeypatch, closed_url, cache):
    """A mirror copy placed in the cache is verified by its own hash, not downloaded."""
    reencoded = gzip.compress(gzip.decompress(PAYLOAD), compresslevel=1, mtime=1)
    _register(monkeypatch, PAYLOAD, url=closed_url, mirror_payload=reencoded)
    (cache / "fake").mkdir(parents=True)
    (cache / FAKE).write_bytes(reencoded)
    assert data.fetch(FAKE).read_bytes() == reencoded


def test_unwritable_cache(monkeypatch, server, tmp_path):
    (tmp_path / "file").write_text("a file where the cache directory should be")
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "file"))
    server.files["/labels.gz"] = PAYLOAD
    _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    expected = (f"(?s)Could not save {FAKE} in the download cache {tmp_path / 'file'} "
                f".*Make it writable, or set {data.CACHE_ENV} to a directory of your own.")
    with pytest.raises(DataError, match=expected):
        data.fetch(FAKE)


def test_unreadable_cache_file(monkeypatch, server, cache, unreadable):
    """E.g. a file another user downloaded into a shared cache with an older course."""
    server.files["/labels.gz"] = PAYLOAD
    _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    (cache / "fake").mkdir(parents=True)
    (cache / FAKE).write_bytes(PAYLOAD)
    unreadable(cache / FAKE)
    with pytest.raises(DataError) as err:
        data.fetch(FAKE)
    assert str(err.value) == (
        f"{cache / FAKE} in the download cache {cache} cannot be read (Permission denied).\n"
        f"Make it readable (chmod a+r {cache / FAKE}), or set {data.CACHE_ENV} to a directory "
        f"of your own.")
    assert server.requests == []


def test_damaged_cache_file_that_cannot_be_deleted(monkeypatch, server, cache):
    """E.g. another user's file in a shared cache whose folder only they may write to."""
    import pathlib

    server.files["/labels.gz"] = PAYLOAD
    _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    (cache / "fake").mkdir(parents=True)
    (cache / FAKE).write_bytes(b"damaged")

    def refuse(path, missing_ok=False):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(pathlib.Path, "unlink", refuse)
    with pytest.raises(DataError) as err:
        data.fetch(FAKE)
    assert str(err.value) == (
        f"{cache / FAKE} in the download cache {cache} is damaged and cannot be deleted "
        f"(Permission denied).\nDelete it, or set {data.CACHE_ENV} to a directory of your own.")
    assert server.requests == []


def test_directory_in_place_of_a_cache_file(monkeypatch, server, cache):
    server.files["/labels.gz"] = PAYLOAD
    _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    (cache / FAKE).mkdir(parents=True)
    with pytest.raises(DataError) as err:
        data.fetch(FAKE)
    assert str(err.value) == (
        f"{cache / FAKE} is a directory, where the download cache {cache} should hold the file "
        f"{FAKE}.\nRemove or rename the directory, or set {data.CACHE_ENV} to a directory of "
        f"your own.")
    assert server.requests == []


# ---------------------------------------------------------------- building a mirror
def test_download_all_builds_a_verified_mirror(monkeypatch, mirror, server, tmp_path, capsys):
    """Every registered file whose public copy is the mirror's, served on 127.0.0.1."""
    registry = {}
    for path, entry in data.REGISTRY.items():
        if entry.public_size is None:
            server.files[f"/{path}"] = (mirror / path).read_bytes()
            registry[path] = dataclasses.replace(entry, url=server.url(f"/{path}"))
    monkeypatch.setattr(data, "REGISTRY", registry)
    classroom, n = tmp_path / "classroom", len(registry)
    assert data.main(["download", "--all", "--to", str(classroom)]) == 0
    out = capsys.readouterr().out
    assert f"{n} files: {n} downloaded, 0 already valid, 0 failed" in out
    assert out.endswith(f"Use it offline with: export {data.MIRROR_ENV}={classroom}\n")
    assert _files(classroom) == sorted(classroom / path for path in registry)  # no temp files
    assert {stat.S_IMODE(p.stat().st_mode) for p in _files(classroom)} == {0o644}
    monkeypatch.setenv(data.MIRROR_ENV, str(classroom))
    assert [data.fetch(path) for path in registry] == [classroom / path for path in registry]

    served = len(server.requests)  # a second run checks the files and downloads nothing
    assert data.main(["download", "--all", "--to", str(classroom)]) == 0
    assert f"{n} files: 0 downloaded, {n} already valid, 0 failed" in capsys.readouterr().out
    assert len(server.requests) == served


def test_download_reports_failures_and_replaces_damaged_files(monkeypatch, server, tmp_path,
                                                              capsys):
    server.files["/labels.gz"] = PAYLOAD
    good = _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    gone = _register(monkeypatch, PAYLOAD, url=server.url("/gone.gz"), path="fake/gone.gz")
    monkeypatch.setattr(data, "REGISTRY", {good.path: good, gone.path: gone})
    target = tmp_path / "mirror"
    (target / "fake").mkdir(parents=True)
    (target / FAKE).write_bytes(b"damaged")
    assert data.main(["download", "--all", "--to", str(target)]) == 1
    out = capsys.readouterr().out
    assert f"  downloaded  {FAKE} ({len(PAYLOAD)} bytes, hash verified)" in out
    assert "  FAILED      fake/gone.gz" in out
    assert "2 files: 1 downloaded, 0 already valid, 1 failed" in out
    assert f"{gone.url} answered HTTP 404 Not Found" in out
    assert out.endswith("Run the command again to retry the failed files (valid files are kept).\n")
    assert (target / FAKE).read_bytes() == PAYLOAD


def test_download_named_files_into_the_cache(monkeypatch, server, cache, capsys):
    """Without --to, files go to the cache: this machine is then ready to work offline."""
    server.files["/labels.gz"] = PAYLOAD
    _register(monkeypatch, PAYLOAD, url=server.url("/labels.gz"))
    assert data.main(["download", FAKE]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Downloading 1 file into {cache}\n")
    assert "1 file: 1 downloaded, 0 already valid, 0 failed" in out and "export" not in out
    assert data.fetch(FAKE) == cache / FAKE and len(server.requests) == 1


def test_download_needs_files_or_all(capsys):
    with pytest.raises(SystemExit):
        data.main(["download", "--to", "somewhere"])
    assert "name the files to download, or --all" in capsys.readouterr().err


# ---------------------------------------------------------------- registry and real mirror
def test_registry_matches_manifest(mirror):
    """Every registered file is listed in MANIFEST.md with the same size and sha256."""
    table_row = r"^\| `([^`]+)` \| (\d+) \| `([0-9a-f]{64})`"  # | `path` | bytes | `sha256` |
    rows = re.findall(table_row, (mirror / "MANIFEST.md").read_text(), flags=re.MULTILINE)
    manifest = {path: (int(size), f"sha256:{sha}") for path, size, sha in rows}
    for entry in data.REGISTRY.values():
        assert manifest[entry.path] == (entry.size, entry.expected_mirror_hash), entry.path


def test_every_mirror_file_verifies(monkeypatch, mirror):
    monkeypatch.setenv(data.MIRROR_ENV, str(mirror))
    for path in data.REGISTRY:
        assert data.fetch(path) == mirror / path


_PUBLISHED_MD5S = [
    # gz files that are byte-identical to the public ones: their published MD5s.
    ("mnist/train-labels-idx1-ubyte.gz", None),
    ("mnist/t10k-images-idx3-ubyte.gz", None),
    ("mnist/t10k-labels-idx1-ubyte.gz", None),
    # re-gzipped files: the MD5 of the uncompressed bytes (MNIST's is the published one).
    ("mnist/train-images-idx3-ubyte.gz", "6bbc9ace898e44ae57da46a324031adb"),
]


@pytest.mark.parametrize("path, md5", _PUBLISHED_MD5S, ids=[p for p, _ in _PUBLISHED_MD5S])
def test_mirror_images_are_the_published_ones(mirror, path, md5):
    content = (mirror / path).read_bytes()
    if md5 is None:
        assert _md5(content) == data.REGISTRY[path].known_hash
    else:
        assert hashlib.md5(gzip.decompress(content)).hexdigest() == md5


# ---------------------------------------------------------------- loaders (from the mirror)
@pytest.fixture(scope="module")
def loaded(mirror):
    """``loaded(loader, **kwargs)``: a dataset read from the mirror, once per module."""
    results = {}

    def get(loader, **kwargs):
        key = (loader, tuple(sorted(kwargs.items())))
        if key not in results:
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv(data.MIRROR_ENV, str(mirror))
                results[key] = loader(**kwargs)
        return results[key]

    return get


def _is_counts(x):
    return np.issubdtype(x.dtype, np.integer) and x.data.min() >= 0


def test_mnist(loaded):
    (x_train, y_train), (x_test, y_test) = loaded(data.load_mnist)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9] and y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert np.bincount(y_train).tolist()[:2] == [5923, 6742] and x_train.max() == 255


def test_kang_seurat(loaded):
    adata = loaded(data.load_kang_seurat)
    assert adata.shape == (2000, 13215) and adata.X.format == "csr" and _is_counts(adata.X)
    obs = adata.obs
    assert list(obs["condition"].cat.categories) == ["control", "stimulated"]
    assert obs["condition"].value_counts().to_dict() == {"control": 1000, "stimulated": 1000}
    assert obs["cell_type"].nunique() == 13
    assert ((obs["cell_type"] == "CD14 Mono") & (obs["condition"] == "control")).sum() == 340
    # Recovered counts reproduce Seurat's per-cell totals and detected genes exactly.
    assert np.array_equal(np.asarray(adata.X.sum(axis=1)).ravel(), obs["nCount_RNA"])
    assert np.array_equal(np.diff(adata.X.indptr), obs["nFeature_RNA"])


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # anndata 0.6 file
def test_kang_scgen(loaded, mirror):
    import anndata as ad

    adata = loaded(data.load_kang_scgen)
    assert adata.shape == (1975, 6998) and _is_counts(adata.X)
    obs = adata.obs
    assert list(obs["condition"].cat.categories) == ["control", "stimulated"]
    assert obs["condition"].value_counts().to_dict() == {"stimulated": 1039, "control": 936}
    assert obs["cell_type"].nunique() == 7
    # An independent check: the published X was scaled to 1832.5 per n_counts (MANIFEST).
    published = ad.read_h5ad(mirror / "scrna/kang_scgen_valid/scgen_kang_valid.h5ad")
    scaled = np.expm1(published.X.toarray().astype(np.float64))
    expected = scaled * published.obs["n_counts"].to_numpy()[:, None] / 1832.5
    assert np.abs(expected - adata.X.toarray()).max() < 0.05


def test_pancreas(loaded):
    adata = loaded(data.load_pancreas)
    assert adata.shape == (1000, 15958) and _is_counts(adata.X)
    obs = adata.obs
    assert obs["cell_type"].nunique() == 8 and obs["cell_type_coarse"].nunique() == 5
    assert (obs["cell_type"] == "Beta").sum() == 177
    assert {"Phase", "Lineage1", "Lineage2", "Lineage3"} <= set(obs.columns)
    assert np.array_equal(np.asarray(adata.X.sum(axis=1)).ravel(), obs["nCount_RNA"])


def test_count_csv_is_read_block_by_block_into_a_sparse_matrix(tmp_path):
    counts = np.random.default_rng(0).poisson(0.5, size=(7, 4))
    table = pd.DataFrame(counts, index=[f"ENSG{i}" for i in range(7)],
                         columns=["c1", "c2", "c3", "c4"])
    path = tmp_path / "x.count.csv.gz"
    table.to_csv(path)
    genes, cells, matrix = data._read_count_csv(path, chunk_genes=3)  # blocks of 3, 3, 1
    assert list(genes) == list(table.index) and cells == ["c1", "c2", "c3", "c4"]
    assert matrix.dtype == np.int32 and np.array_equal(matrix.toarray(), counts)


def test_cellbench(loaded):
    full = loaded(data.load_cellbench, singlets_only=False)
    assert full.shape == (1408, 11533) and _is_counts(full.X)
    obs = full.obs
    assert list(obs["batch"].cat.categories) == sorted(data.CELLBENCH_BATCHES)
    assert (obs["demuxlet_cls"] == "DBL").sum() == 387
    assert (obs["protocol"] == "Drop-seq").sum() == 225
    assert ((obs["batch"] == "sc_celseq2") & (obs["cell_line"] == "H1975")).sum() == 114
    singlets = loaded(data.load_cellbench)
    assert singlets.shape == (1408 - 387, 11533)
    assert set(singlets.obs["demuxlet_cls"]) == {"SNG"}
    assert list(singlets.var_names) == list(full.var_names)


# ---------------------------------------------------------------- conversions vs the mirror's h5ad
def _assert_same(ours, reference, renamed=()):
    """Same cells, genes (matched by name), counts and labels as a reference AnnData."""
    assert list(ours.obs_names) == list(reference.obs_names)
    assert sorted(ours.var_names) == sorted(reference.var_names)
    reference = reference[:, ours.var_names]
    assert (ours.X != reference.X).nnz == 0
    for ours_col, ref_col in [(c, c) for c in reference.obs.columns] + list(renamed):
        a, b = ours.obs[ours_col], reference.obs[ref_col]
        if isinstance(b.dtype, pd.CategoricalDtype) or b.dtype == object:
            assert a.astype(str).tolist() == b.astype(str).tolist(), ref_col
        else:
            np.testing.assert_array_equal(a.to_numpy(float), b.to_numpy(float), err_msg=ref_col)


@pytest.mark.parametrize("loader, kwargs, reference, renamed", [
    (data.load_kang_seurat, {}, "scrna/kang_ifnb_seurat_sub/kang_ifnb_sub_counts.h5ad",
     [("cell_type", "seurat_annotations")]),
    (data.load_pancreas, {}, "scrna/pancreas_endocrinogenesis_sub/pancreas_sub_counts.h5ad",
     [("cell_type", "SubCellType"), ("cell_type_coarse", "CellType")]),
    (data.load_cellbench, {"singlets_only": False},
     "scrna/cellbench_lung_celllines/cellbench_sc_counts_inner.h5ad", []),
], ids=["kang-seurat", "pancreas", "cellbench"])
def test_conversion_equals_mirror_h5ad(loaded, mirror, loader, kwargs, reference, renamed):
    import anndata as ad

    _assert_same(loaded(loader, **kwargs), ad.read_h5ad(mirror / reference), renamed)
