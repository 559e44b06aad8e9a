#!/usr/bin/env bats
# Input and output plumbing: a reader that goes away, large and binary
# output, spilling to --tmpdir, descriptors.

load helpers/common

# run_head ARGS...: run `lanes ARGS... | head -1` under a 20 s hang guard.
# Sets $output/$stderr from the pipeline and $lanes_status from lanes.
run_head() {
	run --separate-stderr bash -c '
		timeout 20 "$LANES" "$@" | head -1
		echo "${PIPESTATUS[0]}" >"$BATS_TEST_TMPDIR/rc"' _ "$@"
	lanes_status=$(cat "$T/rc")
}

# Fail if lanes was stopped by the hang guard rather than ending itself.
refute_hang() {
	[ "$lanes_status" != 124 ] ||
		fail "lanes did not end after its reader went away"
}

# --- the reader goes away ------------------------------------------------

@test "| head -1: lanes stops quietly, without running every job" {
	# 200 jobs of 0.5 s on two slots would take 50 s.
	run_head -j2 'sleep 0.5; echo {}' ::: $(seq 200)
	assert_success
	assert_output --regexp '^[12]$'
	assert_no_stderr
	refute_hang
	# 128 + SIGPIPE, as a filter killed by SIGPIPE reports it.
	assert_equal "$lanes_status" 141
}

@test "| head -1 in -k mode: stops quietly" {
	run_head -k -j2 'sleep 0.5; echo {}' ::: $(seq 200)
	assert_success
	assert_output 1
	assert_no_stderr
	refute_hang
}

@test "| head -1 with --line-buffer: stops quietly" {
	run_head --lb -j2 'echo {}; sleep 0.5; echo {}' ::: $(seq 200)
	assert_success
	assert_output --regexp '^[12]$'
	assert_no_stderr
	refute_hang
}

@test "| head -1 with a job printing a lot: stops quietly" {
	run_head -k -j2 -N0 seq 1000000 ::: $(seq 50)
	assert_success
	assert_output 1
	assert_no_stderr
	refute_hang
}

@test "| head -1 with -u and many short jobs: stops without running all" {
	# lanes never writes to stdout itself here; it notices the reader is
	# gone when a job dies of SIGPIPE. 200 jobs of 0.5 s would take 50 s.
	run_head -u -j2 'sleep 0.5; echo {}' ::: $(seq 200)
	assert_success
	assert_output --regexp '^[12]$'
	assert_no_stderr
	refute_hang
	assert_equal "$lanes_status" 141
}

@test "| head -1 with -u and an endless job: stops quietly" {
	run_head -u yes ::: 1
	assert_success
	assert_output '1'
	assert_no_stderr
	refute_hang
}

@test "a full stdout is an error, not silent loss: exit 255 in every mode" {
	[ -w /dev/full ] || skip "no /dev/full"
	local mode
	for mode in --group -k --lb --json --files --dry-run; do
		run --separate-stderr bash -c \
		    '"$LANES" "$1" --tmpdir "$2" echo ::: a b >/dev/full' \
		    _ "$mode" "$T"
		assert_failure 255
		assert_stderr "lanes: cannot write to standard output: No space left on device"
	done
}

# --- output bytes --------------------------------------------------------

@test "binary job output passes unchanged, NUL bytes included" {
	printf '\000\001\377\n\200\000x' >expected
	local mode
	for mode in --group -k --lb -u; do
		run_out out "$LANES" "$mode" -q -N0 \
		    printf '\000\001\377\n\200\000x' ::: 1
		assert_success
		assert_no_stderr
		assert_same_file expected out
	done
}

@test "20 MB of output from one job passes unchanged" {
	seq 2500000 >expected
	seq 3 >>expected
	run_out out "$LANES" -k seq ::: 2500000 3
	assert_success
	assert_no_stderr
	assert_same_file expected out
}

@test "many jobs' output in -k mode is complete and in order" {
	local i
	for i in $(seq 40); do seq "$i" 5000; done >expected
	run_out out "$LANES" -k -j4 seq {} 5000 ::: $(seq 40)
	assert_success
	assert_no_stderr
	assert_same_file expected out
}

@test "a job's stderr is captured and passed to stderr" {
	run --separate-stderr "$LANES" -k 'echo out {}; echo err {} >&2' \
	    ::: a b
	assert_success
	assert_output $'out a\nout b'
	assert_stderr $'err a\nerr b'
}

