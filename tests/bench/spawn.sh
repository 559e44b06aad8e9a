#!/bin/bash
# spawn.sh: how fast does lanes start trivial jobs, next to xargs -P, GNU
# parallel and moreutils' parallel, and does its memory stay flat when the
# number of records grows? This is a benchmark, not a test: it asserts
# nothing. It prints Markdown tables on standard output and its progress on
# standard error.
#
# Every tool runs JOBS_N jobs of `true` with its input read from a file (so
# the timed process is the tool alone), output to /dev/null. Wall time is
# the median of ROUNDS runs, measured around the process; peak RSS is GNU
# time's %M, the largest resident set of any process in the tree (for
# lanes that is lanes itself; a `true` is smaller).
#
# Environment:
#   LANES   the binary under test (default ./lanes, relative to the
#           repository root)
#   JOBS_N  jobs per run (default 5000)
#   ROUNDS  runs per measurement, of which the median is shown (default 3)
#   JS      the -j values to compare (default "2 8")
#   SLOW    a tool whose first run takes longer than this many seconds is
#           not run again: its row shows one run (default 30)
#   LIMIT   seconds after which one run is killed (default 600)
#
# When run as root it installs what is missing of GNU parallel, moreutils
# (its parallel) and GNU time with apt-get. Otherwise a missing parallel is
# left out of the table; GNU time is required.

set -euo pipefail

prog=spawn.sh
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

LANES=${LANES:-./lanes}
JOBS_N=${JOBS_N:-5000}
ROUNDS=${ROUNDS:-3}
JS=${JS:-2 8}
SLOW=${SLOW:-30}
LIMIT=${LIMIT:-600}

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

note() {
	printf '%s: %s\n' "$prog" "$*" >&2
}

for v in JOBS_N ROUNDS SLOW LIMIT; do
	case ${!v} in
	'' | *[!0-9]* | 0) die "$v must be a positive integer, not '${!v}'" ;;
	esac
done

if [ ! -e "$LANES" ]; then
	die "no lanes binary at '$LANES' (from $root);" \
		"run make, or set LANES=path"
fi
[ -x "$LANES" ] || die "'$LANES' is not executable"
LANES=$(realpath -- "$LANES")

# Tools. GNU parallel answers --version with "GNU parallel"; moreutils'
# parallel has no --version. When both packages are installed, Debian
# diverts moreutils' program to /usr/bin/parallel.moreutils; when only
# moreutils is, its program is /usr/bin/parallel.
find_gnu_parallel() {
	local c
	for c in /usr/bin/parallel "$(command -v parallel || true)"; do
		if [ -z "$c" ] || [ ! -x "$c" ]; then
			continue
		fi
		case $("$c" --version </dev/null 2>/dev/null || true) in
		"GNU parallel"*)
			echo "$c"
			return
			;;
		esac
	done
}

find_moreutils_parallel() {
	local c out
	for c in /usr/bin/parallel.moreutils \
		"$(command -v parallel.moreutils || true)" \
		/usr/bin/parallel "$(command -v parallel || true)"; do
		if [ -z "$c" ] || [ ! -x "$c" ]; then
			continue
		fi
		case $("$c" --version </dev/null 2>/dev/null || true) in
		"GNU parallel"*) continue ;;
		esac
		out=$("$c" -j 1 echo -- ok </dev/null 2>/dev/null || true)
		if [ "$out" = ok ]; then
			echo "$c"
			return
		fi
	done
}

gnu=$(find_gnu_parallel)
mu=$(find_moreutils_parallel)
missing=()
[ -x /usr/bin/time ] || missing+=(time)
[ -n "$gnu" ] || missing+=(parallel)
[ -n "$mu" ] || missing+=(moreutils)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		note "installing ${missing[*]} with apt-get"
		export DEBIAN_FRONTEND=noninteractive
		if ! apt-get install -y -q "${missing[@]}" >&2; then
			apt-get update -q >&2
			apt-get install -y -q "${missing[@]}" >&2
		fi
		gnu=$(find_gnu_parallel)
		mu=$(find_moreutils_parallel)
	else
		note "missing: ${missing[*]} (run as root to install them)"
	fi
fi
[ -x /usr/bin/time ] ||
	die "GNU time (/usr/bin/time) is needed: apt-get install time"
[ -n "$gnu" ] || note "GNU parallel not found; its rows are left out"
[ -n "$mu" ] || note "moreutils' parallel not found; its rows are left out"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seq "$JOBS_N" >"$tmp/in"
mapfile -t args <"$tmp/in"

# Check that lanes runs at all before timing it.
out=$("$LANES" -k echo ::: x y 2>&1) && st=0 || st=$?
if [ "$st" -ne 0 ] || [ "$out" != $'x\ny' ]; then
	die "'$LANES -k echo ::: x y' gave status $st and output '$out'," \
		"expected x and y on two lines"
fi

# run_once CMD...: run CMD with $tmp/in as its standard input and set
# r_wall (seconds), r_rss (KiB) and r_status.
run_once() {
	local t0 t1
	t0=$(date +%s%N)
	timeout "$LIMIT" /usr/bin/time -f '%e %M' -o "$tmp/time" \
		"$@" <"$tmp/in" >/dev/null 2>"$tmp/err" && r_status=0 ||
		r_status=$?
	t1=$(date +%s%N)
	r_wall=$(awk -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	r_rss=$(tail -n 1 "$tmp/time" 2>/dev/null | awk '{ print $2 }')
	r_rss=${r_rss:-0}
}

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { print v[int((NR + 1) / 2)] }'
}

