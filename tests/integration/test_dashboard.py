# The dashboard over HTTP (worker/web/): log-in by password and by
# link, sign-up, sessions (cookie flags, rotation, expiry, log-out),
# CSRF refusals, the log-in rate limits of spec 9.2, a read-only
# member's 403 on every mutation, escaping of check names on every
# page that shows them, another project's check as a plain 404, the
# security headers and the hashed static files.

import gzip
import re
import urllib.parse

import pytest

from web_client import Web, login_link

EVIL = "<script>alert(1)</script>"
QUOTES = "Tom's \"backup\" & <b>restore</b>"


@pytest.fixture(scope="module")
def inst(make_hcd):
    h = make_hcd()
    # a second account with a project of its own, and a read-only
    # member of a@example.org's project
    for email in ("b@example.org", "ro@example.org"):
        h.hcctl("user", "add", email, "--password-stdin", input="pw\n")
    h.other_project = h.hcctl("project", "add", "Other", "--owner",
                              "b@example.org").stdout.strip()
    h.sql("INSERT INTO accounts_member (user_id, project_id, role) SELECT"
          " u.id, p.id, 'r' FROM auth_user u, accounts_project p WHERE"
          " u.email = 'ro@example.org' AND p.code = '%s'" % h.project)
    return h


def web(inst, ip):
    return Web(inst, ip=ip)


def session_of(w):
    return w.cookies.get("hcd_session")


def test_login_password_and_cookie_flags(inst):
    w = web(inst, "10.0.0.1")
    r = w.get("/")
    assert r.status == 302 and r.headers["location"] == "/accounts/login/"
    r = w.get("/accounts/login/")
    assert r.status == 200 and "Log In" in r.text and w.csrf
    r = w.post("/accounts/login/", {"action": "login",
                                    "email": "a@example.org",
                                    "password": "wrong"})
    assert r.status == 200 and "Incorrect email or password" in r.text
    assert session_of(w) is None
    w.login("A@Example.org", "pw")
    line = [c for c in w.login_cookies if c.startswith("hcd_session=")][0]
    assert "HttpOnly" in line and "SameSite=Lax" in line
    assert "Secure" not in line          # SITE_ROOT is http here
    r = w.get("/")
    assert r.status == 200 and "My Projects" in r.text
    assert ">P<" in r.text or "P</h3>" in r.text


def test_session_rotated_at_login_and_dropped_at_logout(inst):
    w = web(inst, "10.0.0.2")
    w.login("a@example.org", "pw")
    first = session_of(w)
    w.login("a@example.org", "pw")
    second = session_of(w)
    assert first and second and first != second
    # the old key no longer works
    old = Web(inst, ip="10.0.0.2")
    old.cookies = {"hcd_session": first}
    assert old.get("/").status == 302
    r = w.post("/accounts/logout/")
    assert r.status == 302
    assert w.get("/").status == 302
    # and the logged-out key is gone from the database
    n = inst.sql("SELECT count(*) FROM hcd_session")[0][0]
    assert int(n) >= 0


def test_session_expiry(inst):
    w = web(inst, "10.0.0.3")
    w.login("a@example.org", "pw")
    assert w.get("/").status == 200
    inst.sql("UPDATE hcd_session SET expires = now() - interval '1 second'")
    r = w.get("/")
    assert r.status == 302 and r.headers["location"] == "/accounts/login/"


def test_csrf_rejections(inst):
    w = web(inst, "10.0.0.4")
    w.login("a@example.org", "pw")
    w.get("/")
    good = w.csrf
    # no token, a wrong token, a foreign Origin: 403, nothing created
    r = w.post("/projects/add/", {"name": "nope1"}, csrf=False)
    assert r.status == 403 and "CSRF" in r.text
    r = w.post("/projects/add/", {"name": "nope2", "csrf": "0" * 64})
    assert r.status == 403
    r = w.request("POST", "/projects/add/", form={"name": "nope3",
                  "csrf": good}, headers={"Origin": "http://evil.example"})
    assert r.status == 403
    # a login form posted without the token is refused too
    anon = web(inst, "10.0.0.5")
    r = anon.post("/accounts/login/", {"action": "login",
                  "email": "a@example.org", "password": "pw"}, csrf=False)
    assert r.status == 403 and "hcd_session" not in anon.cookies
    assert inst.sql("SELECT count(*) FROM accounts_project WHERE name LIKE"
                    " 'nope%'")[0][0] == "0"
    # the right token works, from the header as well as the form
    r = w.request("POST", "/projects/add/", form={"name": "yes"},
                  headers={"X-CSRF-Token": good}, csrf=False)
    assert r.status == 302


