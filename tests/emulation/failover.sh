#!/bin/sh
# Emulation against simulation: the same two-site, two-PoP scenario
# (failover.yaml) simulated and then run for real, its Sockets and PoPs as
# daemons in network namespaces and the fibre cut with `ip link set down`.
# The failover times must agree within 20% or 200 ms, whichever is larger;
# the traffic must move to the passive link; the captured DTLS handshake
# must decrypt with the key log; and nothing (namespace, interface,
# process) may be left behind after a run, an interrupted run, a killed
# runner or a failed run.  Needs root and network namespaces: skipped
# with the reason otherwise.
. "$(dirname "$0")/lib.sh"
scen="$SRCDIR/tests/emulation/failover.yaml"
bindir=$(dirname "$SASEBED")

# What must be gone after every run: the runner's namespaces (sbPID-*)
# and daemons (started with --tag sbPID), and any interface it might have
# made in this namespace.  Other emulations may run beside this one.
links0=$(ip -o link | wc -l)
clean() {
	n=$(ip netns list | grep -c "^sb$2-")
	d=$(pgrep -f -- "--tag sb$2( |\$)" | wc -l)
	l=$(ip -o link | wc -l)
	[ "$n" -eq 0 ] && [ "$d" -eq 0 ] && [ "$l" -eq "$links0" ] && pass ||
	    fail "$1: left behind: $n namespaces, $d daemons, $((l - links0)) interfaces"
}
# wait_for FILE PATTERN: until the file holds the pattern (at most 30 s)
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1)); [ "$i" -le 300 ] || return 1
		sleep 0.1
	done
}

"$SASEBED" run "$scen" --db "$TMP/sim.db" --quiet
[ $? -eq 0 ] && pass || fail "the simulation's expectations"
"$SASEBED" emulate "$scen" --db "$TMP/emu.db" --out "$TMP/out" \
    --pcap "$TMP/pcap" >"$TMP/emu.out" 2>&1 &
pid=$!
wait $pid
rc=$?
cat "$TMP/emu.out"
[ $rc -eq 0 ] && pass || fail "sasebed emulate exited $rc"
clean "a run" $pid

# the failover times, side by side
sim=$(metric "$TMP/sim.db" flow voice-like failover-time)
emu=$(metric "$TMP/emu.db" flow voice-like failover-time)
echo "failover: simulated $sim ns, emulated $emu ns"
awk -v s="$sim" -v e="$emu" 'BEGIN {
	d = e - s; if (d < 0) d = -d
	tol = 0.2 * s; if (tol < 200e6) tol = 200e6
	exit !(s > 0 && e > 0 && d <= tol) }' && pass ||
    fail "emulated failover $emu ns is not within 20% or 200 ms of the simulated $sim ns"
"$SASEBED" compare "$TMP/sim.db" "$TMP/emu.db" --only failover-time \
    --abs failover-time=200ms --rel failover-time=20% && pass ||
    fail "sasebed compare finds the two apart"

# the traffic moved to the passive link, and went on arriving on it
moved=$(sql "$TMP/emu.db" "SELECT count(*) FROM events WHERE kind = 'link-failover' AND node = 'fra-branch' AND subject = 'lte' AND t_ns > 8000000000")
[ "$moved" -ge 1 ] && pass || fail "no move of fra-branch's traffic to lte after the cut"
after=$(sql "$TMP/emu.db" "SELECT sum(delivered) FROM flow_samples WHERE t_ns > 13000000000")
[ "${after:-0}" -gt 100 ] && pass || fail "only ${after:-0} datagrams delivered after the failover"
status=$(sql "$TMP/emu.db" "SELECT status FROM runs")
[ "$status" = completed ] && pass || fail "the run says '$status'"
# the same links as the simulator's, so that the report draws them
l=$(sql "$TMP/emu.db" "SELECT group_concat(name || '/' || kind, ' ') FROM (SELECT name, kind FROM links ORDER BY name)")
s=$(sql "$TMP/sim.db" "SELECT group_concat(name || '/' || kind, ' ') FROM (SELECT name, kind FROM links WHERE kind != 'internet' ORDER BY name)")
[ -n "$l" ] && [ "$l" = "$s" ] && pass || fail "links: emulated '$l', simulated '$s'"
p=$(sql "$TMP/emu.db" "SELECT pop FROM nodes WHERE name = 'fra-branch'")
[ "$p" = fra ] && pass || fail "fra-branch's PoP: '$p'"

