#!/usr/bin/env bats
# Job control: --timeout and --termseq, --retries, --halt, --delay,
# --memfree, --load, --nice, --shuf, and what lanes does on SIGINT, SIGTERM
# and SIGHUP. No job may outlive lanes: jobs write their pids (and their
# children's) to files, and the tests check those processes are gone.

load helpers/common
load fixtures/control/bg

export AWAIT=$FIX/control/await

# The job of the grandchild tests: it writes its own pid to {}.pid, starts
# a shell that starts a sleep in the background (a grandchild of lanes,
# pid in gc{}.pid) and waits for it.
GRANDCHILD='echo $$ >{}.pid; sh -c "sleep 100 & echo \$! >gc{}.pid; wait"'

# timed_out SEQ DURATION: a regex for lanes' message about a timeout.
timed_out() {
	printf 'lanes: job %s \\(pid [0-9]+\\) timed out after %s' "$1" "$2"
}

# field N LINE: the Nth TAB-separated field of a job log line.
field() {
	cut -f "$1" <<<"$2"
}

# --- --timeout -----------------------------------------------------------

# bats test_tags=slow
@test "--timeout: the job is killed, fails, and lanes says so" {
	run --separate-stderr timeout 60 "$LANES" --timeout 1.5s \
	    'echo $$ >{}.pid; sleep 30; echo late {}' ::: a
	assert_equal "$status" 1
	assert_output ''
	assert_stderr "lanes: job 1 (pid $(cat a.pid)) timed out after 1.5s"
}

# bats test_tags=slow
@test "--timeout kills the job's grandchildren too" {
	run --separate-stderr timeout 60 "$LANES" --timeout 1 "$GRANDCHILD" \
	    ::: a
	assert_equal "$status" 1
	assert_output ''
	assert_stderr --regexp "^$(timed_out 1 1s)\$"
	assert_gone a.pid gca.pid
}