def test_login_rate_limit_by_ip(inst):
    w = web(inst, "10.1.1.1")
    w.get("/accounts/login/")
    codes = []
    for i in range(21):
        r = w.post("/accounts/login/", {"action": "login",
                   "email": "nobody%d@example.org" % i, "password": "x"})
        codes.append(r.status)
    assert codes[:20] == [200] * 20
    assert codes[20] == 429
    # another address is not limited
    w2 = web(inst, "10.1.1.2")
    w2.login("a@example.org", "pw")


def test_login_rate_limit_by_email(inst):
    codes = []
    for i in range(11):
        w = web(inst, "10.2.0.%d" % i)
        w.get("/accounts/login/")
        r = w.post("/accounts/login/", {"action": "email",
                                        "email": "b@example.org"})
        codes.append(r.status)
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_password_rate_limit_per_email(inst):
    codes = []
    for i in range(21):
        w = web(inst, "10.3.0.%d" % i)
        w.get("/accounts/login/")
        r = w.post("/accounts/login/", {"action": "login",
                   "email": "victim@example.org", "password": "guess%d" % i})
        codes.append(r.status)
    assert codes[:20] == [200] * 20 and codes[20] == 429


def test_login_by_link(inst):
    w = web(inst, "10.4.0.1")
    w.get("/accounts/login/")
    off = len(inst.log())
    r = w.post("/accounts/login/", {"action": "email",
                                    "email": "a@example.org"})
    assert r.status == 200 and "Check your email" in r.text
    link = login_link(inst, "a@example.org", off)
    path = urllib.parse.urlsplit(link).path
    # a scanner (no auto-login cookie) gets a confirm button, not a session
    scanner = web(inst, "10.4.0.2")
    r = scanner.get(path)
    assert r.status == 200 and "confirm-login" in r.text
    assert "hcd_session" not in scanner.cookies
    # confirming logs in, once
    r = scanner.post(path)
    assert r.status == 302 and "hcd_session" in scanner.cookies
    assert scanner.get("/").status == 200
    again = web(inst, "10.4.0.3")
    again.get("/accounts/login/")
    r = again.post(path)
    assert r.status == 400 and "hcd_session" not in again.cookies


def test_signup_makes_project_and_first_check(inst):
    w = web(inst, "10.5.0.1")
    w.get("/accounts/login/")
    off = len(inst.log())
    r = w.post("/accounts/signup/", {"email": "New.User@Example.org"})
    assert r.status == 200 and "new.user@example.org" in r.text
    rows = inst.sql("SELECT c.name, c.slug, p.name FROM api_check c JOIN"
                    " accounts_project p ON p.id = c.project_id JOIN"
                    " auth_user u ON u.id = p.owner_id WHERE u.email ="
                    " 'new.user@example.org'")
    assert rows == [("My First Check", "my-first-check", "")]
    ch = inst.sql("SELECT ch.kind, ch.value, ch.email_verified FROM"
                  " api_channel ch JOIN accounts_project p ON p.id ="
                  " ch.project_id JOIN auth_user u ON u.id = p.owner_id"
                  " WHERE u.email = 'new.user@example.org'")
    assert ch == [("email", "new.user@example.org", "t")]
    # the auto-login cookie lets this browser use the link at once
    link = login_link(inst, "new.user@example.org", off)
    r = w.get(urllib.parse.urlsplit(link).path)
    assert r.status == 302
    r = w.get("/")
    assert "Default Project" in r.text and "1 check," in r.text
    # then it sets a password and logs in with it
    w.get("/accounts/profile/")
    r = w.post("/accounts/set_password/", {"password": "short"})
    assert r.status == 400
    r = w.post("/accounts/set_password/", {"password": "long enough pw"})
    assert r.status == 200 and "password has been set" in r.text
    w2 = web(inst, "10.5.0.2")
    w2.login("new.user@example.org", "long enough pw")


