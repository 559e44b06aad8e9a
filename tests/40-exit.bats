#!/usr/bin/env bats
# Exit status: 0, the number of failed jobs, 101, and 255 for lanes' own
# errors (which print one line and a hint, and run nothing).

load helpers/common

# --- jobs' results -------------------------------------------------------

@test "all jobs succeed: exit 0" {
	run --separate-stderr "$LANES" true ::: a b c
	assert_success
	assert_output ''
	assert_no_stderr
}

@test "one job fails: exit 1, the others still run" {
	run --separate-stderr "$LANES" -k 'echo {}; test {} != b' ::: a b c
	assert_equal "$status" 1
	assert_output $'a\nb\nc'
	assert_no_stderr
}

@test "the exit status counts failed jobs, not their exit values" {
	run --separate-stderr "$LANES" 'exit {}' ::: 0 1 2 0 42 255
	assert_equal "$status" 4
	assert_output ''
	assert_no_stderr
}

@test "three of three fail: exit 3" {
	run --separate-stderr "$LANES" false ::: a b c
	assert_equal "$status" 3
	assert_output ''
	assert_no_stderr
}

@test "100 failed jobs: exit 100" {
	run --separate-stderr "$LANES" -j4 -N0 false ::: $(seq 100)
	assert_equal "$status" 100
	assert_output ''
	assert_no_stderr
}

@test "101 failed jobs: exit 101" {
	run --separate-stderr "$LANES" -j4 -N0 false ::: $(seq 101)
	assert_equal "$status" 101
	assert_output ''
	assert_no_stderr
}

@test "more than 101 failed jobs: still 101" {
	run --separate-stderr "$LANES" -j4 -N0 false ::: $(seq 150)
	assert_equal "$status" 101
	assert_output ''
	assert_no_stderr
}

@test "failures among successes are counted exactly" {
	# Every third of 60 jobs fails.
	# expr fails when the result is 0.
	run --separate-stderr "$LANES" -j4 'expr {} % 3 >/dev/null' ::: \
	    $(seq 60)
	assert_equal "$status" 20
	assert_output ''
	assert_no_stderr
}

@test "a job killed by SIGKILL counts as failed" {
	# The message lanes may give about the signal is not specified, so
	# only stdout is checked.
	run --separate-stderr "$LANES" -k 'kill -9 $$; echo {}' ::: a
	assert_equal "$status" 1
	assert_output ''
}

@test "a job killed by SIGTERM counts as failed, others run" {
	run --separate-stderr "$LANES" -k -j1 \
	    'test {} = b && kill -TERM $$; echo {}' ::: a b c
	assert_equal "$status" 1
	assert_output $'a\nc'
}

@test "jobs killed by a signal are each counted" {
	run --separate-stderr "$LANES" -j2 'kill -KILL $$; echo {}' ::: a b c
	assert_equal "$status" 3
	assert_output ''
}

@test "a job's output before it fails is still printed" {
	run --separate-stderr "$LANES" -k \
	    'echo out {}; echo err {} >&2; exit 3' ::: a
	assert_equal "$status" 1
	assert_output 'out a'
	assert_stderr 'err a'
}

@test "--dry-run exits 0 whatever the commands would do" {
	run --separate-stderr "$LANES" --dry-run false ::: a b
	assert_success
	assert_output $'false a\nfalse b'
	assert_no_stderr
}

# --- lanes' own errors: 255 ----------------------------------------------

@test "-a with a missing file: exit 255" {
	run --separate-stderr "$LANES" -a "$T/nofile" echo
	assert_usage_error
	assert_stderr_line -n 0 --partial "$T/nofile"
}

@test "-a with a directory: exit 255" {
	mkdir d
	run --separate-stderr "$LANES" -a d echo
	assert_usage_error
	assert_stderr_line -n 0 --partial "d"
}

@test "-a with a missing file among good ones: exit 255, nothing runs" {
	printf 'a\n' >f
	run --separate-stderr "$LANES" -a f -a nofile touch "$T/ran"
	assert_usage_error
	[ ! -e "$T/ran" ]
}

@test ":::: with a missing file: exit 255" {
	run --separate-stderr "$LANES" echo :::: "$T/nofile"
	assert_usage_error
	assert_stderr_line -n 0 --partial "$T/nofile"
}

@test ":::: with no file: exit 255" {
	run --separate-stderr "$LANES" echo ::::
	assert_usage_error
}

@test "::: with no argument is an empty source: no jobs, exit 0" {
	# As GNU parallel: `lanes cmd ::: $files` with an empty glob runs
	# nothing rather than failing.
	run --separate-stderr "$LANES" echo :::
	assert_success
	assert_output ''
	assert_stderr ''
}

@test "-j abc: exit 255" {
	run --separate-stderr "$LANES" -j abc echo ::: a
	assert_usage_error
	assert_stderr_line -n 0 --partial abc
}

@test "-j -: exit 255" {
	run --separate-stderr "$LANES" -j - echo ::: a
	assert_usage_error
}

@test "-j 1x: exit 255" {
	run --separate-stderr "$LANES" -j 1x echo ::: a
	assert_usage_error
}

@test "other bad -j values: exit 255" {
	local j
	for j in '' % + 1.5x x% 5%% ++1 99999999999999999999999; do
		run --separate-stderr "$LANES" -j "$j" echo ::: a
		assert_usage_error
	done
}

@test "a bad -j runs nothing" {
	run --separate-stderr "$LANES" -j abc touch "$T/ran" ::: a
	assert_usage_error
	[ ! -e "$T/ran" ]
}

@test "-n, -N, -s with junk: exit 255" {
	local o
	for o in -n -N -s --max-args --max-chars; do
		run --separate-stderr "$LANES" "$o" abc echo ::: a
		assert_usage_error
		run --separate-stderr "$LANES" "$o" 2x echo ::: a
		assert_usage_error
	done
}

@test "-n or -N negative: exit 255" {
	run --separate-stderr "$LANES" -n -1 echo ::: a
	assert_usage_error
	run --separate-stderr "$LANES" -N -2 echo ::: a
	assert_usage_error
}

@test "-d with more than one character: exit 255" {
	run --separate-stderr "$LANES" -d ab echo ::: a
	assert_usage_error
}

@test "-d with a bad escape: exit 255" {
	run --separate-stderr "$LANES" -d '\xZZ' echo ::: a
	assert_usage_error
}

@test "--colsep with an invalid regex: exit 255" {
	run --separate-stderr "$LANES" --colsep '(' echo ::: a
	assert_usage_error
}

@test "unknown option: exit 255 before any job runs" {
	run --separate-stderr "$LANES" --frobnicate touch "$T/ran" ::: a
	assert_usage_error
	[ ! -e "$T/ran" ]
}