# bats test_tags=slow
@test "--timeout kills grandchildren with -u and --line-buffer too" {
	local mode

	for mode in -u --line-buffer; do
		rm -f ./*.pid
		run --separate-stderr timeout 60 "$LANES" "$mode" \
		    --timeout 1 "$GRANDCHILD" ::: a
		assert_equal "$status" 1
		assert_stderr --partial 'timed out after 1s'
		assert_gone a.pid gca.pid
	done
}

# bats test_tags=slow
@test "--timeout: output written before the kill is printed" {
	run --separate-stderr timeout 60 "$LANES" --timeout 1 \
	    'echo before {}; echo err {} >&2; sleep 30' ::: a
	assert_equal "$status" 1
	assert_output 'before a'
	assert_stderr_line -n 0 'err a'
	assert_stderr_line -n 1 --regexp "^$(timed_out 1 1s)\$"
}

# bats test_tags=slow
@test "--timeout: each timed-out job counts as failed, the others run" {
	run --separate-stderr timeout 60 "$LANES" -k -j3 --timeout 1 \
	    'case {} in slow*) sleep 30;; esac; echo {}' ::: a slow1 b slow2
	assert_equal "$status" 2
	assert_output $'a\nb'
	assert_equal "${#stderr_lines[@]}" 2
	assert_stderr_line --regexp "^$(timed_out 2 1s)\$"
	assert_stderr_line --regexp "^$(timed_out 4 1s)\$"
}

@test "--timeout: jobs that end in time are not touched" {
	local d

	for d in 30 1.5s 2m 1h; do
		run --separate-stderr "$LANES" -k --timeout "$d" 'echo {}' \
		    ::: a b
		assert_success
		assert_output $'a\nb'
		assert_no_stderr
	done
}

@test "--timeout with a bad duration: exit 255" {
	local d

	for d in 0 -1 abc 1x '' 1.5.5; do
		run --separate-stderr "$LANES" --timeout "$d" touch "$T/ran" \
		    ::: a
		assert_usage_error
	done
	[ ! -e "$T/ran" ] || fail "a job ran"
}

# --- --termseq -----------------------------------------------------------

# bats test_tags=slow
@test "--timeout: a job that ignores SIGTERM gets SIGKILL" {
	run --separate-stderr timeout 60 "$LANES" --timeout 1 --joblog log \
	    'trap "" TERM; echo $$ >{}.pid; sleep 100' ::: a
	assert_equal "$status" 1
	assert_stderr --partial 'timed out after 1s'
	assert_gone a.pid
	# Exitval -1 (killed on timeout, as GNU parallel), Signal 9.
	assert_equal "$(field 7 "$(sed -n 2p log)")" -1
	assert_equal "$(field 8 "$(sed -n 2p log)")" 9
}

# The job of the --termseq tests: it notes each SIGINT and SIGTERM it gets
# in {}.sig and goes on running.
TRAPPER='trap "echo int >>{}.sig" INT; trap "echo term >>{}.sig" TERM
	echo $$ >{}.pid; for i in $(seq 600); do sleep 0.1; done'

# bats test_tags=slow
@test "--termseq INT,300,KILL,25: the job gets SIGINT, then SIGKILL" {
	run --separate-stderr timeout 60 "$LANES" --timeout 1 \
	    --termseq INT,300,KILL,25 --joblog log "$TRAPPER" ::: a
	assert_equal "$status" 1
	assert_stderr --partial 'timed out after 1s'
	assert_gone a.pid
	assert_equal "$(cat a.sig)" int
	assert_equal "$(field 8 "$(sed -n 2p log)")" 9
}

# bats test_tags=slow
@test "--termseq KILL: no SIGTERM at all" {
	run --separate-stderr timeout 60 "$LANES" --timeout 1 \
	    --termseq KILL --joblog log "$TRAPPER" ::: a
	assert_equal "$status" 1
	assert_gone a.pid
	[ ! -e a.sig ] || fail "the job got: $(cat a.sig)"
	assert_equal "$(field 8 "$(sed -n 2p log)")" 9
}

# bats test_tags=slow
@test "default termseq: SIGTERM first" {
	run --separate-stderr timeout 60 "$LANES" --timeout 1 \
	    --joblog log "$TRAPPER" ::: a
	assert_equal "$status" 1
	assert_gone a.pid
	grep -qx term a.sig || fail "the job got no SIGTERM"
	! grep -q int a.sig || fail "the job got SIGINT"
	assert_equal "$(field 8 "$(sed -n 2p log)")" 9
}

@test "--termseq with junk: exit 255" {
	local s

	for s in FOO TERM,x TERM,-5 '' NOSIG,10,KILL; do
		run --separate-stderr "$LANES" --termseq "$s" true ::: a
		assert_usage_error
	done
}

# --- --retries -----------------------------------------------------------

# A job that fails until its third run. Each run appends to tries.
THIRD_TIME='echo x >>tries; n=$(wc -l <tries); echo out {} $n
	echo err {} $n >&2; test $n -ge 3'

@test "--retries 3: success on the third try gives exit 0" {
	run --separate-stderr "$LANES" --retries 3 "$THIRD_TIME" ::: a
	assert_success
	assert_equal "$(wc -l <tries)" 3
	# Only the last attempt's output is printed.
	assert_output 'out a 3'
	assert_stderr 'err a 3'
}

@test "--retries 2: a job that still fails runs twice, then counts" {
	run --separate-stderr "$LANES" --retries 2 "$THIRD_TIME" ::: a
	assert_equal "$status" 1
	assert_equal "$(wc -l <tries)" 2
	assert_output 'out a 2'
	assert_stderr 'err a 2'
}

@test "--retries: a job that succeeds runs once" {
	run --separate-stderr "$LANES" --retries 5 -k \
	    'echo {} >>tries; echo {}' ::: a b
	assert_success
	assert_output $'a\nb'
	assert_equal "$(sort tries)" $'a\nb'
}

@test "--retries with -k: output in order, last attempt only" {
	run --separate-stderr "$LANES" --retries 4 -k -j2 \
	    'echo x >>t{}; n=$(wc -l <t{}); echo {} $n; test $n -ge {}' \
	    ::: 3 1 2
	assert_success
	assert_output $'3 3\n1 1\n2 2'
	assert_no_stderr
}

@test "--retries: the job log has one line per job, for its last run" {
	run --separate-stderr "$LANES" --retries 3 --joblog log "$THIRD_TIME" \
	    ::: a
	assert_success
	assert_equal "$(wc -l <log)" 2
	assert_equal "$(field 1 "$(sed -n 2p log)")" 1
	assert_equal "$(field 7 "$(sed -n 2p log)")" 0
}

# bats test_tags=slow
@test "--retries applies to a job that timed out" {
	run --separate-stderr timeout 60 "$LANES" --retries 2 --timeout 1 \
	    'echo x >>tries; test $(wc -l <tries) -ge 2 || sleep 30; echo {}' \
	    ::: a
	assert_success
	assert_output a
	assert_equal "$(wc -l <tries)" 2
}

@test "--retries with junk: exit 255" {
	local n

	for n in 0 -1 x 1.5 ''; do
		run --separate-stderr "$LANES" --retries "$n" true ::: a
		assert_usage_error
	done
}

# --- --halt --------------------------------------------------------------

# bats test_tags=slow
@test "--halt now,fail=1 kills the running jobs and their children" {
	# a fails once b's grandchild is up; c and d must never start.
	run --separate-stderr timeout 60 "$LANES" -j2 --halt now,fail=1 '
		case {} in
		a) "$AWAIT" gcb.pid; exit 3 ;;
		b) '"$GRANDCHILD"'; echo b finished ;;
		*) echo x >ran{} ;;
		esac' ::: a b c d
	assert_equal "$status" 3
	assert_output ''
	assert_gone b.pid gcb.pid
	[ ! -e ranc ] || fail "job c ran"
	[ ! -e rand ] || fail "job d ran"
}

@test "--halt now: a job that ignores SIGTERM is killed by the termseq" {
	run --separate-stderr timeout 60 "$LANES" -j2 --halt now,fail=1 '
		case {} in
		a) "$AWAIT" b.pid; exit 4 ;;
		b) trap "" TERM; echo $$ >b.tmp; mv b.tmp b.pid; sleep 100 ;;
		esac' ::: a b
	assert_equal "$status" 4
	assert_gone b.pid
}

# bats test_tags=slow
@test "--halt soon,fail=1 lets running jobs finish and starts no more" {
	run --separate-stderr timeout 60 "$LANES" -j2 --halt soon,fail=1 '
		case {} in
		a) "$AWAIT" b.up; echo x >a.done; exit 3 ;;
		b) echo x >b.up; "$AWAIT" a.done; sleep 0.5; echo b finished ;;
		*) echo x >ran{} ;;
		esac' ::: a b c d
	assert_equal "$status" 3
	assert_output 'b finished'
	[ ! -e ranc ] || fail "job c ran"
	[ ! -e rand ] || fail "job d ran"
}

# halt_case HALT EXITS EXPECTED_STATUS EXPECTED_OUTPUT: run one job per
# exit value in EXITS, one at a time, each printing its value and exiting
# with it.
halt_case() {
	# shellcheck disable=SC2086
	run --separate-stderr timeout 60 "$LANES" -j1 --halt "$1" \
	    'echo {}; exit {}' ::: $2
	[[ $status == "$3" && $output == "$4" ]] ||
		fail "--halt $1 with exits $2: status $status (want $3)," \
		    "output '${output//$'\n'/ }' (want '${4//$'\n'/ }')"
}

# The statuses are those GNU parallel 20221122 gives for the same lines.
@test "--halt exit status: the job's for =1, the failures for =N" {
	halt_case now,fail=1 '0 3 0' 3 $'0\n3'
	halt_case soon,fail=1 '0 3 0' 3 $'0\n3'
	halt_case now,fail=2 '0 7 0 5 0' 2 $'0\n7\n0\n5'
	halt_case soon,fail=2 '0 7 0 5 0' 2 $'0\n7\n0\n5'
	halt_case soon,fail=3 '1 1 0 9' 3 $'1\n1\n0\n9'
	halt_case now,done=3 '0 3 5 0 7 0' 2 $'0\n3\n5'
	halt_case now,done=2 '0 1 1' 1 $'0\n1'
	halt_case now,success=1 '1 2 0 4' 0 $'1\n2\n0'
	halt_case soon,success=2 '1 0 2 0 4' 0 $'1\n0\n2\n0'
	halt_case now,done=2 '1 2 0' 2 $'1\n2'
	halt_case soon,done=1 '0 5' 0 '0'
	halt_case now,done=1 '6 0' 6 '6'
}

@test "--halt says which job made it stop and what is still running" {
	# GNU parallel: "This job failed: ..." and "Starting no more jobs.
	# Waiting for 1 jobs to finish."; lanes says it in one line.
	run --separate-stderr timeout 60 "$LANES" -j1 --halt soon,fail=1 \
	    'exit {}' ::: 0 3 0
	assert_equal "$status" 3
	assert_stderr "lanes: --halt soon,fail=1: job 2 failed (exit 3); \
starting no more jobs"
	run --separate-stderr timeout 60 "$LANES" -j1 --halt now,success=1 \
	    'exit {}' ::: 1 0 0
	assert_success
	assert_stderr "lanes: --halt now,success=1: job 2 succeeded; \
starting no more jobs"
	# Job 1 fails only once job 2 runs, so one job is still running
	# however slowly the jobs start.
	run --separate-stderr timeout 60 "$LANES" -j2 --halt soon,fail=1 \
	    'if test {} = 1; then until test -e ran2; do sleep 0.05; done
	     exit 1; fi; touch ran2; sleep 1' ::: 1 2
	assert_equal "$status" 1
	assert_stderr "lanes: --halt soon,fail=1: job 1 failed (exit 1); \
starting no more jobs, waiting for 1 running"
}

@test "--halt 1 and --halt 2 (the old forms) stop on the first failure" {
	halt_case 1 '0 4 0' 4 $'0\n4'
	halt_case 2 '0 4 0' 4 $'0\n4'
}

@test "--halt never and --halt 0: all jobs run, exit counts failures" {
	halt_case never '0 4 0 5' 2 $'0\n4\n0\n5'
	halt_case 0 '0 4 0 5' 2 $'0\n4\n0\n5'
}

@test "--halt: a job killed by a signal halts with 128+signal" {
	run --separate-stderr timeout 60 "$LANES" -j1 --halt now,fail=1 \
	    'echo {}; test {} = 0 || kill -KILL $$' ::: 0 1 0
	assert_equal "$status" 137
	assert_output $'0\n1'
}

@test "--halt with a percentage of all jobs" {
	# The first job waits a little, so lanes has read all six jobs of
	# the input and knows the total when the counting starts.
	run --separate-stderr timeout 60 "$LANES" -j1 --halt now,fail=30% \
	    'test {#} = 1 && sleep 0.2; echo {}; exit {}' ::: 0 3 5 0 0 0
	# GNU: the percentage of jobs that failed, rounded up: 2 of 6.
	assert_equal "$status" 34
	assert_output $'0\n3\n5'

	# 1 of 6 failed is less than 30%: everything runs.
	run --separate-stderr timeout 60 "$LANES" -j1 --halt soon,fail=30% \
	    'test {#} = 1 && sleep 0.2; echo {}; exit {}' ::: 0 3 0 0 0 0
	assert_equal "$status" 1
	assert_output $'0\n3\n0\n0\n0\n0'

	# Three successes are 50%.
	run --separate-stderr timeout 60 "$LANES" -j1 \
	    --halt now,success=50% \
	    'test {#} = 1 && sleep 0.2; echo {}; exit {}' ::: 0 0 1 0 1 1
	assert_equal "$status" 0
	assert_output $'0\n0\n1\n0'

	run --separate-stderr timeout 60 "$LANES" -j1 --halt soon,done=50% \
	    'test {#} = 1 && sleep 0.2; echo {}; exit {}' ::: 1 2 6 1 1 1
	assert_equal "$status" 50
	assert_output $'1\n2\n6'
}

@test "--halt with junk: exit 255" {
	local h

	for h in later,fail=1 now now, now,fail now,fail=0 now,fail=-1 \
	    now,fail=x now,fail=101% now,fail=0% now,bogus=1 3 ''; do
		run --separate-stderr "$LANES" --halt "$h" true ::: a
		assert_usage_error
	done
}

# --- --delay, --memfree, --load ------------------------------------------

@test "--delay: every job still runs" {
	local d

	for d in 0.05 0.05s 0; do
		run --separate-stderr timeout 60 "$LANES" -k -j3 --delay "$d" \
		    echo ::: 1 2 3 4
		assert_success
		assert_output $'1\n2\n3\n4'
		assert_no_stderr
	done
}

# bats test_tags=slow
@test "--delay: jobs start in input order, whichever worker wins the race" {
	# Ten idle workers race for each start; the start times must still
	# follow the sequence numbers, or a job starts (and prints) a whole
	# delay after the jobs behind it.
	local log=$BATS_TEST_TMPDIR/log

	run --separate-stderr "$LANES" -j10 --delay 0.4 --joblog "$log" \
	    echo ::: 1 2 3 4 5
	assert_success
	assert_no_stderr
	# Seq by start time.
	run bash -c "awk -F'\t' 'NR > 1 { print \$3, \$1 }' '$log' |
		     sort -n | cut -d' ' -f2"
	assert_success
	assert_output $'1\n2\n3\n4\n5'
}

@test "--delay with junk: exit 255" {
	run --separate-stderr "$LANES" --delay x true ::: a
	assert_usage_error
	run --separate-stderr "$LANES" --delay -1 true ::: a
	assert_usage_error
}

@test "--memfree with a tiny size and --load with a huge one: jobs run" {
	run --separate-stderr timeout 60 "$LANES" -k --memfree 1k echo ::: a b
	assert_success
	assert_output $'a\nb'
	run --separate-stderr timeout 60 "$LANES" -k --load 100000 echo ::: a b
	assert_success
	assert_output $'a\nb'
	run --separate-stderr timeout 60 "$LANES" -k --memfree 4096 \
	    --load 1000.5 echo ::: a b
	assert_success
	assert_output $'a\nb'
	assert_no_stderr
}

# bats test_tags=slow
@test "--memfree more than the machine has: no job starts" {
	start_lanes --memfree 1000T 'echo x >ran{}; echo {}' ::: a b
	sleep 0.5
	kill -TERM "$lanes_pid"
	wait_lanes
	assert_equal "$status" 143
	assert_output ''
	[ ! -e rana ] || fail "job a ran"
	[ ! -e ranb ] || fail "job b ran"
}

@test "--memfree and --load with junk: exit 255" {
	local v

	for v in x 1Q -5 ''; do
		run --separate-stderr "$LANES" --memfree "$v" true ::: a
		assert_usage_error
	done
	for v in x 0 -1 ''; do
		run --separate-stderr "$LANES" --load "$v" true ::: a
		assert_usage_error
	done
}

# --- --nice --------------------------------------------------------------

# The niceness of the process whose pid is $1 (field 19 of its stat).
niceness() {
	sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f17
}

@test "--nice 5: the jobs run with 5 more niceness" {
	local base want

	base=$(niceness $BASHPID)
	want=$((base + 5 > 19 ? 19 : base + 5))
	run --separate-stderr "$LANES" -k --nice 5 'ps -o ni= -p $$ | tr -d " "
	    sed "s/.*) //" /proc/$$/stat | cut -d" " -f17; : {}' ::: a
	assert_success
	assert_output "$want"$'\n'"$want"
}

@test "--nice with junk or out of range: exit 255" {
	local n

	for n in 20 -21 x 1.5 ''; do
		run --separate-stderr "$LANES" --nice "$n" true ::: a
		assert_usage_error
	done
}

# --- --shuf --------------------------------------------------------------

@test "--shuf runs every job exactly once" {
	run --separate-stderr "$LANES" --shuf -j2 echo ::: $(seq 50)
	assert_success
	assert_equal "$(sort -n <<<"$output")" "$(seq 50)"
	assert_no_stderr
}

@test "--shuf changes the order (one job at a time)" {
	# 40 jobs come out in input order once in 40! runs.
	run --separate-stderr "$LANES" --shuf -j1 echo ::: $(seq 40)
	assert_success
	assert_equal "$(sort -n <<<"$output")" "$(seq 40)"
	[ "$output" != "$(seq 40)" ] || fail "--shuf kept the input order"
}

@test "--shuf with stdin input and -k" {
	run --separate-stderr bash -c 'seq 20 | "$LANES" --shuf -k echo x'
	assert_success
	assert_equal "$(sort -k2n <<<"$output")" "$(seq 20 | sed 's/^/x /')"
}

# --- signals -------------------------------------------------------------

# The job of the interrupt tests: jobs 1 and 2 finish at once, 3 and 4
# run a grandchild and wait, 5 and 6 must never start. With -j2, once
# both 3 and 4 run, 1 and 2 are done.
INTERRUPTED='case {} in
	1|2) echo done {} ;;
	3|4) '"$GRANDCHILD"' ;;
	*) echo x >ran{} ;;
	esac'

# interrupt SIGNAL STATUS: send SIGNAL once both waiting jobs run.
interrupt() {
	start_lanes -j2 "$INTERRUPTED" ::: 1 2 3 4 5 6
	wait_for 3.pid 4.pid gc3.pid gc4.pid
	kill -"$1" "$lanes_pid"
	wait_lanes
	assert_equal "$status" "$2"
	# Completed jobs' output is flushed.
	assert_equal "$(sort <<<"$output")" $'done 1\ndone 2'
	# No orphans: the jobs and their children are gone.
	assert_gone 3.pid 4.pid gc3.pid gc4.pid
	[ ! -e ran5 ] || fail "job 5 started after the signal"
	[ ! -e ran6 ] || fail "job 6 started after the signal"
}

@test "SIGINT: running jobs end, finished output is printed, exit 130" {
	interrupt INT 130
}

@test "SIGTERM: running jobs end, finished output is printed, exit 143" {
	interrupt TERM 143
}

@test "SIGINT: a job that exits on SIGTERM still has its output printed" {
	start_lanes -j2 'trap "echo cleanup {}; exit 0" TERM; echo x >{}.pid
	    for i in $(seq 600); do sleep 0.1; done' ::: 1 2 3
	wait_for 1.pid 2.pid
	kill -INT "$lanes_pid"
	wait_lanes
	assert_equal "$status" 130
	assert_equal "$(sort <<<"$output")" $'cleanup 1\ncleanup 2'
}

# The job of the escalation tests: it notes SIGTERM in {}.term and goes on.
STUBBORN='trap "echo x >{}.term" TERM; echo $$ >{}.pid
	for i in $(seq 600); do sleep 0.1; done'

# escalate SIGNAL STATUS: the first SIGNAL does not end the jobs, the
# second kills them.
escalate() {
	start_lanes -j2 "$STUBBORN" ::: 1 2
	wait_for 1.pid 2.pid
	kill -"$1" "$lanes_pid"
	wait_for 1.term 2.term
	assert_running
	kill -"$1" "$lanes_pid"
	wait_lanes
	assert_equal "$status" "$2"
	assert_output ''
	assert_gone 1.pid 2.pid
}

@test "a second SIGTERM kills jobs that ignore the first" {
	escalate TERM 143
}

@test "a second SIGINT kills jobs that ignore the first" {
	escalate INT 130
}

@test "SIGHUP: running jobs finish, no new one starts" {
	start_lanes -j2 'case {} in
	    1|2) echo x >{}.up; "$AWAIT" go; echo finished {} ;;
	    *) echo x >ran{} ;;
	    esac' ::: 1 2 3 4
	wait_for 1.up 2.up
	kill -HUP "$lanes_pid"
	wait_taken "$lanes_pid"
	# The signal thread took it; give it a moment to act on it.
	sleep 0.1
	echo x >go
	wait_lanes
	assert_equal "$status" 129
	assert_equal "$(sort <<<"$output")" $'finished 1\nfinished 2'
	[ ! -e ran3 ] || fail "job 3 started after SIGHUP"
	[ ! -e ran4 ] || fail "job 4 started after SIGHUP"
}

@test "SIGTERM while the input is still open: lanes stops anyway" {
	# The reader is blocked in read() on a pipe that never ends.
	mkfifo fifo
	sleep 100 >fifo 3>&- &
	local writer=$!
	start_lanes -j2 'echo x >{}.up; echo {}' :::: fifo
	printf '1\n' >fifo &
	wait_for 1.up
	kill -TERM "$lanes_pid"
	wait_lanes
	kill "$writer" 2>/dev/null || true
	assert_equal "$status" 143
	assert_output 1
}

# --- jobs that leave processes behind; stopping lanes --------------------

# A job whose shell exits at once but leaves a background process holding
# its output pipe: the job ends with its shell, after a short grace for
# the pipe to drain, not when the leftover exits.
LEFTOVER='sleep 40 & echo $! >left{}.pid; echo hi {}'

kill_leftovers() {
	local f

	for f in left*.pid; do
		[[ -s $f ]] && kill "$(<"$f")" 2>/dev/null
	done
	return 0
}

@test "a background process left holding the pipe does not hold the job" {
	start_lanes -k "$LEFTOVER" ::: 1 2
	wait_for left1.pid left2.pid
	# Both jobs end long before their leftovers would.
	wait_lanes
	kill_leftovers
	assert_equal "$status" 0
	assert_output $'hi 1\nhi 2'
	assert_equal "$stderr" ""
}

@test "--timeout: a job whose leftover outlives the limit did not time out" {
	start_lanes -k --timeout 2 "$LEFTOVER" ::: 1 2
	wait_for left1.pid left2.pid
	wait_lanes
	kill_leftovers
	assert_equal "$status" 0
	assert_output $'hi 1\nhi 2'
	assert_equal "$stderr" ""
}

# bats test_tags=slow
@test "SIGSTOP to lanes past the deadline: jobs that ended in time are fine" {
	start_lanes -j5 --timeout 3 'sleep 0.3; echo RUN {}' ::: $(seq 10)
	kill -STOP "$lanes_pid"
	sleep 4
	kill -CONT "$lanes_pid"
	wait_lanes
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 10
	assert_equal "$stderr" ""
}

# state PIDFILE: the one-letter state of the process (T when stopped).
state() {
	sed 's/.*) //; s/ .*//' "/proc/$(<"$1")/stat"
}

