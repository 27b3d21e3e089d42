# Every integration kind that hcd can deliver, end to end: one check
# with a channel of each kind goes down and comes back up, and what the
# receivers on 127.0.0.1 got is checked against spec 5.4: method, URL,
# the headers that matter and the body, parsed (JSON, form), for a check
# whose name and tags are not ASCII.
#
# Kinds with a URL of their own (Slack, Mattermost, Discord, Rocket.Chat,
# Teams, Zulip, ntfy, Gotify, PagerTree, Spike, Splunk
# On-Call, Matrix by MATRIX_HOMESERVER) are given the plain HTTP
# receiver's.  The others talk to fixed hosts (api.telegram.org,
# api.pushover.net, api.pushbullet.com, events.pagerduty.com,
# api.opsgenie.com, api.twilio.com, api.trello.com, api.github.com;
# Google Chat's webhooks must be https):
# NOTIFY_CONNECT_TO sends those to an HTTPS receiver on loopback whose
# certificate, made here by a CA made here, NOTIFY_CA_FILE trusts; the
# URL, Host and TLS name stay the real ones.  Email, webhook, shell,
# signal and group are in test_notify.py.

import hashlib
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.parse

import pytest

from conftest import SLOW
from test_notify import Receiver, add_channel, new_project, until

NAME = "Sauvegarde nocturne ✓"
TAGS = "prod ünï"
FIXED = ["api.telegram.org", "api.pushover.net", "api.pushbullet.com",
         "events.pagerduty.com", "api.opsgenie.com", "api.twilio.com",
         "api.trello.com", "api.github.com", "chat.googleapis.com"]


def answer(path):
    """GitHub's token endpoint answers the token; the rest, ok."""
    if path.endswith("/access_tokens"):
        return 201, {"token": "ghs_test", "expires_at": "2099-01-01T00:00:00Z"}
    return 200, {"ok": True}


def make_ca(d):
    """A CA and a server certificate for the fixed hosts, with openssl."""
    def run(*a):
        subprocess.run(["openssl"] + list(a), check=True,
                       capture_output=True, cwd=d)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=hcd test CA", "-keyout", "ca.key", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=" + ",".join("DNS:" + h for h in FIXED) +
                "\n")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=receiver",
        "-keyout", "srv.key", "-out", "srv.csr")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey",
        "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf",
        "-out", "srv.pem")
    run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
        "-out", "github.pem")
    for f in os.listdir(d):
        os.chmod(os.path.join(d, f), 0o644)


@pytest.fixture(scope="module")
def setup(make_hcd):
    # readable by the notifier's user (hcd, when the tests run as root)
    d = tempfile.mkdtemp(prefix="hcdca_", dir="/tmp")
    os.chmod(d, 0o755)
    make_ca(d)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "srv.pem"), os.path.join(d, "srv.key"))
    plain, tls = Receiver(answer=answer), Receiver(tls=ctx, answer=answer)
    h = make_hcd(extra={
        "INTEGRATIONS_ALLOW_PRIVATE_IPS": "True",
        "NOTIFY_CONNECT_TO": " ".join("%s:443:127.0.0.1:%d" % (x, tls.port)
                                      for x in FIXED),
        "NOTIFY_CA_FILE": os.path.join(d, "ca.pem"),
        "TELEGRAM_TOKEN": "TG1",
        "PUSHOVER_API_TOKEN": "PO1",
        "MATRIX_HOMESERVER": plain.url(""),
        "MATRIX_ACCESS_TOKEN": "MX1",
        "TWILIO_ACCOUNT": "AC1",
        "TWILIO_AUTH": "AU1",
        "TWILIO_FROM": "+15550001111",
        "TWILIO_MESSAGING_SERVICE_SID": "MG1",
        "TWILIO_USE_WHATSAPP": "True",
        "WHATSAPP_DOWN_CONTENT_SID": "HXdown",
        "WHATSAPP_UP_CONTENT_SID": "HXup",
        "TRELLO_APP_KEY": "TR1",
        "GITHUB_CLIENT_ID": "Iv1.test",
    }, env={"GITHUB_PRIVATE_KEY_FILE": os.path.join(d, "github.pem")})
    yield h, plain, tls
    plain.close()
    tls.close()
    shutil.rmtree(d, ignore_errors=True)


