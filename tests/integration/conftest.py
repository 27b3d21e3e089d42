# Integration test harness for hcd: a private database per instance on
# the development cluster (conf/devdb), a config file in a tmp dir, the
# account made with hcctl, hcd started in the foreground (-d) and stopped
# with SIGTERM at teardown (exit status 0 asserted).
#
# HCD_BIN names the directory holding hcd and hcctl (default <repo>/bin).
# HCD_SANITIZED=1 makes waits more generous (ASan build).

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("HCD_BIN") or (REPO / "bin"))
SANITIZED = os.environ.get("HCD_SANITIZED") == "1"
SLOW = 3 if SANITIZED else 1
LSAN = os.environ.get("HCD_LSAN") == "1"     # leak reports everywhere
PSQL = "/usr/bin/psql"
FS = "\x1f"
RS = "\x1e"
NULL = "\x01NULL\x01"

_live = []          # instances alive, for logs on failure


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def vm_rss(pid):
    """Resident memory of a process, in bytes (Linux /proc)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def wait_for(pred, timeout=30, step=0.05):
    """pred() true within timeout (x SLOW) seconds; returns its last
    value (false when it never came true)."""
    deadline = time.monotonic() + timeout * SLOW
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def run_sql(conninfo, query, timeout=60):
    """Run one statement with psql; rows as tuples of str (None = NULL)."""
    p = subprocess.run(
        [PSQL, conninfo, "-AtX", "-q", "-v", "ON_ERROR_STOP=1",
         "-F", FS, "-R", RS, "-P", "null=" + NULL, "-c", query],
        capture_output=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("psql failed (%d): %s\nquery: %s" % (
            p.returncode, p.stderr.decode(errors="replace"), query))
    out = p.stdout.decode("utf-8", errors="replace")
    if out.endswith("\n"):
        out = out[:-1]
    if out == "":
        return []
    rows = []
    for rec in out.split(RS):
        rows.append(tuple(None if f == NULL else f for f in rec.split(FS)))
    return rows


def with_dbname(conninfo, dbname):
    if re.search(r"\bdbname=\S+", conninfo):
        return re.sub(r"\bdbname=\S+", "dbname=" + dbname, conninfo)
    return conninfo + " dbname=" + dbname


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers      # dict, lower-case names
        self.body = body            # bytes

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<Resp %d %r>" % (self.status, self.body[:200])


def read_response(f, head=False):
    """Read one HTTP/1.1 response from a binary file object."""
    line = f.readline()
    if not line:
        raise ConnectionError("connection closed")
    parts = line.decode("latin-1").split(" ", 2)
    status = int(parts[1])
    headers = {}
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("connection closed in headers")
        if line in (b"\r\n", b"\n"):
            break
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    body = b""
    if status == 100:
        return read_response(f, head)
    n = int(headers.get("content-length", "0"))
    if not head and n:
        body = f.read(n)
    return Resp(status, headers, body)


def raw_exchange(port, data, nresp=1, head=False, timeout=None):
    """Send raw bytes in one write; read nresp responses in order."""
    s = socket.create_connection(("127.0.0.1", port),
                                 timeout=timeout or 20 * SLOW)
    try:
        s.sendall(data)
        f = s.makefile("rb")
        out = [read_response(f, head) for _ in range(nresp)]
        f.close()
        return out
    finally:
        s.close()


class Hcd:
    """One hcd instance with its own database, config and account; or,
    with share=<Hcd>, another node on that instance's database (its own
    config, HTTP port, control socket and NODE_NAME, the same account,
    and the database left to its owner to drop)."""

    def __init__(self, pgbase, extra=None, workers=2, share=None):
        self.pgbase = pgbase
        self.dir = Path(tempfile.mkdtemp(prefix="hcdit_", dir="/tmp"))
        os.chmod(self.dir, 0o755)
        self.admin = with_dbname(pgbase, "postgres")
        self.owns_db = share is None
        if share is None:
            self.db = "hcd_t_" + secrets.token_hex(6)
            run_sql(self.admin, "CREATE DATABASE %s" % self.db)
        else:
            self.db = share.db
        self.conninfo = with_dbname(pgbase, self.db)
        self.port = free_port()
        self.conf = self.dir / "hcd.conf"
        self.logpath = self.dir / "hcd.log"
        self.sock = self.dir / "hcd.sock"
        self.workers = workers
        self.extra = dict(extra or {})
        self.proc = None
        self.logf = None
        self.reports_checked = False    # a test asserts on them itself
        self.secret = secrets.token_hex(16)
        self.write_conf()
        _live.append(self)

    # --- configuration -------------------------------------------------

    def conf_lines(self, extra=None):
        lines = [
            "DATABASE_URL = %s" % self.conninfo,
            "SECRET_KEY = %s" % self.secret,
            "HTTP_LISTEN = 127.0.0.1:%d" % self.port,
            "SITE_ROOT = http://127.0.0.1:%d" % self.port,
            "CONTROL_SOCKET = %s" % self.sock,
            "WORKERS = %d" % self.workers,
            # each instance its own journal (hcd makes the folder)
            "JOURNAL_DIR = %s" % (self.dir / "journal"),
        ]
        if os.geteuid() == 0:
            lines.append("USER = hcd")
        for k, v in (extra if extra is not None else self.extra).items():
            lines.append("%s = %s" % (k, v))
        return lines

    def write_conf(self, extra=None, raw_tail=""):
        # It holds SECRET_KEY: hcd refuses it unless only its owner may
        # read it (the master and hcctl read it as root, or as the user
        # running the tests; the children never read it).
        lines = self.conf_lines(extra)
        self.conf.touch(mode=0o600)
        os.chmod(self.conf, 0o600)
        self.conf.write_text("\n".join(lines) + "\n" + raw_tail)

    # --- programs ------------------------------------------------------

    def hcctl(self, *args, input=None, check=True, env=None, timeout=60):
        if SANITIZED and not LSAN:
            env = dict(env or os.environ)
            env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
        p = subprocess.run([str(BIN / "hcctl"), "-f", str(self.conf)] +
                           list(args), input=input, capture_output=True,
                           text=True, env=env, timeout=timeout * SLOW)
        if check and p.returncode != 0:
            raise AssertionError("hcctl %s failed (%d): %s%s" % (
                " ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def setup_account(self):
        self.hcctl("migrate")
        self.hcctl("user", "add", "a@example.org", "--password-stdin",
                   input="pw\n")
        self.project = self.hcctl("project", "add", "P", "--owner",
                                  "a@example.org").stdout.strip()
        self.key = self.hcctl("apikey", "add", self.project).stdout.strip()
        self.rokey = self.hcctl("apikey", "add", self.project,
                                "--read-only").stdout.strip()
        # The alerter prunes pings beyond the owner's ping_log_limit
        # (default 100); the durability checks need every row kept.
        self.sql("UPDATE accounts_profile SET ping_log_limit = 100000000")
        self.ping_key = self.sql(
            "SELECT ping_key FROM accounts_project WHERE code = '%s'"
            % self.project)[0][0]
        return self

    def adopt_account(self, other):
        """The account of the instance whose database this one shares."""
        for k in ("project", "key", "rokey", "ping_key"):
            setattr(self, k, getattr(other, k))
        return self

    def start(self, env=None, wait=True, args=(), wrap=()):
        """wrap: a command that execs hcd, as ["prlimit", "--nofile=N"]."""
        assert self.proc is None or self.proc.poll() is not None
        self.logf = open(self.logpath, "ab")
        e = dict(os.environ)
        for k in list(e):
            # the environment overrides the file: keep it clean
            if k in ("PING_BODY_LIMIT", "WORKERS", "ACK_MODE", "RING_SIZE",
                     "DATABASE_URL", "SITE_ROOT", "HTTP_LISTEN"):
                del e[k]
        if SANITIZED and "ASAN_OPTIONS" not in e and not LSAN:
            # Exit-time leak reports are checked by one test of their own
            # (test_lifecycle.py::test_no_leak_reports); elsewhere they
            # would turn every child's clean exit into status 1.
            e["ASAN_OPTIONS"] = "detect_leaks=0"
        if env:
            e.update(env)
        self.proc = subprocess.Popen(
            list(wrap) + [str(BIN / "hcd"), "-d", "-f", str(self.conf)] +
            list(args),
            stdout=self.logf, stderr=subprocess.STDOUT, env=e,
            start_new_session=True)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout * SLOW
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("hcd exited with %s at start:\n%s" % (
                    self.proc.returncode, self.log()))
            try:
                r = self.request("GET", "/api/v3/status/", timeout=2 * SLOW)
                if r.status == 200 and r.body == b"OK":
                    return
                last = r
            except OSError as ex:
                last = ex
            time.sleep(0.05)
        raise AssertionError("hcd not ready (%r):\n%s" % (last, self.log()))

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stop hcd; returns its exit status (SIGKILL after timeout)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError("hcd did not stop within %d s:\n%s" % (
                timeout * SLOW, self.log()))
        return rc

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            return self.logpath.read_text(errors="replace")
        except OSError:
            return ""

    def sanitizer_reports(self):
        t = self.log()
        return [l for l in t.splitlines()
                if "AddressSanitizer" in l or "runtime error:" in l
                or "LeakSanitizer" in l]

    def destroy(self):
        try:
            if self.running():
                self.proc.kill()
                self.proc.wait(timeout=10)
            # children of a killed master are in its session
            if self.proc is not None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
        finally:
            if self.logf:
                self.logf.close()
            try:
                if self.owns_db:
                    run_sql(self.admin, "DROP DATABASE IF EXISTS %s "
                            "WITH (FORCE)" % self.db)
            except Exception:
                pass
            if self in _live:
                _live.remove(self)
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- database ------------------------------------------------------

    def sql(self, query):
        self.barrier()
        return run_sql(self.conninfo, query)

    def barrier(self):
        """Pings are loaded into PostgreSQL a few milliseconds after
        their "OK" (ACK_MODE durable); a request on a database route
        waits until what was acknowledged before it is loaded, so one
        before a query makes the query see every ping answered so far.
        Nothing to do when the instance is not running."""
        if not self.running():
            return
        try:
            self.request("GET", "/api/v3/status/", timeout=10 * SLOW)
        except OSError:
            pass

    def check_row(self, code):
        r = self.sql(
            "SELECT status, n_pings, last_ping, last_start, last_duration,"
            " last_start_rid, id FROM api_check WHERE code = '%s'" % code)
        assert len(r) == 1, r
        k = ("status", "n_pings", "last_ping", "last_start", "last_duration",
             "last_start_rid", "id")
        d = dict(zip(k, r[0]))
        d["n_pings"] = int(d["n_pings"])
        return d

    def pings(self, code):
        """All pings of a check, oldest first, as dicts."""
        rows = self.sql(
            "SELECT p.n, p.kind, p.exitstatus, p.rid, p.method, p.scheme,"
            " p.ua, host(p.remote_addr), encode(p.body_raw, 'hex'),"
            " p.created FROM api_ping p JOIN api_check c ON c.id = p.owner_id"
            " WHERE c.code = '%s' ORDER BY p.n, p.id" % code)
        k = ("n", "kind", "exitstatus", "rid", "method", "scheme", "ua",
             "remote_addr", "body", "created")
        out = []
        for r in rows:
            d = dict(zip(k, r))
            d["n"] = int(d["n"])
            d["exitstatus"] = (None if d["exitstatus"] is None
                               else int(d["exitstatus"]))
            d["body"] = None if d["body"] is None else bytes.fromhex(d["body"])
            out.append(d)
        return out

    def last_ping(self, code):
        p = self.pings(code)
        assert p, "no ping stored for %s" % code
        return p[-1]

    def flips(self, code):
        return self.sql(
            "SELECT f.old_status, f.new_status, f.reason FROM api_flip f"
            " JOIN api_check c ON c.id = f.owner_id WHERE c.code = '%s'"
            " ORDER BY f.id" % code)

    # --- HTTP ----------------------------------------------------------

    def conn(self, timeout=None):
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout or 20 * SLOW)

    def request(self, method, path, body=None, headers=None, timeout=None,
                encode_chunked=False):
        c = self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {},
                      encode_chunked=encode_chunked)
            r = c.getresponse()
            data = r.read()
            return Resp(r.status, {k.lower(): v for k, v in r.getheaders()},
                        data)
        finally:
            c.close()

    def ping(self, path, method="GET", body=None, headers=None, **kw):
        return self.request(method, "/ping/" + path, body=body,
                            headers=headers, **kw)

    def api(self, method, path, body=None, key=None, headers=None):
        h = dict(headers or {})
        if key is not None:
            h["X-Api-Key"] = key
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        return self.request(method, "/api/v3/" + path, body=body, headers=h)

    def create_check(self, key=None, **fields):
        fields.setdefault("timeout", 3600)
        fields.setdefault("grace", 60)
        r = self.api("POST", "checks/", fields, key=key or self.key)
        assert r.status == 201, r
        return r.json()

    # --- control -------------------------------------------------------

    def child_pids(self):
        """Pids of the master's children, from ps."""
        p = subprocess.run(["ps", "--ppid", str(self.proc.pid), "-o",
                            "pid="], capture_output=True, text=True)
        return {int(x) for x in p.stdout.split()}

    def status(self):
        """hcctl status parsed: {'children': [dict], 'text': str}."""
        p = self.hcctl("status", timeout=15)
        children = []
        for line in p.stdout.splitlines():
            m = re.match(r"^(alerter|worker|smtpd|notifier)\s+(\d+)\s+"
                         r"(\d+)\s+(\d+)s\s+(\d+)\s+(\d+|-)\s*$", line)
            if m:
                children.append({"role": m.group(1), "id": int(m.group(2)),
                                 "pid": int(m.group(3)),
                                 "uptime": int(m.group(4)),
                                 "restarts": int(m.group(5)),
                                 "conns": None if m.group(6) == "-"
                                 else int(m.group(6))})
        return {"children": children, "text": p.stdout}


