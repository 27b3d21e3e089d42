# The ping endpoint (spec 1.1-1.5) against one shared hcd instance: URL
# forms and their answers, what each ping stores, the check's state
# changes and flips.  Durable mode: a row must be in api_ping as soon as
# "OK" arrives, so every query below runs right after the answer.

import uuid

import pytest

from conftest import raw_exchange


@pytest.fixture
def check(hcd):
    return hcd.create_check(name="c", slug="c-" + uuid.uuid4().hex[:8])


def ok(r):
    assert r.status == 200, r
    assert r.body == b"OK", r


# --- 1.3: the answers -----------------------------------------------------

def test_status_endpoint(hcd):
    r = hcd.request("GET", "/api/v3/status/")
    assert r.status == 200
    assert r.body == b"OK"


def test_success_by_uuid(hcd, check):
    u = check["uuid"]
    ok(hcd.ping(u))
    p = hcd.last_ping(u)            # no sleep: durable ack
    assert p["n"] == 1
    assert p["kind"] is None
    assert p["exitstatus"] is None
    assert p["rid"] is None
    assert p["method"] == "GET"
    assert p["scheme"] == "http"
    assert p["remote_addr"] == "127.0.0.1"
    assert p["body"] == b""
    c = hcd.check_row(u)
    assert c["n_pings"] == 1
    assert c["status"] == "up"
    assert c["last_ping"] is not None
    assert hcd.flips(u) == [("new", "up", "")]


def test_state_machine(hcd, check):
    u = check["uuid"]
    ok(hcd.ping(u + "/start"))
    p = hcd.last_ping(u)
    assert p["kind"] == "start"
    c = hcd.check_row(u)
    assert c["status"] == "new"
    assert c["last_start"] is not None
    assert c["last_ping"] is None
    assert c["n_pings"] == 1
    assert hcd.flips(u) == []

    ok(hcd.ping(u))
    assert hcd.last_ping(u)["kind"] is None
    c = hcd.check_row(u)
    assert c["status"] == "up"
    assert c["last_start"] is None          # both rids NULL: equal
    assert c["last_duration"] is not None
    assert c["last_ping"] is not None
    assert hcd.flips(u) == [("new", "up", "")]

    ok(hcd.ping(u + "/fail"))
    p = hcd.last_ping(u)
    assert p["kind"] == "fail" and p["n"] == 3
    c = hcd.check_row(u)
    assert c["status"] == "down"
    assert c["last_duration"] is None
    assert hcd.flips(u)[-1] == ("up", "down", "fail")

    ok(hcd.ping(u))
    assert hcd.check_row(u)["status"] == "up"
    assert hcd.flips(u)[-1] == ("down", "up", "")

    before = hcd.check_row(u)
    ok(hcd.ping(u + "/log"))
    p = hcd.last_ping(u)
    assert p["kind"] == "log"
    c = hcd.check_row(u)
    assert c["status"] == "up"
    assert c["last_ping"] == before["last_ping"]
    assert c["n_pings"] == before["n_pings"] + 1
    assert len(hcd.flips(u)) == 3


def test_exit_status(hcd, check):
    u = check["uuid"]
    ok(hcd.ping(u + "/0"))
    p = hcd.last_ping(u)
    assert p["kind"] is None and p["exitstatus"] == 0
    assert hcd.check_row(u)["status"] == "up"
    ok(hcd.ping(u + "/7"))
    p = hcd.last_ping(u)
    assert p["kind"] == "fail" and p["exitstatus"] == 7
    assert hcd.check_row(u)["status"] == "down"
    assert hcd.flips(u)[-1] == ("up", "down", "fail")
    ok(hcd.ping(u + "/255"))
    p = hcd.last_ping(u)
    assert p["kind"] == "fail" and p["exitstatus"] == 255
    r = hcd.ping(u + "/256")
    assert (r.status, r.body) == (400, b"invalid url format")
    assert hcd.check_row(u)["n_pings"] == 3
    r = hcd.ping(u + "/99999999999999999999")
    assert (r.status, r.body) == (400, b"invalid url format")
    assert hcd.check_row(u)["n_pings"] == 3


def test_unknown_uuid(hcd):
    r = hcd.ping(str(uuid.uuid4()))
    assert (r.status, r.body) == (404, b"not found")
    r = hcd.ping(str(uuid.uuid4()) + "/start")
    assert (r.status, r.body) == (404, b"not found")