def values(plain):
    u = plain.url
    return {
        "slack": u("/slack"),
        "mattermost": u("/mattermost"),
        "discord": json.dumps({"webhook": {"url": u("/discord")}}),
        "rocketchat": u("/rocketchat"),
        "msteamsw": u("/msteamsw"),
        "googlechat": "https://chat.googleapis.com/v1/spaces/S1/messages"
                      "?key=K1",
        "zulip": json.dumps({"bot_email": "bot@z.example.org",
                             "api_key": "ZK", "mtype": "stream", "to": "ops",
                             "site": u("/zulip"), "topic": ""}),
        "ntfy": json.dumps({"topic": "alerts", "url": u("/ntfy"),
                            "priority": 5, "priority_up": 3, "token": "NT"}),
        "gotify": json.dumps({"url": u("/gotify"), "token": "GT",
                              "priority": 5, "priority_up": 2}),
        "pagertree": u("/pagertree"),
        "spike": u("/spike"),
        "victorops": u("/victorops"),
        "matrix": "!room:example.org",
        "telegram": json.dumps({"id": -100123, "thread_id": None,
                                "type": "group", "name": "Ops"}),
        "po": "uKey123|0",
        "pushbullet": "PB1",
        "pd": json.dumps({"service_key": "PDK", "account": "acme"}),
        "opsgenie": json.dumps({"key": "OGK", "region": "us"}),
        "sms": json.dumps({"value": "+15552223333", "up": True,
                           "down": True}),
        "call": json.dumps({"value": "+15552224444"}),
        "whatsapp": json.dumps({"value": "+15552225555", "up": True,
                                "down": True}),
        "trello": json.dumps({"token": "TT", "list_id": "L1",
                              "board_name": "B", "list_name": "L"}),
        "github": json.dumps({"installation_id": 77, "repo": "acme/ops",
                              "labels": ["down"]}),
    }


def form(r):
    return dict(urllib.parse.parse_qsl(r["body"].decode()))


def js(r):
    return json.loads(r["body"])


