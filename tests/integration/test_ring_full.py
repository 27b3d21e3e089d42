# ACK_MODE committed, where the rings are the only buffer: the database
# goes away, the alerter cannot commit, the rings fill.  Pings wait for
# the commit; once a ring is full the others are answered 503 with
# Retry-After at once; nothing is dropped silently: when the database is
# back every ping answered 200 is stored, exactly once, and no "OK" was
# given while nothing could be committed.  (The journaled modes go on
# answering through an outage: test_journal.py.)

import socket
import threading
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


def test_full_ring_committed(make_hcd):
    """ACK_MODE committed: the pings wait in the ring for the database;
    once the ring is full the others are refused at once."""
    h = make_hcd(extra={"RING_SIZE": 1048576, "ACK_MODE": "committed",
                        "ACK_TIMEOUT": 120, "WORKERS": 1}, workers=1)
    u = h.create_check(name="r")["uuid"]
    pad = b"." * 20000
    results = {}
    lock = threading.Lock()

    def one(i):
        body = b"%06d" % i + pad
        c = h.conn(timeout=120 * SLOW)
        try:
            c.request("POST", "/ping/" + u, body=body)
            r = c.getresponse()
            out = (r.status, dict(r.getheaders()), r.read())
        except OSError as ex:
            out = (None, {}, repr(ex).encode())
        finally:
            c.close()
        with lock:
            results[body[:6]] = out

    db_block(h)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(160)]
    try:
        for t in threads:               # 1 MiB ring: ~100 fit
            t.start()
        deadline = time.monotonic() + 30 * SLOW
        while time.monotonic() < deadline:
            with lock:
                if sum(1 for v in results.values() if v[0] == 503) > 0:
                    break
            time.sleep(0.05)
        with lock:
            refused = [v for v in results.values() if v[0] == 503]
            early_ok = [k for k, v in results.items() if v[0] == 200]
        assert refused, "no 503 while the database is away"
        assert early_ok == [], "answered OK with the database away"
        status, headers, data = refused[0]
        assert data == b"ping queue full, retry later", data
        assert int(headers["Retry-After"]) >= 1
        st = h.status()["text"]
        assert "refused" in st
    finally:
        db_allow(h)
        for t in threads:
            t.join(timeout=150 * SLOW)
    ok = [k for k, v in results.items() if v[0] == 200]
    assert len(ok) > 10 and len(ok) + len(refused) <= 160, results
    assert all(v[0] in (200, 503) for v in results.values()), results
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


def test_committed_no_ok_while_db_down(make_hcd):
    h = make_hcd(extra={"ACK_MODE": "committed"})
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
