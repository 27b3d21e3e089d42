# Confinement (issue 10, defect 9): the secrecy rule of hcd.conf (a file
# holding a secret that its group or others may read is refused, with
# file, mode and `chmod 600` named; HCD_ALLOW_INSECURE_CONF=1 lets it
# through with a warning), and the sandbox of each role (hcd.8 SECURITY):
# no new privileges, no capabilities, a seccomp allow-list per role whose
# violation kills the child, which the master restarts.

import os
import re
import signal
import subprocess
import time

import pytest

from conftest import BIN, SANITIZED, SLOW


def run_hcd(args, env=None, timeout=30):
    e = dict(os.environ)
    for k in ("WORKERS", "PING_BODY_LIMIT", "HCD_ALLOW_INSECURE_CONF"):
        e.pop(k, None)
    if SANITIZED:
        e.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    if env:
        e.update(env)
    return subprocess.run([str(BIN / "hcd")] + list(args),
                          capture_output=True, text=True, env=e,
                          timeout=timeout * SLOW)


# --- the secrecy rule ------------------------------------------------------

@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_secret_conf_readable_by_others_refused(make_hcd, mode):
    h = make_hcd(start=False, account=False)
    os.chmod(h.conf, mode)
    for args in (["-n", "-f", str(h.conf)], ["-d", "-f", str(h.conf)]):
        p = run_hcd(args)
        assert p.returncode != 0, p.stderr
        assert str(h.conf) in p.stderr, p.stderr
        assert "mode %04o" % mode in p.stderr, p.stderr
        assert "SECRET_KEY" in p.stderr, p.stderr
        assert "chmod 600 %s" % h.conf in p.stderr, p.stderr
        assert "configuration OK" not in p.stderr
    # hcctl reads the same file by the same rule
    p = h.hcctl("status", check=False)
    assert p.returncode != 0 and "chmod 600" in p.stderr, p.stderr


def test_secret_conf_override(make_hcd):
    h = make_hcd(start=False, account=False)
    os.chmod(h.conf, 0o644)
    p = run_hcd(["-n", "-f", str(h.conf)],
                env={"HCD_ALLOW_INSECURE_CONF": "1"})
    assert p.returncode == 0, p.stderr
    assert "configuration OK" in p.stderr
    # the daemon starts with it, and says so
    h.hcctl("migrate", env=dict(os.environ, HCD_ALLOW_INSECURE_CONF="1"))
    h.start(env={"HCD_ALLOW_INSECURE_CONF": "1"})
    assert "HCD_ALLOW_INSECURE_CONF" in h.log()
    assert h.stop() == 0


@pytest.mark.parametrize("line,key", [
    ("DB_PASSWORD = hunter2", "DB_PASSWORD"),
    ("METRICS_KEY = m3tr1cs", "METRICS_KEY"),
    ("EMAIL_HOST_PASSWORD = p", "EMAIL_HOST_PASSWORD"),
])
def test_each_secret_key_counts(make_hcd, line, key):
    h = make_hcd(start=False, account=False)
    lines = [l for l in h.conf.read_text().splitlines()
             if not l.startswith("SECRET_KEY")]
    h.conf.write_text("\n".join(lines + [line]) + "\n")
    os.chmod(h.conf, 0o644)
    p = run_hcd(["-n", "-f", str(h.conf)])
    assert p.returncode != 0 and key in p.stderr, p.stderr
    os.chmod(h.conf, 0o600)
    p = run_hcd(["-n", "-f", str(h.conf)])
    assert p.returncode == 0, p.stderr


def test_database_url_password_counts(make_hcd):
    h = make_hcd(start=False, account=False)
    lines = [l for l in h.conf.read_text().splitlines()
             if not l.startswith(("SECRET_KEY", "DATABASE_URL"))]
    with_pw = lines + ["DATABASE_URL = %s password=pw" % h.conninfo]
    h.conf.write_text("\n".join(with_pw) + "\n")
    os.chmod(h.conf, 0o644)
    p = run_hcd(["-n", "-f", str(h.conf)])
    assert p.returncode != 0, p.stderr
    assert "DATABASE_URL" in p.stderr and "mode 0644" in p.stderr
    # no secret at all: any mode is fine
    h.conf.write_text("\n".join(lines + ["DATABASE_URL = %s" % h.conninfo])
                      + "\n")
    p = run_hcd(["-n", "-f", str(h.conf)])
    assert p.returncode == 0, p.stderr


# --- the sandbox -----------------------------------------------------------