# wait_state PIDFILE STATE: wait up to 30 s for the process to get there.
wait_state() {
	local i

	for ((i = 0; i < 600; i++)); do
		[[ $(state "$1") == "$2" ]] && return 0
		sleep 0.05
	done
	fail "process in '$1' is '$(state "$1")', not '$2'"
}

# bats test_tags=slow
@test "Ctrl-Z stops the jobs with lanes; stopped time is not --timeout" {
	# bash without job control continues a child that stops, so lanes
	# runs under a dash that only waits for it, as a terminal's shell
	# would until fg.
	# Each job runs until the file "go" exists, which it finds only
	# after lanes was stopped for longer than the --timeout.
	sh -c '"$@"; echo $? >rc' sh "$LANES" -j2 --timeout 2 \
		'echo $$ >{}.pid; until [ -e go ]; do sleep 0.05; done
		 echo done {}' ::: a b >"$T/out" 2>"$T/err" 3>&- &
	wait_for a.pid b.pid
	lanes_pid=$(pgrep -P $! -x lanes)
	kill -TSTP "$lanes_pid"
	# The jobs run in their own process groups, so only lanes can stop
	# them; it stops itself afterwards.
	wait_state a.pid T
	wait_state b.pid T
	sleep 2.5
	touch go
	kill -CONT "$lanes_pid"
	wait_for rc
	assert_equal "$(<rc)" 0
	assert_equal "$(sort "$T/out")" $'done a\ndone b'
	assert_equal "$(<"$T/err")" ""
}

