#!/bin/sh
# Hostile datagrams at the daemons (`sasebed emulate --hostile`): replays,
# forgeries, malformed records, oversized datagrams and noise from unknown
# senders, sent from the core at every PoP's and every site link's port
# while a flow runs.  Every one must be dropped and counted where it
# landed (the daemons' counters add up to what was sent), the daemons
# must keep serving (the run completes: a daemon that dies fails it) and
# the flow must lose nothing.  Needs root: skipped otherwise.
. "$(dirname "$0")/lib.sh"
scen="$SRCDIR/tests/emulation/hostile.yaml"

db="$TMP/h.db"
"$SASEBED" emulate "$scen" --hostile 3s --db "$db" --out "$TMP/out" >"$TMP/out.txt" 2>&1
rc=$?
cat "$TMP/out.txt"
[ $rc -eq 0 ] && pass || fail "sasebed emulate --hostile exited $rc"

# what was sent, by kind (the runner's hostile event) ...
sent=$(sql "$db" "SELECT detail FROM events WHERE kind = 'hostile'")
echo "sent: $sent"
n() { echo "$1" | sed -n "s/.* \([0-9][0-9]*\) $2.*/\1/p"; }
s_rep=$(n "$sent" replayed); s_forg=$(n "$sent" forged); s_mal=$(n "$sent" malformed)
s_big=$(n "$sent" oversized); s_str=$(n "$sent" "from strangers")
[ "${s_rep:-0}" -gt 0 ] && [ "${s_forg:-0}" -gt 0 ] && [ "${s_mal:-0}" -gt 0 ] &&
    [ "${s_big:-0}" -gt 0 ] && [ "${s_str:-0}" -gt 0 ] && pass ||
    fail "the hostile side sent nothing of some kind: $sent"
# ... and what the daemons counted
total() {
	sql "$db" "SELECT detail FROM events WHERE kind = '$1'" |
	    sed -n "s/.*$2 \([0-9][0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'
}
d_rep=$(total tunnel-counters replayed); d_forg=$(total tunnel-counters forged)
d_mal=$(total tunnel-counters malformed); d_str=$(total daemon-counters "unknown senders")
d_big=$(total daemon-counters oversized)
echo "dropped: replayed $d_rep, forged $d_forg, malformed $d_mal, from strangers $d_str, oversized $d_big"
# a forgery is a record under a fresh number, so the window lets it by and
# the tag fails it; every record datagram sent lands in some tunnel
[ "$d_forg" -eq "$s_forg" ] && pass || fail "forged: sent $s_forg, counted $d_forg"
[ "$d_rep" -eq "$s_rep" ] && pass || fail "replayed: sent $s_rep, counted $d_rep"
[ "$d_mal" -eq "$s_mal" ] && pass || fail "malformed: sent $s_mal, counted $d_mal"
[ "$d_str" -eq "$s_str" ] && pass || fail "from strangers: sent $s_str, counted $d_str"
[ "$d_big" -eq "$s_big" ] && pass || fail "oversized: sent $s_big, counted $d_big"

# the flow did not notice, before or after the burst
loss=$(metric "$db" flow voice-like loss)
after=$(sql "$db" "SELECT sum(sent) || ' ' || sum(delivered) FROM flow_samples WHERE t_ns > 3000000000")
echo "loss $loss; after the burst sent, delivered: $after"
set -- $after
[ "${1:-0}" -gt 100 ] && [ "$1" -eq "$2" ] && pass || fail "datagrams lost after the burst: $after"
downs=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'tunnel-down' AND detail != 'shutdown'")
[ "$downs" -eq 0 ] && pass || fail "$downs tunnels went down under the burst"
finish
