# SMTP load for `make bench-smtp` (tests/bench/smtp): N client
# processes (not threads: the clients must not share one interpreter
# lock), each on one connection to 127.0.0.1, sending small messages to
# a random check each, one after another, until the time is up or the
# per-client count is reached.  Prints one line:
#   sent=<answered 250> refused=<other answers> errors=<exceptions>
#   secs=<elapsed> rate=<250s per second> p50_ms=<..> p99_ms=<..>
# Usage: smtp_load.py PORT UUIDFILE DOMAIN CLIENTS SECONDS MAX_PER_CLIENT

import multiprocessing
import random
import smtplib
import sys
import time


def client(args):
    port, rcpts, seconds, count, k = args
    rnd = random.Random(k)
    lat, sent, refused, errors = [], 0, 0, 0
    start = time.monotonic()
    end = start + seconds
    s = None
    for i in range(count):
        if time.monotonic() > end:
            break
        rcpt = rnd.choice(rcpts)
        msg = ("From: bench@localhost\r\nSubject: bench %d-%d\r\n\r\n"
               "run %d of client %d\r\n" % (k, i, i, k)).encode()
        t0 = time.monotonic()
        try:
            if s is None:
                s = smtplib.SMTP("127.0.0.1", port, timeout=30)
                s.ehlo("bench")
            s.sendmail("bench@localhost", [rcpt], msg)
            sent += 1
            lat.append(time.monotonic() - t0)
        except smtplib.SMTPResponseException:
            refused += 1
        except (OSError, smtplib.SMTPException):
            errors += 1
            s = None
    if s is not None:
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent, refused, errors, lat, time.monotonic() - start


def main():
    port, uuids, domain = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    clients, seconds, count = (int(sys.argv[4]), float(sys.argv[5]),
                               int(sys.argv[6]))
    with open(uuids) as f:
        rcpts = ["%s@%s" % (u.strip(), domain) for u in f if u.strip()]
    with multiprocessing.Pool(clients) as pool:
        res = pool.map(client, [(port, rcpts, seconds, count, k)
                                for k in range(clients)])
    secs = max(r[4] for r in res)       # the clients' own clocks
    sent = sum(r[0] for r in res)
    lat = sorted(x for r in res for x in r[3])
    p = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
         if lat else 0.0)
    print("sent=%d refused=%d errors=%d secs=%.2f rate=%.0f p50_ms=%.2f "
          "p99_ms=%.2f" % (sent, sum(r[1] for r in res),
                           sum(r[2] for r in res), secs, sent / secs,
                           p(0.50), p(0.99)))


if __name__ == "__main__":
    main()
