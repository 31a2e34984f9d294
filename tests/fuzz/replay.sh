#!/bin/sh
# The fuzz targets' inputs replayed under the normal build (and under
# --enable-sanitizers when configured so): every input that once crashed a
# target (tests/fuzz/regressions/TARGET/) and the committed sample of its
# corpus (tests/fuzz/corpus/TARGET/); for the scenario loader also the
# tree's own scenarios, good and bad, and for the study loader the tree's
# studies with their base scenarios (tests/fuzz/study-seeds.sh).  A
# target aborts on a violated invariant; each must also have run at least
# one input, so that a missing folder cannot pass for a clean run.
. "$SRCDIR/tests/scenarios/lib.sh"

bin=$(dirname "$SASEBED")/tests/fuzz
for t in tunnel_input scenario_load trace_read inet_parse pop_input study_load; do
	set --
	for d in "$SRCDIR/tests/fuzz/regressions/$t" "$SRCDIR/tests/fuzz/corpus/$t"; do
		[ -d "$d" ] && set -- "$@" "$d"
	done
	case $t in
	scenario_load)
		set -- "$@" "$SRCDIR"/scenarios/*.yaml "$SRCDIR"/tests/scenarios/good/*.yaml \
		    "$SRCDIR"/tests/scenarios/bad/*.yaml ;;
	study_load)
		sh "$SRCDIR/tests/fuzz/study-seeds.sh" "$SRCDIR" "$TMP/study-seeds" ||
			{ fail "$t: no seeds made"; continue; }
		set -- "$@" "$TMP/study-seeds" ;;
	esac
	if [ $# -eq 0 ]; then
		fail "$t: no inputs to replay"; continue
	fi
	if ! SASEBED_FUZZ_VERBOSE=1 "$bin/replay-$t" "$@" >"$TMP/out" 2>"$TMP/err"; then
		fail "$t: $(tail -n 20 "$TMP/err")"; continue
	fi
	n=$(sed -n 's/^replayed \([0-9]*\) inputs$/\1/p' "$TMP/out")
	if [ "${n:-0}" -lt 1 ]; then
		fail "$t: replayed no input: $(cat "$TMP/out")"; continue
	fi
	pass
done
finish
