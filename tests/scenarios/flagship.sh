#!/bin/sh
# The flagship scenario tells its story in the results: the public path
# from Mumbai to Ashburn degrades at the evening peak and the backbone does
# not; every expectation holds; the run is complete.
. "$(dirname "$0")/lib.sh"

db="$TMP/flagship.db"
"$SASEBED" run "$SRCDIR/scenarios/mumbai-us-peak.yaml" --db "$db" >"$TMP/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass || fail "exit $rc: $(cat "$TMP/out")"
[ "$(sql "$db" "SELECT status FROM runs")" = completed ] && pass || fail "run not completed"
[ "$(sql "$db" "SELECT count(*) FROM expectations WHERE status <> 'pass'")" = 0 ] && pass || fail "an expectation failed"

# mean one-way delay of a link over a window of the scenario clock (local HH:MM)
delay() {
	sql "$db" "SELECT CAST(avg(delay_mean_ns) AS INTEGER) FROM v_link_samples
	           WHERE link = '$1' AND time(local_time) >= '$2' AND time(local_time) < '$3'"
}
loss() {
	sql "$db" "SELECT sum(drops_loss) * 1.0 / (sum(packets) + sum(drops_loss))
	           FROM v_link_samples WHERE link = '$1'
	           AND time(local_time) >= '$2' AND time(local_time) < '$3'"
}
i_early=$(delay 'internet:mumbai>ashburn' 18:00 18:30)
i_peak=$(delay 'internet:mumbai>ashburn' 20:45 21:15)
b_early=$(delay 'backbone:mum>iad' 18:00 18:30)
b_peak=$(delay 'backbone:mum>iad' 20:45 21:15)
echo "internet delay 18:00 $i_early ns, 21:00 $i_peak ns; backbone $b_early ns, $b_peak ns"
# the Internet path: delay x1.1 at 18:00 and x1.4 at 21:00
[ "$i_peak" -gt $((i_early * 12 / 10)) ] && pass || fail "internet delay did not grow at peak ($i_early -> $i_peak)"
# the backbone: within 1% all evening
[ "$b_peak" -lt $((b_early * 101 / 100)) ] && [ "$b_peak" -gt $((b_early * 99 / 100)) ] && pass || fail "backbone delay moved ($b_early -> $b_peak)"
l_early=$(loss 'internet:mumbai>ashburn' 18:00 19:00)
l_peak=$(loss 'internet:mumbai>ashburn' 20:30 21:30)
echo "internet loss 18:00-19:00 $l_early, 20:30-21:30 $l_peak"
# the profile scales loss by about 3 over 18:00-19:00 and about 5.75 over
# 20:30-21:30, a ratio near 1.9; 1.5 leaves room for the bursts' noise
awk -v a="$l_early" -v b="$l_peak" 'BEGIN { exit !(b > 1.5 * a) }' && pass || fail "internet loss did not rise at peak"
# the flows say the same: p95 latency at 21:00, backbone below internet
pb=$(sql "$db" "SELECT max(latency_p95_ns) FROM v_flow_samples WHERE flow = 'erp-backbone' AND time(local_time) BETWEEN '20:50' AND '21:10'")
pi=$(sql "$db" "SELECT min(latency_p95_ns) FROM v_flow_samples WHERE flow = 'erp-internet' AND time(local_time) BETWEEN '20:50' AND '21:10'")
[ "$pb" -lt "$pi" ] && pass || fail "backbone p95 $pb not below internet p95 $pi at 21:00"
# the backup: the whole gigabyte arrives both ways, and the split at the
# PoPs at least twice as fast (CUBIC's response function gives about 5
# against 20 Mbit/s here)
tb=$(metric "$db" flow backup completion-time)
ta=$(metric "$db" flow backup-accelerated completion-time)
echo "backup 1 GB: $tb ns end to end, $ta ns accelerated"
awk -v a="$ta" -v b="$tb" 'BEGIN { exit !(a > 0 && 2 * a < b) }' && pass ||
	fail "acceleration: $ta ns against $tb ns"
for f in backup backup-accelerated; do
	n=$(metric "$db" flow $f bytes-received)
	[ "$n" = 1000000000.0 ] && pass || fail "$f: $n bytes received"
done
finish
