# A small browser stand-in for the dashboard's integration tests: keeps
# cookies (every Set-Cookie line, which conftest's Resp folds into one),
# reads the CSRF token from the last page's <meta name="csrf-token">,
# and posts url-encoded forms with it.

import http.client
import re
import time
import urllib.parse

from conftest import Resp, SLOW

META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


class Web:
    def __init__(self, inst, ip=None):
        self.h = inst
        self.cookies = {}
        self.set_cookies = []       # the last answer's Set-Cookie lines
        self.csrf = ""
        self.ip = ip                # sent as X-Forwarded-For

    def request(self, method, path, form=None, headers=None, csrf=True):
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in
                                    self.cookies.items())
        if self.ip:
            h["X-Forwarded-For"] = self.ip
        body = None
        if form is not None:
            form = dict(form)
            if csrf and "csrf" not in form:
                form["csrf"] = self.csrf
            body = urllib.parse.urlencode(form, doseq=True)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        c = http.client.HTTPConnection("127.0.0.1", self.h.port,
                                       timeout=20 * SLOW)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            hdrs = r.getheaders()
        finally:
            c.close()
        self.set_cookies = [v for k, v in hdrs if k.lower() == "set-cookie"]
        for line in self.set_cookies:
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in line:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        resp = Resp(r.status, {k.lower(): v for k, v in hdrs}, data)
        m = META.search(resp.text)
        if m:
            self.csrf = m.group(1)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form=None, **kw):
        return self.request("POST", path, form=form or {}, **kw)

    def login(self, email, password):
        if self.get("/accounts/login/").status == 302:
            self.get("/")       # signed in already: a token from a page
        r = self.post("/accounts/login/", {"action": "login", "email": email,
                                           "password": password})
        assert r.status == 302, r
        assert r.headers["location"].endswith("/"), r.headers
        self.login_cookies = self.set_cookies
        self.get("/")           # as a browser follows: the new token
        return r


def login_link(inst, email, since=0):
    """The last log-in link for email written to hcd's log after offset
    `since` (waits a little for the log line)."""
    pat = re.compile(r"login link for %s: (\S+)" % re.escape(email))
    deadline = time.monotonic() + 5 * SLOW
    while True:
        found = pat.findall(inst.log()[since:])
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError("no login link for %s in the log" % email)
        time.sleep(0.05)
