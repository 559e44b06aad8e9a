#!/bin/bash
# pipe.sh: how fast do bulk bytes go through lanes? --pipe and --pipe-part
# next to GNU parallel, coreutils split and plain pipes, and two jobs'
# large output through grouping, -k and -u next to `cat A B | cat`. This
# is a benchmark, not a test: it asserts nothing. It prints Markdown
# tables on standard output and its progress on standard error.
#
# The input is a file of SIZE MiB of base64 lines (100 bytes each, the
# last one without a newline) on tmpfs, so no disk is involved. Every row
# runs once per round, the rows taking turns within a round, so a slow
# drift of the machine affects them alike; the tables show the median of
# ROUNDS rounds. Every run is checked: the line counts its jobs print add
# up to the file's, and the output rows carry every byte (checked once,
# with wc -c in place of the final cat). Peak RSS is GNU time's %M: the
# largest process of the run (lanes, perl, split, cat or wc).
#
# The --pipe-part table has one more row: tests/bench/halfpipe.c, built
# here, does that row's work as a bare program (one half spliced into a
# pipe, the other read from the file), to show what a pipe costs apart
# from what lanes costs.
#
# A row needs what it runs: a lanes without --pipe or --pipe-part, or a
# machine without GNU parallel, has the row marked and left out of the
# ratios.
#
# Environment:
#   LANES   the binary under test (default ./lanes, relative to the
#           repository root)
#   SIZE    size of the input in MiB (default 1024)
#   ROUNDS  rounds, of which the median is shown (default 3)
#   BLOCK   --block for --pipe (default 4M)
#   TMPFS   a tmpfs directory for the files (default /dev/shm)
#   LIMIT   seconds after which one run is killed (default 600)

set -euo pipefail

prog=pipe.sh
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

LANES=${LANES:-./lanes}
SIZE=${SIZE:-1024}
ROUNDS=${ROUNDS:-3}
BLOCK=${BLOCK:-4M}
TMPFS=${TMPFS:-/dev/shm}
LIMIT=${LIMIT:-600}

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

note() {
	printf '%s: %s\n' "$prog" "$*" >&2
}

for v in SIZE ROUNDS LIMIT; do
	case ${!v} in
	'' | *[!0-9]* | 0) die "$v must be a positive integer, not '${!v}'" ;;
	esac
done
case $BLOCK in
[1-9]*) ;;
*) die "BLOCK must be a size such as 4M, not '$BLOCK'" ;;
esac
[ -x "$LANES" ] || die "no lanes binary at '$LANES' (from $root); run make"
LANES=$(realpath -- "$LANES")
[ -d "$TMPFS" ] || die "TMPFS '$TMPFS' is not a directory"
[ -x /usr/bin/time ] ||
	die "GNU time (/usr/bin/time) is needed: apt-get install time"

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
gnu=$(find_gnu_parallel)
[ -n "$gnu" ] || note "GNU parallel not found; its rows are left out"

dir=$(mktemp -d "$TMPFS/lanes-bench-pipe.XXXXXX")
trap 'rm -rf "$dir"' EXIT
F=$dir/in.txt
note "generating $SIZE MiB of lines in $F"
head -c "$((SIZE * 1024 * 1024))" < <(base64 -w 99 /dev/urandom) >"$F"
split -n l/2 "$F" "$dir/half."
lines=$(wc -l <"$F")
bytes=$(stat -c %s "$F")

# What this lanes can do: a feature it lacks turns its rows into notes.
declare -A has
probe() {
	local name=$1 want=$2 out
	shift 2
	out=$("$@" 2>/dev/null) && [ "$out" = "$want" ] &&
		has[$name]=1 || has[$name]=
	[ -n "${has[$name]}" ] || note "this lanes has no $name; its rows" \
		"are marked and left out"
}
printf 'a\nb\nc\n' >"$dir/small"
probe --pipe $'a\nb\nc' "$LANES" --pipe -k --block 2 cat <"$dir/small"
probe --pipe-part $'a\nb\nc' "$LANES" --pipe-part -a "$dir/small" -k \
	--block 2 cat
probe -k $'x\ny' "$LANES" -k echo ::: x y
probe -u x "$LANES" -u echo ::: x
has[none]=1
# halfpipe.c: the --pipe-part row's work done by a bare program.
if cc -std=c11 -O2 -o "$dir/halfpipe" tests/bench/halfpipe.c 2>/dev/null
then
	has[halfpipe]=1
else
	has[halfpipe]=
	note "no C compiler for tests/bench/halfpipe.c; its row is marked"
fi

# The rows: id, the feature of lanes it needs (or gnu, or none), how its
# output is checked (lines: the numbers add up to the file's lines;
# bytes: 2 files' worth), the command as shown, the command as run.
ids=()
declare -A need check text cmd
row() {
	ids+=("$1")
	need[$1]=$2
	check[$1]=$3
	text[$1]=$4
	cmd[$1]=$5
}
L=$LANES
row pipe_file --pipe lines "lanes --pipe -j2 --block $BLOCK wc -l < FILE" \
	"\"$L\" --pipe -j2 --block $BLOCK wc -l < \"$F\""
