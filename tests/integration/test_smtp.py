# Email pings (spec 2; smtpd/): the smtpd process against the real hcd,
# driven by Python's smtplib, curl's smtp:// and raw sockets.
#
# Covers: every path of spec 2 (UUID and key+slug recipients, the
# domain and mailbox rejections with their exact texts, unknown and
# ambiguous checks answered 250 and logged, several recipients, what a
# ping stores: scheme, method, ua, remote address, the raw message);
# keyword filters on Subjects encoded in UTF-8 and ISO-8859-1 (Q and B)
# and on multipart bodies with HTML-only parts, default-fail, filters
# off; STARTTLS with a certificate made here (smtplib and curl), and
# plaintext pipelined after STARTTLS dropped; the size limit (SIZE and
# DATA), the recipient, line, command-timeout, DATA-timeout and
# connection limits with their replies and counters; pipelining,
# dot-unstuffing and bare LF; a client that goes away in DATA (nothing
# recorded); 50 concurrent senders (each 250 stored once); the durable
# 250 (held while the database is away, sent once stored); a full ring
# (451 4.3.0, nothing lost); kill -9 of the smtpd during a session (it
# is restarted, the half-sent message is not recorded); hcctl status.
# Every server listens on 127.0.0.1 only.

import base64
import os
import quopri
import re
import select
import signal
import smtplib
import socket
import ssl
import subprocess
import threading
import time
import uuid

import pytest

from conftest import BIN, SLOW, free_port, run_sql, wait_for

DOMAIN = "hc.example"
CURL = "/usr/bin/curl"


# --- helpers ---------------------------------------------------------------

class Raw:
    """A raw SMTP client: bytes out, replies (code, [lines]) in.  It
    buffers itself, so that a read that timed out can be tried again."""

    def __init__(self, port, src=None, timeout=None):
        self.s = socket.create_connection(
            ("127.0.0.1", port), timeout=timeout or 10 * SLOW,
            source_address=(src, 0) if src else None)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.s.sendall(data)

    def readline(self):
        while b"\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                line, self.buf = self.buf, b""
                return line
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def reply(self):
        lines = []
        while True:
            line = self.readline()
            if not line:
                raise ConnectionError("closed after %r" % lines)
            line = line.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]), lines

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def closed(self):
        """True if the server has closed the connection."""
        try:
            return self.readline() == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def message(subject="hello", body="body text\r\n", headers=()):
    h = ["From: cron@sender.example", "To: x@%s" % DOMAIN]
    if subject is not None:
        h.append("Subject: " + subject)
    h.extend(headers)
    return ("\r\n".join(h) + "\r\n\r\n").encode() + (
        body.encode() if isinstance(body, str) else body)


def addr(code):
    return "%s@%s" % (code, DOMAIN)


def q_word(text, charset):
    """An RFC 2047 Q encoded word."""
    enc = quopri.encodestring(text.encode(charset), header=True).decode()
    return "=?%s?Q?%s?=" % (charset, enc.replace("?", "=3F"))


def b_word(text, charset):
    return "=?%s?B?%s?=" % (
        charset, base64.b64encode(text.encode(charset)).decode())


