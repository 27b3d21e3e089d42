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
