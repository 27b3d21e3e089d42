#!/bin/sh
# Oracle for tests/unit/oncalendar_test.c: the next N elapses of an
# OnCalendar expression after a UTC epoch, per systemd-analyze, printed
# as UTC epochs.  ZONE is the default zone (lines without a suffix).
# usage: oncal_oracle.sh 'EXPR' ZONE EPOCH N
expr=$1 zone=$2 epoch=$3 n=$4
out=$(TZ=$zone systemd-analyze calendar --base-time="@$epoch" \
    --iterations="$n" "$expr" 2>&1) || { echo "ERR"; exit 0; }
if echo "$out" | grep -q "(in UTC)"; then
	lines=$(echo "$out" | sed -n 's/.*(in UTC): //p')
else
	lines=$(echo "$out" | sed -n 's/.*\(Next elapse\|Iter\. #[0-9]*\): //p')
fi
echo "$lines" | while read -r l; do
	case $l in
	never) printf 'NEVER ' ;;
	*) printf '%s ' "$(date -u -d "$(echo "$l" | sed 's/^[A-Za-z]* //')" +%s)" ;;
	esac
done
echo
