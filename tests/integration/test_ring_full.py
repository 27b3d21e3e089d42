# The database goes away: the alerter cannot commit, the rings fill.
# Fast mode: pings are answered 200 once in the ring; a full ring is
# answered 503 with Retry-After; nothing is dropped silently: when the
# database is back every ping answered 200 is stored, exactly once.
# Durable mode: no "OK" while nothing can be committed.

import socket
import time

import pytest

from conftest import SLOW, run_sql


def db_block(h):
    run_sql(h.admin, "ALTER DATABASE %s ALLOW_CONNECTIONS false" % h.db)
    run_sql(h.admin, "SELECT pg_terminate_backend(pid) FROM "
            "pg_stat_activity WHERE datname = '%s'" % h.db)


def db_allow(h):
    run_sql(h.admin, "ALTER DATABASE %s ALLOW_CONNECTIONS true" % h.db)


def wait_rows(h, code, want, timeout=30):
    deadline = time.monotonic() + timeout * SLOW
    n = -1
    while time.monotonic() < deadline:
        try:
            n = len(h.pings(code))
            if n >= want:
                return n
        except RuntimeError:
            pass
        time.sleep(0.2)
    return n


def test_full_ring_fast(make_hcd):
    h = make_hcd(extra={"RING_SIZE": 1048576, "ACK_MODE": "fast",
                        "WORKERS": 1}, workers=1)
    u = h.create_check(name="r")["uuid"]
    db_block(h)
    try:
        ok = []
        refused = None
        pad = b"." * 20000
        c = h.conn()
        try:
            for i in range(2000):       # 1 MiB ring: ~100 fit
                body = b"%06d" % i + pad
                c.request("POST", "/ping/" + u, body=body)
                r = c.getresponse()
                data = r.read()
                if r.status == 200:
                    assert data == b"OK"
                    ok.append(body[:6])
                    continue
                refused = (r.status, dict(r.getheaders()), data)
                break
        finally:
            c.close()
        assert refused is not None, "no 503 after %d pings" % len(ok)
        status, headers, data = refused
        assert status == 503, refused
        assert "Retry-After" in headers, headers
        assert int(headers["Retry-After"]) >= 1
        assert len(ok) > 10
        # still full: refused again, and the status page says so
        r = h.ping(u, method="POST", body=pad)
        assert r.status == 503
        st = h.status()["text"]
        assert "refused" in st
    finally:
        db_allow(h)
    n = wait_rows(h, u, len(ok))
    assert n == len(ok), (n, len(ok))
    stored = [p["body"][:6] for p in h.pings(u)]
    assert sorted(stored) == sorted(ok)
    assert [p["n"] for p in h.pings(u)] == list(range(1, len(ok) + 1))
    assert all(len(p["body"]) == 10000 for p in h.pings(u))
    assert h.check_row(u)["n_pings"] == len(ok)
    # and the service is back to normal
    r = h.ping(u)
    assert (r.status, r.body) == (200, b"OK")
    assert wait_rows(h, u, len(ok) + 1) == len(ok) + 1


def test_durable_no_ok_while_db_down(make_hcd):
    h = make_hcd()
    u = h.create_check(name="d")["uuid"]
    db_block(h)
    try:
        c = h.conn(timeout=2)
        got = None
        try:
            c.request("POST", "/ping/" + u, body=b"held")
            got = c.getresponse().status
        except (socket.timeout, TimeoutError):
            got = "timeout"
        finally:
            c.close()
        assert got == "timeout", "answered %r with the database down" % got
    finally:
        db_allow(h)
    # the ping was in the ring: it is stored once the database is back
    assert wait_rows(h, u, 1) == 1
    assert h.last_ping(u)["body"] == b"held"
    r = h.ping(u)
    assert (r.status, r.body) == (200, b"OK")
    assert len(h.pings(u)) == 2