@pytest.fixture(scope="session")
def pgbase():
    for prog in ("hcd", "hcctl"):
        assert (BIN / prog).exists(), "%s not found in HCD_BIN=%s" % (
            prog, BIN)
    p = subprocess.run(["sh", str(REPO / "conf" / "devdb"), "start"],
                       capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr
    p = subprocess.run(["sh", str(REPO / "conf" / "devdb"), "url"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


@pytest.fixture(scope="module")
def make_hcd(pgbase):
    """Factory: make_hcd(extra={...}, start=True) -> Hcd (torn down with
    the module; a running instance must stop with exit status 0).
    share=<Hcd> makes another node on that one's database and account
    (NODE_NAME defaults to a name of its own)."""
    made = []

    def make(extra=None, start=True, workers=2, account=True, env=None,
             share=None):
        if share is not None:
            extra = dict(extra or {})
            extra.setdefault("NODE_NAME", "node-" + secrets.token_hex(4))
        h = Hcd(pgbase, extra=extra, workers=workers, share=share)
        made.append(h)
        if share is not None:
            if account:
                h.adopt_account(share)
        elif account:
            h.setup_account()
        if start:
            h.start(env=env)
        return h

    yield make
    errors = []
    # Every node stops before any database goes: nodes sharing one are
    # made after its owner and destroyed before it.
    for h in made:
        try:
            if h.running():
                rc = h.stop()
                if rc != 0:
                    errors.append("hcd exited %s at teardown:\n%s" % (
                        rc, h.log()[-4000:]))
            rep = h.sanitizer_reports()
            if rep and not h.reports_checked:
                errors.append("sanitizer reports:\n%s\n%s" % (
                    "\n".join(rep[:20]), h.log()[-8000:]))
        except Exception as ex:
            errors.append("stopping %s: %r" % (h.dir, ex))
    for h in reversed(made):
        h.destroy()
    assert not errors, "\n".join(errors)


@pytest.fixture(scope="module")
def hcd(make_hcd):
    """The shared instance of a module (default configuration)."""
    return make_hcd()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and _live:
        for h in _live:
            rep.sections.append(("hcd log %s" % h.dir,
                                 h.log()[-6000:]))


class Load:
    """Threads pinging checks continuously over keep-alive connections,
    each ping with a unique body; reconnects after errors.  Bounded by
    duration and by per_thread pings."""

    def __init__(self, inst, checks, threads=8, duration=5.0,
                 per_thread=100000, timeout=None):
        import threading
        self.inst = inst
        self.checks = checks
        self.nthreads = threads
        self.duration = duration
        self.per_thread = per_thread
        self.timeout = timeout or 15 * SLOW
        self.lock = threading.Lock()
        self.ok = {}            # body -> check uuid, answered 200 OK
        self.statuses = {}      # status -> count (-1: connection error)
        self.stop_flag = threading.Event()
        self.tag = secrets.token_hex(3)
        self.threads = [threading.Thread(target=self._run, args=(t,),
                                         daemon=True)
                        for t in range(threads)]

    def _run(self, t):
        end = time.monotonic() + self.duration
        c = None
        ok, st = {}, {}
        for i in range(self.per_thread):
            if time.monotonic() > end or self.stop_flag.is_set():
                break
            u = self.checks[(t + i) % len(self.checks)]
            body = ("%s-t%d-%d" % (self.tag, t, i)).encode()
            try:
                if c is None:
                    c = self.inst.conn(timeout=self.timeout)
                c.request("POST", "/ping/" + u, body=body)
                r = c.getresponse()
                data = r.read()
                st[r.status] = st.get(r.status, 0) + 1
                if r.status == 200 and data == b"OK":
                    ok[body] = u
                if r.will_close:
                    c.close()
                    c = None
            except (OSError, http.client.HTTPException):
                st[-1] = st.get(-1, 0) + 1
                if c is not None:
                    c.close()
                c = None
                time.sleep(0.01)
        if c is not None:
            c.close()
        with self.lock:
            self.ok.update(ok)
            for k, v in st.items():
                self.statuses[k] = self.statuses.get(k, 0) + v

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def join(self):
        for t in self.threads:
            t.join(timeout=self.duration + 60 * SLOW)
        assert not any(t.is_alive() for t in self.threads), \
            "load threads hung"
        return self

    def assert_stored(self, inst=None, dups_ok=False):
        """Every 200 is in api_ping, once; n unique and gapless per
        check; n_pings equals the rows of each check."""
        inst = inst or self.inst
        rows = inst.sql(
            "SELECT c.code, convert_from(p.body_raw, 'UTF8'), p.n"
            " FROM api_ping p JOIN api_check c ON c.id = p.owner_id")
        stored = {}
        seen_n = {}
        dups = []
        for code, body, n in rows:
            b = body.encode()
            if b in stored:
                dups.append(body)
            stored[b] = code
            seen_n.setdefault(code, []).append(int(n))
        missing = [b for b in self.ok if b not in stored]
        assert missing == [], "%d pings answered OK are not stored: %r" % (
            len(missing), missing[:10])
        if not dups_ok:
            assert dups == [], "stored twice: %r" % dups[:10]
        for b, code in self.ok.items():
            assert stored[b] == code
        for code in self.checks:
            ns = sorted(seen_n.get(code, []))
            assert ns == list(range(1, len(ns) + 1)), (code, ns[:50])
            assert inst.check_row(code)["n_pings"] == len(ns), code
        self.dups = dups
        return len(stored)
