#!/bin/sh
# Captures of the flagship scenario: one file per site WAN link and a key
# log.  With tshark installed: the tunnel dissects as DTLS 1.2 (cookie
# exchange, then application data); with the key log the records decrypt
# to the sites' inner IP packets; without it they do not.
. "$(dirname "$0")/lib.sh"

d="$TMP/pcap"
# two minutes are enough; the scenario's expectations, about hours, then
# fail (exit 1), and that is not what this test is about
"$SASEBED" run "$SRCDIR/scenarios/mumbai-us-peak.yaml" --until 2m --quiet \
	--db "$TMP/run.db" --pcap "$d"
[ $? -le 1 ] && [ "$(sql "$TMP/run.db" "SELECT status FROM runs")" = completed ] \
	&& pass || fail "run with --pcap"
for f in mumbai-branch-wan1.pcap us-east-app-dc1.pcap keys.log; do
	[ -s "$d/$f" ] && pass || fail "$f missing or empty"
done
# one key log line per handshake end: CLIENT_RANDOM, 64 hex, 96 hex
grep -Eqv '^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$' "$d/keys.log" \
	&& fail "a malformed key log line" || pass

: "${TSHARK:=$(command -v tshark)}"
if [ -z "$TSHARK" ]; then
	echo "tshark not installed: dissection not checked"
	finish; exit $?
fi
ts() { "$TSHARK" -r "$d/mumbai-branch-wan1.pcap" -d udp.port==443,dtls "$@" 2>/dev/null; }
# tsk FILTER: the same with the Lua reader and the key log, records counted
tsk() { ts -X lua_script:"$lua" -o tls.keylog_file:"$d/keys.log" -Y "$1" | wc -l; }
lua="$SRCDIR/pcap/sasebed.lua"

hello=$(ts -Y 'dtls.handshake.type == 1' | wc -l)
hvr=$(ts -Y 'dtls.handshake.type == 3' | wc -l)
app=$(ts -Y 'dtls.record.content_type == 23' | wc -l)
echo "client hellos $hello, hello verify requests $hvr, application records $app"
[ "$hello" -eq 2 ] && pass || fail "expected 2 ClientHellos (before and after the cookie), saw $hello"
[ "$hvr" -eq 1 ] && pass || fail "expected 1 HelloVerifyRequest, saw $hvr"
[ "$app" -gt 1000 ] && pass || fail "too few application records: $app"

# without the key log: no inner packet visible
plain=$(ts -X lua_script:"$lua" -Y 'ip.src == 10.0.1.10' | wc -l)
[ "$plain" -eq 0 ] && pass || fail "$plain inner packets visible without keys"
# with it: every data record shows the branch's inner packet, and the
# keepalives and link probes show as such
inner=$(tsk 'ip.src == 10.0.1.10 && ip.dst == 10.0.2.10 && udp')
ka=$(tsk 'sasebed.control')
echo "decrypted: $inner inner packets, $ka keepalives, probes and replies"
[ "$inner" -gt 1000 ] && pass || fail "only $inner inner packets decrypted"
[ $((inner + ka)) -eq "$app" ] && pass || fail "$app records but $inner packets + $ka control messages decrypted"
# the link probes read as such: requests with their sequence numbers, and
# an answer carrying the peer's counts for nearly every one
probes=$(tsk 'sasebed.control == 3 && sasebed.probe.seq')
answers=$(tsk 'sasebed.control == 4 && sasebed.probe.rx > 0')
echo "probes $probes, answers $answers"
[ "$probes" -gt 100 ] && [ "$answers" -gt $((probes * 9 / 10)) ] && [ "$answers" -le "$probes" ] && pass || fail "probes $probes, answers $answers"
finish