def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def seccomp_built(h):
    m = re.search(r"sandbox (\w+)", h.log())
    assert m, h.log()[-2000:]
    return m.group(1) == "seccomp"


def wait_respawned(h, role, cid, old_pid, timeout=10):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        for c in h.status()["children"]:
            if (c["role"], c["id"]) == (role, cid) and c["pid"] not in (
                    0, old_pid):
                return c
        time.sleep(0.05)
    raise AssertionError("%s %d not restarted:\n%s" % (role, cid,
                                                       h.log()[-3000:]))


@pytest.fixture(scope="module")
def selftest(make_hcd):
    return make_hcd(env={"HCD_SANDBOX_SELFTEST": "1"})


def test_children_confined(selftest):
    h = selftest
    if not seccomp_built(h):
        pytest.skip("built without libseccomp")
    master = proc_status(h.proc.pid)
    assert master["Seccomp"] == "0"
    for c in h.status()["children"]:
        st = proc_status(c["pid"])
        assert st["NoNewPrivs"] == "1", (c, st)
        assert st["Seccomp"] == "2", (c, st)       # filter mode
        assert int(st["CapEff"], 16) == 0, (c, st)
        assert int(st["CapPrm"], 16) == 0, (c, st)
        if os.geteuid() == 0:
            assert int(st["CapBnd"], 16) == 0, (c, st)
            assert st["Uid"].split()[0] != "0", (c, st)


def test_forbidden_call_kills_and_restarts_worker(selftest):
    """A worker making a call outside its profile is killed by the
    kernel (SIGSYS) and restarted by the master; the others go on."""
    h = selftest
    if not seccomp_built(h):
        pytest.skip("built without libseccomp")
    u = h.create_check(name="sb")["uuid"]
    st = h.status()
    w = [c for c in st["children"] if c["role"] == "worker" and
         c["id"] == 0][0]
    others = {(c["role"], c["id"]): c["pid"] for c in st["children"]
              if (c["role"], c["id"]) != ("worker", 0)}
    os.kill(w["pid"], signal.SIGUSR2)
    new = wait_respawned(h, "worker", 0, w["pid"])
    assert new["restarts"] == w["restarts"] + 1
    log = h.log()
    assert "worker 0 (pid %d) killed by signal %d" % (
        w["pid"], signal.SIGSYS) in log, log[-3000:]
    assert "sandbox forbids" in log
    for c in h.status()["children"]:
        if (c["role"], c["id"]) in others:
            assert c["pid"] == others[(c["role"], c["id"])]
    for _ in range(10):
        assert h.ping(u).status == 200
    assert h.check_row(u)["n_pings"] == 10


def test_sandbox_log_mode_lets_it_through(make_hcd):
    h = make_hcd(extra={"SANDBOX": "log"}, env={"HCD_SANDBOX_SELFTEST": "1"})
    if not seccomp_built(h):
        pytest.skip("built without libseccomp")
    assert "sandbox seccomp (log)" in h.log()
    st = h.status()
    w = [c for c in st["children"] if c["role"] == "worker"][0]
    os.kill(w["pid"], signal.SIGUSR2)
    time.sleep(0.5 * SLOW)
    after = {c["pid"] for c in h.status()["children"]}
    assert w["pid"] in after
    assert "killed by signal" not in h.log()


def test_sandbox_off(make_hcd):
    h = make_hcd(extra={"SANDBOX": "off"})
    for c in h.status()["children"]:
        st = proc_status(c["pid"])
        assert st["Seccomp"] == "0" and st["NoNewPrivs"] == "1", st


def test_database_over_tcp(make_hcd, pgbase):
    """A DATABASE_URL naming a TCP host (first in a host list; nothing
    listens on its port, so libpq goes on to the socket): the workers'
    profile then allows IPv4/IPv6 sockets and name resolution, and their
    database threads work."""
    h = make_hcd(start=False)
    rundir = re.search(r"host=(\S+)", h.conninfo).group(1)
    url = re.sub(r"host=\S+", "host=localhost,%s port=1,5432" % rundir,
                 h.conninfo)
    lines = [l for l in h.conf.read_text().splitlines()
             if not l.startswith("DATABASE_URL")]
    h.conf.write_text("\n".join(lines + ["DATABASE_URL = " + url]) + "\n")
    h.start()
    c = h.create_check(name="tcp")
    assert h.ping(c["uuid"]).status == 200
    r = h.api("GET", "checks/", key=h.key)
    assert r.status == 200 and len(r.json()["checks"]) == 1, r
    assert h.check_row(c["uuid"])["n_pings"] == 1
    assert "killed by signal" not in h.log()
