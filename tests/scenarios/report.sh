#!/bin/sh
# The HTML report of the flagship scenario: the page and every picture
# beside it, each chart's data and script (which draws it again), the
# folder's index; made again from the results file alone, byte for byte;
# the network at an instant (--at); a key that names at most 16 series;
# and, where Chromium is installed, the page opens with no console message
# (a screenshot is kept in CHECK_REPORTS for people to look at).
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 99
"$SASEBED" run "$SRCDIR/scenarios/mumbai-us-peak.yaml" --out r --quiet 2>err
rc=$?
[ "$rc" -eq 0 ] && pass || fail "run --out: exit $rc: $(cat err)"
d=r/mumbai-us-peak-seed42
for f in index.html topology.svg topology.png topology.dot \
	flow-latency.svg flow-latency.png flow-latency.tsv flow-latency.gp \
	flow-loss.png flow-throughput.png failover-timeline.png \
	latency-cdf.png link-utilisation.png; do
	[ -s "$d/$f" ] && pass || fail "$d/$f missing or empty"
done
# PNGs are PNGs
for f in "$d"/*.png; do
	[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = "211PNG" ] && pass || fail "$f is not a PNG"
done
grep -q '7 of 7 expectations held' "$d/index.html" && pass || fail "summary"
n=$(grep -o 'src="data:image/svg+xml;base64,' "$d/index.html" | wc -l)
[ "$n" -ge 8 ] && pass || fail "$n pictures embedded, expected the topology and 7 charts"
[ -s "$d/last-mile.png" ] && grep -q "Last mile" "$d/index.html" && pass || fail "no last-mile chart"
grep -q 'class=err' "$d/index.html" && fail "the page reports an error: $(grep 'class=err' "$d/index.html")" || pass
grep -q '<script' "$d/index.html" && fail "the page has a script" || pass
grep -q 'href="mumbai-us-peak-seed42/index.html"' r/index.html && pass || fail "the index does not link the run"

# a chart's script draws it again from its data
if [ -n "$GNUPLOT" ]; then
	(cd "$d" && rm flow-latency.png && "$GNUPLOT" flow-latency.gp) 2>err
	[ -s "$d/flow-latency.png" ] && pass || fail "flow-latency.gp: $(cat err)"
fi

# made again from the database alone: the same page
cp "$d/index.html" first.html
"$SASEBED" report "$d.db" --out again 2>err && pass || fail "report: $(cat err)"
cmp -s first.html again/index.html && pass || fail "the report made again differs"
echo "not sqlite" >junk.db
"$SASEBED" report junk.db 2>rerr
[ $? -eq 2 ] && grep -q 'junk.db: not a results file' rerr && pass || fail "a file that is not results: $(cat rerr)"

# The network at an instant: the Frankfurt branch's fibre is down from 10m
# to 25m, so at 15m its label says "down"; the whole run's picture is the
# same as without --at; an instant past the end of the run, or not a time,
# is bad input and writes no page.
"$SASEBED" run "$SRCDIR/scenarios/frankfurt-isp-outage.yaml" --db f.db --quiet 2>err
rc=$?
[ "$rc" -eq 0 ] && pass || fail "frankfurt run: exit $rc: $(cat err)"
"$SASEBED" report f.db --out at --at 15m 2>err
rc=$?
[ "$rc" -eq 0 ] && pass || fail "report --at 15m: exit $rc: $(cat err)"
for f in topology-at.svg topology-at.png topology-at.dot; do
	[ -s "at/$f" ] && pass || fail "at/$f missing or empty"
done
# the fibre's label is a node of its own, between its two edges
fibre=$(sed -n '/<title>label:fra&#45;branch\/fibre<\/title>/,/<\/g>/p' at/topology-at.svg)
echo "$fibre" | grep -q '>down</text>' && pass || fail "at 15m the fibre is not down: $fibre"
grep -q 'The network at 15m' at/index.html && pass || fail "the page does not show the network at 15m"
"$SASEBED" report f.db --out whole 2>err && pass || fail "report f.db: $(cat err)"
cmp -s whole/topology.svg at/topology.svg && pass || fail "--at changed the whole run's picture"
grep -q '>down 15m</text>' whole/topology.svg && pass || fail "the whole run's fibre is not down 15m"
[ ! -e whole/topology-at.svg ] && pass || fail "a picture at an instant without --at"
"$SASEBED" report f.db --out late --at 2h 2>rerr
rc=$?
[ "$rc" -eq 2 ] && grep -q '2h is past the end of the run (40m)' rerr && pass || fail "--at 2h: exit $rc: $(cat rerr)"
[ ! -e late/index.html ] && pass || fail "--at 2h wrote a page"
"$SASEBED" report f.db --out bad --at nonsense 2>rerr
rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--at' rerr && pass || fail "--at nonsense: exit $rc: $(cat rerr)"

# a folder: several reports from one process, each with its instant
mkdir two && cp f.db two/a.db && cp f.db two/b.db
"$SASEBED" report two --at 15m >/dev/null 2>rerr
rc=$?
[ "$rc" -eq 0 ] && [ -s two/a/topology-at.png ] && [ -s two/b/topology-at.png ] \
	&& grep -q 'href="b/index.html"' two/index.html && pass || fail "folder: exit $rc: $(cat rerr)"

# a chart of many flows names the first 16 in its key and counts the
# rest, so that the key does not cover the plot; all are drawn
{
	printf 'name: many\nduration: 5s\npops: [{name: fra, city: frankfurt}]\n'
	printf 'sites:\n'
	printf '  - {name: a, city: frankfurt, links: [{name: w, bandwidth: 100Mbps, delay: 2ms}]}\n'
	printf '  - {name: b, city: frankfurt, links: [{name: w, bandwidth: 100Mbps, delay: 2ms}]}\n'
	printf 'applications:\n'
	for i in $(seq 1 20); do
		printf '  - {name: f%d, kind: udp-cbr, from: a, to: b, rate: 100kbps, packet-size: 500B}\n' "$i"
	done
} >many.yaml
"$SASEBED" run many.yaml --out m --quiet 2>err || fail "many: $(cat err)"
g=m/many-seed1/flow-latency.gp
n=$(grep -c "'flow-latency.tsv' index" "$g")
t=$(grep "flow-latency.tsv' index" "$g" | grep -c "title '")
[ "$n" = 20 ] && [ "$t" = 16 ] && grep -q "and 4 more (flow-latency.tsv)" "$g" &&
	pass || fail "20 flows: $n drawn, $t named, key: $(grep more "$g")"

if [ -n "$CHROMIUM" ]; then
	out=${CHECK_REPORTS:-$TMP}
	mkdir -p "$out"
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--enable-logging=stderr --v=0 --hide-scrollbars \
		--window-size=1200,4200 --screenshot="$out/mumbai-us-peak-report.png" \
		"file://$TMP/$d/index.html" >/dev/null 2>chrome.err
	[ -s "$out/mumbai-us-peak-report.png" ] && pass || fail "no screenshot: $(tail -3 chrome.err)"
	grep 'CONSOLE' chrome.err >console
	[ ! -s console ] && pass || fail "console: $(cat console)"
	echo "screenshot: $out/mumbai-us-peak-report.png"
else
	echo "chromium not installed: the page is not opened in a browser"
fi
finish