# the real DTLS handshake on the fibre's veth, and what the key log opens
cap="$TMP/pcap/fra-branch-fibre.pcapng"
if command -v tshark >/dev/null; then
	ts() { tshark -r "$cap" -d udp.port==443,dtls "$@" 2>/dev/null | wc -l; }
	hello=$(ts -Y 'dtls.handshake.type == 1')
	hvr=$(ts -Y 'dtls.handshake.type == 3')
	fin=$(ts -Y 'dtls.record.content_type == 22 && dtls.record.epoch == 1')
	echo "on the wire: $hello ClientHellos, $hvr HelloVerifyRequests, $fin encrypted Finished"
	[ "$hello" -ge 2 ] && [ "$hvr" -ge 1 ] && [ "$fin" -ge 2 ] && pass ||
	    fail "no whole DTLS handshake on the fibre's veth"
	# the project's dissector shows what a tunnel record carries
	lua="-X lua_script:$SRCDIR/pcap/sasebed.lua"
	plain=$(ts $lua -Y 'ip.src == 10.0.1.10 && ip.dst == 10.0.2.10')
	inner=$(ts $lua -o tls.keylog_file:"$TMP/pcap/keys.log" -Y 'ip.src == 10.0.1.10 && ip.dst == 10.0.2.10 && udp.dstport == 30000')
	echo "inner datagrams: $plain without the key log, $inner with it"
	[ "$plain" -eq 0 ] && [ "$inner" -gt 100 ] && pass ||
	    fail "the key log does not decrypt the tunnel ($plain, $inner)"
else
	echo "tshark not installed: the capture is not dissected"
fi

# interrupted: SIGINT once the tunnels are up
"$SASEBED" emulate "$scen" --out "$TMP/int" >"$TMP/int.out" 2>&1 &
pid=$!
wait_for "$TMP/int/emulation-failover-emu/fra-branch.events" tunnel-up ||
    fail "the interrupted run never brought a tunnel up"
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] && pass || { cat "$TMP/int.out"; fail "SIGINT: exit $rc, not 130"; }
status=$(sql "$TMP/int/emulation-failover-emu.db" "SELECT status FROM runs")
[ "$status" = interrupted ] && pass || fail "an interrupted run says '$status'"
clean "an interrupted run" $pid

# killed: the daemons go with the runner, and the next run clears its
# namespaces
"$SASEBED" emulate "$scen" --out "$TMP/kill" >/dev/null 2>&1 &
pid=$!
wait_for "$TMP/kill/emulation-failover-emu/fra-branch.events" tunnel-up ||
    fail "the killed run never brought a tunnel up"
kill -KILL $pid
wait $pid 2>/dev/null
daemons() { pgrep -f -- "--tag sb$pid( |\$)" | wc -l; }
i=0
while [ "$(daemons)" -gt 0 ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
[ "$(daemons)" -eq 0 ] && pass || fail "daemons outlived their killed runner"
killed=$pid
"$SASEBED" emulate "$scen" --until 1s --out "$TMP/after" >"$TMP/after.out" 2>&1 &
pid=$!
wait $pid
grep -q "removed [0-9]* network namespaces left by an emulation that was killed" \
    "$TMP/after.out" && pass || { cat "$TMP/after.out"; fail "the next run did not clear the killed run's namespaces"; }
clean "a killed run, cleared by the next" $killed
clean "the run after it" $pid

# failed: no daemons to start (a binary alone, and a PATH without them)
mkdir "$TMP/bin"
cp "$SASEBED" "$TMP/bin/sasebed"
PATH=/usr/sbin:/usr/bin:/sbin:/bin "$TMP/bin/sasebed" emulate "$scen" \
    --until 2s --out "$TMP/fail" >"$TMP/fail.out" 2>&1 &
pid=$!
wait $pid
rc=$?
[ $rc -eq 3 ] && pass || { cat "$TMP/fail.out"; fail "a run without its daemons exited $rc, not 3"; }
clean "a failed run" $pid

finish
