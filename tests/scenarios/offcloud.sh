#!/bin/sh
# Off-cloud transport and WAN recovery, each rule on a small scenario:
# - active/passive: a link that misses a threshold loses its off-cloud
#   flows at that evaluation (spread over the drain), and they fall back
#   no sooner than the hold after the evaluation that finds it healthy;
# - the other site, whose own link is fine, keeps sending to the degraded
#   link meanwhile: the pair's traffic is asymmetric, and the route events
#   show each direction;
# - off-cloud never passes a PoP; the last-resort link never carries it
#   and has no off-cloud tunnel; with only that link left the flow takes
#   its rule's secondary (the cloud);
# - the same public IP gives no tunnel, an event, and the secondary;
# - a complex rule naming off-cloud goes to the PoP, FTP passive via the
#   cloud, each said in a flow-transport event;
# - secondary none drops while there is no tunnel, and the flow resumes;
# - the off-cloud tunnel shows in the far site's capture, straight from the
#   sender's public address, and decrypts with the key log;
# - active/active splits flows by bandwidth;
# - WAN recovery engages when every PoP tunnel of a site is down and
#   disengages when one returns.
. "$(dirname "$0")/lib.sh"

good="$SRCDIR/tests/scenarios/good"
cd "$TMP" || exit 99

# ev DB KIND SUBJECT [AFTER_S]: the time (s) of the first such event seen
# by a site (a tunnel's PoP end reports its own)
ev() {
	sql "$1" "SELECT t_ns / 1e9 FROM events WHERE kind = '$2' AND subject = '$3' AND node IN ('a', 'b') AND t_ns >= ${4:-0} * 1e9 ORDER BY rowid LIMIT 1"
}
# route DB FLOW AT_S: the route the flow last took at AT_S
route() {
	sql "$1" "SELECT detail FROM events WHERE kind = 'route' AND subject = '$2' AND t_ns <= $3 * 1e9 ORDER BY rowid DESC LIMIT 1"
}

# --- active/passive timing, asymmetry, last resort ---
"$SASEBED" run "$good/offcloud-pair.yaml" --quiet --db pair.db || fail "offcloud-pair does not run"
bad=$(sql pair.db "SELECT t_ns / 1e9 FROM events WHERE kind = 'link-health' AND subject = 'a/wan1' AND detail LIKE 'unhealthy%' LIMIT 1")
[ "$bad" = 30.0 ] && pass || fail "a/wan1 judged unhealthy at $bad s, not at the evaluation at 30 s"
mv=$(sql pair.db "SELECT t_ns / 1e9 FROM events WHERE kind = 'route' AND subject = 'ab' AND detail = 'offcloud:a/wan2>b/wan1' LIMIT 1")
within 30 35 "$mv" && pass || fail "ab moved to wan2 at '$mv' s, not within the drain after 30 s"
ok=$(sql pair.db "SELECT t_ns / 1e9 FROM events WHERE kind = 'link-health' AND subject = 'a/wan1' AND detail = 'healthy' AND t_ns > 60e9 LIMIT 1")
back=$(sql pair.db "SELECT t_ns / 1e9 FROM events WHERE kind = 'route' AND subject = 'ab' AND detail = 'offcloud:a/wan1>b/wan1' AND t_ns > 35e9 LIMIT 1")
[ "$ok" = 70.0 ] && pass || fail "a/wan1 healthy again at '$ok' s, not 70 s"
within 80 85 "$back" && pass || fail "ab fell back at '$back' s: not the hold (10 s) after $ok s"
# asymmetric: while a sends on wan2, b sends to a's wan1
[ "$(route pair.db ab 50)" = offcloud:a/wan2\>b/wan1 ] && [ "$(route pair.db ba 50)" = offcloud:b/wan1\>a/wan1 ] \
	&& pass || fail "at 50 s: ab '$(route pair.db ab 50)', ba '$(route pair.db ba 50)': not asymmetric"
# never through a PoP: every off-cloud route is a single off-cloud hop
n=$(sql pair.db "SELECT count(*) FROM events WHERE kind = 'route' AND subject IN ('ab', 'ba') AND detail LIKE 'offcloud:%' AND detail LIKE '%>fra%'")
m=$(sql pair.db "SELECT count(*) FROM events WHERE kind = 'route' AND subject IN ('ab', 'ba') AND detail LIKE 'offcloud:%'")
[ "$n" = 0 ] && [ "$m" -ge 4 ] && pass || fail "$n of $m off-cloud routes pass a PoP"
[ "$(route pair.db ab-cloud 20)" = "tunnel:a/wan1>fra > tunnel:b/wan1>fra" ] && pass \
	|| fail "the cloud flow went '$(route pair.db ab-cloud 20)'"