def test_uppercase_uuid(hcd, check):
    u = check["uuid"]
    r = hcd.ping(u.upper())
    assert (r.status, r.body) == (404, b"not found")
    assert hcd.check_row(u)["n_pings"] == 0


def test_rid(hcd, check):
    u = check["uuid"]
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    ok(hcd.ping(u + "/start?rid=" + a))
    assert hcd.last_ping(u)["rid"] == a
    assert hcd.check_row(u)["last_start_rid"] == a
    # a success with another rid keeps the run of `a` going
    ok(hcd.ping(u + "?rid=" + b))
    p = hcd.last_ping(u)
    assert p["rid"] == b and p["kind"] is None
    c = hcd.check_row(u)
    assert c["last_start"] is not None and c["last_duration"] is None
    # the matching completion ends it with a duration
    ok(hcd.ping(u + "?rid=" + a.upper()))
    assert hcd.last_ping(u)["rid"] == a
    c = hcd.check_row(u)
    assert c["last_start"] is None and c["last_duration"] is not None


def test_bad_rid(hcd, check):
    u = check["uuid"]
    for bad in ("nope", "1234", str(uuid.uuid4()) + "0", ""):
        r = hcd.ping(u + "?rid=" + bad)
        assert (r.status, r.body) == (400, b"invalid uuid format"), bad
    assert hcd.check_row(u)["n_pings"] == 0


# --- slug URLs ------------------------------------------------------------

def test_slug_urls(hcd, check):
    u, s, k = check["uuid"], check["slug"], hcd.ping_key
    ok(hcd.ping("%s/%s/start" % (k, s)))
    assert hcd.last_ping(u)["kind"] == "start"
    ok(hcd.ping("%s/%s" % (k, s)))
    assert hcd.last_ping(u)["kind"] is None
    assert hcd.check_row(u)["status"] == "up"
    ok(hcd.ping("%s/%s/fail" % (k, s)))
    assert hcd.last_ping(u)["kind"] == "fail"
    ok(hcd.ping("%s/%s/log" % (k, s)))
    assert hcd.last_ping(u)["kind"] == "log"
    ok(hcd.ping("%s/%s/0" % (k, s)))
    p = hcd.last_ping(u)
    assert p["kind"] is None and p["exitstatus"] == 0
    ok(hcd.ping("%s/%s/3" % (k, s)))
    p = hcd.last_ping(u)
    assert p["kind"] == "fail" and p["exitstatus"] == 3
    r = hcd.ping("%s/%s/256" % (k, s))
    assert (r.status, r.body) == (400, b"invalid url format")
    assert hcd.check_row(u)["n_pings"] == 6
    assert [p["n"] for p in hcd.pings(u)] == [1, 2, 3, 4, 5, 6]


def test_slug_unknown(hcd):
    r = hcd.ping("%s/no-such-slug" % hcd.ping_key)
    assert (r.status, r.body) == (404, b"not found")
    r = hcd.ping("nosuchpingkey123/some-slug")
    assert (r.status, r.body) == (404, b"not found")


def test_slug_uppercase(hcd, check):
    r = hcd.ping("%s/%s" % (hcd.ping_key, check["slug"].upper()))
    assert (r.status, r.body) == (400, b"invalid url format")
    r = hcd.ping("%s/Some-Slug/start" % hcd.ping_key)
    assert (r.status, r.body) == (400, b"invalid url format")
    assert hcd.check_row(check["uuid"])["n_pings"] == 0


def test_slug_ambiguous(hcd):
    slug = "amb-" + uuid.uuid4().hex[:8]
    a = hcd.create_check(name="a", slug=slug)
    b = hcd.create_check(name="b", slug=slug)
    r = hcd.ping("%s/%s" % (hcd.ping_key, slug))
    assert (r.status, r.body) == (409, b"ambiguous slug")
    assert hcd.check_row(a["uuid"])["n_pings"] == 0
    assert hcd.check_row(b["uuid"])["n_pings"] == 0
    # the UUID routes still work
    ok(hcd.ping(a["uuid"]))