row pipe_pipe --pipe lines \
	"cat FILE | lanes --pipe -j2 --block $BLOCK wc -l" \
	"cat \"$F\" | \"$L\" --pipe -j2 --block $BLOCK wc -l"
row gnu_pipe gnu lines "parallel --pipe -j2 --block $BLOCK wc -l < FILE" \
	"\"$gnu\" --will-cite --pipe -j2 --block $BLOCK wc -l < \"$F\""
row split none lines "split -n r/2 --filter 'wc -l' < FILE" \
	"split -n r/2 --filter 'wc -l' < \"$F\""
row cat_wc none lines "cat FILE | wc -l" "cat \"$F\" | wc -l"
row part --pipe-part lines "lanes --pipe-part -a FILE -j2 --block -1 wc -l" \
	"\"$L\" --pipe-part -a \"$F\" -j2 --block -1 wc -l"
row gnu_part gnu lines \
	"parallel --pipe-part -a FILE -j2 --block -1 wc -l" \
	"\"$gnu\" --will-cite --pipe-part -a \"$F\" -j2 --block -1 wc -l"
row halves none lines "wc -l < HALF1 & wc -l < HALF2" \
	"wc -l < \"$dir/half.aa\" & wc -l < \"$dir/half.ab\"; wait"
row halfpipe halfpipe lines \
	"halfpipe FILE CUT (HALF1 spliced into a pipe, HALF2 read directly)" \
	"\"$dir/halfpipe\" \"$F\" $(stat -c %s "$dir/half.aa")"
row grouped none bytes "lanes -j2 cat ::: A B | cat >/dev/null" \
	"\"$L\" -j2 cat ::: \"$F\" \"$F\" | @SINK@"
row keep -k bytes "lanes -j2 -k cat ::: A B | cat >/dev/null" \
	"\"$L\" -j2 -k cat ::: \"$F\" \"$F\" | @SINK@"
row ungroup -u bytes "lanes -j2 -u cat ::: A B | cat >/dev/null" \
	"\"$L\" -j2 -u cat ::: \"$F\" \"$F\" | @SINK@"
row cat_cat none bytes "cat A B | cat >/dev/null" \
	"cat \"$F\" \"$F\" | @SINK@"

usable() {
	case ${need[$1]} in
	gnu) [ -n "$gnu" ] ;;
	*) [ -n "${has[${need[$1]}]}" ] ;;
	esac
}

# run ID CONSUMER: one run of row ID with CONSUMER as the final command of
# the output rows; sets r_wall, r_rss, r_status and leaves the output in
# $dir/out.
run() {
	local c=${cmd[$1]//@SINK@/$2} t0 t1
	t0=$(date +%s%N)
	timeout "$LIMIT" /usr/bin/time -f '%M' -o "$dir/time" \
		bash -c "set -o pipefail; $c" >"$dir/out" 2>"$dir/err" &&
		r_status=0 || r_status=$?
	t1=$(date +%s%N)
	r_wall=$(awk -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	r_rss=$(tail -n 1 "$dir/time" 2>/dev/null || echo 0)
	case $r_rss in '' | *[!0-9]*) r_rss=0 ;; esac
}

# verify ID: empty when the output in $dir/out is right, else why not.
verify() {
	local got
	if [ "$r_status" -ne 0 ]; then
		echo "exit status $r_status: $(head -c 200 "$dir/err")"
		return
	fi
	case ${check[$1]} in
	lines)
		got=$(awk '{ s += $1 } END { print s + 0 }' "$dir/out")
		[ "$got" = "$lines" ] ||
			echo "counted $got lines, the file has $lines"
		;;
	bytes)
		got=$(tr -d ' \n' <"$dir/out")
		[ "$got" = "$((2 * bytes))" ] ||
			echo "$got bytes out, want $((2 * bytes))"
		;;
	esac
}

declare -A times rss fails
for id in "${ids[@]}"; do
	usable "$id" || continue
	if [ "${check[$id]}" = bytes ]; then
		note "$id: checking the bytes once"
		run "$id" "wc -c"
		why=$(verify "$id")
		[ -z "$why" ] || fails[$id]=$why
	fi
done
for ((r = 1; r <= ROUNDS; r++)); do
	for id in "${ids[@]}"; do
		usable "$id" || continue
		[ -z "${fails[$id]-}" ] || continue
		note "$id: round $r of $ROUNDS"
		run "$id" "cat >/dev/null"
		if [ "${check[$id]}" = lines ] || [ "$r_status" -ne 0 ]; then
			why=$(verify "$id")
			if [ -n "$why" ]; then
				fails[$id]=$why
				note "$id failed: $why"
				continue
			fi
		fi
		times[$id]+=" $r_wall"
		if [ "$r_rss" -gt "${rss[$id]-0}" ]; then
			rss[$id]=$r_rss
		fi
	done