[ "$(metric pair.db socket-link a/lte off-cloud-packets)" = 0.0 ] \
	&& [ "$(sql pair.db "SELECT count(*) FROM events WHERE subject LIKE '%a/lte~%'")" = 0 ] \
	&& pass || fail "the last-resort link carried off-cloud or had a tunnel"
[ "$(route pair.db ab 150)" = "tunnel:a/lte>fra > tunnel:b/wan1>fra" ] && pass \
	|| fail "with only LTE left ab went '$(route pair.db ab 150)', not the cloud over LTE"
sec=$(sql pair.db "SELECT detail FROM events WHERE kind = 'flow-transport' AND subject = 'ab' AND t_ns > 120e9 LIMIT 1")
[ "$sec" = "off-cloud requested, sent via cloud: no off-cloud tunnel to b (secondary automatic)" ] \
	&& pass || fail "ab after 2m: '$sec'"
# the report's path chart names an off-cloud route by its two links
"$SASEBED" report pair.db --out pair >/dev/null || fail "report on offcloud-pair fails"
grep -q '	wan2 > off-cloud > wan1$' pair/failover-timeline.tsv \
	&& grep -q '	wan1 > off-cloud > wan1$' pair/failover-timeline.tsv \
	&& pass || fail "off-cloud routes not named in the path chart: $(cut -f5 pair/failover-timeline.tsv | sort -u | tr '\n' ',')"
# the results add up: what a sent off-cloud to b is what its links sent
tot=$(metric pair.db off-cloud 'a>b' packets)
sum=$(sql pair.db "SELECT sum(value) FROM metrics WHERE scope = 'socket-link' AND subject LIKE 'a/%' AND metric = 'off-cloud-packets'")
[ "$tot" = "$sum" ] && within 30000 40000 "$tot" && pass || fail "a>b off-cloud packets $tot, links $sum"

# --- the rules: same IP, complex, FTP passive, secondary none ---
"$SASEBED" run "$good/offcloud-rules.yaml" --quiet --db rules.db || fail "offcloud-rules does not run"
[ "$(sql rules.db "SELECT count(*) FROM events WHERE kind = 'off-cloud-same-ip'")" = 2 ] \
	&& [ "$(sql rules.db "SELECT count(*) FROM events WHERE subject LIKE 'a/wan1~c/%'")" = 0 ] \
	&& pass || fail "a and c, behind one address: no same-ip events, or a tunnel"
ft() { sql rules.db "SELECT detail FROM events WHERE kind = 'flow-transport' AND subject = '$1' ORDER BY rowid LIMIT 1"; }
[ "$(ft a-to-c)" = "off-cloud requested, sent via cloud: same public IP as c (secondary automatic)" ] \
	&& [ "$(route rules.db a-to-c 60)" = "tunnel:a/wan1>fra > tunnel:c/wan1>fra" ] \
	&& within 0 0.001 "$(metric rules.db flow a-to-c loss)" \
	&& pass || fail "a-to-c: '$(ft a-to-c)', '$(route rules.db a-to-c 60)'"
[ "$(ft crm)" = "off-cloud requested, sent via PoP: complex rule 'crm-off'" ] \
	&& [ "$(route rules.db crm 60)" = "tunnel:a/wan1>fra > tunnel:b/wan1>fra" ] \
	&& [ "$(metric rules.db socket a off-cloud-via-pop)" = 1.0 ] \
	&& pass || fail "crm: '$(ft crm)', '$(route rules.db crm 60)'"
[ "$(ft ftp-data)" = "off-cloud requested, sent via cloud: FTP passive" ] \
	&& [ "$(route rules.db ftp-data 100)" = "tunnel:a/wan1>fra > tunnel:b/wan1>fra" ] \
	&& pass || fail "ftp-data: '$(ft ftp-data)', '$(route rules.db ftp-data 100)'"
# secondary none: nothing delivered from when the tunnel is declared dead
# until it is back; then the flow resumes, off-cloud
dead=$(ev rules.db tunnel-down a/wan1~b/wan1)
up=$(sql rules.db "SELECT t_ns / 1e9 FROM events WHERE kind = 'off-cloud-connect' AND node = 'a' AND t_ns > 40e9 LIMIT 1")
within 39 42 "$dead" && [ -n "$up" ] && pass || fail "a/wan1~b/wan1 down at '$dead', back at '$up'"
dl=$(sql rules.db "SELECT sum(s.delivered) FROM flow_samples s JOIN flows f ON f.id = s.flow_id WHERE f.name = 'backup-none' AND s.t_ns > $dead * 1e9 + 1e9 AND s.t_ns <= $up * 1e9")
dr=$(metric rules.db socket a dropped-by-rule)
after=$(sql rules.db "SELECT sum(s.delivered) FROM flow_samples s JOIN flows f ON f.id = s.flow_id WHERE f.name = 'backup-none' AND s.t_ns > $up * 1e9 + 1e9")
[ "$dl" = 0 ] && within 3000 5000 "$dr" && [ "${after:-0}" -gt 5000 ] \
	&& [ "$(route rules.db backup-none 110)" = "offcloud:a/wan1>b/wan1" ] \
	&& pass || fail "secondary none: $dl delivered while down, $dr dropped by rule, $after after"