def test_slug_create(hcd):
    slug = "auto-" + uuid.uuid4().hex[:8]
    r = hcd.ping("%s/%s?create=1" % (hcd.ping_key, slug))
    assert (r.status, r.body) == (201, b"Created"), r
    rows = hcd.sql("SELECT code, name, slug, n_pings, status FROM api_check"
                   " WHERE slug = '%s'" % slug)
    assert len(rows) == 1
    code, name, s, n, status = rows[0]
    assert name == slug and s == slug
    assert int(n) == 1 and status == "up"
    assert len(hcd.pings(code)) == 1
    r = hcd.ping("%s/%s?create=1" % (hcd.ping_key, slug))
    assert (r.status, r.body) == (200, b"OK")
    r = hcd.ping("%s/%s" % (hcd.ping_key, slug))
    assert (r.status, r.body) == (200, b"OK")
    assert hcd.check_row(code)["n_pings"] == 3
    # create=1 on the fail route creates too
    slug2 = "auto-" + uuid.uuid4().hex[:8]
    r = hcd.ping("%s/%s/fail?create=1" % (hcd.ping_key, slug2))
    assert (r.status, r.body) == (201, b"Created")
    code2 = hcd.sql("SELECT code FROM api_check WHERE slug = '%s'"
                    % slug2)[0][0]
    assert hcd.last_ping(code2)["kind"] == "fail"
    assert hcd.check_row(code2)["status"] == "down"


def test_slug_create_refused(hcd):
    r = hcd.ping("nosuchpingkey123/whatever?create=1")
    assert (r.status, r.body) == (404, b"not found")
    r = hcd.ping("%s/not-created-%s?create=0" % (hcd.ping_key,
                                                 uuid.uuid4().hex[:6]))
    assert (r.status, r.body) == (404, b"not found")


# --- 1.2: methods and headers ---------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE",
                                    "OPTIONS", "HEAD", "PATCH"])
def test_any_method(hcd, check, method):
    u = check["uuid"]
    r = hcd.ping(u, method=method)
    assert r.status == 200
    assert r.body == (b"" if method == "HEAD" else b"OK")
    p = hcd.last_ping(u)
    assert p["method"] == method
    assert p["kind"] is None
    assert hcd.check_row(u)["status"] == "up"


def test_head_no_body_raw(hcd, check):
    # HEAD on a keep-alive connection followed by a GET: no body bytes
    # must be sent for the HEAD, or the second answer would be garbled.
    req = ("HEAD /ping/{u} HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /ping/{u} HTTP/1.1\r\nHost: x\r\n\r\n").format(u=check["uuid"])
    import socket
    s = socket.create_connection(("127.0.0.1", hcd.port), timeout=20)
    try:
        s.sendall(req.encode())
        f = s.makefile("rb")
        from conftest import read_response
        r1 = read_response(f, head=True)
        r2 = read_response(f)
        assert r1.status == 200 and r1.headers["content-length"] == "2"
        assert (r2.status, r2.body) == (200, b"OK")
    finally:
        s.close()
    assert hcd.check_row(check["uuid"])["n_pings"] == 2


def test_response_headers(hcd, check):
    r = hcd.ping(check["uuid"])
    ok(r)
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["ping-body-limit"] == "10000"
    assert "no-cache" in r.headers["cache-control"]
    assert "no-store" in r.headers["cache-control"]
    assert "expires" in r.headers
    assert r.headers["content-type"].startswith("text/plain")


# --- body, headers recorded -------------------------------------------------

def test_post_body_stored(hcd, check):
    u = check["uuid"]
    body = b"hello\nworld\t\\ \x00\xff binary"
    ok(hcd.ping(u, method="POST", body=body))
    assert hcd.last_ping(u)["body"] == body


def test_body_at_default_limit(hcd, check):
    u = check["uuid"]
    body = bytes(range(256)) * 50          # 12800 bytes
    ok(hcd.ping(u, method="POST", body=body))
    assert hcd.last_ping(u)["body"] == body[:10000]


def test_chunked_body(hcd, check):
    u = check["uuid"]

    def gen():
        for i in range(5):
            yield ("part%d;" % i).encode()
    ok(hcd.ping(u, method="POST", body=gen(), encode_chunked=True,
                headers={"Transfer-Encoding": "chunked"}))
    assert hcd.last_ping(u)["body"] == b"part0;part1;part2;part3;part4;"


