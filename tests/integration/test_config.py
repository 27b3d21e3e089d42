# Configuration: PING_BODY_LIMIT, the environment override, `hcd -n`,
# error messages naming file:line and key, SIGHUP reload (good and bad).

import os
import signal
import subprocess
import time
import uuid

import pytest

from conftest import BIN, SLOW


@pytest.fixture(scope="module")
def small(make_hcd):
    return make_hcd(extra={"PING_BODY_LIMIT": 100})


def wait_header(inst, want, path, timeout=15):
    """Poll until Ping-Body-Limit is `want` (None: absent)."""
    deadline = time.monotonic() + timeout * SLOW
    got = None
    while time.monotonic() < deadline:
        try:
            r = inst.ping(path)
            if r.status == 200:
                got = r.headers.get("ping-body-limit")
                if got == want:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("Ping-Body-Limit %r, wanted %r" % (got, want))


def test_body_truncated(small):
    u = small.create_check(name="b")["uuid"]
    r = small.ping(u, method="POST", body=b"a" * 99)
    assert (r.status, r.body) == (200, b"OK")
    assert r.headers["ping-body-limit"] == "100"
    assert small.last_ping(u)["body"] == b"a" * 99
    body = bytes(range(200))
    small.ping(u, method="POST", body=body)
    assert small.last_ping(u)["body"] == body[:100]
    small.ping(u, method="POST", body=b"x" * 100)
    assert small.last_ping(u)["body"] == b"x" * 100
    # a truncated body is what the keyword filter sees
    f = small.create_check(name="f", filter_http_body=True,
                           failure_kw="FAILED")
    small.ping(f["uuid"], method="POST", body=b"." * 100 + b"FAILED")
    assert small.last_ping(f["uuid"])["kind"] == "ign"
    small.ping(f["uuid"], method="POST", body=b"FAILED" + b"." * 200)
    assert small.last_ping(f["uuid"])["kind"] == "fail"


def test_chunked_truncated(small):
    u = small.create_check(name="c")["uuid"]

    def gen():
        for _ in range(10):
            yield b"0123456789abcdef"
    r = small.ping(u, method="POST", body=gen(), encode_chunked=True,
                   headers={"Transfer-Encoding": "chunked"})
    assert (r.status, r.body) == (200, b"OK")
    assert small.last_ping(u)["body"] == (b"0123456789abcdef" * 10)[:100]


def test_sighup_reload(small):
    u = small.create_check(name="h")["uuid"]
    wait_header(small, "100", u)
    small.write_conf(extra={"PING_BODY_LIMIT": 20})
    os.kill(small.proc.pid, signal.SIGHUP)
    wait_header(small, "20", u)
    small.ping(u, method="POST", body=b"z" * 50)
    assert small.last_ping(u)["body"] == b"z" * 20
    # a bad line: the old configuration stays
    small.write_conf(extra={"PING_BODY_LIMIT": 30}, raw_tail="NOT A LINE\n")
    os.kill(small.proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + 10 * SLOW
    while "keeping the old configuration" not in small.log():
        assert time.monotonic() < deadline, small.log()
        time.sleep(0.05)
    assert "hcd.conf:" in small.log()
    r = small.ping(u)
    assert r.status == 200 and r.headers["ping-body-limit"] == "20"
    assert small.running()
    # hcctl reload, back to the module's value
    small.write_conf()
    p = small.hcctl("reload")
    assert p.returncode == 0
    wait_header(small, "100", u)


def hcd_n(conf, env=None):
    e = dict(os.environ)
    e.pop("WORKERS", None)
    e.pop("PING_BODY_LIMIT", None)
    if env:
        e.update(env)
    return subprocess.run([str(BIN / "hcd"), "-n", "-f", str(conf)],
                          capture_output=True, text=True, env=e, timeout=30)


def test_check_good(make_hcd):
    h = make_hcd(start=False, account=False)
    p = hcd_n(h.conf)
    assert p.returncode == 0, p.stderr
    assert "configuration OK" in p.stderr + p.stdout


@pytest.mark.parametrize("line,key", [
    ("BOGUS_KEY = 1", "BOGUS_KEY"),
    ("WORKERS = abc", "WORKERS"),
    ("PING_BODY_LIMIT = -5", "PING_BODY_LIMIT"),
    ("DEBUG = yes", "DEBUG"),
    ("ACK_MODE = sometimes", "ACK_MODE"),
])
def test_check_bad(make_hcd, line, key):
    h = make_hcd(start=False, account=False)
    good = h.conf.read_text().splitlines()
    h.conf.write_text("\n".join(good) + "\n" + line + "\n")
    lineno = len(good) + 1
    p = hcd_n(h.conf)
    assert p.returncode != 0
    assert "%s:%d" % (h.conf, lineno) in p.stderr, p.stderr
    assert key in p.stderr
    assert "configuration OK" not in p.stderr
    # and hcd refuses to start with it
    p = subprocess.run([str(BIN / "hcd"), "-d", "-f", str(h.conf)],
                       capture_output=True, text=True, timeout=30 * SLOW)
    assert p.returncode != 0
    assert key in p.stderr


def test_check_missing_file(make_hcd):
    h = make_hcd(start=False, account=False)
    p = hcd_n(h.dir / "nope.conf")
    assert p.returncode != 0
    assert "nope.conf" in p.stderr


def test_env_bad_value(make_hcd):
    h = make_hcd(start=False, account=False)
    p = hcd_n(h.conf, env={"WORKERS": "abc"})
    assert p.returncode != 0
    assert "WORKERS" in p.stderr


def test_env_override(make_hcd):
    h = make_hcd(start=True, env={"PING_BODY_LIMIT": "55"})
    u = h.create_check(name="e")["uuid"]
    r = h.ping(u, method="POST", body=b"q" * 80)
    assert (r.status, r.body) == (200, b"OK")
    assert r.headers["ping-body-limit"] == "55"
    assert h.last_ping(u)["body"] == b"q" * 55


def test_body_limit_none(make_hcd):
    h = make_hcd(extra={"PING_BODY_LIMIT": "None"})
    u = h.create_check(name="n")["uuid"]
    body = os.urandom(50000)
    r = h.ping(u, method="POST", body=body)
    assert (r.status, r.body) == (200, b"OK")
    assert "ping-body-limit" not in r.headers
    assert h.last_ping(u)["body"] == body


def test_site_root_prefix(make_hcd):
    h = make_hcd(start=False)
    h.write_conf(raw_tail="SITE_ROOT = http://127.0.0.1:%d/hc\n" % h.port)
    h.start(wait=False)
    deadline = time.monotonic() + 20 * SLOW
    while True:
        try:
            r = h.request("GET", "/hc/api/v3/status/")
            if r.status == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline and h.running(), h.log()
        time.sleep(0.05)
    r = h.request("POST", "/hc/api/v3/checks/", body=b'{"name": "p"}',
                  headers={"X-Api-Key": h.key})
    assert r.status == 201, r
    d = r.json()
    assert d["ping_url"] == "http://127.0.0.1:%d/hc/ping/%s" % (h.port,
                                                                d["uuid"])
    r = h.request("GET", "/hc/ping/" + d["uuid"])
    assert (r.status, r.body) == (200, b"OK")
    r = h.request("GET", "/ping/" + d["uuid"])
    assert r.status == 404
    r = h.request("GET", "/hc/ping/" + str(uuid.uuid4()))
    assert (r.status, r.body) == (404, b"not found")
