# Helpers for the management API tests (test_api_*.py): calls for any
# API version, channels made in SQL, badge signatures computed the way
# Healthchecks computes them.

import base64
import hashlib
import hmac
import json

V = (1, 2, 3)
# Check fields only a read-write key sees.
RW = ["uuid", "ping_url", "update_url", "pause_url", "resume_url",
      "channels"]


def call(h, method, version, path, body=None, key=None, headers=None):
    """One API request to /api/v<version>/<path>."""
    hd = dict(headers or {})
    if key is not None:
        hd["X-Api-Key"] = key
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        hd["Content-Type"] = "application/json"
    return h.request(method, "/api/v%d/%s" % (version, path), body=body,
                     headers=hd)


def create(h, version=3, key=None, **fields):
    fields.setdefault("timeout", 3600)
    fields.setdefault("grace", 60)
    r = call(h, "POST", version, "checks/", fields, key=key or h.key)
    assert r.status == 201, r
    return r.json()


def project_id(h, code=None):
    return int(h.sql("SELECT id FROM accounts_project WHERE code = '%s'"
                     % (code or h.project))[0][0])


def add_channel(h, name, kind="email", value="a@example.org", project=None):
    rows = h.sql(
        "INSERT INTO api_channel (project_id, name, kind, value) VALUES"
        " (%d, '%s', '%s', '%s') RETURNING code"
        % (project_id(h, project), name.replace("'", "''"), kind, value))
    return rows[0][0]


def badge_key(h):
    return h.sql("SELECT badge_key FROM accounts_project WHERE code = '%s'"
                 % h.project)[0][0]


def badge_sig(secret, key, tag):
    """Django's base64_hmac(key, tag, SECRET_KEY)[:8]."""
    k = hashlib.sha1((key + secret).encode()).digest()
    mac = hmac.new(k, tag.encode(), hashlib.sha1).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()[:8]


def set_status(h, code, **cols):
    """Force stored state in SQL (e.g. a check that is late or down)."""
    sets = []
    for k, v in cols.items():
        if v is None:
            sets.append("%s = NULL" % k)
        elif isinstance(v, str) and v.startswith("SQL:"):
            sets.append("%s = %s" % (k, v[4:]))
        else:
            sets.append("%s = '%s'" % (k, v))
    h.sql("UPDATE api_check SET %s WHERE code = '%s'" % (", ".join(sets),
                                                        code))