def test_chunked_body_raw(hcd, check):
    u = check["uuid"]
    req = (b"POST /ping/" + u.encode() + b" HTTP/1.1\r\nHost: x\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n"
           b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\n")
    (r,) = raw_exchange(hcd.port, req)
    assert (r.status, r.body) == (200, b"OK")
    assert hcd.last_ping(u)["body"] == b"hello, world"


def test_expect_continue(hcd, check):
    u = check["uuid"]
    req = (b"POST /ping/" + u.encode() + b" HTTP/1.1\r\nHost: x\r\n"
           b"Expect: 100-continue\r\nContent-Length: 4\r\n\r\n")
    import socket
    from conftest import read_response
    s = socket.create_connection(("127.0.0.1", hcd.port), timeout=20)
    try:
        s.sendall(req)
        f = s.makefile("rb")
        line = f.readline()
        assert line.startswith(b"HTTP/1.1 100"), line
        assert f.readline() == b"\r\n"
        s.sendall(b"data")
        r = read_response(f)
        assert (r.status, r.body) == (200, b"OK")
    finally:
        s.close()
    assert hcd.last_ping(u)["body"] == b"data"


def test_x_forwarded_for(hcd, check):
    u = check["uuid"]
    cases = [
        ("203.0.113.5, 10.0.0.1", "203.0.113.5"),
        ("198.51.100.7:8080", "198.51.100.7"),
        ("2001:db8::1", "2001:db8::1"),
        (" 192.0.2.9 ,x", "192.0.2.9"),
    ]
    for hdr, want in cases:
        ok(hcd.ping(u, headers={"X-Forwarded-For": hdr}))
        assert hcd.last_ping(u)["remote_addr"] == want, hdr
    # not an address: stored as NULL, never an error
    ok(hcd.ping(u, headers={"X-Forwarded-For": "garbage"}))
    assert hcd.last_ping(u)["remote_addr"] is None


def test_x_forwarded_proto(hcd, check):
    u = check["uuid"]
    ok(hcd.ping(u, headers={"X-Forwarded-Proto": "https"}))
    assert hcd.last_ping(u)["scheme"] == "https"
    ok(hcd.ping(u))
    assert hcd.last_ping(u)["scheme"] == "http"


def test_user_agent(hcd, check):
    u = check["uuid"]
    ok(hcd.ping(u, headers={"User-Agent": "curl/8.0"}))
    assert hcd.last_ping(u)["ua"] == "curl/8.0"
    ua = "ü" + "x" * 299
    ok(hcd.ping(u, headers={"User-Agent": ua.encode("utf-8")}))
    assert hcd.last_ping(u)["ua"] == ua[:200]
    ok(hcd.ping(u))
    assert hcd.last_ping(u)["ua"] == ""


def test_user_agent_invalid_utf8(hcd, check):
    u = check["uuid"]
    req = (b"GET /ping/" + u.encode() + b" HTTP/1.1\r\nHost: x\r\n"
           b"User-Agent: ab\xff\xfecd\xc3\r\n\r\n")
    (r,) = raw_exchange(hcd.port, req)
    assert (r.status, r.body) == (200, b"OK")
    ua = hcd.last_ping(u)["ua"]
    assert ua.startswith("ab") and "cd" in ua
    assert "\ufffd" in ua


# --- 1.4 steps 7-8, 1.5: settings of the check ----------------------------

def test_methods_post(hcd):
    c = hcd.create_check(name="post", slug="post", methods="POST")
    u = c["uuid"]
    ok(hcd.ping(u))
    p = hcd.last_ping(u)
    assert p["kind"] == "ign" and p["method"] == "GET"
    c = hcd.check_row(u)
    assert c["status"] == "new" and c["n_pings"] == 1
    assert c["last_ping"] is None
    ok(hcd.ping(u + "/fail", method="PUT"))
    assert hcd.last_ping(u)["kind"] == "ign"
    assert hcd.check_row(u)["status"] == "new"
    ok(hcd.ping(u, method="POST", body=b"x"))
    assert hcd.last_ping(u)["kind"] is None
    assert hcd.check_row(u)["status"] == "up"


def test_filter_http_body(hcd):
    c = hcd.create_check(name="kw", slug="kw", filter_http_body=True,
                         success_kw="SUCCESS, DONE", failure_kw="ERROR",
                         start_kw="BEGIN")
    u = c["uuid"]
    ok(hcd.ping(u + "/fail", method="POST", body=b"all SUCCESS here"))
    assert hcd.last_ping(u)["kind"] is None
    assert hcd.check_row(u)["status"] == "up"
    ok(hcd.ping(u + "/start", method="POST", body=b"an ERROR and DONE"))
    assert hcd.last_ping(u)["kind"] == "fail"
    assert hcd.check_row(u)["status"] == "down"
    ok(hcd.ping(u, method="POST", body=b"BEGIN"))
    assert hcd.last_ping(u)["kind"] == "start"
    ok(hcd.ping(u + "/log", method="POST", body=b"we are DONE"))
    assert hcd.last_ping(u)["kind"] is None
    assert hcd.check_row(u)["status"] == "up"
    ok(hcd.ping(u + "/1", method="POST", body=b"DONE"))
    p = hcd.last_ping(u)
    assert p["kind"] is None and p["exitstatus"] == 1
    # no keyword, no default fail: ignored
    ok(hcd.ping(u + "/fail", method="POST", body=b"nothing"))
    assert hcd.last_ping(u)["kind"] == "ign"
    assert hcd.check_row(u)["status"] == "up"
    # case-sensitive
    ok(hcd.ping(u, method="POST", body=b"error"))
    assert hcd.last_ping(u)["kind"] == "ign"
    # invalid UTF-8 is not an error
    ok(hcd.ping(u, method="POST", body=b"\xff\xfe ERROR"))
    assert hcd.last_ping(u)["kind"] == "fail"


def test_filter_default_fail(hcd):
    c = hcd.create_check(name="kwd", slug="kwd", filter_http_body=True,
                         success_kw="OKAY", filter_default_fail=True)
    u = c["uuid"]
    ok(hcd.ping(u, method="POST", body=b"nothing matched"))
    assert hcd.last_ping(u)["kind"] == "fail"
    assert hcd.check_row(u)["status"] == "down"


def test_manual_resume_paused(hcd, check):
    u = check["uuid"]
    hcd.sql("UPDATE api_check SET status = 'paused', manual_resume = true"
            " WHERE code = '%s'" % u)
    for path in (u, u + "/fail", u + "/start"):
        ok(hcd.ping(path))
        assert hcd.last_ping(u)["kind"] == "ign"
        c = hcd.check_row(u)
        assert c["status"] == "paused"
        assert c["last_start"] is None
    assert hcd.check_row(u)["n_pings"] == 3
    assert hcd.flips(u) == []


def test_paused_without_manual_resume(hcd, check):
    u = check["uuid"]
    hcd.sql("UPDATE api_check SET status = 'paused' WHERE code = '%s'" % u)
    ok(hcd.ping(u))
    assert hcd.last_ping(u)["kind"] is None
    assert hcd.check_row(u)["status"] == "up"
    assert hcd.flips(u) == [("paused", "up", "")]


def test_confirmation_link(hcd, check):
    u = check["uuid"]
    ok(hcd.ping(u, method="POST", body=b"Please CONFIRM your subscription"))
    assert hcd.sql("SELECT has_confirmation_link FROM api_check WHERE "
                   "code = '%s'" % u) == [("t",)]
    ok(hcd.ping(u, method="POST", body=b"plain"))
    assert hcd.sql("SELECT has_confirmation_link FROM api_check WHERE "
                   "code = '%s'" % u) == [("f",)]


# --- connections ----------------------------------------------------------

def test_keep_alive(hcd, check):
    u = check["uuid"]
    c = hcd.conn()
    try:
        for i in range(50):
            c.request("POST", "/ping/" + u, body=("%d" % i).encode())
            r = c.getresponse()
            assert (r.status, r.read()) == (200, b"OK")
    finally:
        c.close()
    p = hcd.pings(u)
    assert [x["n"] for x in p] == list(range(1, 51))
    assert [x["body"] for x in p] == [("%d" % i).encode() for i in range(50)]
    assert hcd.check_row(u)["n_pings"] == 50


def test_pipelining(hcd, check):
    u = check["uuid"]
    reqs = [
        "GET /ping/%s HTTP/1.1\r\nHost: x\r\n\r\n" % u,
        "GET /ping/%s HTTP/1.1\r\nHost: x\r\n\r\n" % uuid.uuid4(),
        "POST /ping/%s/start HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
        "\r\nabc" % u,
        "GET /ping/%s/999 HTTP/1.1\r\nHost: x\r\n\r\n" % u,
        "GET /ping/%s/fail HTTP/1.1\r\nHost: x\r\n\r\n" % u,
    ]
    rs = raw_exchange(hcd.port, "".join(reqs).encode(), nresp=5)
    assert [(r.status, r.body) for r in rs] == [
        (200, b"OK"), (404, b"not found"), (200, b"OK"),
        (400, b"invalid url format"), (200, b"OK")]
    p = hcd.pings(u)
    assert [x["kind"] for x in p] == [None, "start", "fail"]
    assert p[1]["body"] == b"abc"


def test_connection_close(hcd, check):
    u = check["uuid"]
    req = ("GET /ping/%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
           % u).encode()
    import socket
    from conftest import read_response
    s = socket.create_connection(("127.0.0.1", hcd.port), timeout=20)
    try:
        s.sendall(req)
        f = s.makefile("rb")
        r = read_response(f)
        assert (r.status, r.body) == (200, b"OK")
        assert f.read() == b""      # server closed
    finally:
        s.close()
    assert hcd.check_row(u)["n_pings"] == 1


def test_http10(hcd, check):
    u = check["uuid"]
    (r,) = raw_exchange(hcd.port, ("GET /ping/%s HTTP/1.0\r\n\r\n" % u)
                        .encode())
    assert (r.status, r.body) == (200, b"OK")
    assert hcd.check_row(u)["n_pings"] == 1


def test_malformed_request(hcd):
    (r,) = raw_exchange(hcd.port, b"GARBAGE\r\n\r\n")
    assert r.status == 400
    r = hcd.request("GET", "/nothing-here")
    assert r.status == 404


# --- framing edge cases ----------------------------------------------------

def test_cl_and_te_rejected(hcd, check):
    u = check["uuid"]
    req = (b"POST /ping/" + u.encode() + b" HTTP/1.1\r\nHost: x\r\n"
           b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"0\r\n\r\n")
    (r,) = raw_exchange(hcd.port, req)
    assert r.status == 400
    assert hcd.check_row(u)["n_pings"] == 0


def test_bad_content_length(hcd, check):
    u = check["uuid"]
    for cl in (b"-1", b"abc", b"1, 2", b"99999999999999999999999"):
        req = (b"POST /ping/" + u.encode() + b" HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: " + cl + b"\r\n\r\nx")
        (r,) = raw_exchange(hcd.port, req)
        assert r.status in (400, 413), (cl, r)
    assert hcd.check_row(u)["n_pings"] == 0


def test_body_too_large(hcd, check):
    # above Django's DATA_UPLOAD_MAX_MEMORY_SIZE: 400, as Healthchecks
    # (test_compat.py has both sides of the limit)
    u = check["uuid"]
    big = 2621440 + 1
    req = (b"POST /ping/" + u.encode() + b" HTTP/1.1\r\nHost: x\r\n"
           b"Content-Length: %d\r\n\r\n" % big)
    import socket
    from conftest import read_response
    s = socket.create_connection(("127.0.0.1", hcd.port), timeout=20)
    try:
        s.sendall(req)
        r = read_response(s.makefile("rb"))
        assert r.status == 400
    finally:
        s.close()
    assert hcd.check_row(u)["n_pings"] == 0


def test_header_too_large(hcd, check):
    u = check["uuid"]
    req = (b"GET /ping/" + u.encode() + b" HTTP/1.1\r\nHost: x\r\n"
           b"X-Big: " + b"a" * 40000 + b"\r\n\r\n")
    (r,) = raw_exchange(hcd.port, req)
    assert r.status == 431
    assert hcd.check_row(u)["n_pings"] == 0


def test_query_and_encoding(hcd, check):
    u = check["uuid"]
    rid = str(uuid.uuid4())
    ok(hcd.ping(u + "?foo=bar&rid=" + rid + "&x="))
    assert hcd.last_ping(u)["rid"] == rid
    r = hcd.ping(hcd.ping_key + "/no%20such")
    assert r.status == 404


def create_race(hcd, n=16):
    import threading
    slug = "race-" + uuid.uuid4().hex[:8]
    path = "%s/%s?create=1" % (hcd.ping_key, slug)
    results = []
    lock = threading.Lock()
    go = threading.Event()

    def run():
        go.wait(10)
        r = hcd.ping(path)
        with lock:
            results.append((r.status, r.body))
    ts = [threading.Thread(target=run) for _ in range(n)]
    for t in ts:
        t.start()
    go.set()
    for t in ts:
        t.join(60)
    return slug, results


def test_slug_create_race(hcd):
    """Concurrent ?create=1 pings for one new slug make one check and
    store every ping."""
    slug, results = create_race(hcd)
    assert len(results) == 16
    assert set(results) <= {(200, b"OK"), (201, b"Created")}, results
    assert (201, b"Created") in results
    rows = hcd.sql("SELECT code, n_pings FROM api_check WHERE slug = '%s'"
                   % slug)
    assert len(rows) == 1
    assert rows[0][1] == "16"
    assert len(hcd.pings(rows[0][0])) == 16


def test_slug_create_race_one_created(hcd):
    """Only the request that created the check is answered 201 (spec
    1.4 step 10); three rounds since it is a race between workers."""
    for _ in range(3):
        slug, results = create_race(hcd)
        assert results.count((201, b"Created")) == 1, results
