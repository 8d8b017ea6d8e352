"""Downloads against a real HTTP server on 127.0.0.1 (http.server in a thread): bodies
cut short, wrong checksums, endless bodies, concurrent downloads of one file, and names
planted in a shared cache folder."""

from __future__ import annotations

import hashlib
import http.server
import os
import threading
import time

import pytest

from autograd_core.datasets import download as dl

PAYLOAD = os.urandom(200_000)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """/good: the payload. /short: announces it all, sends half, hangs up. /wrong: other
    bytes. /chunked-cut: chunked encoding that stops mid-chunk. /endless: no length,
    bytes until the client stops. /slow: the payload after a pause. /missing: 404."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        self.server.hits.append(self.path)
        kind = self.path.strip("/").split("/")[0]
        if kind == "missing":
            self.send_error(404)
            return
        if kind == "chunked-cut":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n" % 5000 + PAYLOAD[:1000])
            self.wfile.flush()
            self.close_connection = True
            return
        if kind == "endless":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            block = b"\0" * 65536
            try:
                for _ in range(10_000):
                    self.wfile.write(block)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return
        body = {"good": PAYLOAD, "slow": PAYLOAD, "short": PAYLOAD,
                "wrong": PAYLOAD[::-1]}[kind]
        if kind == "slow":
            time.sleep(0.3)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if kind == "short" else body)
        self.wfile.flush()
        if kind == "short":
            self.close_connection = True


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.hits = []
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv, base
    srv.shutdown()
    srv.server_close()


def _url(base, kind, name="f.bin"):
    return f"{base}/{kind}/{name}"


def test_good_download_leaves_only_the_file(server, tmp_path):
    srv, base = server
    dest = tmp_path / "f.bin"
    assert dl.download_file([_url(base, "good")], dest, SHA) == dest
    assert dest.read_bytes() == PAYLOAD
    assert os.listdir(tmp_path) == ["f.bin"]  # no temp file, no lock file
    assert oct(dest.stat().st_mode & 0o777) == oct(0o644)


@pytest.mark.parametrize("bad", ("short", "chunked-cut", "wrong", "missing", "endless"))
def test_a_failing_mirror_falls_back_to_the_next(server, tmp_path, monkeypatch, bad):
    srv, base = server
    monkeypatch.setattr(dl, "MAX_BYTES", 1 << 20)  # the endless body stops at 1 MiB
    dest = tmp_path / "f.bin"
    before = len(srv.hits)
    dl.download_file([_url(base, bad), _url(base, "good")], dest, SHA)
    assert dest.read_bytes() == PAYLOAD
    assert [h.split("/")[1] for h in srv.hits[before:]] == [bad, "good"]
    assert os.listdir(tmp_path) == ["f.bin"]


@pytest.mark.parametrize("bad", ("short", "chunked-cut", "wrong", "missing", "endless"))
def test_when_every_mirror_fails_nothing_is_kept(server, tmp_path, monkeypatch, bad):
    srv, base = server
    monkeypatch.setattr(dl, "MAX_BYTES", 1 << 20)
    dest = tmp_path / "f.bin"
    with pytest.raises(RuntimeError, match="could not download f.bin") as err:
        dl.download_file([_url(base, bad), _url(base, bad)], dest, SHA)
    assert str(err.value).count(f"/{bad}/f.bin") == 2  # each mirror's failure is named
    assert os.listdir(tmp_path) == []


def test_concurrent_downloads_of_one_file_fetch_it_once(server, tmp_path):
    srv, base = server
    dest = tmp_path / "f.bin"
    before = len(srv.hits)
    start = threading.Barrier(8)
    results, errors = [], []

    def worker():
        try:
            start.wait(30)
            results.append(dl.download_file([_url(base, "slow")], dest, SHA))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert results == [dest] * 8
    assert len(srv.hits) - before == 1  # one fetched; seven waited and reused it
    assert dest.read_bytes() == PAYLOAD
    assert os.listdir(tmp_path) == ["f.bin"]


def test_a_symlink_planted_at_the_old_temp_path_is_not_written_through(server, tmp_path):
    srv, base = server
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "f.bin.part").symlink_to(victim)  # the old predictable temp name
    dl.download_file([_url(base, "good")], cache / "f.bin", SHA)
    assert victim.read_bytes() == b"precious"
    assert (cache / "f.bin").read_bytes() == PAYLOAD
    assert not (cache / "f.bin").is_symlink()


def test_a_symlink_planted_at_the_destination_is_replaced_not_followed(server, tmp_path):
    srv, base = server
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    (tmp_path / "f.bin").symlink_to(victim)
    dl.download_file([_url(base, "good")], tmp_path / "f.bin", SHA)
    assert victim.read_bytes() == b"precious"
    assert not (tmp_path / "f.bin").is_symlink()


def test_a_symlink_planted_at_the_lock_path_is_refused(server, tmp_path):
    srv, base = server
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    (tmp_path / ".f.bin.lock").symlink_to(victim)
    with pytest.raises(RuntimeError, match="symbolic link"):
        dl.download_file([_url(base, "good")], tmp_path / "f.bin", SHA)
    assert victim.read_bytes() == b"precious"
    assert not (tmp_path / "f.bin").exists()


def test_a_damaged_cached_file_is_fetched_again(server, tmp_path):
    srv, base = server
    dest = tmp_path / "f.bin"
    dest.write_bytes(PAYLOAD[:100])
    before = len(srv.hits)
    dl.download_file([_url(base, "good")], dest, SHA)
    assert dest.read_bytes() == PAYLOAD and len(srv.hits) - before == 1
    dl.download_file([_url(base, "good")], dest, SHA)  # now cached: nothing fetched
    assert len(srv.hits) - before == 1


def test_an_unreachable_mirror_is_reported(tmp_path):
    with pytest.raises(RuntimeError, match="could not download"):
        dl.download_file(["http://127.0.0.1:9/none", "not a url"], tmp_path / "f.bin", SHA)
    assert os.listdir(tmp_path) == []