def make_cert(d):
    """A self-signed certificate for localhost, key readable by root only."""
    cert, key = str(d / "smtp.crt"), str(d / "smtp.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-keyout", key, "-out", cert, "-days", "2", "-subj",
         "/CN=localhost", "-addext",
         "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60)
    os.chmod(key, 0o600)
    os.chmod(cert, 0o644)
    return cert, key


def smtp_child(h):
    for c in h.status()["children"]:
        if c["role"] == "smtpd":
            return c
    raise AssertionError("no smtpd:\n" + h.status()["text"])


def counters(h):
    """The smtp lines of hcctl status as {name: number}."""
    text = h.status()["text"]
    out = {}
    for line in text.splitlines():
        if not re.match(r"smtp[a-z ]*: ", line):
            continue
        for n, name in re.findall(r"(\d+) ([A-Za-z][A-Za-z_ ]*?)(?=[,)(]|$)",
                                  line.split(":", 1)[1]):
            out[name.strip()] = int(n)
    return out


def db_block(h):
    run_sql(h.admin, "ALTER DATABASE %s ALLOW_CONNECTIONS false" % h.db)
    run_sql(h.admin, "SELECT pg_terminate_backend(pid) FROM "
            "pg_stat_activity WHERE datname = '%s'" % h.db)


def db_allow(h):
    run_sql(h.admin, "ALTER DATABASE %s ALLOW_CONNECTIONS true" % h.db)


@pytest.fixture(scope="module")
def inst(make_hcd, tmp_path_factory):
    d = tmp_path_factory.mktemp("smtp")
    os.chmod(d, 0o755)
    cert, key = make_cert(d)
    port = free_port()
    h = make_hcd(extra={
        "SMTP_LISTEN": "127.0.0.1:%d" % port,
        "PING_EMAIL_DOMAIN": DOMAIN,
        "SMTP_TLS_CERT": cert,
        "SMTP_TLS_KEY": key,
        "SMTP_MAX_CONNECTIONS_PER_CLIENT": 100,
    })
    h.smtp_port = port
    h.cert = cert
    return h


@pytest.fixture
def check(inst):
    return inst.create_check(name="e-" + uuid.uuid4().hex[:6])["uuid"]


def sendmail(inst, rcpts, msg, sender="cron@sender.example"):
    with smtplib.SMTP("127.0.0.1", inst.smtp_port,
                      timeout=20 * SLOW) as s:
        return s.sendmail(sender, rcpts, msg)


# --- spec 2 ----------------------------------------------------------------

def test_uuid_recipient(inst, check):
    msg = message("Nightly backup", "all good\r\n")
    assert sendmail(inst, [addr(check)], msg) == {}
    # durable: stored by the time the 250 came
    p = inst.last_ping(check)
    assert p["kind"] is None
    assert p["scheme"] == "email"
    assert p["method"] == ""
    assert p["ua"] == "Email from cron@sender.example"
    assert p["remote_addr"] == "127.0.0.1"
    assert p["body"] == msg
    assert p["exitstatus"] is None and p["rid"] is None
    row = inst.check_row(check)
    assert row["status"] == "up" and row["n_pings"] == 1
    # either case of the UUID
    sendmail(inst, [addr(check.upper())], message())
    assert inst.check_row(check)["n_pings"] == 2


def test_slug_recipient(inst):
    slug = "mail-" + uuid.uuid4().hex[:6]
    u = inst.create_check(name=slug, slug=slug)["uuid"]
    sendmail(inst, ["%s+%s@%s" % (inst.ping_key, slug, DOMAIN)], message())
    assert len(inst.pings(u)) == 1


def test_curl(inst, check, tmp_path):
    """The seed's guide: curl smtp:// --mail-rcpt <uuid>@domain."""
    f = tmp_path / "mail.txt"
    f.write_bytes(message("from curl", "sent by curl\r\n"))
    p = subprocess.run(
        [CURL, "-sS", "smtp://127.0.0.1:%d" % inst.smtp_port,
         "--mail-from", "curl@sender.example", "--mail-rcpt", addr(check),
         "-T", str(f)], capture_output=True, text=True, timeout=30 * SLOW)
    assert p.returncode == 0, p.stderr
    pg = inst.last_ping(check)
    assert pg["ua"] == "Email from curl@sender.example"
    assert b"sent by curl" in pg["body"]


def test_reply_texts_helo(inst, check):
    """After HELO the replies are Healthchecks' exactly."""
    c = Raw(inst.smtp_port)
    try:
        code, lines = c.reply()
        assert code == 220 and "ESMTP" in lines[0]
        assert c.cmd("HELO client.example")[0] == 250
        assert c.cmd("MAIL FROM:<a@sender.example>") == (250, ["250 OK"])
        assert c.cmd("RCPT TO:<%s>" % addr(check)) == (250, ["250 OK"])
        assert c.cmd("RCPT TO:<%s@other.example>" % check) == \
            (550, ["550 5.1.1 Recipient rejected"])
        assert c.cmd("RCPT TO:<%s@HC.EXAMPLE>" % check) == \
            (550, ["550 5.1.1 Recipient rejected"])
        assert c.cmd("RCPT TO:<postmaster@%s>" % DOMAIN) == \
            (550, ["550 5.1.1 Invalid mailbox"])
        assert c.cmd("RCPT TO:<%s+Upper@%s>" % (inst.ping_key, DOMAIN)) \
            == (550, ["550 5.1.1 Invalid mailbox"])
        assert c.cmd("DATA")[0] == 354
        c.send(message() + b".\r\n")
        assert c.reply() == (250, ["250 OK"])
        assert c.cmd("QUIT")[0] == 221
    finally:
        c.close()
    assert len(inst.pings(check)) == 1


def test_reply_texts_ehlo(inst, check):
    """After EHLO: the extensions, and enhanced status codes."""
    c = Raw(inst.smtp_port)
    try:
        c.reply()
        code, lines = c.cmd("EHLO client.example")
        assert code == 250
        ext = {l[4:].split(" ")[0] for l in lines[1:]}
        assert {"SIZE", "PIPELINING", "8BITMIME", "SMTPUTF8",
                "ENHANCEDSTATUSCODES", "STARTTLS", "HELP"} <= ext
        assert "SIZE 1048576" in [l[4:] for l in lines]
        assert c.cmd("MAIL FROM:<a@b.example> BODY=8BITMIME") == \
            (250, ["250 2.1.0 OK"])
        assert c.cmd("RCPT TO:<%s>" % addr(check)) == (250, ["250 2.1.5 OK"])
        assert c.cmd("RCPT TO:<x@y.example>") == \
            (550, ["550 5.1.1 Recipient rejected"])
        assert c.cmd("DATA")[0] == 354
        c.send(message() + b".\r\n")
        assert c.reply() == (250, ["250 2.0.0 OK"])
        assert c.cmd("VRFY root")[0] == 502
        assert c.cmd("EXPN list")[0] == 502
        code, lines = c.cmd("HELP")
        assert code == 214 and "STARTTLS" in lines[0]
        assert c.cmd("NOOP") == (250, ["250 2.0.0 OK"])
        assert c.cmd("QUIT") == (221, ["221 2.0.0 Bye"])
        assert c.closed()
    finally:
        c.close()


def test_unknown_and_ambiguous(inst, check):
    before = counters(inst)
    slug = "amb-" + uuid.uuid4().hex[:6]
    a = inst.create_check(name="a", slug=slug)["uuid"]
    b = inst.create_check(name="b", slug=slug)["uuid"]
    unknown = str(uuid.uuid4())
    rcpts = [addr(unknown), "%s+%s@%s" % (inst.ping_key, slug, DOMAIN),
             "%s+nosuch@%s" % (inst.ping_key, DOMAIN),
             "%s+%s@%s" % ("A" * 22, slug, DOMAIN), addr(check)]
    # every recipient is accepted, and the message too (spec 2)
    assert sendmail(inst, rcpts, message()) == {}
    assert len(inst.pings(check)) == 1
    assert inst.pings(a) == [] and inst.pings(b) == []
    log = inst.log()
    assert "Check not found: %s" % addr(unknown) in log
    assert "Ambiguous slug: %s+%s@%s" % (inst.ping_key, slug, DOMAIN) in log
    after = counters(inst)
    assert after["unknown"] - before["unknown"] == 3
    assert after["ambiguous"] - before["ambiguous"] == 1


def test_several_recipients(inst):
    us = [inst.create_check(name="m%d" % i)["uuid"] for i in range(3)]
    msg = message("to three")
    assert sendmail(inst, [addr(u) for u in us] + [addr(us[0])], msg) == {}
    assert [len(inst.pings(u)) for u in us] == [2, 1, 1]
    for u in us:
        assert inst.last_ping(u)["body"] == msg


def test_smtputf8_sender(inst, check):
    c = Raw(inst.smtp_port)
    try:
        c.reply()
        c.cmd("EHLO x")
        assert c.cmd("MAIL FROM:<j\u00fcrgen@b\u00fcro.example> SMTPUTF8"
                     " BODY=8BITMIME")[0] == 250
        assert c.cmd("RCPT TO:<%s>" % addr(check))[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send(message("Gr\u00fc\u00dfe") + b".\r\n")
        assert c.reply()[0] == 250
    finally:
        c.close()
    assert inst.last_ping(check)["ua"] == \
        "Email from j\u00fcrgen@b\u00fcro.example"


# --- keyword filters -------------------------------------------------------

def kind_of(inst, u, msg):
    sendmail(inst, [addr(u)], msg)
    return inst.last_ping(u)["kind"]


def test_subject_keywords_encoded(inst):
    u = inst.create_check(name="kw", filter_subject=True,
                          success_kw="r\u00e9ussi, OK",
                          failure_kw="\u00e9chec, FAIL",
                          start_kw="d\u00e9but")["uuid"]
    cases = [
        (q_word("Sauvegarde r\u00e9ussie", "utf-8"), None),
        (b_word("Sauvegarde r\u00e9ussie", "utf-8"), None),
        (q_word("Sauvegarde r\u00e9ussie", "iso-8859-1"), None),
        (b_word("Sauvegarde r\u00e9ussie", "iso-8859-1"), None),
        (q_word("\u00e9chec de la sauvegarde", "iso-8859-1"), "fail"),
        (b_word("\u00e9chec de la sauvegarde", "utf-8"), "fail"),
        ("Job " + q_word("d\u00e9but", "utf-8") + " now", "start"),
        # failure wins over success; case-sensitive
        (b_word("OK but FAIL", "iso-8859-1"), "fail"),
        ("all fine, ok", "ign"),
        # two words, folded
        (q_word("Sauvegarde ", "utf-8") + "\r\n " +
         q_word("r\u00e9ussie", "iso-8859-1"), None),
    ]
    for subject, want in cases:
        assert kind_of(inst, u, message(subject, "FAIL in the body\r\n")) \
            == want, subject


def test_subject_default_fail_and_filters_off(inst):
    u = inst.create_check(name="df", filter_subject=True, success_kw="OK",
                          filter_default_fail=True)["uuid"]
    assert kind_of(inst, u, message("nothing matches")) == "fail"
    assert inst.check_row(u)["status"] == "down"
    assert kind_of(inst, u, message("all OK")) is None
    assert inst.check_row(u)["status"] == "up"
    # no filter: success whatever the words (methods and
    # filter_http_body do not apply to email)
    v = inst.create_check(name="off", failure_kw="FAIL", methods="POST",
                          filter_http_body=True)["uuid"]
    assert kind_of(inst, v, message("FAIL", "FAIL\r\n")) is None


HTML_ONLY = (
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/html; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<html><head><style>.x { }</style></head><body>\r\n"
    "<p>Sauvegarde <b>r=E9ussie</b>&nbsp;: 12 fichiers</p>\r\n"
    "<script>var s = \"=E9chec\";</script></body></html>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Disposition: attachment; filename=\"log.txt\"\r\n"
    "\r\n"
    "FAIL (in the attachment, not the body)\r\n"
    "--outer--\r\n")


def mime_message(subject, tail):
    return ("From: nas@sender.example\r\nSubject: %s\r\n%s" % (
        subject, tail)).encode("latin-1")


def test_body_keywords_multipart(inst):
    u = inst.create_check(name="body", filter_body=True,
                          success_kw="r\u00e9ussie",
                          failure_kw="\u00e9chec, FAIL")["uuid"]
    # HTML-only, nested, QP and ISO-8859-1; not the script, not the
    # attachment, not the Subject (filter_subject is off)
    assert kind_of(inst, u, mime_message("FAIL", HTML_ONLY)) is None
    # text/plain in base64, UTF-8
    plain = ("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8"
             "\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n" %
             base64.b64encode("\u00e9chec: disk full\n".encode()).decode())
    assert kind_of(inst, u, mime_message("fine", plain)) == "fail"
    # alternative: the plain part and the HTML part both count
    alt = ("MIME-Version: 1.0\r\nContent-Type: multipart/alternative; "
           "boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
           "nothing here\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n" %
           base64.b64encode("<div>&eacute;chec</div>".encode()).decode())
    assert kind_of(inst, u, mime_message("fine", alt)) == "fail"
    # subject and body together: "\n".join(subject, text)
    w = inst.create_check(name="both", filter_subject=True, filter_body=True,
                          success_kw="OK", failure_kw="FAIL")["uuid"]
    assert kind_of(inst, w, message("OK", "a FAIL inside\r\n")) == "fail"
    assert kind_of(inst, w, message("FAIL", "OK\r\n")) == "fail"
    assert kind_of(inst, w, message("good", "OK\r\n")) is None


# --- STARTTLS --------------------------------------------------------------

def test_starttls_smtplib(inst, check):
    ctx = ssl.create_default_context(cafile=inst.cert)
    before = counters(inst)
    with smtplib.SMTP("127.0.0.1", inst.smtp_port, timeout=20 * SLOW) as s:
        s.ehlo("client.example")
        assert s.has_extn("starttls")
        code, _ = s.starttls(context=ctx)
        assert code == 220
        s.ehlo("client.example")
        assert not s.has_extn("starttls")    # not offered twice
        assert s.sendmail("tls@sender.example", [addr(check)],
                          message("over TLS")) == {}
    p = inst.last_ping(check)
    assert p["ua"] == "Email from tls@sender.example"
    assert counters(inst)["TLS"] == before["TLS"] + 1


def test_starttls_curl(inst, check, tmp_path):
    f = tmp_path / "m.txt"
    f.write_bytes(message("curl over TLS"))
    p = subprocess.run(
        [CURL, "-sS", "--ssl-reqd", "--cacert", inst.cert,
         "smtp://127.0.0.1:%d" % inst.smtp_port, "--mail-from",
         "c@sender.example", "--mail-rcpt", addr(check), "-T", str(f)],
        capture_output=True, text=True, timeout=30 * SLOW)
    assert p.returncode == 0, p.stderr
    assert len(inst.pings(check)) == 1


def test_starttls_plaintext_after_is_dropped(inst):
    c = Raw(inst.smtp_port)
    try:
        c.reply()
        c.cmd("EHLO x")
        # a command injected after STARTTLS, before the handshake
        c.send("STARTTLS\r\nNOOP\r\n")
        assert c.reply() == (220, ["220 2.0.0 Ready to start TLS"])
        c.s.settimeout(1.0 * SLOW)
        with pytest.raises((socket.timeout, ConnectionError)):
            c.reply()           # no 250 for the NOOP in plaintext
    finally:
        c.close()


# --- limits and protocol ---------------------------------------------------

def test_size_limit(inst, check):
    before = counters(inst)
    c = Raw(inst.smtp_port)
    try:
        c.reply()
        c.cmd("EHLO x")
        assert c.cmd("MAIL FROM:<a@b.example> SIZE=1048577") == (552, [
            "552 5.3.4 Message size exceeds fixed maximum message size"])
        # without SIZE: refused after the data, nothing stored
        assert c.cmd("MAIL FROM:<a@b.example>")[0] == 250
        assert c.cmd("RCPT TO:<%s>" % addr(check))[0] == 250
        assert c.cmd("DATA")[0] == 354
        line = b"x" * 998 + b"\r\n"
        c.send(message() + line * 1100 + b".\r\n")
        assert c.reply()[0] == 552
        # the session goes on
        assert c.cmd("MAIL FROM:<a@b.example> SIZE=1000")[0] == 250
        assert c.cmd("RCPT TO:<%s>" % addr(check))[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send(message() + b".\r\n")
        assert c.reply()[0] == 250
    finally:
        c.close()
    assert len(inst.pings(check)) == 1
    assert counters(inst)["too big"] == before["too big"] + 2
    # just under the limit is fine
    big = message() + (b"y" * 998 + b"\r\n") * 1000
    assert len(big) < 1048576
    sendmail(inst, [addr(check)], big)
    assert len(inst.last_ping(check)["body"]) == len(big)


def test_sequence_errors(inst, check):
    c = Raw(inst.smtp_port)
    try:
        c.reply()
        assert c.cmd("MAIL FROM:<a@b>")[0] == 503        # no HELO yet
        c.cmd("EHLO x")
        assert c.cmd("RCPT TO:<%s>" % addr(check))[0] == 503
        assert c.cmd("DATA")[0] == 503
        assert c.cmd("MAIL FROM:<a@b>")[0] == 250
        assert c.cmd("MAIL FROM:<a@b>")[0] == 503        # nested
        assert c.cmd("DATA")[0] == 503                   # no RCPT
        assert c.cmd("RCPT TO:<%s>" % addr(check))[0] == 250
        assert c.cmd("RSET") == (250, ["250 2.0.0 OK"])
        assert c.cmd("DATA")[0] == 503                   # RSET forgot
        assert c.cmd("MAIL FROM:a@b")[0] == 250          # no brackets
        assert c.cmd("RCPT TO:<%s> NOTIFY=NEVER" % addr(check))[0] == 555
        assert c.cmd("RSET")[0] == 250
        assert c.cmd("MAIL FROM <a@b>")[0] == 501
        assert c.cmd("AUTH LOGIN")[0] == 500
    finally:
        c.close()
    # a client that keeps erring is told so and closed
    c = Raw(inst.smtp_port)
    try:
        c.reply()
        for i in range(9):
            assert c.cmd("BOGUS %d" % i)[0] == 500
        c.send("BOGUS\r\n")
        assert c.reply()[0] == 500
        assert c.reply()[0] == 421
        assert c.closed()
    finally:
        c.close()
    assert inst.pings(check) == []


def test_pipelining_dot_stuffing_bare_lf(inst):
    u, v = (inst.create_check(name="p%d" % i)["uuid"] for i in range(2))
    c = Raw(inst.smtp_port)
    try:
        c.reply()
        c.send("EHLO x\r\nMAIL FROM:<p@sender.example>\r\nRCPT TO:<%s>\r\n"
               "RCPT TO:<nobody@elsewhere.example>\r\nDATA\r\n" % addr(u))
        assert c.reply()[0] == 250          # EHLO, all lines
        assert c.reply()[0] == 250
        assert c.reply()[0] == 250
        assert c.reply()[0] == 550
        assert c.reply()[0] == 354
        # the message with bare LFs and leading dots, then a whole
        # second transaction in the same write
        c.send(b"Subject: piped\n\n..leading dot\n...two\nend\n.\r\n"
               b"MAIL FROM:<p@sender.example>\r\nRCPT TO:<" +
               addr(v).encode() + b">\r\nDATA\r\n")
        assert c.reply()[0] == 250          # held until stored, in order
        assert c.reply()[0] == 250
        assert c.reply()[0] == 250
        assert c.reply()[0] == 354
        c.send(b"Subject: second\r\n\r\nx\r\n.\r\nQUIT\r\n")
        assert c.reply()[0] == 250
        assert c.reply()[0] == 221
    finally:
        c.close()
    assert inst.last_ping(u)["body"] == \
        b"Subject: piped\n\n.leading dot\n..two\nend\n"
    assert inst.last_ping(v)["body"] == b"Subject: second\r\n\r\nx\r\n"


def test_disconnect_in_data(inst, check):
    before = counters(inst)
    c = Raw(inst.smtp_port)
    try:
        c.reply()
        c.cmd("EHLO x")
        c.cmd("MAIL FROM:<a@b.example>")
        c.cmd("RCPT TO:<%s>" % addr(check))
        assert c.cmd("DATA")[0] == 354
        c.send(message("half", "the first half\r\n"))
    finally:
        c.close()
    assert wait_for(lambda: counters(inst)["closed in DATA"] ==
                    before["closed in DATA"] + 1)
    # the next message from another client is stored; the half is not
    sendmail(inst, [addr(check)], message("whole"))
    bodies = [p["body"] for p in inst.pings(check)]
    assert len(bodies) == 1 and b"whole" in bodies[0]


def test_concurrent_senders(inst):
    checks = [inst.create_check(name="c%d" % i)["uuid"] for i in range(10)]
    errors, sent = [], []
    lock = threading.Lock()

    def sender(t):
        try:
            with smtplib.SMTP("127.0.0.1", inst.smtp_port,
                              timeout=60 * SLOW) as s:
                for i in range(4):
                    u = checks[(t + i) % len(checks)]
                    tag = "t%d-%d" % (t, i)
                    s.sendmail("s%d@sender.example" % t, [addr(u)],
                               message(tag, tag + "\r\n"))
                    with lock:
                        sent.append((u, tag))
        except Exception as e:      # noqa: BLE001 (reported below)
            with lock:
                errors.append(repr(e))

    threads = [threading.Thread(target=sender, args=(t,))
               for t in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120 * SLOW)
    assert not errors, errors[:5]
    assert len(sent) == 200
    rows = inst.sql(
        "SELECT c.code, p.ua, convert_from(p.body_raw, 'UTF8') FROM api_ping"
        " p JOIN api_check c ON c.id = p.owner_id WHERE c.code IN (%s)" %
        ",".join("'%s'" % u for u in checks))
    stored = [(code, body.rsplit("\r\n", 2)[-2]) for code, ua, body in rows]
    assert sorted(stored) == sorted(sent)       # each once, where sent
    for u in checks:
        ns = sorted(p["n"] for p in inst.pings(u))
        assert ns == list(range(1, len(ns) + 1))


def test_status_counters(inst):
    text = inst.status()["text"]
    assert re.search(r"^smtp: \d+ connections \(\d+ open", text, re.M), text
    assert "smtp recipients:" in text and "smtp refused:" in text
    c = counters(inst)
    assert c["messages"] > 0 and c["pings"] > 0 and c["rejected"] > 0


def fd_targets(pid):
    out = {}
    d = "/proc/%d/fd" % pid
    for n in os.listdir(d):
        try:
            t = os.readlink(os.path.join(d, n))
        except OSError:
            continue
        if int(n) > 2 and t.startswith(("socket:", "pipe:")):
            out[int(n)] = t
    return out


def test_smtpd_descriptors_and_reload(inst, check):
    """The smtpd's row of the role table: of the master's sockets and
    pipes it keeps the SMTP listener, the wake pipe and its own ack
    pipe (and the death pipe every child keeps); no worker has the SMTP
    listener.  SIGHUP replaces it (the
    certificate is read again) and mail goes on."""
    before = inst.child_pids()
    os.kill(inst.proc.pid, signal.SIGHUP)
    # 2 workers, the alerter, the smtpd, the notifier
    assert wait_for(lambda: len(inst.child_pids()) == 5 and
                    not (inst.child_pids() & before))
    master = set(fd_targets(inst.proc.pid).values())
    kept = {}
    for c in inst.status()["children"]:
        kept[c["role"]] = kept.get(c["role"], set()) | (
            set(fd_targets(c["pid"]).values()) & master)
    smtpd = kept["smtpd"]
    socks = {t for t in smtpd if t.startswith("socket:")}
    pipes = {t for t in smtpd if t.startswith("pipe:")}
    assert len(socks) == 1 and len(pipes) == 3, kept
    assert not (socks & kept["worker"]), kept       # theirs is HTTP's
    assert not (socks & kept["alerter"]), kept
    # its ack, the wake, the death pipe
    assert len(pipes & kept["alerter"]) == 3, kept
    assert sendmail(inst, [addr(check)], message("after reload")) == {}
    assert len(inst.pings(check)) == 1
    assert all(c["restarts"] == 0 for c in inst.status()["children"])


def test_committed_250_waits_for_the_database(make_hcd):
    """ACK_MODE=committed: the final 250 only once the ping is stored
    in PostgreSQL (durable answers once it is in the journal)."""
    port = free_port()
    inst = make_hcd(extra={
        "SMTP_LISTEN": "127.0.0.1:%d" % port, "PING_EMAIL_DOMAIN": DOMAIN,
        "ACK_MODE": "committed"})
    inst.smtp_port = port
    check = inst.create_check(name="committed")["uuid"]
    c = Raw(inst.smtp_port)
    try:
        c.reply()
        c.cmd("EHLO x")
        c.cmd("MAIL FROM:<d@sender.example>")
        c.cmd("RCPT TO:<%s>" % addr(check))
        assert c.cmd("DATA")[0] == 354
        db_block(inst)
        try:
            c.send(message("held") + b".\r\n")
            c.s.settimeout(2.0 * SLOW)
            with pytest.raises(socket.timeout):
                c.reply()
        finally:
            db_allow(inst)
        c.s.settimeout(30 * SLOW)
        assert c.reply()[0] == 250
        assert len(inst.pings(check)) == 1      # stored before the 250
        assert c.cmd("QUIT")[0] == 221
    finally:
        c.close()
    # each of the workers' database threads finds its connection gone
    # (503) and makes a new one after a back-off: let them, for the
    # later tests
    deadline, good = time.monotonic() + 30 * SLOW, 0
    while good < 10 and time.monotonic() < deadline:
        r = inst.api("GET", "checks/", key=inst.key)
        good = good + 1 if r.status == 200 else 0
        time.sleep(0.05)
    assert good == 10


def test_kill_smtpd_during_session(inst, check):
    victim = smtp_child(inst)
    old = inst.child_pids()
    c = Raw(inst.smtp_port)
    try:
        c.reply()
        c.cmd("EHLO x")
        c.cmd("MAIL FROM:<k@sender.example>")
        c.cmd("RCPT TO:<%s>" % addr(check))
        assert c.cmd("DATA")[0] == 354
        c.send(message("half-sent", "the first part\r\n"))
        time.sleep(0.2)
        os.kill(victim["pid"], signal.SIGKILL)
        c.s.settimeout(5 * SLOW)
        try:
            assert c.closed()
        except OSError:
            pass                # reset: closed as well
    finally:
        c.close()
    assert wait_for(lambda: victim["pid"] not in inst.child_pids() and
                    len(inst.child_pids() - old) == 1)
    new = wait_for(lambda: smtp_child(inst)["pid"] != victim["pid"] and
                   smtp_child(inst))
    assert new["restarts"] == victim["restarts"] + 1
    # the new smtpd takes mail; the half-sent message is nowhere
    assert sendmail(inst, [addr(check)], message("after")) == {}
    bodies = [p["body"] for p in inst.pings(check)]
    assert len(bodies) == 1 and b"after" in bodies[0], bodies
    assert "killed by signal 9" in inst.log()


# --- an instance with small limits ----------------------------------------

@pytest.fixture(scope="module")
def lim(make_hcd):
    port = free_port()
    h = make_hcd(extra={
        "SMTP_LISTEN": "127.0.0.1:%d" % port,
        "PING_EMAIL_DOMAIN": DOMAIN,
        "SMTP_MAX_RECIPIENTS": 2,
        "SMTP_MAX_LINE": 1000,
        "SMTP_TIMEOUT": 2,
        "SMTP_DATA_TIMEOUT": 3,
        "SMTP_MAX_CONNECTIONS": 4,
        "SMTP_MAX_CONNECTIONS_PER_CLIENT": 3,
    }, workers=1)
    h.smtp_port = port
    return h


def test_recipient_and_line_limits(lim):
    us = [lim.create_check(name="r%d" % i)["uuid"] for i in range(3)]
    c = Raw(lim.smtp_port)
    try:
        c.reply()
        c.cmd("EHLO x")
        c.cmd("MAIL FROM:<a@b.example>")
        assert c.cmd("RCPT TO:<%s>" % addr(us[0]))[0] == 250
        assert c.cmd("RCPT TO:<%s>" % addr(us[1]))[0] == 250
        assert c.cmd("RCPT TO:<%s>" % addr(us[2])) == \
            (452, ["452 4.5.3 Too many recipients"])
        assert c.cmd("NOOP " + "n" * 1200) == \
            (500, ["500 5.5.2 Line too long"])
        assert c.cmd("DATA")[0] == 354
        c.send(b"Subject: long\r\n\r\n" + b"z" * 1500 + b"\r\n.\r\n")
        assert c.reply() == (500, ["500 5.5.2 Line too long"])
        # the first two, again, with lines that fit
        c.cmd("MAIL FROM:<a@b.example>")
        c.cmd("RCPT TO:<%s>" % addr(us[0]))
        c.cmd("RCPT TO:<%s>" % addr(us[1]))
        assert c.cmd("DATA")[0] == 354
        c.send(b"Subject: fits\r\n\r\n" + b"z" * 990 + b"\r\n.\r\n")
        assert c.reply()[0] == 250
    finally:
        c.close()
    assert [len(lim.pings(u)) for u in us] == [1, 1, 0]
    cn = counters(lim)
    assert cn["over SMTP_MAX_RECIPIENTS"] == 1
    assert cn["lines too long"] == 2


def test_timeouts(lim):
    before = counters(lim)
    c = Raw(lim.smtp_port)
    try:
        c.reply()
        t0 = time.monotonic()
        code, lines = c.reply()         # nothing sent: SMTP_TIMEOUT 2 s
        assert lines == ["421 Error: timeout exceeded"]  # no EHLO yet
        assert 1.5 < time.monotonic() - t0 < 8 * SLOW
        assert c.closed()
    finally:
        c.close()
    u = lim.create_check(name="slow")["uuid"]
    c = Raw(lim.smtp_port)
    try:
        c.reply()
        c.cmd("EHLO x")
        c.cmd("MAIL FROM:<a@b.example>")
        c.cmd("RCPT TO:<%s>" % addr(u))
        assert c.cmd("DATA")[0] == 354
        # a line every 0.25 s: never idle for 2 s, but DATA takes > 3 s;
        # stop sending once the reply is there
        for i in range(40):
            if select.select([c.s], [], [], 0.25)[0]:
                break
            c.send("line %d\r\n" % i)
        code, lines = c.reply()
        assert code == 421 and "DATA" in lines[0]
    finally:
        c.close()
    assert lim.pings(u) == []
    cn = counters(lim)
    assert cn["timeouts"] == before["timeouts"] + 1
    assert cn["DATA timeouts"] == before["DATA timeouts"] + 1


def test_connection_limits(lim):
    before = counters(lim)
    held = []
    try:
        for _ in range(3):
            c = Raw(lim.smtp_port)
            assert c.reply()[0] == 220
            held.append(c)
        c = Raw(lim.smtp_port)                  # a 4th from 127.0.0.1
        code, lines = c.reply()
        assert code == 421 and "your address" in lines[0]
        assert c.closed()
        c.close()
        c = Raw(lim.smtp_port, src="127.0.0.2")  # another client: fits
        assert c.reply()[0] == 220
        held.append(c)
        c = Raw(lim.smtp_port, src="127.0.0.2")  # the 5th in all
        code, lines = c.reply()
        assert code == 421 and "Too many connections" in lines[0]
        c.close()
    finally:
        for c in held:
            c.close()
    cn = counters(lim)
    assert cn["over SMTP_MAX_CONNECTIONS_PER_CLIENT"] == \
        before["over SMTP_MAX_CONNECTIONS_PER_CLIENT"] + 1
    assert cn["over SMTP_MAX_CONNECTIONS"] == \
        before["over SMTP_MAX_CONNECTIONS"] + 1
    # once they are gone, a new one is served
    assert wait_for(lambda: counters(lim)["open"] == 0)
    c = Raw(lim.smtp_port)
    try:
        assert c.reply()[0] == 220
    finally:
        c.close()


def test_unreadable_tls_key_stops_hcd(make_hcd, tmp_path):
    """A configuration error: the smtpd exits before its privilege drop
    and the master stops the daemon (status 1), saying why."""
    h = make_hcd(extra={
        "SMTP_LISTEN": "127.0.0.1:%d" % free_port(),
        "SMTP_TLS_CERT": str(tmp_path / "missing.crt"),
        "SMTP_TLS_KEY": str(tmp_path / "missing.key")}, start=False)
    h.start(wait=False)
    assert h.proc.wait(timeout=30 * SLOW) == 1
    assert "SMTP_TLS_CERT %s" % (tmp_path / "missing.crt") in h.log()
    # half of the pair is refused by hcd -n already
    h.write_conf(dict(h.extra, SMTP_TLS_KEY=""))
    p = subprocess.run([str(BIN / "hcd"), "-n", "-f", str(h.conf)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert "SMTP_TLS_CERT and SMTP_TLS_KEY" in p.stderr, p.stderr


# --- a full ring ----------------------------------------------------------

def test_journal_full_451(make_hcd):
    """The database is away, the journal fills up to JOURNAL_MAX: 451
    4.3.x, and every message answered 250 is stored once it is back."""
    port = free_port()
    h = make_hcd(extra={
        "SMTP_LISTEN": "127.0.0.1:%d" % port, "PING_EMAIL_DOMAIN": DOMAIN,
        "JOURNAL_MAX": 4194304, "SMTP_MAX_SIZE": 32768,
        "WORKERS": 1}, workers=1)
    u = h.create_check(name="full")["uuid"]
    db_block(h)
    ok, refused = [], None
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=20 * SLOW) as s:
            for i in range(400):      # 4 MiB journal: some 150 fit
                tag = "m%03d" % i
                try:
                    s.sendmail("f@sender.example", [addr(u)],
                               message(tag, tag + "\r\n" +
                                       ("p" * 998 + "\r\n") * 20))
                    ok.append(tag)
                except smtplib.SMTPDataError as e:
                    refused = (e.smtp_code, e.smtp_error)
                    break
        assert refused is not None, len(ok)
        assert refused[0] == 451 and refused[1].startswith(b"4.3."), refused
        assert len(ok) > 5
        assert counters(h)["ring full"] == 1
    finally:
        db_allow(h)
    assert wait_for(lambda: len(h.pings(u)) >= len(ok), 30)
    stored = sorted(p["body"].split(b"\r\n")[2].split(b": ")[1].decode()
                    for p in h.pings(u))
    assert stored == sorted(ok)
