#!/usr/bin/python3
# Oracle for tests/unit/cron_test.c: prints the next N matches of a cron
# expression after a UTC epoch, per Debian's python3-croniter.
# usage: cron_oracle.py 'EXPR' ZONE EPOCH N
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
from croniter import croniter

expr, zone, epoch, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
start = datetime.fromtimestamp(epoch, timezone.utc).astimezone(ZoneInfo(zone))
it = croniter(expr, start)
out = []
for _ in range(n):
    try:
        out.append(str(int(it.get_next(float))))
    except Exception as e:
        out.append("ERR:" + type(e).__name__)
        break
print(" ".join(out))
