#!/usr/bin/python3
# `make bench-notify`: delivery latency of webhooks (issue 11).
#
# On a fresh database hcd_ntbench, 1,000 checks are up with the same
# deadline (alert_after = T, about 8 s after hcd starts).  Every check
# has two webhook channels: one to a receiver that records the time each
# request arrives, one to a receiver that accepts connections and never
# answers (each of those requests hangs until its 30 s timeout).  The
# figure is, per check, the time from T to its request reaching the
# first receiver: p50, p99 and the worst, over all 1,000.  Both
# receivers are asyncio servers in this process, on 127.0.0.1.
#
# Knobs: BENCH_CHECKS (1000), HCD_BIN (./bin), DATABASE_URL (another
# server; the bench uses its database hcd_ntbench).

import asyncio
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("HCD_BIN") or ROOT / "bin")
N = int(os.environ.get("BENCH_CHECKS") or 1000)
DB = "hcd_ntbench"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def sql(url, q):
    p = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", url,
                        "-c", q], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("bench-notify: psql: %s" % p.stderr)
    return p.stdout.strip()


class Receivers:
    def __init__(self):
        self.arrivals = {}          # check code -> time.time()
        self.hung = 0
        self.port_ok = free_port()
        self.port_hang = free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(10)

    async def _ok(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                now = time.time()
                m = re.search(rb"Content-Length: *(\d+)", head, re.I)
                if m:
                    await reader.readexactly(int(m.group(1)))
                line = head.split(b"\r\n", 1)[0].decode()
                code = line.split(" ")[1].rsplit("/", 1)[-1]
                self.arrivals.setdefault(code, now)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _hang(self, reader, writer):
        self.hung += 1
        try:
            await reader.read()     # until the client gives up
        except ConnectionError:
            pass
        writer.close()

    def _run(self):
        asyncio.set_event_loop(self.loop)

        async def main():
            await asyncio.start_server(self._ok, "127.0.0.1", self.port_ok,
                                       backlog=4096)
            await asyncio.start_server(self._hang, "127.0.0.1",
                                       self.port_hang, backlog=4096)
            self.ready.set()
            await asyncio.Event().wait()

        self.loop.run_until_complete(main())


def main():
    base = subprocess.run(["sh", str(ROOT / "conf/devdb"), "url"],
                          capture_output=True, text=True).stdout.strip()
    if not base:
        sys.exit("bench-notify: no database (run: sh conf/devdb start)")
    admin = base + " dbname=postgres"
    url = base + " dbname=" + DB
    for k in ("DATABASE_URL", "HTTP_LISTEN", "SITE_ROOT", "CONTROL_SOCKET",
              "SECRET_KEY", "ACK_MODE"):
        os.environ.pop(k, None)
    sql(admin, "DROP DATABASE IF EXISTS " + DB)
    sql(admin, "CREATE DATABASE " + DB)
    tmp = Path(tempfile.mkdtemp(prefix="hcd-nt."))
    os.chmod(tmp, 0o711)
    port = free_port()
    conf = tmp / "hcd.conf"
    lines = ["DATABASE_URL = " + url, "SECRET_KEY = " + secrets.token_hex(8),
             "HTTP_LISTEN = 127.0.0.1:%d" % port,
             "SITE_ROOT = http://127.0.0.1:%d" % port,
             "CONTROL_SOCKET = %s/hcd.sock" % tmp,
             "JOURNAL_DIR = %s/journal" % tmp,
             "INTEGRATIONS_ALLOW_PRIVATE_IPS = True"]
    if os.geteuid() == 0:
        lines.append("USER = hcd")
    conf.touch(mode=0o600)
    conf.write_text("\n".join(lines) + "\n")
    hcctl = [str(BIN / "hcctl"), "-f", str(conf)]
    subprocess.run(hcctl + ["migrate"], check=True, capture_output=True)
    subprocess.run(hcctl + ["user", "add", "nt@localhost",
                            "--password-stdin"], input="pw\n", text=True,
                   check=True, capture_output=True)
    subprocess.run(hcctl + ["project", "add", "NT", "--owner",
                            "nt@localhost"], check=True, capture_output=True)
    rx = Receivers()
    # T: 8 s from now, the same deadline for every check.
    t_epoch = float(sql(url, "SELECT extract(epoch FROM "
                        "date_trunc('second', now()) + interval '8 s')"))
    sql(url, "INSERT INTO api_check (project_id, name, timeout, grace, "
        "status, last_ping, alert_after) SELECT 1, 'c' || g, '60 s', '60 s',"
        " 'up', to_timestamp(%f) - interval '120 s', to_timestamp(%f) "
        "FROM generate_series(1, %d) g" % (t_epoch, t_epoch, N))
    for port_, name in ((rx.port_ok, "ok"), (rx.port_hang, "hang")):
        value = ('{"method_down": "POST", "url_down": '
                 '"http://127.0.0.1:%d/%s/$CODE", "body_down": "$STATUS", '
                 '"headers_down": {}, "method_up": "GET", "url_up": "", '
                 '"body_up": "", "headers_up": {}}' % (port_, name))
        subprocess.run(hcctl + ["channel", "add",
                                sql(url, "SELECT code FROM accounts_project"),
                                "webhook", value, "--name", name],
                       check=True, capture_output=True)
    sql(url, "VACUUM ANALYZE")
    log = open(tmp / "hcd.log", "wb")
    hcd = subprocess.Popen([str(BIN / "hcd"), "-d"] +
                           (["-v"] if os.environ.get("BENCH_KEEP") else []) +
                           ["-f", str(conf)],
                           stdout=log, stderr=subprocess.STDOUT)
    try:
        end = t_epoch + 40
        while time.time() < end and len(rx.arrivals) < N:
            time.sleep(0.1)
        codes = {r for r in sql(url, "SELECT code FROM api_check").split()}
        lat = sorted(rx.arrivals[c] - t_epoch for c in codes
                     if c in rx.arrivals)
        if len(lat) < N:
            print("bench-notify: only %d of %d webhooks arrived within 40 s"
                  % (len(lat), N))
        if lat:
            def pct(p):
                return lat[min(len(lat) - 1, int(round(p * len(lat))) - 1)]
            print("bench-notify: %d checks down at one deadline, 2 webhook "
                  "channels each (one receiver hangs: %d connections held)"
                  % (N, rx.hung))
            print("deadline -> webhook arrival: p50 %.3f s, p99 %.3f s, "
                  "max %.3f s, min %.3f s" % (pct(0.50), pct(0.99), lat[-1],
                                              lat[0]))
    finally:
        hcd.terminate()
        try:
            hcd.wait(30)
        except subprocess.TimeoutExpired:
            hcd.kill()
        log.close()
        if os.environ.get("BENCH_KEEP"):
            print("bench-notify: kept database %s and %s" % (DB, tmp))
        else:
            sql(admin, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % DB)
            subprocess.run(["rm", "-rf", str(tmp)])


if __name__ == "__main__":
    main()
