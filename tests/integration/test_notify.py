# Notifications end to end (alerter/notify): a check's flip becomes one
# delivery per channel in the outbox, the notifier process sends it,
# and a real receiver on 127.0.0.1 gets it: an HTTP server recording
# each request (webhooks) and an SMTP sink (aiosmtpd, email).  Covers:
# webhook down and up with the notification code header; a receiver
# failing twice then answering 200 (same code, last_error cleared); a
# hanging receiver delaying neither another channel nor ping acks;
# kill -9 of the notifier with 100 deliveries in flight (each delivered
# after its restart, none with a new code); two nodes on one database
# (each flip delivered once per channel); a private address refused
# when INTEGRATIONS_ALLOW_PRIVATE_IPS is off; hcctl's channel commands
# and status; email through the SMTP sink and, without EMAIL_HOST, to
# the log.
#
# The webhook values use only what every correct builder (spec 5.4)
# sends the same way: $CODE and $STATUS in URLs and bodies, a fixed
# header.

import json
import os
import re
import signal
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import SLOW, free_port

CODE_HEADER = "X-Healthchecks-Notification"
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request.  Per path
    prefix, a behaviour: "ok" (200), ("fail", n) (n answers 500, then
    200), "hang" (no answer until release()), or a status number.  With
    tls (an ssl.SSLContext) it speaks https; answer(path), if given,
    chooses the (status, JSON body) of an "ok" request."""

    def __init__(self, tls=None, answer=None):
        self.requests = []
        self.lock = threading.Lock()
        self.modes = {}
        self.counts = {}
        self.release_ev = threading.Event()
        rec = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def handle_one(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                with rec.lock:
                    rec.requests.append({
                        "method": self.command, "path": self.path,
                        "headers": {k.lower(): v for k, v in
                                    self.headers.items()},
                        "body": body, "t": time.time()})
                    mode = "ok"
                    for p, m in rec.modes.items():
                        if self.path.startswith(p):
                            mode = m
                    key = self.path.split("?")[0].rsplit("/", 1)[0]
                    rec.counts[key] = rec.counts.get(key, 0) + 1
                    count = rec.counts[key]
                status = 200
                extra = {}
                if isinstance(mode, tuple) and mode[0] == "429":
                    if count <= mode[1]:
                        status = 429
                        extra["Retry-After"] = str(mode[2])
                if mode == "hang":
                    rec.release_ev.wait(120)
                elif isinstance(mode, tuple) and mode[0] == "fail":
                    status = 500 if count <= mode[1] else 200
                elif isinstance(mode, int):
                    status = mode
                data = b"OK"
                if mode == "ok" and answer is not None:
                    status, out = answer(self.path)
                    data = json.dumps(out).encode()
                    extra["Content-Type"] = "application/json"
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = handle_one

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024

            def handle_error(self, request, client_address):
                pass        # clients killed mid-request (kill -9)

        self.server = Server(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket,
                                                 server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def got(self, prefix):
        """The requests whose path starts with prefix, or for which the
        function prefix is true."""
        with self.lock:
            if callable(prefix):
                return [r for r in self.requests if prefix(r)]
            return [r for r in self.requests if r["path"].startswith(prefix)]

    def release(self):
        self.release_ev.set()

    def close(self):
        self.release()
        self.server.shutdown()
        self.server.server_close()


def until(pred, timeout, what="condition"):
    t0 = time.monotonic()
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() - t0 > timeout * SLOW:
            raise AssertionError("%s not within %.1f s" % (what, timeout))
        time.sleep(0.05)


def webhook(rx, prefix, method="POST"):
    return json.dumps({
        "method_down": method, "url_down": rx.url(prefix + "/down/$CODE"),
        "body_down": "status=$STATUS", "headers_down": {"X-Test": "yes"},
        "method_up": method, "url_up": rx.url(prefix + "/up/$CODE"),
        "body_up": "status=$STATUS", "headers_up": {"X-Test": "yes"}})


def add_channel(h, kind, value, name=None):
    args = ["channel", "add", h.project, kind, value]
    if name:
        args += ["--name", name]
    out = h.hcctl(*args).stdout.strip()
    assert re.fullmatch(UUID_RE, out), out
    return out


def channel_row(h, code):
    r = h.sql("SELECT last_error, last_notify IS NOT NULL, disabled, "
              "last_notify_duration IS NOT NULL FROM api_channel "
              "WHERE code = '%s'" % code)
    return r[0]


def notif_codes(h, channel):
    return {r[0]: r[1] for r in h.sql(
        "SELECT n.code, n.error FROM api_notification n JOIN api_channel ch"
        " ON ch.id = n.channel_id WHERE ch.code = '%s'" % channel)}


def notifier_pid(h):
    for line in h.hcctl("status").stdout.splitlines():
        m = re.match(r"^notifier\s+\d+\s+(\d+)\s", line)
        if m and int(m.group(1)) > 0:
            return int(m.group(1))
    return None


@pytest.fixture(scope="module")
def rx():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def hcd(make_hcd):
    # Receivers listen on loopback: private addresses must be allowed.
    return make_hcd(extra={"INTEGRATIONS_ALLOW_PRIVATE_IPS": "True"})


def new_project(h, name):
    """A project of its own, so that channels of one test do not reach
    the checks of another."""
    h.project = h.hcctl("project", "add", name, "--owner",
                        "a@example.org").stdout.strip()
    h.key = h.hcctl("apikey", "add", h.project).stdout.strip()
    return h.project


def test_webhook_down_and_up(hcd, rx):
    new_project(hcd, "wh")
    chk = hcd.create_check(name="backup")
    ch = add_channel(hcd, "webhook", webhook(rx, "/wh1"), name="hook")
    assert hcd.ping(chk["ping_url"].rsplit("/", 1)[1] + "/fail").status \
        == 200
    down = until(lambda: rx.got("/wh1/down/"), 10, "the down webhook")
    assert len(down) == 1
    req = down[0]
    assert req["method"] == "POST"
    assert req["path"] == "/wh1/down/" + chk["ping_url"].rsplit("/", 1)[1]
    assert req["body"] == b"status=down"
    assert req["headers"]["x-test"] == "yes"
    assert req["headers"]["user-agent"] == "healthchecks.io"
    code = req["headers"][CODE_HEADER.lower()]
    assert re.fullmatch(UUID_RE, code)
    until(lambda: notif_codes(hcd, ch).get(code) == "", 5,
          "the notification row")
    # success ping: up
    hcd.ping(chk["ping_url"].rsplit("/", 1)[1])
    up = until(lambda: rx.got("/wh1/up/"), 10, "the up webhook")
    assert len(up) == 1 and up[0]["body"] == b"status=up"
    code2 = up[0]["headers"][CODE_HEADER.lower()]
    assert code2 != code
    until(lambda: channel_row(hcd, ch)[0] == "" and
          channel_row(hcd, ch)[1] == "t", 5, "last_notify")
    # the flips are processed, the outbox rows sent
    assert hcd.sql("SELECT count(*) FROM api_flip WHERE processed IS NULL")\
        == [("0",)]
    st = hcd.sql("SELECT o.status, o.code FROM hcd_outbox o JOIN "
                 "api_channel ch ON ch.id = o.channel_id WHERE ch.code = "
                 "'%s' ORDER BY o.id" % ch)
    assert st == [("sent", code), ("sent", code2)]


def test_fails_twice_then_ok_same_code(hcd, rx):
    new_project(hcd, "retry")
    chk = hcd.create_check(name="flaky")
    rx.modes["/wh2/"] = ("fail", 2)
    ch = add_channel(hcd, "webhook", webhook(rx, "/wh2"))
    hcd.ping(chk["ping_url"].rsplit("/", 1)[1] + "/fail")
    # the first failure is visible on the channel
    until(lambda: channel_row(hcd, ch)[0] == "Received status code 500",
          10, "last_error after the first failure")
    got = until(lambda: len(rx.got("/wh2/down/")) >= 3 and
                rx.got("/wh2/down/"), 30, "the third attempt")
    codes = {r["headers"][CODE_HEADER.lower()] for r in got}
    assert len(codes) == 1, codes
    code = codes.pop()
    until(lambda: channel_row(hcd, ch)[0] == "", 5, "last_error cleared")
    assert notif_codes(hcd, ch) == {code: ""}
    att = hcd.sql("SELECT attempts, status FROM hcd_outbox WHERE code = "
                  "'%s'" % code)
    assert att == [("3", "sent")]
    time.sleep(1)
    assert len(rx.got("/wh2/down/")) == 3


def test_permanent_error_disables_channel(hcd, rx):
    """Slack answering 404 is a permanent error (spec 5.4): one attempt,
    the error recorded, the channel disabled as Healthchecks disables it,
    and nothing more sent to it."""
    new_project(hcd, "gone")
    chk = hcd.create_check(name="gone")
    rx.modes["/slack-gone"] = 404
    ch = add_channel(hcd, "slack", rx.url("/slack-gone"))
    hcd.ping(chk["ping_url"].rsplit("/", 1)[1] + "/fail")
    until(lambda: channel_row(hcd, ch)[2] == "t", 10, "the channel disabled")
    assert channel_row(hcd, ch)[0] == "Received status code 404"
    assert len(rx.got("/slack-gone")) == 1
    hcd.ping(chk["ping_url"].rsplit("/", 1)[1])         # up: not sent
    time.sleep(1.5)
    assert len(rx.got("/slack-gone")) == 1


def test_hanging_receiver_delays_nobody(hcd, rx):
    new_project(hcd, "hang")
    chk = hcd.create_check(name="h")
    rx.modes["/wh3/"] = "hang"
    add_channel(hcd, "webhook", webhook(rx, "/wh3"), name="hangs")
    add_channel(hcd, "webhook", webhook(rx, "/wh4"), name="answers")
    path = chk["ping_url"].rsplit("/", 1)[1]
    t0 = time.time()
    hcd.ping(path + "/fail")
    until(lambda: rx.got("/wh3/down/"), 10, "the hanging request")
    other = until(lambda: rx.got("/wh4/down/"), 5, "the other channel")
    assert other[0]["t"] - t0 < 3 * SLOW
    # ping acks while the request hangs
    worst = 0
    for _ in range(20):
        t = time.monotonic()
        assert hcd.ping(path).status == 200
        worst = max(worst, time.monotonic() - t)
    assert worst < 0.5 * SLOW, worst


def test_kill9_notifier_resumes_same_codes(hcd, rx):
    new_project(hcd, "kill9")
    checks = [hcd.create_check(name="k%d" % i) for i in range(100)]
    rx.modes["/wh5/"] = "hang"
    rx.release_ev.clear()
    ch = add_channel(hcd, "webhook", webhook(rx, "/wh5"))
    for c in checks:
        assert hcd.ping(c["ping_url"].rsplit("/", 1)[1] + "/fail").status \
            == 200
    until(lambda: len(rx.got("/wh5/down/")) >= 100, 20,
          "100 requests in flight")
    codes_before = {r["headers"][CODE_HEADER.lower()]
                    for r in rx.got("/wh5/down/")}
    assert len(codes_before) == 100
    pid = notifier_pid(hcd)
    assert pid
    os.kill(pid, signal.SIGKILL)
    rx.modes["/wh5/"] = "ok"
    rx.release()
    until(lambda: notifier_pid(hcd) not in (None, pid), 10,
          "the notifier restarted")
    until(lambda: hcd.sql(
        "SELECT count(*) FROM hcd_outbox o JOIN api_channel ch ON ch.id = "
        "o.channel_id WHERE ch.code = '%s' AND o.status = 'sent'" % ch)
        == [("100",)], 30, "every delivery sent")
    rows = hcd.sql("SELECT o.code FROM hcd_outbox o JOIN api_channel ch ON "
                   "ch.id = o.channel_id WHERE ch.code = '%s'" % ch)
    assert {r[0] for r in rows} == codes_before
    after = {r["headers"][CODE_HEADER.lower()] for r in rx.got("/wh5/down/")}
    assert after == codes_before      # resent, never with a new code
    assert len(rx.got("/wh5/down/")) >= 200
    assert set(notif_codes(hcd, ch)) == codes_before
    rx.release_ev.clear()


def test_hcctl_channel_commands(hcd, rx):
    new_project(hcd, "cli")
    c1 = hcd.create_check(name="one")
    c2 = hcd.create_check(name="two")
    p = hcd.hcctl("channel", "add", hcd.project, "nosuchkind", "x",
                  check=False)
    assert p.returncode == 1 and "unknown" in p.stderr
    p = hcd.hcctl("channel", "add", hcd.project, "webhook", "not json",
                  check=False)
    assert p.returncode == 1 and "invalid value" in p.stderr
    ch = add_channel(hcd, "webhook", webhook(rx, "/wh6"), name="cli hook")
    n = hcd.sql("SELECT count(*) FROM api_channel_checks cc JOIN "
                "api_channel ch ON ch.id = cc.channel_id WHERE ch.code = "
                "'%s'" % ch)
    assert n == [("2",)]
    lines = hcd.hcctl("channel", "list", hcd.project).stdout.splitlines()
    assert len(lines) == 1
    f = lines[0].split("\t")
    assert f[:4] == [ch, "webhook", "cli hook", "-"]
    p = hcd.hcctl("channel", "test", ch)
    assert p.stdout.strip() == "OK"
    t = rx.got("/wh6/down/")
    assert len(t) == 1 and t[0]["body"] == b"status=down"
    f = hcd.hcctl("channel", "list", hcd.project).stdout.split("\t")
    assert re.match(r"\d{4}-\d\d-\d\dT", f[3]), f
    # a failing test prints its error
    rx.modes["/wh7/"] = 418
    ch7 = add_channel(hcd, "webhook", webhook(rx, "/wh7"))
    p = hcd.hcctl("channel", "test", ch7, check=False)
    assert p.returncode == 1
    assert p.stdout.strip() == "Error: Received status code 418"
    # assign: a new check gets an existing channel
    c3 = hcd.create_check(name="three")
    hcd.hcctl("channel", "assign", ch, c3["ping_url"].rsplit("/", 1)[1])
    n = hcd.sql("SELECT count(*) FROM api_channel_checks cc JOIN "
                "api_channel ch ON ch.id = cc.channel_id WHERE ch.code = "
                "'%s'" % ch)
    assert n == [("3",)]
    p = hcd.hcctl("channel", "assign", ch,
                  "00000000-0000-4000-8000-000000000000", check=False)
    assert p.returncode == 1
    st = hcd.hcctl("status").stdout
    assert re.search(r"notifications: \d+ pending, oldest \d+ s, \d+ failed"
                     r" in the last hour", st), st
    m = re.search(r"notifier: (\d+) sent, (\d+) retried, (\d+) failed", st)
    assert m and int(m.group(1)) >= 1 and int(m.group(3)) >= 1, st
    hcd.hcctl("channel", "remove", ch)
    assert hcd.sql("SELECT count(*) FROM api_channel WHERE code = '%s'"
                   % ch) == [("0",)]
    p = hcd.hcctl("channel", "remove", ch, check=False)
    assert p.returncode == 1
    del c1, c2


def test_two_nodes_deliver_once(make_hcd, rx):
    a = make_hcd(extra={"INTEGRATIONS_ALLOW_PRIVATE_IPS": "True"})
    b = make_hcd(extra={"INTEGRATIONS_ALLOW_PRIVATE_IPS": "True"}, share=a)
    checks = [a.create_check(name="n%d" % i) for i in range(30)]
    add_channel(a, "webhook", webhook(rx, "/wh8"))
    add_channel(a, "webhook", webhook(rx, "/wh9"))
    for i, c in enumerate(checks):
        node = a if i % 2 else b
        assert node.ping(c["ping_url"].rsplit("/", 1)[1] + "/fail")\
            .status == 200
    until(lambda: len(rx.got("/wh8/down/")) >= 30 and
          len(rx.got("/wh9/down/")) >= 30, 20, "60 deliveries")
    time.sleep(2)
    for prefix in ("/wh8/down/", "/wh9/down/"):
        got = rx.got(prefix)
        assert len(got) == 30, len(got)
        assert len({r["path"] for r in got}) == 30
        assert len({r["headers"][CODE_HEADER.lower()] for r in got}) == 30
    owners = a.sql("SELECT count(DISTINCT lease_owner) FROM hcd_outbox")
    assert owners == [("0",)]     # leases cleared once sent


def test_private_address_refused(make_hcd, rx):
    h = make_hcd(extra={"INTEGRATIONS_ALLOW_PRIVATE_IPS": "False"})
    chk = h.create_check(name="private")
    ch = add_channel(h, "webhook", webhook(rx, "/wh10"))
    h.ping(chk["ping_url"].rsplit("/", 1)[1] + "/fail")
    text = "Connections to private IP addresses are not allowed"
    until(lambda: channel_row(h, ch)[0] == text, 10, "the refusal")
    until(lambda: list(notif_codes(h, ch).values()) == [text], 5,
          "the notification's error")
    assert h.sql("SELECT status FROM hcd_outbox") == [("failed",)]
    assert rx.got("/wh10/") == []
    p = h.hcctl("channel", "test", ch, check=False)
    assert p.stdout.strip() == "Error: " + text


class Sink:
    """An SMTP sink on 127.0.0.1; the first `fail` RCPTs are answered
    with `code` (451: transient, 550: permanent)."""

    def __init__(self, fail=0, code="451 4.3.0 Try again later"):
        from aiosmtpd.controller import Controller
        self.messages = []
        self.rcpts = 0
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address,
                                  rcpt_options):
                sink.rcpts += 1
                if sink.rcpts <= fail:
                    return code
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                sink.messages.append((envelope.mail_from,
                                      list(envelope.rcpt_tos),
                                      envelope.content))
                return "250 OK"

        self.port = free_port()
        self.ctl = Controller(Handler(), hostname="127.0.0.1",
                              port=self.port)
        self.ctl.start()

    def close(self):
        self.ctl.stop()


def test_email_through_smtp_sink(make_hcd):
    import email
    from email import policy
    sink = Sink()
    try:
        h = make_hcd(extra={"EMAIL_HOST": "127.0.0.1",
                            "EMAIL_PORT": str(sink.port),
                            "EMAIL_USE_TLS": "False",
                            "DEFAULT_FROM_EMAIL": "hc@example.org"})
        chk = h.create_check(name="mailed")
        add_channel(h, "email", json.dumps(
            {"value": "ops@example.org", "up": True, "down": True}))
        h.ping(chk["ping_url"].rsplit("/", 1)[1] + "/fail")
        until(lambda: sink.messages, 10, "the email")
        frm, rcpt, raw = sink.messages[0]
        assert frm == "hc@example.org" and rcpt == ["ops@example.org"]
        m = email.message_from_bytes(raw, policy=policy.default)
        assert m["Subject"] == "DOWN | mailed"
        assert m["To"] == "ops@example.org"
        assert m["Message-ID"]
        parts = {p.get_content_type(): p.get_content()
                 for p in m.walk() if not p.is_multipart()}
        assert "mailed" in parts["text/plain"]
        assert "mailed" in parts["text/html"]
        h.ping(chk["ping_url"].rsplit("/", 1)[1])
        until(lambda: len(sink.messages) == 2, 10, "the up email")
        m = email.message_from_bytes(sink.messages[1][2],
                                     policy=policy.default)
        assert m["Subject"] == "UP | mailed"
        # The List-Unsubscribe link: a page to confirm, a one-click POST
        # (RFC 8058: no session, no CSRF token) that disables the channel
        assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = m["List-Unsubscribe"].strip("<>")
        prefix = "http://127.0.0.1:%d" % h.port
        assert link.startswith(prefix + "/integrations/")
        path = link[len(prefix):]
        r = h.request("GET", path)
        assert r.status == 200 and "ops@example.org" in r.text
        assert 'method="post"' in r.text
        bad = path.rstrip("/")[:-4] + "0000/"
        assert h.request("GET", bad).status == 400
        assert h.request("POST", bad, body="List-Unsubscribe=One-Click",
                         headers={"Content-Type":
                                  "application/x-www-form-urlencoded"}
                         ).status == 400
        code = path.split("/")[2]
        assert h.sql("SELECT disabled FROM api_channel WHERE code = '%s'"
                     % code) == [("f",)]
        r = h.request("POST", path, body="List-Unsubscribe=One-Click",
                      headers={"Content-Type":
                               "application/x-www-form-urlencoded"})
        assert r.status == 200 and "Unsubscribed" in r.text
        assert h.sql("SELECT disabled FROM api_channel WHERE code = '%s'"
                     % code) == [("t",)]
    finally:
        sink.close()


def test_email_without_mail_server_goes_to_log(make_hcd):
    h = make_hcd()
    chk = h.create_check(name="logged")
    ch = add_channel(h, "email", "dev@example.org")
    h.ping(chk["ping_url"].rsplit("/", 1)[1] + "/fail")
    until(lambda: "email to dev@example.org" in h.log(), 10, "the log line")
    assert "DOWN | logged" in h.log()
    until(lambda: channel_row(h, ch)[0] == "" and
          channel_row(h, ch)[1] == "t", 5, "the channel's last_notify")


def test_shell_commands(make_hcd, rx):
    import shutil
    import tempfile
    from pathlib import Path
    out = Path(tempfile.mkdtemp(prefix="hcdsh_", dir="/tmp"))
    os.chmod(out, 0o777)        # the children's user writes here
    try:
        shell_case(make_hcd, out)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def shell_case(make_hcd, out):
    off = make_hcd(extra={"WEBHOOKS_ENABLED": "False",
                          "INTEGRATIONS_ALLOW_PRIVATE_IPS": "True"})
    chk = off.create_check(name="sh")
    ch = add_channel(off, "shell", json.dumps(
        {"cmd_down": "true", "cmd_up": ""}))
    wh = add_channel(off, "webhook", json.dumps(
        {"method_down": "GET", "url_down": "http://127.0.0.1:9/x",
         "body_down": "", "headers_down": {}, "method_up": "GET",
         "url_up": "", "body_up": "", "headers_up": {}}))
    off.ping(chk["ping_url"].rsplit("/", 1)[1] + "/fail")
    until(lambda: channel_row(off, ch)[0] != "", 10, "the refusal")
    assert "not enabled" in channel_row(off, ch)[0].lower()
    until(lambda: channel_row(off, wh)[0] != "", 10, "the webhook refusal")
    assert "not enabled" in channel_row(off, wh)[0].lower()

    h = make_hcd(extra={"SHELL_ENABLED": "True"})
    chk = h.create_check(name="sh")
    ok = add_channel(h, "shell", json.dumps(
        {"cmd_down": "echo $STATUS > %s/$CODE" % out, "cmd_up": ""}))
    bad = add_channel(h, "shell", json.dumps(
        {"cmd_down": "exit 3", "cmd_up": ""}))
    code = chk["ping_url"].rsplit("/", 1)[1]
    h.ping(code + "/fail")
    until(lambda: (out / code).exists(), 10, "the command's file")
    assert (out / code).read_text() == "down\n"
    until(lambda: channel_row(h, bad)[0] == "Command returned exit code 3",
          10, "the exit code")
    until(lambda: channel_row(h, ok)[1] == "t" and
          channel_row(h, ok)[0] == "", 5, "the good one's last_notify")
    # cmd_up empty: a no-op, no delivery at all
    h.ping(code)
    time.sleep(1)
    assert h.sql("SELECT count(*) FROM hcd_outbox WHERE check_status = "
                 "'up'") == [("0",)]


def test_group(make_hcd, rx):
    h = make_hcd(extra={"INTEGRATIONS_ALLOW_PRIVATE_IPS": "True"})
    chk = h.create_check(name="grouped")
    rx.modes["/wh12/"] = 404
    a = add_channel(h, "webhook", webhook(rx, "/wh11"))
    b = add_channel(h, "webhook", webhook(rx, "/wh12"))
    # only the group is assigned to the check
    h.sql("DELETE FROM api_channel_checks")
    g = add_channel(h, "group", "%s,%s" % (a, b))
    h.ping(chk["ping_url"].rsplit("/", 1)[1] + "/fail")
    until(lambda: rx.got("/wh11/down/") and rx.got("/wh12/down/"), 10,
          "both members")
    until(lambda: channel_row(h, g)[0] == "1 out of 2 notifications failed",
          10, "the group's error")


def test_signal_over_unix_socket(make_hcd):
    import shutil
    import tempfile
    from pathlib import Path
    d = Path(tempfile.mkdtemp(prefix="hcdsig_", dir="/tmp"))
    os.chmod(d, 0o755)
    path = str(d / "signal.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o777)       # the children's user connects
    srv.listen(16)
    lines = []

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            f = c.makefile("rwb")
            line = f.readline()
            lines.append(json.loads(line))
            # signal-cli may send other lines first (notifications)
            f.write(b'{"jsonrpc": "2.0", "method": "receive"}\n')
            f.write(json.dumps({"jsonrpc": "2.0", "result": {},
                                "id": lines[-1]["id"]}).encode() + b"\n")
            f.flush()
            c.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        h = make_hcd(extra={"SIGNAL_CLI_SOCKET": path})
        chk = h.create_check(name="sig")
        ch = add_channel(h, "signal", json.dumps(
            {"value": "+15550001111", "up": True, "down": True}))
        h.ping(chk["ping_url"].rsplit("/", 1)[1] + "/fail")
        until(lambda: lines, 10, "the JSON-RPC line")
        assert lines[0]["method"] == "send"
        assert lines[0]["params"]["recipient"] == ["+15550001111"]
        until(lambda: channel_row(h, ch)[1] == "t" and
              channel_row(h, ch)[0] == "", 5, "the channel's last_notify")
    finally:
        srv.close()
        shutil.rmtree(d, ignore_errors=True)


def test_retry_after_window_and_leases(make_hcd, rx):
    h = make_hcd(extra={"INTEGRATIONS_ALLOW_PRIVATE_IPS": "True",
                        "NOTIFY_RETRY_WINDOW": "5"})
    chk = h.create_check(name="w")
    code = chk["ping_url"].rsplit("/", 1)[1]
    # 429 with Retry-After: 3 s, then 200
    rx.modes["/wh13/"] = ("429", 1, 3)
    a = add_channel(h, "webhook", webhook(rx, "/wh13"))
    # always 500: retried within the window, then failed for good
    rx.modes["/wh14/"] = 500
    b = add_channel(h, "webhook", webhook(rx, "/wh14"))
    h.ping(code + "/fail")
    got = until(lambda: len(rx.got("/wh13/down/")) >= 2 and
                rx.got("/wh13/down/"), 15, "the retry after Retry-After")
    assert got[1]["t"] - got[0]["t"] >= 2.9
    until(lambda: h.sql("SELECT o.status FROM hcd_outbox o JOIN api_channel"
                        " ch ON ch.id = o.channel_id WHERE ch.code = '%s'"
                        % b) == [("failed",)], 20, "the window's end")
    n = len(rx.got("/wh14/down/"))
    assert 2 <= n <= 5, n
    assert list(notif_codes(h, b).values()) == ["Received status code 500"]
    assert channel_row(h, b)[0] == "Received status code 500"
    assert channel_row(h, b)[2] == "f"      # not disabled: transient
    assert channel_row(h, a)[0] == ""
    # A lease of another node: kept while it runs, taken once expired.
    c = add_channel(h, "webhook", webhook(rx, "/wh15"))
    h.sql("INSERT INTO hcd_outbox (channel_id, check_id, check_status, "
          "lease_owner, lease_until, attempts) SELECT ch.id, k.id, 'down',"
          " 'ghost', now() + interval '3 s', 1 FROM api_channel ch, "
          "api_check k WHERE ch.code = '%s' AND k.code = '%s'" % (c, code))
    time.sleep(1.5)
    assert rx.got("/wh15/") == []
    got = until(lambda: rx.got("/wh15/down/"), 10, "the expired lease")
    ocode = h.sql("SELECT o.code, o.status, o.attempts FROM hcd_outbox o "
                  "JOIN api_channel ch ON ch.id = o.channel_id WHERE "
                  "ch.code = '%s'" % c)
    assert got[0]["headers"][CODE_HEADER.lower()] == ocode[0][0]
    until(lambda: h.sql("SELECT status FROM hcd_outbox o JOIN api_channel ch"
                        " ON ch.id = o.channel_id WHERE ch.code = '%s'" % c)
          == [("sent",)], 5, "sent")