# --- spilling ------------------------------------------------------------

# Start lanes in the background in -k mode: job 0 waits for flags/go, job 1
# prints 150 MB, which lanes must hold (and spill) until job 0 ends. Wait
# until job 1 is done and return the descriptors lanes holds in SPILLDIR.
# Then let job 0 finish and wait for lanes. Sets spilled, lanes_status.
spill_run() {
	local spilldir=$1 pid link fd i
	shift
	mkdir -p flags
	"$LANES" "$@" -k -j2 "$FIX/bigjob" "$T/flags" {} 99 157286400 ::: \
	    0 1 >out 2>err 3>&- &
	pid=$!
	for i in $(seq 400); do
		[ -e flags/done.1 ] && break
		sleep 0.05
	done
	spilled=''
	spilldir=$(cd "$spilldir" && pwd -P)
	for i in $(seq 100); do
		for fd in /proc/"$pid"/fd/*; do
			link=$(readlink "$fd") || continue
			case $link in
			"$spilldir"/*) spilled+="$link;" ;;
			esac
		done
		[ -n "$spilled" ] && break
		sleep 0.05
	done
	: >flags/go
	lanes_status=0
	wait "$pid" || lanes_status=$?
}

# The output of spill_run: "first" then 150 MB of NUL bytes.
assert_spill_output() {
	assert_equal "$lanes_status" 0
	assert_equal "$(cat err)" ''
	assert_equal "$(head -1 out)" first
	assert_equal "$(wc -c <out)" $((6 + 157286400))
	assert_equal "$(tail -c +7 out | tr -d '\0' | wc -c)" 0
}

@test "large captured output spills to an unlinked file in --tmpdir" {
	mkdir spill
	spill_run spill --tmpdir "$T/spill"
	[ -n "$spilled" ] || fail "lanes held no file in --tmpdir"
	[[ $spilled == *"(deleted);"* ]] ||
		fail "the spill file was not unlinked: $spilled"
	assert_equal "$(ls -A spill)" ''
	assert_spill_output
}

@test "without --tmpdir, output spills to \$TMPDIR" {
	mkdir spill
	TMPDIR=$T/spill spill_run spill
	[ -n "$spilled" ] || fail "lanes held no file in \$TMPDIR"
	[[ $spilled == *"(deleted);"* ]] ||
		fail "the spill file was not unlinked: $spilled"
	assert_equal "$(ls -A spill)" ''
	assert_spill_output
}

@test "-k: the live head job's spill file gives its space back as it streams" {
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace"
	# 50 MB from the head job through a 4 MB --tmpdir: what has been
	# printed is punched out of the spill file, so it never fills up.
	mkdir small
	run --separate-stderr unshare -m sh -c '
		mount -t tmpfs -o size=4m tmpfs small || exit 99
		"$0" -k -j2 --tmpdir small "$@" | wc -c' "$LANES" \
	    '{}' ::: 'head -c 50000000 /dev/zero' 'echo second'
	assert_success
	assert_output 50000007
	assert_no_stderr
}

@test "a full --tmpdir loses output with a clear error, not silently" {
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace"
	# Job 2's output must wait behind job 1 and cannot fit in 1 MB.
	mkdir small
	run --separate-stderr unshare -m sh -c '
		mount -t tmpfs -o size=1m tmpfs small || exit 99
		"$0" -k -j2 --tmpdir small "$@" >/dev/null' "$LANES" \
	    '{}' ::: 'sleep 0.5; echo first' 'head -c 3000000 /dev/zero'
	assert_failure 1
	assert_stderr --regexp \
	    "^lanes: job 2: output lost: cannot keep it in 'small': No space left on device\$"
}

@test "--tmpdir that does not exist: exit 255" {
	run --separate-stderr "$LANES" --tmpdir "$T/nodir" echo ::: a
	assert_usage_error
	assert_stderr_line -n 0 --partial "$T/nodir"
}

@test "--tmpdir that is a file: exit 255" {
	: >file
	run --separate-stderr "$LANES" --tmpdir "$T/file" echo ::: a
	assert_usage_error
	assert_stderr_line -n 0 --partial "$T/file"
}

# bats test_tags=slow
@test "2 GB of output held behind a slow first job: lanes stays small" {
	local avail
	avail=$(df -Pk "$T" | awk 'NR == 2 { print $4 }')
	[ "$avail" -gt $((3 * 1024 * 1024)) ] || skip "needs 3 GB free in $T"
	mkdir spill flags
	# Job 0 ends after the ten others, which print 200 MiB each.
	run --separate-stderr bash -c '
		/usr/bin/time -f %M -o rss "$LANES" -k -j3 --tmpdir spill \
		    "$FIX/bigjob" flags {} 10 209715200 ::: $(seq 0 10) |
		    { dd bs=1 count=6 2>/dev/null; wc -c; }
		echo "${PIPESTATUS[0]}" >rc'
	assert_success
	assert_no_stderr
	assert_equal "$(cat rc)" 0
	assert_output $'first\n2097152000'
	local rss
	rss=$(tail -1 rss)
	[ "$rss" -lt 204800 ] || fail "peak RSS of lanes was $rss kB"
}

# bats test_tags=slow
@test "--line-buffer: a 100 MB line without a newline stays out of memory" {
	mkdir spill
	# Two jobs each print one long line in pieces at the same time;
	# each line must come out whole, never mixed with the other.
	run --separate-stderr bash -c '
		/usr/bin/time -f %M -o rss "$LANES" --line-buffer -j2 \
		    --tmpdir spill "head -c 104857600 /dev/zero | tr \"\\0\" {}
		    echo" ::: a b >out
		echo "$?" >rc'
	assert_success
	assert_no_stderr
	assert_equal "$(cat rc)" 0
	run bash -c 'wc -l <out; tr -cd a <out | wc -c; tr -cd b <out | wc -c
		for n in 1 2; do
			sed -n "${n}p" out | tr -d "\n$(sed -n "${n}p" out |
				head -c1)" | wc -c
		done'
	assert_output $'2\n104857600\n104857600\n0\n0'
	local rss
	rss=$(tail -1 rss)
	[ "$rss" -lt 30720 ] || fail "peak RSS of lanes was $rss kB"
}

# --- descriptors ---------------------------------------------------------

@test "jobs inherit no descriptor but 0, 1 and 2" {
	# Close everything bats has open above 2, so that any extra
	# descriptor in a job can only come from lanes.
	run --separate-stderr bash -c '
		for fd in /proc/$$/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		exec "$LANES" -k -j4 -N0 ls /proc/self/fd ::: 1 2 3 4 5 6 7 8'
	assert_success
	assert_no_stderr
	# ls itself has the directory open as 3.
	assert_output "$(for i in $(seq 8); do printf '%s\n' 0 1 2 3; done)"
}

# --- big outputs written straight through --------------------------------

# Jobs that print more than a capture holds in memory take stdout while
# they run (grouped) or are handed it (-k head): their output must still
# come out whole, unmixed, tagged, and counted in the job log.

@test "grouped: big outputs of parallel jobs come out whole, one after the other" {
	run --separate-stderr bash -c '
		"$LANES" -j3 --tag --joblog log \
		    "seq 200000 | sed s/^/{}/" ::: a b c >out; echo $? >rc'
	assert_success
	assert_no_stderr
	assert_equal "$(cat rc)" 0
	# Three blocks, each of one job's lines only, in some order.
	run bash -c 'cut -f1 out | uniq -c | awk "{ print \$1 }"'
	assert_output $'200000\n200000\n200000'
	for x in a b c; do
		run bash -c "grep '^$x	' out | cut -f2 | sed 's/^$x//' | cmp - <(seq 200000)"
		assert_success
	done
	# Receive counts every byte each job printed.
	run awk -F'\t' 'NR > 1 { print $6 }' log
	assert_output "$(for x in a b c; do seq 200000 | sed "s/^/$x/" | wc -c; done)"
}

@test "-k: the head job hands over stdout; the bytes and the log are right" {
	run --separate-stderr bash -c '
		"$LANES" -k -j2 --tag --joblog log \
		    "seq {} | sed s/^/x/" ::: 300000 5 200000 >out; echo $? >rc'
	assert_success
	assert_no_stderr
	assert_equal "$(cat rc)" 0
	run bash -c 'for n in 300000 5 200000; do
		seq $n | sed "s/^/$n\tx/"; done | cmp - out'
	assert_success
	run awk -F'\t' 'NR > 1 { print $1, $6 }' log
	local i=0 n
	assert_output "$(for n in 300000 5 200000; do
		echo "$((++i)) $(seq $n | sed s/^/x/ | wc -c)"; done)"
}