# the off-cloud tunnel in b's capture: from a's public address, straight
# (no PoP), and its records decrypt with the run's key log
: "${TSHARK:=$(command -v tshark)}"
if [ -n "$TSHARK" ]; then
	"$SASEBED" run "$good/offcloud-rules.yaml" --quiet --db cap.db --pcap caps --until 5s \
		|| fail "offcloud-rules --pcap does not run"
	# a and c share the address; a's tunnel carries the data
	port=$("$TSHARK" -r caps/b-wan1.pcap -Y 'ip.src == 203.0.113.7' -T fields -e udp.srcport 2>/dev/null |
		sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
	inner=$("$TSHARK" -r caps/b-wan1.pcap -d "udp.port==$port,dtls" -X lua_script:"$SRCDIR/pcap/sasebed.lua" \
		-o tls.keylog_file:caps/keys.log -Y 'ip.src == 203.0.113.7 && ip.src == 10.0.1.10 && ip.dst == 10.0.2.10' 2>/dev/null | wc -l)
	# backup-none: 125 packets a second for 5 s, less the first few
	# before its tunnel was up
	within 600 625 "$inner" && pass || fail "$inner inner packets decrypted from a's off-cloud tunnel (port '$port')"
else
	echo "tshark not installed: the off-cloud capture not dissected"
fi

# --- active/active: 120 flows over links of 100 and 50 Mb/s ---
{
	sed -n '1,/^applications:/p' "$good/offcloud-pair.yaml" |
		sed 's/name: offcloud-pair/name: offcloud-aa/; s/precedence: 2, bandwidth: 50Mbps/precedence: 1, bandwidth: 50Mbps/'
	flows 120 a b 64Kbps 200B
	echo "rules:"
	echo "  - {name: a-to-b, from: a, to: b, transport: off-cloud}"
} >aa.yaml
"$SASEBED" run aa.yaml --quiet --db aa.db || fail "active/active does not run"
w1=$(metric aa.db socket-link a/wan1 off-cloud-flows)
w2=$(metric aa.db socket-link a/wan2 off-cloud-flows)
# expected 2/3 on wan1; 120 flows give a standard deviation of 0.043
share=$(awk -v a="$w1" -v b="$w2" 'BEGIN { if (a + b > 0) print a / (a + b) }')
[ "$(awk -v a="$w1" -v b="$w2" 'BEGIN { print a + b }')" = 120 ] && within 0.56 0.77 "$share" \
	&& pass || fail "active/active: $w1 flows on wan1, $w2 on wan2"

# --- WAN recovery ---
"$SASEBED" run "$good/offcloud-recovery.yaml" --quiet --db rec.db || fail "offcloud-recovery does not run"
down=$(ev rec.db tunnel-down a/wan1\>fra)
start=$(ev rec.db wan-recovery-start a)
tup=$(ev rec.db tunnel-up a/wan1\>fra 30)
stop=$(ev rec.db wan-recovery-end a)
[ -n "$down" ] && [ "$start" = "$down" ] && within 29 32 "$start" && pass \
	|| fail "recovery began at '$start' s; a's last PoP tunnel went down at '$down' s"
[ -n "$tup" ] && [ "$stop" = "$tup" ] && pass || fail "recovery ended at '$stop' s; a's tunnel was back at '$tup' s"
[ "$(route rec.db ab 45)" = "offcloud:a/wan1>b/wan1" ] \
	&& [ "$(route rec.db ab 100)" = "tunnel:a/wan1>fra > tunnel:b/wan1>fra" ] \
	&& pass || fail "ab during recovery '$(route rec.db ab 45)', after '$(route rec.db ab 100)'"
mid=$(sql rec.db "SELECT sum(s.delivered) FROM flow_samples s JOIN flows f ON f.id = s.flow_id WHERE f.name = 'ab' AND s.t_ns > 32e9 AND s.t_ns <= 60e9")
[ "$mid" = 7000 ] && pass || fail "$mid packets delivered in recovery, 7000 sent"
[ "$(metric rec.db socket a wan-recoveries)" = 1.0 ] && [ "$(metric rec.db socket a recovery-flows)" = 1.0 ] \
	&& pass || fail "wan-recoveries or recovery-flows wrong"
finish