done

median() {
	printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 }
		END { print v[int((NR + 1) / 2)] }'
}

declare -A med
for id in "${ids[@]}"; do
	if usable "$id" && [ -z "${fails[$id]-}" ] && [ -n "${times[$id]-}" ]
	then
		med[$id]=$(median "${times[$id]}")
	fi
done

# table TITLE BYTES-PER-RUN BASE ID...: the last column is the row's time
# over BASE's (above 1: BASE is faster); BASE is the first row.
table() {
	local title=$1 per=$2 base=$3 id cells
	shift 3
	echo
	echo "#### $title"
	echo
	echo "| command | wall s | MB/s | peak RSS MiB | time / row 1 |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	for id in "$@"; do
		if ! usable "$id"; then
			if [ "${need[$id]}" = gnu ]; then
				cells="GNU parallel not installed"
			elif [ "${need[$id]}" = halfpipe ]; then
				cells="no C compiler to build it"
			else
				cells="this lanes has no ${need[$id]}"
			fi
			echo "| \`${text[$id]}\` | - | - | - | $cells |"
			continue
		fi
		if [ -n "${fails[$id]-}" ]; then
			echo "| \`${text[$id]}\` | - | - | - |" \
				"FAILED: ${fails[$id]} |"
			continue
		fi
		cells=$(awk -v w="${med[$id]}" -v b="${med[$base]-}" \
			-v n="$per" -v k="${rss[$id]-0}" 'BEGIN {
				r = b > 0 ? sprintf("%.2f", w / b) : "-"
				printf "%.3f | %.0f | %.1f | %s", w, n / 1e6 / w,
				    k / 1024, r
			}')
		echo "| \`${text[$id]}\` | $cells |"
	done
}

# ratio A B: B's median time over A's (how many times faster A is).
ratio() {
	if [ -n "${med[$1]-}" ] && [ -n "${med[$2]-}" ]; then
		awk -v a="${med[$1]}" -v b="${med[$2]}" \
			'BEGIN { printf "%.2fx", b / a }'
	else
		echo "n/a"
	fi
}

cores=$(nproc)
lv=$("$LANES" --version 2>/dev/null | head -n 1 || true)
gv=
[ -z "$gnu" ] || gv="; $("$gnu" --version | head -n 1)"
echo "### Bulk data: --pipe, --pipe-part and large output"
echo
echo "$cores cores, Linux $(uname -r); ${lv:-lanes}$gv;" \
	"$(split --version | head -n 1)."
echo "FILE is $SIZE MiB ($bytes bytes, $lines lines of 100 bytes) on" \
	"tmpfs; A and B"
echo "are FILE twice. Median wall time of $ROUNDS round(s); MB is 10^6" \
	"bytes of input"
echo "(of output for the last table); the last column is the row's time"
echo "divided by the first row's."
table "--pipe: one stream, two wc -l" "$bytes" pipe_file \
	pipe_file pipe_pipe gnu_pipe split cat_wc
table "--pipe-part: a seekable file, two wc -l" "$bytes" part \
	part gnu_part halves halfpipe
table "Two jobs' output (2 x $SIZE MiB) into a pipe" "$((2 * bytes))" \
	cat_cat cat_cat grouped keep ungroup
echo
echo "Against the targets of issue 8 (how many times faster lanes is):"
echo
echo "- \`--pipe < FILE\` vs GNU parallel --pipe: $(ratio pipe_file \
	gnu_pipe) (target 5x); vs \`cat FILE | wc -l\`:" \
	"$(ratio pipe_file cat_wc) (target 1x)"
echo "- \`cat FILE | lanes --pipe\` vs GNU parallel --pipe:" \
	"$(ratio pipe_pipe gnu_pipe); vs \`cat FILE | wc -l\`:" \
	"$(ratio pipe_pipe cat_wc)"
echo "- \`--pipe-part\` vs GNU parallel --pipe-part:" \
	"$(ratio part gnu_part) (target 3x); vs two \`wc -l\` on halves:" \
	"$(ratio part halves) (target 0.8x); vs the same work as a bare" \
	"program (\`halfpipe\`, one half through a pipe): $(ratio part halfpipe)"
echo "- grouped vs \`cat A B | cat\`: $(ratio grouped cat_cat)" \
	"(target 0.7x); -k: $(ratio keep cat_cat) (target 0.7x);" \
	"-u: $(ratio ungroup cat_cat) (target 0.9x)"
mib() {
	if [ -n "${med[$1]-}" ]; then
		awk -v k="${rss[$1]-0}" 'BEGIN { printf "%.1f MiB", k / 1024 }'
	else
		echo "n/a"
	fi
}
echo "- peak RSS of lanes: --pipe < FILE $(mib pipe_file), from a pipe" \
	"$(mib pipe_pipe), --pipe-part $(mib part), grouped $(mib grouped)," \
	"-k $(mib keep), -u $(mib ungroup) (bound: -j2 x --block $BLOCK" \
	"plus a constant)"