# measure NAME CMD...: up to ROUNDS runs; sets m_wall (median), m_rss
# (the largest), m_runs, and m_fail (a description, empty if all ran well).
measure() {
	local name=$1 i walls=() rss=0
	shift
	m_fail=
	for ((i = 1; i <= ROUNDS; i++)); do
		note "$name: run $i of $ROUNDS"
		run_once "$@"
		if [ "$r_status" -ne 0 ]; then
			m_fail="exit status $r_status"
			if [ "$r_status" -eq 124 ]; then
				m_fail="killed after ${LIMIT}s"
			fi
			note "$name failed ($m_fail):" \
				"$(head -c 300 "$tmp/err")"
		fi
		walls+=("$r_wall")
		[ "$r_rss" -gt "$rss" ] && rss=$r_rss
		if [ -n "$m_fail" ]; then
			break
		fi
		if [ "$i" -eq 1 ] && [ "$ROUNDS" -gt 1 ] &&
			awk -v w="$r_wall" -v s="$SLOW" \
				'BEGIN { exit !(w > s) }'; then
			note "$name: first run took ${r_wall}s," \
				"more than ${SLOW}s; not repeating it"
			break
		fi
	done
	m_wall=$(median "${walls[@]}")
	m_rss=$rss
	m_runs=${#walls[@]}
}

rows=()
# row NAME -J COMMAND-TEXT: append a table row from the last measure(),
# comparing with base_wall (lanes grouped at the same -j).
row() {
	local name=$1 j=$2 text=$3 rate ratio mib r
	rate=$(awk -v n="$JOBS_N" -v w="$m_wall" \
		'BEGIN { printf "%.0f", n / w }')
	ratio=$(awk -v w="$m_wall" -v b="$base_wall" \
		'BEGIN { printf "%.2fx", w / b }')
	mib=$(awk -v k="$m_rss" 'BEGIN { printf "%.1f", k / 1024 }')
	if [ -n "$m_fail" ]; then
		rate="-"
		ratio="FAILED: $m_fail"
	fi
	r="| $name | $j | \`$text\` | $m_runs | $m_wall | $rate"
	rows+=("$r | $mib | $ratio |")
}

for j in $JS; do
	measure "lanes -j$j" "$LANES" -j"$j" true
	base_wall=$m_wall
	row "lanes (grouped)" "$j" "lanes -j$j true"
	measure "lanes -u -j$j" "$LANES" -u -j"$j" true
	row "lanes -u" "$j" "lanes -u -j$j true"
	measure "xargs -P$j" xargs -P"$j" -n1 true
	row "xargs -P" "$j" "xargs -P$j -n1 true"
	if [ -n "$gnu" ]; then
		measure "GNU parallel -j$j" "$gnu" --will-cite -j"$j" true
		row "GNU parallel" "$j" "parallel -j$j true"
	fi
	if [ -n "$mu" ]; then
		measure "moreutils parallel -j$j" "$mu" -j "$j" true -- \
			"${args[@]}"
		row "moreutils parallel" "$j" \
			"parallel.moreutils -j $j true -- \$(seq $JOBS_N)"
	fi
done

# Memory against the number of records: a dry run spawns nothing, so what
# grows here is lanes' own bookkeeping.
mem_rows=()
mem_rss=()
for n in 1000 1000000; do
	seq "$n" >"$tmp/in"
	note "lanes --dry-run over $n records"
	run_once "$LANES" --dry-run true
	[ "$r_status" -eq 0 ] ||
		note "lanes --dry-run over $n records:" \
			"exit status $r_status: $(head -c 300 "$tmp/err")"
	mem_rss+=("$r_rss")
	mem_rows+=("| $n | $r_wall | $r_rss | $r_status |")
done

cores=$(nproc)
lv=$("$LANES" --version 2>/dev/null | head -n 1 || true)
xv=$(xargs --version | head -n 1 || true)
gv=
if [ -n "$gnu" ]; then
	gv="; $("$gnu" --version | head -n 1 || true)"
fi
echo "### Spawning $JOBS_N trivial jobs"
echo
echo "$cores cores, Linux $(uname -r); ${lv:-lanes (no --version)};" \
	"$xv$gv."
echo "Input is \`seq $JOBS_N\` in a file on standard input (moreutils'"
echo "parallel takes it as arguments); output goes to /dev/null. Wall time"
echo "is the median of the runs shown; peak RSS is GNU time's %M (the"
echo "largest process in the tree); the last column is wall time divided"
echo "by that of lanes (grouped) at the same -j."
echo
echo "| tool | -j | command | runs | wall s | jobs/s | peak RSS MiB |" \
	"vs lanes |"
echo "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo "### Memory of a dry run against the number of records"
echo
echo "| records | wall s | peak RSS KiB | exit |"
echo "| ---: | ---: | ---: | ---: |"
printf '%s\n' "${mem_rows[@]}"
echo
awk -v a="${mem_rss[0]}" -v b="${mem_rss[1]}" 'BEGIN {
	if (a > 0)
		printf "Peak RSS, 1000000 records / 1000 records: %.2f\n",
			b / a
}'