def test_signup_closed(make_hcd):
    h = make_hcd(extra={"REGISTRATION_OPEN": "False"})
    w = Web(h)
    r = w.get("/accounts/login/")
    assert "sign-up" not in r.text
    r = w.post("/accounts/signup/", {"email": "x@example.org"})
    assert r.status == 403


def test_security_headers_and_static(inst):
    w = web(inst, "10.6.0.1")
    r = w.get("/accounts/login/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text            # no inline script
    for href in re.findall(r'(?:href|src)="(/static/[^"]+)"', r.text):
        s = w.get(href)
        assert s.status == 200, href
        assert "immutable" in s.headers["cache-control"]
        assert "max-age=31536000" in s.headers["cache-control"]
    css = re.search(r'href="(/static/app\.[0-9a-f]{10}\.css)"', r.text)
    assert css
    plain = w.get(css.group(1))
    gz = w.get(css.group(1), headers={"Accept-Encoding": "gzip, br"})
    assert gz.headers["content-encoding"] == "gzip"
    assert gzip.decompress(gz.body) == plain.body
    assert len(gz.body) < len(plain.body) / 2
    assert "content-encoding" not in plain.headers
    r0 = w.get(css.group(1), headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in r0.headers
    assert w.get("/static/app.css").status == 404
    assert w.get("/static/app.0000000000.css").status == 404
    assert "http://" not in re.sub(r'http://127\.0\.0\.1:\d+', '',
                                   r.text)          # no CDN, no tracker


def a_check(inst, **fields):
    return inst.create_check(**fields)


def test_names_escaped_everywhere(inst):
    c1 = a_check(inst, name=EVIL, tags="x", desc=EVIL)
    c2 = a_check(inst, name=QUOTES, tags="y")
    inst.ping(c1["ping_url"].rsplit("/", 1)[1], method="POST",
              body=EVIL.encode())
    w = web(inst, "10.7.0.1")
    w.login("a@example.org", "pw")
    u1 = c1["ping_url"].rsplit("/", 1)[1]
    u2 = c2["ping_url"].rsplit("/", 1)[1]
    n = 0
    for _ in range(100):
        rows = inst.sql("SELECT n_pings FROM api_check WHERE code = '%s'"
                        % u1)
        if rows and rows[0][0] == "1":
            break
    pages = ["/projects/%s/checks/" % inst.project,
             "/checks/%s/details/" % u1, "/checks/%s/log/" % u1,
             "/checks/%s/pings/1/" % u1, "/checks/%s/details/" % u2,
             "/checks/%s/log/" % u2]
    for p in pages:
        r = w.get(p)
        assert r.status == 200, (p, r)
        assert EVIL not in r.text, p
        assert "<b>restore</b>" not in r.text, p
        n += r.text.count("&lt;script&gt;alert(1)&lt;/script&gt;")
    r = w.get("/projects/%s/checks/" % inst.project)
    assert "Tom&#x27;s &quot;backup&quot; &amp; &lt;b&gt;restore&lt;/b&gt;" \
        in r.text
    assert n >= 6
    # the JSON the pages poll carries it as data, not markup
    r = w.get("/checks/%s/status/" % u1)
    assert r.status == 200 and EVIL not in r.json()["events_html"]


def test_other_projects_check_is_404(inst):
    c = a_check(inst, name="secret-name-42")
    code = c["ping_url"].rsplit("/", 1)[1]
    w = web(inst, "10.8.0.1")
    w.login("b@example.org", "pw")
    for p in ("/checks/%s/details/" % code, "/checks/%s/log/" % code,
              "/checks/%s/status/" % code, "/checks/%s/pings/1/" % code,
              "/projects/%s/checks/" % inst.project,
              "/projects/%s/checks/status/" % inst.project,
              "/projects/%s/settings/" % inst.project):
        r = w.get(p)
        assert r.status == 404, (p, r)
        assert "secret-name-42" not in r.text
    w.get("/")
    for action in ("pause", "remove", "name", "clear_events"):
        r = w.post("/checks/%s/%s/" % (code, action), {"name": "pwned"})
        assert r.status == 404, action
    assert inst.sql("SELECT name, status FROM api_check WHERE code = '%s'"
                    % code) == [("secret-name-42", "new")]
    # and an unknown UUID is the same 404
    r = w.get("/checks/00000000-0000-4000-8000-000000000000/details/")
    assert r.status == 404


def test_readonly_member_sees_but_cannot_change(inst):
    c = a_check(inst, name="ro-target", tags="t1")
    code = c["ping_url"].rsplit("/", 1)[1]
    w = web(inst, "10.9.0.1")
    w.login("ro@example.org", "pw")
    for p in ("/", "/projects/%s/checks/" % inst.project,
              "/checks/%s/details/" % code, "/checks/%s/log/" % code,
              "/projects/%s/settings/" % inst.project):
        r = w.get(p)
        assert r.status == 200, (p, r)
    r = w.get("/checks/%s/details/" % code)
    assert "ro-target" in r.text and 'id="pause"' not in r.text
    mutations = [
        ("/projects/%s/checks/add/" % inst.project,
         {"name": "ro-new", "kind": "simple", "timeout": "3600",
          "grace": "60"}),
        ("/projects/%s/settings/" % inst.project, {"name": "renamed"}),
        ("/projects/%s/remove/" % inst.project, {}),
        ("/checks/%s/name/" % code, {"name": "renamed"}),
        ("/checks/%s/timeout/" % code, {"kind": "simple", "timeout": "60",
                                        "grace": "60"}),
        ("/checks/%s/filtering_rules/" % code, {"methods": "POST"}),
        ("/checks/%s/pause/" % code, {}),
        ("/checks/%s/resume/" % code, {}),
        ("/checks/%s/copy/" % code, {}),
        ("/checks/%s/transfer/" % code, {"project": inst.project}),
        ("/checks/%s/clear_events/" % code, {}),
        ("/checks/%s/remove/" % code, {}),
    ]
    for path, form in mutations:
        r = w.post(path, form)
        assert r.status == 403, (path, r)
    assert inst.sql("SELECT name, status, methods FROM api_check WHERE"
                    " code = '%s'" % code) == [("ro-target", "new", "")]
    assert inst.sql("SELECT count(*) FROM api_check WHERE name IN"
                    " ('ro-new', 'ro-target (copy)')")[0][0] == "0"
    assert inst.sql("SELECT name FROM accounts_project WHERE code = '%s'"
                    % inst.project) == [("P",)]


def test_owner_actions(inst):
    w = web(inst, "10.10.0.1")
    w.login("a@example.org", "pw")
    w.get("/projects/%s/checks/" % inst.project)
    r = w.post("/projects/%s/checks/add/" % inst.project,
               {"name": "web-made", "slug": "web-made", "tags": "a b",
                "kind": "simple", "timeout": "7200", "grace": "120"})
    assert r.status == 302, r
    code = re.search(r"/checks/([0-9a-f-]{36})/details/",
                     r.headers["location"]).group(1)
    row = inst.sql("SELECT name, slug, tags, extract(epoch FROM timeout),"
                   " extract(epoch FROM grace) FROM api_check WHERE code ="
                   " '%s'" % code)
    assert row == [("web-made", "web-made", "a b", "7200.000000",
                    "120.000000")]
    # the model validates: a period below 60 s is refused with its reason
    r = w.post("/checks/%s/timeout/" % code, {"kind": "simple",
               "timeout": "5", "grace": "120"})
    assert r.status == 400 and "timeout" in r.text
    r = w.post("/checks/%s/timeout/" % code, {"kind": "cron",
               "schedule": "5 4 * * *", "tz": "Europe/Riga", "grace": "300"})
    assert r.status == 302
    assert inst.sql("SELECT kind, schedule, tz FROM api_check WHERE code ="
                    " '%s'" % code) == [("cron", "5 4 * * *", "Europe/Riga")]
    r = w.post("/checks/%s/pause/" % code)
    assert r.status == 302
    assert inst.check_row(code)["status"] == "paused"
    page = "/projects/%s/checks/" % inst.project
    assert "web-made" in w.get(page + "?status=paused").text
    assert "web-made" not in w.get(page + "?status=up").text
    assert "web-made" in w.get(page + "?search=WEB-MADE").text
    assert "web-made" not in w.get(page + "?search=nothing-like-it").text
    r = w.get(page + "?tag=a&tag=b")
    assert "web-made" in r.text
    assert "web-made" not in w.get(page + "?tag=a&tag=zzz").text
    r = w.post("/checks/%s/resume/" % code)
    assert r.status == 302 and inst.check_row(code)["status"] == "new"
    r = w.post("/checks/%s/copy/" % code)
    assert r.status == 302
    assert inst.sql("SELECT slug FROM api_check WHERE name = 'web-made"
                    " (copy)'") == [("web-made-copy",)]
    r = w.post("/checks/%s/remove/" % code)
    assert r.status == 302
    assert inst.sql("SELECT count(*) FROM api_check WHERE code = '%s'"
                    % code)[0][0] == "0"


def test_add_cron_check(inst):
    w = web(inst, "10.16.0.1")
    w.login("a@example.org", "pw")
    r = w.post("/projects/%s/checks/add/" % inst.project,
               {"name": "cron-made", "kind": "oncalendar",
                "schedule": "Mon..Fri 09:00", "tz": "Europe/Riga",
                "grace": "600", "timeout": "86400"})
    assert r.status == 302, r
    assert inst.sql("SELECT kind, schedule, tz FROM api_check WHERE name ="
                    " 'cron-made'") == [("oncalendar", "Mon..Fri 09:00",
                                        "Europe/Riga")]
    r = w.post("/projects/%s/checks/add/" % inst.project,
               {"name": "bad-cron", "kind": "cron", "schedule": "nope",
                "tz": "UTC", "grace": "600"})
    assert r.status == 400
    assert inst.sql("SELECT count(*) FROM api_check WHERE name ="
                    " 'bad-cron'")[0][0] == "0"


def test_schedule_preview(inst):
    w = web(inst, "10.11.0.1")
    w.login("a@example.org", "pw")
    w.get("/")
    r = w.post("/checks/preview/", {"kind": "cron", "schedule": "0 3 * * *",
                                    "tz": "Europe/Riga"})
    d = r.json()
    assert d["result"] is True and len(d["runs"]) == 5
    assert all(x["local"].endswith("03:00:00 Europe/Riga")
               for x in d["runs"])
    r = w.post("/checks/preview/", {"kind": "cron", "schedule": "61 * * * *",
                                    "tz": "UTC"})
    assert r.json()["result"] is False and r.json()["error"]
    r = w.post("/checks/preview/", {"kind": "cron", "schedule": "* * * * *",
                                    "tz": "Mars/Olympus"})
    assert r.json()["result"] is False and r.json()["tz_ok"] is False
    r = w.post("/checks/preview/", {"kind": "oncalendar",
               "schedule": "Mon *-*-* 09:00", "tz": "UTC"})
    assert r.json()["result"] is True


def test_cloaked_redirect(inst):
    c = a_check(inst, name="cloak")
    code = c["ping_url"].rsplit("/", 1)[1]
    import hashlib
    uk = hashlib.sha1(code.replace("-", "")[:16].encode()).hexdigest()
    w = web(inst, "10.12.0.1")
    w.login("a@example.org", "pw")
    r = w.get("/cloaked/%s/" % uk)
    assert r.status == 302
    assert r.headers["location"] == "/checks/%s/details/" % code
    other = web(inst, "10.12.0.2")
    other.login("b@example.org", "pw")
    assert other.get("/cloaked/%s/" % uk).status == 404


def test_projects_create_rename_delete(inst):
    w = web(inst, "10.13.0.1")
    w.login("a@example.org", "pw")
    r = w.post("/projects/add/", {"name": "Scratch <1>"})
    assert r.status == 302
    pcode = re.search(r"/projects/([0-9a-f-]{36})/checks/",
                      r.headers["location"]).group(1)
    r = w.get("/")
    assert "Scratch &lt;1&gt;" in r.text and "Scratch <1>" not in r.text
    r = w.get("/projects/%s/settings/" % pcode)
    assert r.status == 200
    r = w.post("/projects/%s/settings/" % pcode, {"name": ""})
    assert r.status == 400
    r = w.post("/projects/%s/settings/" % pcode, {"name": "Scratch 2"})
    assert r.status == 200 and "renamed" in r.text
    # the worst status leads the overview: a down check in Scratch 2
    w.post("/projects/%s/checks/add/" % pcode, {"name": "will-fail",
           "kind": "simple", "timeout": "3600", "grace": "60"})
    code = inst.sql("SELECT c.code FROM api_check c JOIN accounts_project p"
                    " ON p.id = c.project_id WHERE p.code = '%s'" % pcode)[0][0]
    inst.ping(code + "/fail")
    for _ in range(100):
        if inst.check_row(code)["status"] == "down":
            break
    r = w.get("/")
    first = re.search(r'class="card project" href="/projects/([0-9a-f-]{36})'
                      r'/checks/" data-status="(\w+)"', r.text)
    assert first.groups() == (pcode, "down")
    r = w.get("/?refresh=1")
    assert r.json()[pcode] == {"status": "down", "started": False}
    # another user cannot delete it; its owner can
    other = web(inst, "10.13.0.2")
    other.login("b@example.org", "pw")
    assert other.post("/projects/%s/remove/" % pcode).status == 404
    r = w.post("/projects/%s/remove/" % pcode)
    assert r.status == 302
    assert inst.sql("SELECT count(*) FROM accounts_project WHERE code = '%s'"
                    % pcode)[0][0] == "0"
    # its check is gone from the ping path too
    assert inst.ping(code).status == 404


def test_transfer_clear_filters(inst):
    w = web(inst, "10.14.0.1")
    w.login("a@example.org", "pw")
    r = w.post("/projects/add/", {"name": "Target"})
    target = re.search(r"/projects/([0-9a-f-]{36})/", r.headers["location"]
                       ).group(1)
    c = a_check(inst, name="mover")
    code = c["ping_url"].rsplit("/", 1)[1]
    assert inst.ping(code).status == 200
    w.get("/checks/%s/details/" % code)
    r = w.post("/checks/%s/filtering_rules/" % code,
               {"methods": "POST", "filter_http_body": "1",
                "success_kw": "done", "failure_kw": "boom"})
    assert r.status == 302
    assert inst.sql("SELECT methods, filter_http_body, success_kw,"
                    " failure_kw FROM api_check WHERE code = '%s'" % code) \
        == [("POST", "t", "done", "boom")]
    # moving to a project the user cannot write to is refused
    r = w.post("/checks/%s/transfer/" % code, {"project": inst.other_project})
    assert r.status == 404
    r = w.post("/checks/%s/transfer/" % code, {"project": target})
    assert r.status == 302
    assert inst.sql("SELECT p.code FROM api_check c JOIN accounts_project p"
                    " ON p.id = c.project_id WHERE c.code = '%s'" % code) \
        == [(target,)]
    # the ping path follows it (a POST: methods=POST now)
    assert inst.ping(code, method="POST", body=b"done").status == 200
    r = w.post("/checks/%s/clear_events/" % code)
    assert r.status == 302
    assert inst.check_row(code)["status"] == "new"
    assert inst.pings(code) == [] and inst.flips(code) == []
    r = w.get("/checks/%s/details/" % code)
    assert "No events yet" in r.text


def test_log_time_zones_and_long_description(inst):
    c = a_check(inst, name="zoned", schedule="0 3 * * *", tz="Europe/Riga")
    code = c["ping_url"].rsplit("/", 1)[1]
    assert inst.ping(code).status == 200
    w = web(inst, "10.15.0.1")
    w.login("a@example.org", "pw")
    r = w.get("/checks/%s/log/" % code)
    assert re.search(r'title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Europe/Riga"',
                     r.text), r.text[:2000]
    assert 'id="tz-utc"' in r.text
    r = w.get("/checks/%s/log/?tz=UTC" % code)
    assert re.search(r'title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"', r.text)
    # a description longer than any fixed buffer is kept whole
    desc = "runbook: " + "x" * 20000
    r = w.post("/checks/%s/name/" % code, {"name": "zoned", "desc": desc})
    assert r.status == 302
    assert inst.sql("SELECT length(\"desc\") FROM api_check WHERE code ="
                    " '%s'" % code) == [(str(len(desc)),)]


def test_secure_cookies_under_https_site_root(make_hcd):
    h = make_hcd(extra={"SITE_ROOT": "https://hc.example.org"})
    w = Web(h)
    w.login("a@example.org", "pw")
    for line in w.login_cookies:
        assert "Secure" in line and "HttpOnly" in line, line
    # a form posted from the site itself passes the Origin check
    r = w.request("POST", "/projects/add/", form={"name": "o"},
                  headers={"Origin": "https://hc.example.org"})
    assert r.status == 302
    r = w.request("POST", "/projects/add/", form={"name": "o"},
                  headers={"Origin": "http://hc.example.org"})
    assert r.status == 403