def test_every_kind_down_and_up(setup):
    h, plain, tls = setup
    new_project(h, "kinds")
    chk = h.create_check(name=NAME, tags=TAGS)
    code = chk["ping_url"].rsplit("/", 1)[1]
    # Healthchecks: sha1 of the first half of the UUID in hex
    ukey = [(hashlib.sha1(code.replace("-", "")[:16].encode()).hexdigest(),)]

    chans = {}
    for kind, value in values(plain).items():
        chans[kind] = add_channel(h, kind, value, name=kind)
    # hcctl assigned each channel to every check of the project
    assert h.ping(code + "/fail").status == 200

    def on(host, path):
        def pred(r):
            return (r["headers"].get("host", "").split(":")[0] == host and
                    r["path"].startswith(path))
        return pred

    def plain_at(prefix):
        return lambda r: r["path"].startswith(prefix)

    expect_down = {
        "slack": (plain, plain_at("/slack"), "POST"),
        "mattermost": (plain, plain_at("/mattermost"), "POST"),
        "discord": (plain, plain_at("/discord/slack"), "POST"),
        "rocketchat": (plain, plain_at("/rocketchat"), "POST"),
        "msteamsw": (plain, plain_at("/msteamsw"), "POST"),
        "googlechat": (tls, on("chat.googleapis.com",
                               "/v1/spaces/S1/messages?key=K1"), "POST"),
        "zulip": (plain, plain_at("/zulip/api/v1/messages"), "POST"),
        "ntfy": (plain, plain_at("/ntfy"), "POST"),
        "gotify": (plain, plain_at("/gotify/message?token=GT"), "POST"),
        "pagertree": (plain, plain_at("/pagertree"), "POST"),
        "spike": (plain, plain_at("/spike"), "POST"),
        "victorops": (plain, plain_at("/victorops"), "POST"),
        "matrix": (plain, plain_at("/_matrix/client/v3/rooms/"), "PUT"),
        "telegram": (tls, on("api.telegram.org", "/botTG1/sendMessage"),
                     "POST"),
        "po": (tls, on("api.pushover.net", "/1/messages.json"), "POST"),
        "pushbullet": (tls, on("api.pushbullet.com", "/v2/pushes"), "POST"),
        "pd": (tls, on("events.pagerduty.com",
                       "/generic/2010-04-15/create_event.json"), "POST"),
        "opsgenie": (tls, on("api.opsgenie.com", "/v2/alerts"), "POST"),
        "sms": (tls, lambda r: on("api.twilio.com",
                                  "/2010-04-01/Accounts/AC1/Messages.json")(r)
                and form(r).get("To") == "+15552223333", "POST"),
        "call": (tls, on("api.twilio.com",
                         "/2010-04-01/Accounts/AC1/Calls.json"), "POST"),
        "whatsapp": (tls, lambda r: on(
            "api.twilio.com", "/2010-04-01/Accounts/AC1/Messages.json")(r)
            and form(r).get("To") == "whatsapp:+15552225555", "POST"),
        "trello": (tls, on("api.trello.com", "/1/cards"), "POST"),
        "github": (tls, on("api.github.com", "/repos/acme/ops/issues"),
                   "POST"),
    }
    got = {}
    for kind, (rx, pred, method) in expect_down.items():
        reqs = until(lambda: rx.got(pred), 20, "%s's down request" % kind)
        assert len(reqs) == 1, (kind, reqs)
        assert reqs[0]["method"] == method, (kind, reqs[0])
        assert reqs[0]["headers"]["user-agent"] == "healthchecks.io", kind
        got[kind] = reqs[0]

    # The bodies, as spec 5.4 has them.
    for k in ("slack", "mattermost", "discord"):
        a = js(got[k])["attachments"][0]
        assert a["color"] == "danger" and NAME in a["title"], (k, a)
        assert a["title_link"].endswith("/cloaked/%s/" % ukey[0][0])
    rc = js(got["rocketchat"])
    assert NAME in json.dumps(rc, ensure_ascii=False) and "attachments" in rc
    t = js(got["msteamsw"])
    assert t["type"] == "message"
    assert t["attachments"][0]["contentType"] == \
        "application/vnd.microsoft.card.adaptive"
    assert NAME in json.dumps(js(got["googlechat"]), ensure_ascii=False)
    z = form(got["zulip"])
    assert z["type"] == "stream" and z["to"] == "ops" and NAME in z["content"]
    assert got["zulip"]["headers"]["authorization"].startswith("Basic ")
    n = js(got["ntfy"])
    assert n["topic"] == "alerts" and n["priority"] == 5
    assert n["title"] == "%s is DOWN" % NAME and n["tags"] == ["red_circle"]
    assert got["ntfy"]["headers"]["authorization"] == "Bearer NT"
    g = js(got["gotify"])
    assert NAME in g["title"] and g["priority"] == 5
    assert js(got["pagertree"])["event_type"] == "trigger"
    assert js(got["pagertree"])["incident_key"] == ukey[0][0]
    assert js(got["victorops"])["message_type"] == "CRITICAL"
    assert js(got["victorops"])["entity_id"] == ukey[0][0]
    assert "check_id" in js(got["spike"])
    m = got["matrix"]
    assert m["path"].startswith(
        "/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/")
    assert m["headers"]["authorization"] == "Bearer MX1"
    assert js(m)["msgtype"] == "m.text" and NAME in js(m)["body"]
    tg = js(got["telegram"])
    assert tg["chat_id"] == -100123 and tg["parse_mode"] == "html"
    po = form(got["po"])
    assert po["token"] == "PO1" and po["user"] == "uKey123"
    assert po["priority"] == "0" and po["tags"] == ukey[0][0]
    assert got["pushbullet"]["headers"]["access-token"] == "PB1"
    assert js(got["pushbullet"])["type"] == "note"
    pd = js(got["pd"])
    assert pd["service_key"] == "PDK" and pd["event_type"] == "trigger"
    assert pd["incident_key"] == ukey[0][0]
    og = got["opsgenie"]
    assert og["headers"]["authorization"] == "GenieKey OGK"
    assert js(og)["alias"] == ukey[0][0]
    for k in ("sms", "call", "whatsapp"):
        assert got[k]["headers"]["authorization"].startswith("Basic "), k
    assert NAME in form(got["sms"])["Body"]
    assert form(got["whatsapp"])["ContentSid"] == "HXdown"
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        got["trello"]["path"]).query))
    assert q["idList"] == "L1" and q["key"] == "TR1" and q["token"] == "TT"
    assert NAME in q["name"]
    gh = js(got["github"])
    assert NAME in gh["title"] and gh["labels"] == ["down"]
    assert got["github"]["headers"]["authorization"] == "Bearer ghs_test"
    # every channel's attempt is recorded, without an error
    rows = dict(h.sql("SELECT kind, last_error FROM api_channel WHERE "
                      "project_id = (SELECT id FROM accounts_project WHERE "
                      "code = '%s')" % h.project))
    until(lambda: all(v == "" for v in dict(h.sql(
        "SELECT kind, last_error FROM api_channel WHERE project_id = "
        "(SELECT id FROM accounts_project WHERE code = '%s')" %
        h.project)).values()), 10, "no errors: %r" % rows)

    # Up: the kinds that only send "down" stay silent (spec 5.3).
    n_before = {k: len(rx.got(pred)) for k, (rx, pred, _) in
                expect_down.items()}
    assert h.ping(code).status == 200
    up_kinds = [k for k in expect_down if k not in ("call", "trello",
                                                    "github", "opsgenie")]
    for k in up_kinds:
        rx, pred, _ = expect_down[k]
        until(lambda: len(rx.got(pred)) > n_before[k], 20,
              "%s's up request" % k)
    og_close = until(lambda: tls.got(on(
        "api.opsgenie.com", "/v2/alerts/%s/close" % ukey[0][0])), 20,
        "opsgenie's close")
    assert "identifierType=alias" in og_close[0]["path"]
    time.sleep(1 * SLOW)
    for k in ("call", "trello", "github"):
        rx, pred, _ = expect_down[k]
        assert len(rx.got(pred)) == n_before[k], k
    a = js(plain.got(plain_at("/slack"))[-1])["attachments"][0]
    assert a["color"] == "good"
    assert js(tls.got(on("events.pagerduty.com", "/generic"))[-1])[
        "event_type"] == "resolve"
    assert form(tls.got(lambda r: on(
        "api.twilio.com", "/2010-04-01/Accounts/AC1/Messages.json")(r) and
        form(r).get("To") == "whatsapp:+15552225555")[-1])["ContentSid"] \
        == "HXup"
