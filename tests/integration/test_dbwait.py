# Database work never holds up a worker's event loop (worker/dbq.c,
# common/dbconn.c): hcd runs with one worker and reaches PostgreSQL
# through a local TCP proxy that the test can freeze (it stops
# forwarding but keeps every connection open, as a host that silently
# drops packets would).  With the proxy frozen an API request answers
# 503 with a JSON error within DB_STATEMENT_TIMEOUT plus the client's
# one second, while the same worker goes on answering other requests;
# once the proxy thaws, the API answers again.  A second test blocks an
# API query on a table lock instead (no proxy): the server's statement
# timeout ends it with a 503 and pings of unknown checks, answered from
# shared memory, are not delayed meanwhile.

import re
import select
import socket
import subprocess
import threading
import time

import pytest

from conftest import PSQL, SLOW, run_sql, wait_for


class FreezableProxy:
    """127.0.0.1:port → the cluster's unix socket; freeze() stops the
    forwarding in both directions without closing anything."""

    def __init__(self, unix_path):
        self.unix_path = unix_path
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.frozen = threading.Event()
        self.stopping = threading.Event()
        self.socks = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping.is_set():
            r, _, _ = select.select([self.lsock], [], [], 0.1)
            if not r:
                continue
            c, _ = self.lsock.accept()
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.unix_path)
            except OSError:
                c.close()
                continue
            self.socks += [c, s]
            threading.Thread(target=self._pump, args=(c, s),
                             daemon=True).start()

    def _pump(self, a, b):
        peer = {a: b, b: a}
        live = [a, b]
        while live and not self.stopping.is_set():
            if self.frozen.is_set():
                time.sleep(0.02)
                continue
            r, _, _ = select.select(live, [], [], 0.05)
            for s in r:
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    for x in (a, b):
                        try:
                            x.close()
                        except OSError:
                            pass
                    return
                try:
                    peer[s].sendall(data)
                except OSError:
                    return

    def close(self):
        self.stopping.set()
        for s in self.socks + [self.lsock]:
            try:
                s.close()
            except OSError:
                pass


def unix_socket_of(conninfo):
    m = re.search(r"\bhost=(\S+)", conninfo)
    assert m and m.group(1).startswith("/"), conninfo
    m2 = re.search(r"\bport=(\d+)", conninfo)
    return "%s/.s.PGSQL.%s" % (m.group(1), m2.group(1) if m2 else "5432")


def proxied(conninfo, port):
    ci = re.sub(r"\bhost=\S+", "host=127.0.0.1", conninfo)
    ci = re.sub(r"\bport=\S+", "", ci)
    return ci + " port=%d" % port


def timed(fn):
    t0 = time.monotonic()
    r = fn()
    return r, time.monotonic() - t0


@pytest.fixture(scope="module")
def frozen_setup(make_hcd):
    h = make_hcd(start=False, workers=1,
                 extra={"DB_STATEMENT_TIMEOUT": 1, "DB_CONNECT_TIMEOUT": 2})
    proxy = FreezableProxy(unix_socket_of(h.conninfo))
    direct = h.conninfo
    h.conninfo = proxied(direct, proxy.port)
    h.write_conf()
    h.start()
    yield h, proxy
    # Thawed for the module's teardown, which stops hcd (the proxy's
    # threads are daemons and end with the test process).
    proxy.frozen.clear()
    h.conninfo = direct


def test_frozen_database_answers_503_and_loop_stays_free(frozen_setup):
    h, proxy = frozen_setup
    assert h.api("GET", "checks/", key=h.key).status == 200
    proxy.frozen.set()
    out = {}

    def listing():
        out["r"], out["t"] = timed(lambda: h.api("GET", "checks/", key=h.key))

    t = threading.Thread(target=listing)
    t.start()
    time.sleep(0.3 * SLOW)
    # The API request is waiting on its database thread; the loop is not.
    for path in ("/no/such/path",
                 "/ping/00000000-0000-4000-8000-000000000000"):
        r, dt = timed(lambda: h.request("GET", path, timeout=5))
        assert r.status == 404
        assert dt < 0.1 * SLOW, "404 took %.3f s while a query hung" % dt
    t.join(20)
    assert not t.is_alive()
    r, dt = out["r"], out["t"]
    assert r.status == 503
    assert r.json() == {"error": "database unavailable"}
    # DB_STATEMENT_TIMEOUT 1 s + the client's 1 s, with room to spare
    assert dt < 4 * SLOW, "503 after %.1f s" % dt
    # During the back-off and while still frozen: 503 at once.
    r, dt = timed(lambda: h.api("GET", "checks/", key=h.key))
    assert r.status == 503 and dt < 4 * SLOW
    proxy.frozen.clear()
    deadline = time.monotonic() + 20 * SLOW
    while True:
        r = h.api("GET", "checks/", key=h.key)
        if r.status == 200:
            break
        assert time.monotonic() < deadline, r
        time.sleep(0.2)
    assert "checks" in r.json()


