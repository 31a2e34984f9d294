#!/bin/sh
# What applications feel, end to end through the simulator: voice calls
# rated by the E-model as ITU-T G.107 gives them; a 1 GB transfer in the
# time the TCP model allows; web pages slower from the far side of the
# world; a capture replayed packet for packet and byte for byte.
. "$(dirname "$0")/lib.sh"
G="$SRCDIR/tests/scenarios/good"

# ---- voice: G.711, 150 ms mouth to ear, 0 and 2% random loss ----
db="$TMP/voice.db"
"$SASEBED" run "$G/voice.yaml" --db "$db" >"$TMP/out" 2>&1 ||
	fail "voice: exit $? ($(tail -3 "$TMP/out"))"
ta=$(metric "$db" call "clean-call#1" mouth-to-ear)
within 149e6 151e6 "$ta" && pass || fail "voice: mouth-to-ear $ta ns, not 150 ms"
# G.107: R = 93.2 - 3.6 = 89.6, MOS 4.33; with 2%: R 82.6, MOS 4.12
m=$(metric "$db" call "clean-call#1" mos)
within 4.23 4.43 "$m" && pass || fail "voice: clean MOS $m, G.107 gives 4.33"
m=$(metric "$db" call "lossy-call#1" mos)
within 4.02 4.22 "$m" && pass || fail "voice: 2% loss MOS $m, G.107 gives 4.12"
l=$(metric "$db" call "lossy-call#1" effective-loss)
within 0.017 0.023 "$l" && pass || fail "voice: effective loss $l, not 2%"

# ---- bulk: 1 GB, 100 Mbit/s, 200 ms ----
db="$TMP/bulk.db"
"$SASEBED" run "$G/bulk-1g.yaml" --db "$db" >"$TMP/out" 2>&1 ||
	fail "bulk: exit $? ($(tail -3 "$TMP/out"))"
t=$(metric "$db" flow backup completion-time)
# the wire's time for 1e9 bytes in 1460-byte segments of 1500-byte
# packets at 100 Mbit/s, and a round trip for the handshake: the least
# possible; slow start leaves at about 70% of the rate and CUBIC takes
# some seconds to fill the path: at most 6% more
wire=$(awk 'BEGIN { print (1e9 / 1460 * 1500 * 8 / 100e6 + 0.2) * 1e9 }')
hi=$(awk "BEGIN { print $wire * 1.06 }")
within "$wire" "$hi" "$t" && pass || fail "bulk: took $t ns, the model allows $wire to $hi"
r=$(metric "$db" flow backup retransmits)
[ "$r" = 0.0 ] && pass || fail "bulk: $r retransmissions on a clean path"

# ---- web: near and far ----
db="$TMP/web.db"
"$SASEBED" run "$G/web.yaml" --db "$db" >"$TMP/out" 2>&1 ||
	fail "web: exit $? ($(tail -3 "$TMP/out"))"
near=$(metric "$db" flow near page-load-p50)
far=$(metric "$db" flow far page-load-p50)
rtt=$(sql "$db" "SELECT 2 * sum(delay_ns) FROM links WHERE name = 'backbone:fra>syd'")
# a page far away takes a handshake and at least one request per
# connection across the backbone: two round trips
awk "BEGIN { exit !($far >= 2 * $rtt && $near < $far) }" && pass ||
	fail "web: page load p50 near $near, far $far, backbone RTT $rtt"
n=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'page-load' AND subject = 'far'")
p=$(metric "$db" flow far pages)
[ "$n" -gt 10 ] && [ "$n.0" = "$p" ] && pass || fail "web: $n page-load events, $p pages"

# ---- replay: the project's capture ----
db="$TMP/replay.db"
"$SASEBED" run "$G/replay.yaml" --db "$db" >"$TMP/out" 2>&1 ||
	fail "replay: exit $? ($(tail -3 "$TMP/out"))"
# tests/data/README.md: 350 IPv4 packets, 220907 bytes; the 5004 flow
# 150 packets, 30000 bytes
got=$(sql "$db" "SELECT f.name || ':' || sum(s.delivered) || ':' || sum(s.bytes) FROM flow_samples s JOIN flows f ON f.id = s.flow_id AND f.run_id = s.run_id GROUP BY f.name ORDER BY f.name" | tr '\n' ' ')
[ "$got" = "everything:350:220907 voice-only:150:30000 " ] && pass ||
	fail "replay: delivered $got"
finish
