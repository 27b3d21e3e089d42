# System e-mails (schema 005_mail.sql): with EMAIL_HOST set, the
# dashboard (worker/web/web_auth.c) queues a log-in link in hcd_mail
# instead of writing it to the log, and the notifier (alerter/notify/
# outbox.c, engine.c's SMTP transport) sends it.  Covers: a log-in
# link delivered to an SMTP sink (aiosmtpd) with its subject, text and
# escaped HTML parts, the link logging the user in and the row marked
# sent with its body emptied; a sink answering 451 to the first RCPT,
# after which the mail still arrives (a retry with the back-off,
# attempts 2); a sign-up's link by e-mail; a 550 marking the row
# failed, no retry.

import email
import re
import time
import urllib.parse
from email import policy

import pytest

from conftest import SLOW
from test_notify import Sink, until
from web_client import Web


def mailed_hcd(make_hcd, sink):
    return make_hcd(extra={"EMAIL_HOST": "127.0.0.1",
                           "EMAIL_PORT": str(sink.port),
                           "EMAIL_USE_TLS": "False",
                           "DEFAULT_FROM_EMAIL": "hc@example.org",
                           "SITE_NAME": "Mon & Co"})


def parts(raw):
    m = email.message_from_bytes(raw, policy=policy.default)
    return m, {p.get_content_type(): p.get_content()
               for p in m.walk() if not p.is_multipart()}


def link_of(text):
    found = re.findall(r"(http\S+/accounts/check_token/\S+/)", text)
    assert len(found) == 1, text
    return found[0]


def ask_link(h, ip):
    w = Web(h, ip=ip)
    w.get("/accounts/login/")
    r = w.post("/accounts/login/", {"action": "email",
                                    "email": "a@example.org"})
    assert r.status == 200 and "Check your email" in r.text
    return w


def test_login_link_by_email(make_hcd):
    sink = Sink()
    try:
        h = mailed_hcd(make_hcd, sink)
        w = ask_link(h, "10.9.0.1")
        until(lambda: sink.messages, 10, "the e-mail")
        frm, rcpt, raw = sink.messages[0]
        assert frm == "hc@example.org" and rcpt == ["a@example.org"]
        m, p = parts(raw)
        assert m["Subject"] == "Log in to Mon & Co"
        assert m["To"] == "a@example.org"
        link = link_of(p["text/plain"])
        assert "1 hour" in p["text/plain"]
        assert "Mon &amp; Co" in p["text/html"]
        assert 'href="%s"' % link in p["text/html"]
        # the link is not in the log any more
        assert "/accounts/check_token/" not in h.log()
        assert "login link for a@example.org queued for e-mail" in h.log()
        # the browser that asked logs in with it
        path = urllib.parse.urlsplit(link).path
        r = w.post(path)
        assert r.status == 302 and "hcd_session" in w.cookies
        assert w.get("/").status == 200
        until(lambda: h.sql("SELECT status, attempts::text, last_error FROM "
                            "hcd_mail") == [("sent", "1", "")], 5,
              "the row marked sent")
        # the link, a credential, is not kept once sent
        assert h.sql("SELECT body_text, body_html IS NULL FROM "
                     "hcd_mail") == [("", "t")]
    finally:
        sink.close()


def test_login_link_retried_after_451(make_hcd):
    sink = Sink(fail=1)
    try:
        h = mailed_hcd(make_hcd, sink)
        ask_link(h, "10.9.0.2")
        until(lambda: h.sql("SELECT status, attempts::text FROM hcd_mail "
                            "WHERE last_error <> ''") ==
              [("pending", "1")], 10, "the first, refused attempt")
        until(lambda: sink.messages, 20, "the e-mail after a retry")
        assert sink.rcpts == 2
        m, p = parts(sink.messages[0][2])
        assert m["Subject"] == "Log in to Mon & Co"
        link = link_of(p["text/plain"])
        scanner = Web(h, ip="10.9.0.3")
        scanner.get("/accounts/login/")
        r = scanner.post(urllib.parse.urlsplit(link).path)
        assert r.status == 302 and "hcd_session" in scanner.cookies
        until(lambda: h.sql("SELECT status, attempts::text, last_error FROM "
                            "hcd_mail") == [("sent", "2", "")], 5,
              "the row marked sent")
        assert "system e-mail" in h.log() and "(will retry)" in h.log()
    finally:
        sink.close()


def test_permanent_error_fails_the_row(make_hcd):
    sink = Sink(fail=100, code="550 5.1.1 No such user")
    try:
        h = mailed_hcd(make_hcd, sink)
        ask_link(h, "10.9.0.4")
        until(lambda: h.sql("SELECT status, attempts::text FROM hcd_mail") ==
              [("failed", "1")], 10, "the row marked failed")
        time.sleep(3 * SLOW)        # past the first back-off: no retry
        assert sink.rcpts == 1 and sink.messages == []
    finally:
        sink.close()


def test_signup_link_by_email(make_hcd):
    sink = Sink()
    try:
        h = mailed_hcd(make_hcd, sink)
        w = Web(h, ip="10.9.0.5")
        w.get("/accounts/login/")
        r = w.post("/accounts/signup/", {"email": "New@Example.org"})
        if r.status == 403:
            pytest.skip("REGISTRATION_OPEN is off here")
        assert r.status == 200, r
        until(lambda: sink.messages, 10, "the e-mail")
        assert sink.messages[0][1] == ["new@example.org"]
        _, p = parts(sink.messages[0][2])
        r = w.post(urllib.parse.urlsplit(link_of(p["text/plain"])).path)
        assert r.status == 302 and "hcd_session" in w.cookies
    finally:
        sink.close()