def test_locked_table_statement_timeout(make_hcd):
    h = make_hcd(workers=1, extra={"DB_STATEMENT_TIMEOUT": 1})
    # Hold an exclusive lock on the projects table in another session:
    # the API's key lookup waits for it on a database thread.
    p = subprocess.Popen(
        [PSQL, h.conninfo, "-AtX", "-q", "-v", "ON_ERROR_STOP=1"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    p.stdin.write("BEGIN; LOCK TABLE accounts_project IN ACCESS EXCLUSIVE "
                  "MODE; SELECT 'locked';\n")
    p.stdin.flush()
    assert p.stdout.readline().strip() == "locked"
    try:
        out = {}
        t = threading.Thread(target=lambda: out.update(zip(
            ("r", "t"), timed(lambda: h.api("GET", "checks/", key=h.key)))))
        t.start()
        time.sleep(0.2 * SLOW)
        for _ in range(5):
            r, dt = timed(lambda: h.request(
                "GET", "/ping/00000000-0000-4000-8000-000000000000",
                timeout=5))
            assert r.status == 404 and dt < 0.1 * SLOW, dt
        t.join(20)
        assert out["r"].status == 503
        assert out["r"].json() == {"error": "database unavailable"}
        assert out["t"] < 3 * SLOW
    finally:
        p.stdin.write("ROLLBACK;\n")
        p.stdin.close()
        p.wait(10)
    assert h.api("GET", "checks/", key=h.key).status == 200


def test_dead_idle_session_is_replaced_at_once(make_hcd):
    # The server ends every session (a restart, a failover): the next
    # API request finds its thread's session dead when it sends its
    # first SELECT, and sends it once more on a new session instead of
    # answering 503.
    h = make_hcd(workers=1, extra={"DB_THREADS": 1})
    for _ in range(3):
        assert h.api("GET", "checks/", key=h.key).status == 200
    run_sql(h.admin, "SELECT pg_terminate_backend(pid) FROM "
            "pg_stat_activity WHERE datname = '%s' AND "
            "application_name LIKE 'hcd-worker-%%'" % h.db)
    time.sleep(0.2)
    r = h.api("GET", "checks/", key=h.key)
    assert r.status == 200, r
    r = h.api("POST", "checks/", key=h.key, body={"name": "after"})
    assert r.status == 201, r


def test_conninfo_options_between_ours(make_hcd):
    """DATABASE_URL's own options reach every session hcd opens, after
    its jit=off and before its TimeZone and statement_timeout, which
    hold: a 1 ms statement_timeout there changes nothing (every query
    would fail otherwise), a read-only default does refuse the loader's
    writes (the pings stay in the journal, answered OK)."""
    h = make_hcd(start=False)
    base = h.conninfo
    try:
        h.conninfo = base + " options='-c statement_timeout=1'"
        h.write_conf()
        h.conninfo = base          # the test's own psql: no options
        h.start()
        u = h.create_check(name="opts")["uuid"]
        r = h.ping(u)
        assert (r.status, r.body) == (200, b"OK")
        assert len(h.pings(u)) == 1
        assert h.stop() == 0
        h.conninfo = base + " options='-c default_transaction_read_only=on'"
        h.write_conf()
        h.conninfo = base
        h.start()
        r = h.ping(u)
        assert (r.status, r.body) == (200, b"OK")
        assert wait_for(lambda: "read-only transaction" in h.log(), 20,
                        step=0.2), h.log()[-3000:]
        n = run_sql(base, "SELECT n_pings FROM api_check WHERE code = '%s'"
                    % u)
        assert n == [("1",)], n
        assert h.stop() == 0
    finally:
        h.conninfo = base
        h.write_conf()