# --- running out of descriptors ------------------------------------------

# bats test_tags=slow
@test "out of descriptors: fewer jobs at once, none lost, said once" {
	# Each running job holds three descriptors (two pipes and a pidfd):
	# 20 at once cannot fit under a limit of 32.
	run --separate-stderr bash -c 'ulimit -n 32
		exec "$LANES" -k -j20 "sleep 0.3; echo {}" ::: $(seq 60)'
	assert_success
	assert_output "$(seq 60)"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^lanes: cannot start more jobs \(pipe2: Too many open files\): running at most [0-9]+ at once from now on$'
}

# bats test_tags=slow
@test "a low ulimit -u: -j fits the room, no job fails" {
	[[ $(id -u) == 0 ]] || skip "needs root to run as another user"
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	# Root is not held to RLIMIT_NPROC: run as nobody, in a directory
	# nobody may enter, with a lanes it may execute.
	local dir
	dir=$(mktemp -d /tmp/lanes-nproc.XXXXXX)
	cp "$LANES" "$dir/lanes"
	chmod 755 "$dir" "$dir/lanes"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 \
		--clear-groups bash -c "cd $dir && ulimit -u 12 &&
		exec ./lanes -k -j20 echo ::: \$(seq 100)"
	rm -rf "$dir"
	assert_success
	assert_output "$(seq 100)"
	assert_regex "$stderr" '^lanes: only [0-9]+ more processes allowed for this user \(ulimit -u 12\): running at most [0-9]+ jobs at once$'
}
