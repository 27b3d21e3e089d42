# Compatibility with what Healthchecks clients send: the trailing slash
# of ping/<uuid>/, ping bodies above 1 MiB (Django's 2.5 MB
# DATA_UPLOAD_MAX_MEMORY_SIZE, raised to PING_BODY_LIMIT), request
# headers up to uWSGI's 32 KiB buffer.  Each limit is tested on both
# sides.

import os
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest

from conftest import BIN, SLOW, raw_exchange, read_response, vm_rss

UPLOAD_MAX = 2621440        # Django's DATA_UPLOAD_MAX_MEMORY_SIZE
API_MAX = 1024 * 1024       # hcd's cap on any other request body
HEADER_MAX = 32768          # uWSGI buffer-size in Healthchecks' image


@pytest.fixture
def check(hcd):
    return hcd.create_check(name="c", slug="c-" + uuid.uuid4().hex[:8])


def ok(r):
    assert (r.status, r.body) == (200, b"OK"), r
    return r


def head_only(port, head):
    """Send a request head without its body; read the one answer (sent
    as soon as the head is in)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20 * SLOW)
    try:
        s.sendall(head)
        return read_response(s.makefile("rb"))
    finally:
        s.close()


def post_head(path, length):
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: %d\r\n\r\n" % length)


# --- 1. trailing slash ----------------------------------------------------

def test_uuid_trailing_slash(hcd, check):
    """ping/<uuid>/ is a success ping, as Healthchecks' hc-ping-slash
    route: 200 OK with its headers, stored like ping/<uuid>."""
    u = check["uuid"]
    r = ok(hcd.ping(u + "/"))
    assert r.headers["ping-body-limit"] == "10000"
    assert r.headers["access-control-allow-origin"] == "*"
    p = hcd.last_ping(u)
    assert (p["kind"], p["exitstatus"]) == (None, None)
    assert hcd.check_row(u)["status"] == "up"
    rid = str(uuid.uuid4())
    ok(hcd.ping(u + "/?rid=" + rid, method="POST", body=b"slash"))
    p = hcd.last_ping(u)
    assert (p["rid"], p["body"], p["method"]) == (rid, b"slash", "POST")
    assert hcd.check_row(u)["n_pings"] == 2
    # an unknown uuid with the slash is Healthchecks' 404 "not found"
    r = hcd.ping(str(uuid.uuid4()) + "/")
    assert (r.status, r.body) == (404, b"not found")


def test_other_trailing_slashes_404(hcd, check):
    """hc/api/urls.py has no other route ending in '/': <uuid>/start/,
    <key>/<slug>/ and the rest are 404 there, so here."""
    u, k, s = check["uuid"], hcd.ping_key, check["slug"]
    paths = [u + x for x in ("/start/", "/fail/", "/log/", "/0/", "/1/",
                             "/256/", "//")]
    paths += ["%s/%s/" % (k, s)]
    paths += ["%s/%s/%s/" % (k, s, x) for x in ("start", "fail", "log", "0",
                                                "7")]
    paths += ["%s/%s/?create=1" % (k, "new-" + uuid.uuid4().hex[:6])]
    for p in paths:
        r = hcd.ping(p)
        assert (r.status, r.body) == (404, b"not found"), p
    assert hcd.check_row(u)["n_pings"] == 0
    # and without the slash they all route
    for p in (u + "/start", u + "/0", "%s/%s" % (k, s), "%s/%s/log" % (k, s)):
        ok(hcd.ping(p))
    assert hcd.check_row(u)["n_pings"] == 4


def test_slug_named_like_an_action(hcd):
    """A slug "start" is the slug route's <slug> after a ping key (the
    UUID routes come first only for a UUID); <key>/start/start starts
    it; with a trailing slash it is 404, as in Healthchecks."""
    k = hcd.ping_key
    st = hcd.create_check(name="start", slug="start")["uuid"]
    fl = hcd.create_check(name="fail", slug="fail")["uuid"]
    ok(hcd.ping(k + "/start"))
    assert hcd.last_ping(st)["kind"] is None
    ok(hcd.ping(k + "/start/start"))
    assert hcd.last_ping(st)["kind"] == "start"
    ok(hcd.ping(k + "/start/fail"))
    assert hcd.last_ping(st)["kind"] == "fail"
    ok(hcd.ping(k + "/fail/log"))
    assert hcd.last_ping(fl)["kind"] == "log"
    ok(hcd.ping(k + "/fail/0"))
    assert hcd.last_ping(fl)["exitstatus"] == 0
    for p in (k + "/start/", k + "/start/start/", k + "/fail/log/"):
        r = hcd.ping(p)
        assert (r.status, r.body) == (404, b"not found"), p
    assert hcd.check_row(st)["n_pings"] == 3
    assert hcd.check_row(fl)["n_pings"] == 2


# --- 2. ping bodies above 1 MiB -------------------------------------------

def test_body_above_1mib_kept_to_limit(hcd, check):
    """Up to 2.5 MB a ping is answered OK and its first PING_BODY_LIMIT
    bytes are stored; one byte more is 400 and nothing is stored."""
    u = check["uuid"]
    body = os.urandom(API_MAX + 1)
    r = ok(hcd.ping(u, method="POST", body=body))
    assert r.headers["ping-body-limit"] == "10000"
    assert hcd.last_ping(u)["body"] == body[:10000]
    body = os.urandom(UPLOAD_MAX)
    ok(hcd.ping(u + "/log", method="POST", body=body))
    p = hcd.last_ping(u)
    assert (p["kind"], p["body"]) == ("log", body[:10000])
    assert hcd.check_row(u)["n_pings"] == 2
    r = head_only(hcd.port, post_head("/ping/" + u, UPLOAD_MAX + 1))
    assert r.status == 400, r
    r = head_only(hcd.port, post_head("/ping/%s/%s" % (hcd.ping_key,
                                                       check["slug"]),
                                      UPLOAD_MAX + 1))
    assert r.status == 400, r
    assert hcd.check_row(u)["n_pings"] == 2


def test_chunked_body_above_1mib(hcd, check):
    u = check["uuid"]

    def gen(n):
        for i in range(n):
            yield bytes([65 + i % 26]) * 65536
    r = ok(hcd.ping(u, method="POST", body=gen(32), encode_chunked=True,
                    headers={"Transfer-Encoding": "chunked"}))
    assert r.headers["ping-body-limit"] == "10000"
    assert hcd.last_ping(u)["body"] == b"A" * 10000
    ok(hcd.ping(u, method="POST", body=gen(40), encode_chunked=True,
                headers={"Transfer-Encoding": "chunked"}))   # 2.5 MB
    # a chunk that would take the body past 2.5 MB is 400 at its size line
    head = (b"POST /ping/" + u.encode() + b" HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            b"%x\r\n" % (UPLOAD_MAX + 1))
    r = head_only(hcd.port, head)
    assert r.status == 400, r
    assert hcd.check_row(u)["n_pings"] == 2


def test_expect_continue_over_limit(hcd, check):
    """A client that waits for 100 Continue hears 400 at once."""
    u = check["uuid"]
    head = (b"POST /ping/" + u.encode() + b" HTTP/1.1\r\nHost: x\r\n"
            b"Expect: 100-continue\r\n"
            b"Content-Length: %d\r\n\r\n" % (UPLOAD_MAX + 1))
    r = head_only(hcd.port, head)
    assert r.status == 400
    head = (b"POST /ping/" + u.encode() + b" HTTP/1.1\r\nHost: x\r\n"
            b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n"
            % UPLOAD_MAX)
    s = socket.create_connection(("127.0.0.1", hcd.port), timeout=20 * SLOW)
    try:
        s.sendall(head)
        f = s.makefile("rb")
        assert f.readline().startswith(b"HTTP/1.1 100 ")
        assert f.readline() == b"\r\n"
        s.sendall(b"e" * UPLOAD_MAX)
        assert ok(read_response(f))
    finally:
        s.close()
    assert hcd.last_ping(u)["body"] == b"e" * 10000


def test_api_body_cap_unchanged(hcd):
    """Other requests keep hcd's 1 MiB cap, answered 413 (hcd's own
    limit; Healthchecks would read up to 2.5 MB and answer 400)."""
    r = head_only(hcd.port, post_head("/api/v3/checks/", API_MAX + 1))
    assert r.status == 413, r
    r = head_only(hcd.port, post_head("/badge/x/y.svg", API_MAX + 1))
    assert r.status == 413, r
    head = (b"POST /api/v3/checks/ HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % (API_MAX + 1))
    r = head_only(hcd.port, head)
    assert r.status == 413, r
    # a path that only starts like a ping URL is not one
    r = head_only(hcd.port, post_head("/pingx/" + str(uuid.uuid4()),
                                      API_MAX + 1))
    assert r.status == 413, r
    # and the API still works with a body under the cap
    r = hcd.api("POST", "checks/", {"name": "x", "desc": "d" * 100000},
                key=hcd.key)
    assert r.status == 201, r


@pytest.fixture(scope="module")
def big(make_hcd):
    # 3 MiB: above both the old 1 MiB key bound and Django's 2.5 MB
    return make_hcd(extra={"PING_BODY_LIMIT": 3 * 1024 * 1024})


def test_body_limit_above_upload_max(big):
    """PING_BODY_LIMIT above 2.5 MB is accepted (hcd refused to start)
    and raises what a ping URL reads to it, as Healthchecks raises
    DATA_UPLOAD_MAX_MEMORY_SIZE."""
    lim = 3 * 1024 * 1024
    u = big.create_check(name="big")["uuid"]
    body = os.urandom(lim)
    r = ok(big.ping(u, method="POST", body=body))
    assert r.headers["ping-body-limit"] == str(lim)
    assert big.last_ping(u)["body"] == body
    r = head_only(big.port, post_head("/ping/" + u, lim + 1))
    assert r.status == 400, r
    assert big.check_row(u)["n_pings"] == 1
    # the API's cap does not follow it
    r = head_only(big.port, post_head("/api/v3/checks/", API_MAX + 1))
    assert r.status == 413, r


def test_body_limit_none_reads_upload_max(make_hcd):
    """None keeps everything up to what is read: 2.5 MB."""
    h = make_hcd(extra={"PING_BODY_LIMIT": "None"})
    u = h.create_check(name="n")["uuid"]
    body = os.urandom(UPLOAD_MAX)
    r = ok(h.ping(u, method="POST", body=body))
    assert "ping-body-limit" not in r.headers
    assert h.last_ping(u)["body"] == body
    r = head_only(h.port, post_head("/ping/" + u, UPLOAD_MAX + 1))
    assert r.status == 400, r
    assert h.check_row(u)["n_pings"] == 1


def hcd_n(conf):
    e = {k: v for k, v in os.environ.items()
         if k not in ("WORKERS", "PING_BODY_LIMIT", "RING_SIZE")}
    return subprocess.run([str(BIN / "hcd"), "-n", "-f", str(conf)],
                          capture_output=True, text=True, env=e, timeout=30)


def test_body_limit_bounds(make_hcd):
    h = make_hcd(start=False, account=False)
    base = h.conf.read_text()
    h.conf.write_text(base + "PING_BODY_LIMIT = 104857600\n"
                      "RING_SIZE = 268435456\nWORKERS = 2\n")
    p = hcd_n(h.conf)
    assert p.returncode == 0, p.stderr
    h.conf.write_text(base + "PING_BODY_LIMIT = 104857601\n")
    p = hcd_n(h.conf)
    assert p.returncode != 0
    assert "PING_BODY_LIMIT: 104857601: too large" in p.stderr
    # the ring must hold one ping of that size: said before starting
    h.conf.write_text(base + "PING_BODY_LIMIT = 104857600\n"
                      "RING_SIZE = 67108864\nWORKERS = 2\n")
    p = hcd_n(h.conf)
    assert p.returncode != 0
    assert "raise RING_SIZE" in p.stderr, p.stderr
    # None needs room for 2.5 MB
    h.conf.write_text(base + "PING_BODY_LIMIT = None\n"
                      "RING_SIZE = 1048576\nWORKERS = 1\n")
    p = hcd_n(h.conf)
    assert p.returncode != 0
    assert "raise RING_SIZE" in p.stderr, p.stderr


def test_reload_keeps_limit_the_ring_cannot_hold(make_hcd):
    h = make_hcd(extra={"RING_SIZE": 4194304, "WORKERS": 1}, workers=1)
    u = h.create_check(name="r")["uuid"]
    assert ok(h.ping(u)).headers["ping-body-limit"] == "10000"
    h.write_conf(extra={"RING_SIZE": 4194304, "WORKERS": 1,
                        "PING_BODY_LIMIT": 8 * 1024 * 1024})
    os.kill(h.proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + 10 * SLOW
    while "raise RING_SIZE; keeping the old configuration" not in h.log():
        assert time.monotonic() < deadline, h.log()[-2000:]
        time.sleep(0.05)
    assert ok(h.ping(u)).headers["ping-body-limit"] == "10000"
    h.write_conf(extra={"RING_SIZE": 4194304, "WORKERS": 1,
                        "PING_BODY_LIMIT": 3 * 1024 * 1024})
    os.kill(h.proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + 15 * SLOW
    while True:
        r = h.ping(u)
        if r.status == 200 and r.headers["ping-body-limit"] == "3145728":
            break
        assert time.monotonic() < deadline, r
        time.sleep(0.1)
    body = os.urandom(3 * 1024 * 1024)
    ok(h.ping(u, method="POST", body=body))
    assert h.last_ping(u)["body"] == body


# --- 3. request headers up to 32 KiB --------------------------------------

def header_request(u, size):
    """A ping whose header section is exactly size bytes."""
    start = b"GET /ping/" + u.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Big: "
    pad = size - len(start) - 4
    assert pad > 0
    return start + b"a" * pad + b"\r\n\r\n"


def test_headers_up_to_32k(hcd, check):
    u = check["uuid"]
    for size in (20000, HEADER_MAX - 1, HEADER_MAX):
        req = header_request(u, size)
        assert len(req) == size
        (r,) = raw_exchange(hcd.port, req)
        ok(r)
    assert hcd.check_row(u)["n_pings"] == 3
    # a cookie-laden client: many headers, 30 KB in all
    hdrs = {"Cookie-%d" % i: "v" * 900 for i in range(33)}
    ok(hcd.ping(u, headers=hdrs))
    assert hcd.check_row(u)["n_pings"] == 4


def test_headers_over_32k(hcd, check):
    u = check["uuid"]
    for size in (HEADER_MAX + 1, HEADER_MAX + 1000, 100000):
        (r,) = raw_exchange(hcd.port, header_request(u, size))
        assert r.status == 431, (size, r)
    # the API has the same header limit
    big = b"X-Big: " + b"a" * HEADER_MAX + b"\r\n"
    (r,) = raw_exchange(hcd.port, b"GET /api/v3/checks/ HTTP/1.1\r\n"
                        b"Host: x\r\n" + big + b"\r\n")
    assert r.status == 431
    assert hcd.check_row(u)["n_pings"] == 0


# --- the bound on reading while an answer is held -------------------------

def test_held_answer_bounds_reading(make_hcd):
    """While a ping's answer is held for its commit, the worker stops
    reading that connection after one request of the largest size, and
    goes on once answered: nothing is lost, answers keep their order."""
    # The alerter is stopped longer than ACK_TIMEOUT's default under
    # ASan: this test is about reading, not about the bounded wait.
    h = make_hcd(workers=1, extra={"ACK_TIMEOUT": 120})
    u = h.create_check(name="held")["uuid"]
    kids = h.status()["children"]
    alerter = [c["pid"] for c in kids if c["role"] == "alerter"][0]
    worker = [c["pid"] for c in kids if c["role"] == "worker"][0]
    n = 12
    reqs = b"".join(post_head("/ping/" + u, UPLOAD_MAX) +
                    bytes([65 + i]) * UPLOAD_MAX for i in range(n))
    ok(h.ping(u))           # the worker's buffers exist
    rss0 = vm_rss(worker)
    s = socket.create_connection(("127.0.0.1", h.port), timeout=60 * SLOW)
    os.kill(alerter, signal.SIGSTOP)
    try:
        t = threading.Thread(target=s.sendall, args=(reqs,))
        t.start()
        time.sleep(2 * SLOW)
        grown = vm_rss(worker) - rss0
    finally:
        os.kill(alerter, signal.SIGCONT)
    try:
        f = s.makefile("rb")
        resps = [read_response(f) for _ in range(n)]
        t.join(60 * SLOW)
    finally:
        s.close()
    assert all((r.status, r.body) == (200, b"OK") for r in resps), resps
    # 30 MB were sent; about one request's worth was read meanwhile
    assert grown < 16 * 1024 * 1024, grown
    p = h.pings(u)
    assert [x["body"][:1] for x in p[1:]] == [bytes([65 + i])
                                              for i in range(n)]
