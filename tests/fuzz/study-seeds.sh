#!/bin/sh
# study-seeds.sh SRCDIR OUTDIR: the study_load fuzz target's seeds, made
# from the tree (tests/fuzz/study_load.c says the layout): every study in
# scenarios/studies/ and tests/studies/, its `scenario:` line pointed at
# base.yaml, a NUL, then its base scenario; and a few studies on
# tests/studies/tiny-base.yaml in the forms those do not use (range, log,
# a list index, several parameters, a time bound, a quoted value).
# `make fuzz-corpus-study_load` and tests/fuzz/replay.sh use it.
src=$1 out=$2
mkdir -p "$out" || exit 1
seed() {  # NAME BASE, the study text on stdin
	{ sed 's/^scenario:.*/scenario: base.yaml/'; printf '\000'; cat "$2"; } \
	    >"$out/tree-$1" || exit 1
}
n=0
for f in "$src"/scenarios/studies/*.yaml "$src"/tests/studies/*.yaml; do
	b=$(sed -n 's/^scenario:[ 	]*//p' "$f")
	[ -n "$b" ] || continue
	seed "$(basename "$f" .yaml)" "$(dirname "$f")/$b" <"$f"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "study-seeds.sh: no studies under $src" >&2; exit 1; }
tiny=$src/tests/studies/tiny-base.yaml
seed range "$tiny" <<'STUDY'
study: range
scenario: base.yaml
repetitions: 3
parameters:
  - {path: "sites[name=shop].count", range: {from: 1, to: 5, step: 2}}
  - {name: bw, path: "sites[1].links[0].bandwidth", values: [10, 20.5], unit: Mbps}
metrics: [{metric: mos}]
expect:
  - {metric: mos, above: 3.5}
STUDY
seed log "$tiny" <<'STUDY'
study: log.x-1
scenario: base.yaml
seed: 18446744073709551615
parameters:
  - name: delay
    path: sites[name=shop].links[name=wan1].delay
    log: {from: 1, to: 100, points: 3}
    unit: ms
  - {name: mode, path: tunnels.mode, values: [null-cipher, "dtls"]}
metrics:
  - {name: p95, scope: flow, subject: "voice-*", metric: latency-p95, reduce: max}
  - {name: worst, metric: mos, reduce: min}
expect:
  - {metric: p95, at-most: 40ms}
  - {metric: worst, at-least: 1}
STUDY
seed capacity "$tiny" <<'STUDY'
study: capacity
scenario: base.yaml
parameters:
  - {path: "pops[0].inspection.capacity", values: ["1Mbps", 2Mbps, '4Mbps']}
  - {path: duration, values: [5s]}
metrics: [{metric: loss, reduce: sum}]
expect: [{metric: loss, below: 0.01}]
STUDY
