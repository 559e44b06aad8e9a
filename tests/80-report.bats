#!/usr/bin/env bats
# What lanes records besides the jobs' output: the job log (--joblog) and
# resuming from it (--resume, --resume-failed, --retry-failed), --results,
# --json, --files, and the progress display (--bar, --eta, --progress,
# --total), on a pipe and under a pseudo-terminal.

load helpers/common
load fixtures/control/bg

export AWAIT=$FIX/control/await

HEADER=$'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal'
HEADER+=$'\tCommand'

# field N LINE: the Nth TAB-separated field of a job log line.
field() {
	cut -f "$1" <<<"$2"
}

# assert_log_line LINE SEQ EXITVAL SIGNAL COMMAND: one job log line, column
# by column.
assert_log_line() {
	local line=$1 runtime

	assert_equal "$(awk -F '\t' '{ print NF }' <<<"$line")" 9
	assert_equal "$(field 1 "$line")" "$2"
	assert_equal "$(field 2 "$line")" :
	[[ $(field 3 "$line") =~ ^[0-9]+\.[0-9]{3}$ ]] ||
		fail "Starttime '$(field 3 "$line")' is not %.3f"
	# JobRuntime is "%10.3f": right-aligned in ten columns.
	runtime=$(field 4 "$line")
	[[ $runtime =~ ^\ *[0-9]+\.[0-9]{3}$ && ${#runtime} == 10 ]] ||
		fail "JobRuntime '$runtime' is not %10.3f"
	assert_equal "$(field 5 "$line")" 0
	[[ $(field 6 "$line") =~ ^[0-9]+$ ]] ||
		fail "Receive '$(field 6 "$line")' is not a number"
	assert_equal "$(field 7 "$line")" "$3"
	assert_equal "$(field 8 "$line")" "$4"
	assert_equal "$(cut -f 9- <<<"$line")" "$5"
}

# --- --joblog ------------------------------------------------------------

@test "--joblog: GNU parallel's header, then nine TAB columns per job" {
	local before after start

	before=$(date +%s)
	run --separate-stderr "$LANES" -j1 --joblog log \
	    'echo {}; echo e >&2; exit {}' ::: 0 3
	after=$(date +%s)
	assert_equal "$status" 1
	assert_output $'0\n3'
	assert_equal "$(wc -l <log)" 3
	assert_equal "$(sed -n 1p log)" "$HEADER"
	assert_log_line "$(sed -n 2p log)" 1 0 0 'echo 0; echo e >&2; exit 0'
	assert_log_line "$(sed -n 3p log)" 2 3 0 'echo 3; echo e >&2; exit 3'
	# Receive: the bytes of output, stdout and stderr ("0\n" "e\n").
	assert_equal "$(field 6 "$(sed -n 2p log)")" 4
	# Starttime is seconds since the epoch.
	start=$(field 3 "$(sed -n 2p log)")
	((${start%.*} >= before && ${start%.*} <= after)) ||
		fail "Starttime $start is not between $before and $after"
}

@test "--joblog: Receive counts the bytes in every mode but -u, as GNU" {
	# GNU parallel 20221122 --joblog: 6 with --line-buffer (and --tag),
	# -k and the default; 0 with -u, where the output is not seen.
	local m
	for m in --line-buffer '--tag --line-buffer' -k --group; do
		run --separate-stderr "$LANES" $m --joblog log \
		    'echo {}; echo x >&2' ::: abc
		assert_success
		assert_equal "$(field 6 "$(sed -n 2p log)")" 6
	done
	run --separate-stderr "$LANES" -u --joblog log 'echo {}' ::: abc
	assert_equal "$(field 6 "$(sed -n 2p log)")" 0
}

@test "--joblog: a job killed by a signal has Signal set" {
	run --separate-stderr "$LANES" --joblog log 'kill -USR1 $$; : {}' ::: a
	assert_equal "$status" 1
	# As GNU parallel: Exitval 0 and the signal for a job that died of a
	# signal by itself.
	assert_log_line "$(sed -n 2p log)" 1 0 10 'kill -USR1 $$; : a'
}

# bats test_tags=slow
@test "--joblog: a job killed on --timeout has Exitval -1 and its signal" {
	run --separate-stderr timeout 60 "$LANES" --joblog log --timeout 0.3 \
	    'sleep 30; : {}' ::: a
	assert_equal "$status" 1
	assert_log_line "$(sed -n 2p log)" 1 -1 15 'sleep 30; : a'
}

@test "--joblog -: the log goes to stdout, after each job's output" {
	run --separate-stderr "$LANES" -k -j1 --joblog - echo ::: a b
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_line -n 0 "$HEADER"
	assert_line -n 1 a
	assert_log_line "${lines[2]}" 1 0 0 'echo a'
	assert_line -n 3 b
	assert_log_line "${lines[4]}" 2 0 0 'echo b'
	assert_no_stderr
}

@test "--joblog FILE replaces an existing log" {
	run --separate-stderr "$LANES" --joblog log echo ::: a b
	run --separate-stderr "$LANES" --joblog log echo ::: c
	assert_success
	assert_equal "$(wc -l <log)" 2
	assert_equal "$(sed -n 1p log)" "$HEADER"
	assert_log_line "$(sed -n 2p log)" 1 0 0 'echo c'
}

@test "--joblog +FILE appends, with one header" {
	run --separate-stderr "$LANES" --joblog +log echo ::: a
	assert_success
	run --separate-stderr "$LANES" --joblog +log echo ::: b
	assert_success
	assert_equal "$(wc -l <log)" 3
	assert_equal "$(sed -n 1p log)" "$HEADER"
	assert_log_line "$(sed -n 2p log)" 1 0 0 'echo a'
	assert_log_line "$(sed -n 3p log)" 1 0 0 'echo b'
}

@test "--joblog: a TAB or newline in a command keeps the line whole" {
	run --separate-stderr "$LANES" -k --joblog log echo ::: $'x\ty' $'p\nq'
	assert_success
	assert_equal "$(wc -l <log)" 3
	assert_equal "$(awk -F '\t' 'NR > 1 { print NF }' log)" $'9\n9'
}

@test "--joblog in a missing directory: exit 255, nothing runs" {
	run --separate-stderr "$LANES" --joblog "$T/no/log" touch "$T/ran" \
	    ::: a
	assert_equal "$status" 255
	assert_output ''
	assert_stderr --regexp "^lanes: .*$T/no/log"
	[ ! -e "$T/ran" ] || fail "a job ran"
}

# --- --resume, --resume-failed, --retry-failed ---------------------------

@test "--resume skips the jobs in the log and runs the rest" {
	run --separate-stderr "$LANES" --joblog log \
	    'echo {} >>runs; echo {}' ::: 1 2 3
	assert_success
	run --separate-stderr "$LANES" --joblog log --resume \
	    'echo {} >>runs; echo {}' ::: 1 2 3 4 5
	assert_success
	assert_equal "$(sort -n <<<"$output")" $'4\n5'
	assert_equal "$(sort -n runs)" "$(seq 5)"
	# The log grew by the new jobs, under their own numbers.
	assert_equal "$(grep -c Seq log)" 1
	assert_equal "$(sed 1d log | cut -f1 | sort -n)" "$(seq 5)"
}

@test "--resume stops before running anything when the input changed" {
	# GNU parallel skips jobs 1 to 3 by number here, whatever they are.
	run --separate-stderr "$LANES" -j1 --joblog log 'echo {}' ::: a b c
	assert_success
	cp log before
	run --separate-stderr "$LANES" -j1 --joblog log --resume 'echo {}' \
	    ::: b c d e
	assert_equal "$status" 255
	assert_output ''
	assert_stderr "lanes: --resume: job 1 in 'log' ran 'echo a', the \
input now makes it 'echo b': the input changed, and skipping by number \
would skip the wrong jobs; use a new --joblog, or --resume-anyway to skip \
by number all the same"
	assert_same_file before log
	# Told to, it skips by number.
	run --separate-stderr "$LANES" -j1 --joblog log --resume \
	    --resume-anyway 'echo {}' ::: b c d e
	assert_success
	assert_output 'e'
}

@test "--resume checks the jobs before a gap in the log first" {
	# Job 2 is not in the log (a Ctrl-C killed it): it must not run
	# before job 3 was checked.
	{
		printf '%s\n' "$HEADER"
		printf '1\t:\t1700000000.000\t     0.001\t0\t2\t0\t0\techo a\n'
		printf '3\t:\t1700000000.001\t     0.001\t0\t2\t0\t0\techo c\n'
	} >log
	run --separate-stderr "$LANES" -j1 --joblog log --resume \
	    'echo {} >>ran' ::: a b x d
	assert_equal "$status" 255
	[ ! -e ran ] || fail "a job ran: $(cat ran)"
	run --separate-stderr "$LANES" -k -j1 --joblog log --resume \
	    'echo {}' ::: a b c d
	assert_success
	assert_output $'b\nd'
}

@test "--resume with no log yet runs every job" {
	run --separate-stderr "$LANES" -k --joblog log --resume echo ::: a b
	assert_success
	assert_output $'a\nb'
	assert_equal "$(sed -n 1p log)" "$HEADER"
	assert_equal "$(wc -l <log)" 3
}

# The job of the resume tests: on the first run (while the file "first"
# exists), jobs 4 and 5 wait until lanes goes away; every job prints
# "job N" when it completes.
RESUMABLE='if [ -e first ] && [ {} -ge 4 ]; then echo x >{}.up
	    for i in $(seq 600); do sleep 0.1; done; fi; echo job {}'

# bats test_tags=slow
@test "--resume after an interrupted run: every job runs exactly once" {
	local first_out

	echo x >first
	start_lanes -j2 --joblog log "$RESUMABLE" ::: $(seq 10)
	# With -j2, 1 to 3 are done once 4 and 5 run.
	wait_for 4.up 5.up
	kill -TERM "$lanes_pid"
	wait_lanes
	assert_equal "$status" 143
	first_out=$output
	assert_equal "$(sort <<<"$first_out")" $'job 1\njob 2\njob 3'
	rm first
	run --separate-stderr timeout 60 "$LANES" -j2 --joblog log --resume \
	    "$RESUMABLE" ::: $(seq 10)
	assert_success
	# Together, the two runs completed each job exactly once: the jobs
	# the signal killed are not done, so --resume must run them.
	assert_equal "$(printf '%s\n%s\n' "$first_out" "$output" |
	    sort -k2n)" "$(seq 10 | sed 's/^/job /')"
}

# bats test_tags=slow
@test "--resume after lanes itself was killed: no job lost or repeated" {
	local first_out job

	job='if [ -e first ] && [ {} -ge 4 ]; then echo x >{}.up
	    "$AWAIT" go; fi; echo job {}'
	echo x >first
	start_lanes -j2 --joblog log "$job" ::: $(seq 10)
	wait_for 4.up 5.up
	# Let the emitter log jobs 1 to 3 (it prints, then logs).
	sleep 0.2
	kill -KILL "$lanes_pid"
	wait_lanes
	assert_equal "$status" 137
	first_out=$output
	# Release the jobs the dead lanes left behind.
	echo x >go
	rm first
	run --separate-stderr timeout 60 "$LANES" -j2 --joblog log --resume \
	    "$job" ::: $(seq 10)
	assert_success
	assert_equal "$(printf '%s\n%s\n' "$first_out" "$output" |
	    sort -k2n)" "$(seq 10 | sed 's/^/job /')"
}

@test "--resume: a line torn by a crash does not count, the log goes on" {
	{
		printf '%s\n' "$HEADER"
		printf '1\t:\t1700000000.000\t     0.001\t0\t2\t0\t0\techo 1\n'
		printf '2\t:\t1700000000.001\t     0.001\t0\t2\t0\t0\techo 2\n'
		printf '3\t:\t1700000000.002\t     0.0'
	} >log
	run --separate-stderr "$LANES" -k --joblog log --resume echo \
	    ::: 1 2 3 4
	assert_success
	assert_output $'3\n4'
	# The new lines start on lines of their own.
	assert_equal "$(grep -c "^3"$'\t' log)" 2
	assert_log_line "$(tail -n 2 log | head -1)" 3 0 0 'echo 3'
	assert_log_line "$(tail -n 1 log)" 4 0 0 'echo 4'
}

@test "--resume reads a GNU parallel log with a raw TAB in a command" {
	{
		printf '%s\n' "$HEADER"
		printf '1\t:\t1700000000.000\t     0.001\t0\t2\t0\t0\t'
		printf 'echo a\tb\n'
	} >log
	# GNU parallel's command is not the one lanes would run: resume
	# by number all the same.
	run --separate-stderr "$LANES" -k --joblog log --resume \
	    --resume-anyway echo ::: 1 2
	assert_success
	assert_output 2
}

@test "--resume-failed runs the failed jobs again, and the new ones" {
	run --separate-stderr "$LANES" -j1 --joblog log 'echo {}; exit {}' \
	    ::: 0 3 0 4
	assert_equal "$status" 2
	run --separate-stderr "$LANES" -k --joblog log --resume-failed \
	    --resume-anyway 'echo again {}' ::: 0 3 0 4 5
	assert_success
	assert_output $'again 3\nagain 4\nagain 5'
	assert_equal "$(wc -l <log)" 8
	# Now every job in the log succeeded: nothing left to run.
	run --separate-stderr "$LANES" -k --joblog log --resume-failed \
	    --resume-anyway 'echo again {}' ::: 0 3 0 4 5
	assert_success
	assert_output ''
}

@test "--resume-failed reruns a job that was killed by a signal" {
	run --separate-stderr "$LANES" -k --joblog log \
	    'test -e second || kill -TERM $$; echo {}' ::: a b
	assert_equal "$status" 2
	echo x >second
	run --separate-stderr "$LANES" -k --joblog log --resume-failed \
	    'test -e second || kill -TERM $$; echo {}' ::: a b
	assert_success
	assert_output $'a\nb'
}

@test "--retry-failed reruns the failed commands of the log" {
	run --separate-stderr "$LANES" -j1 --joblog log 'echo {}; exit {}' \
	    ::: 0 3 0 4
	assert_equal "$status" 2
	# The command line and its input are ignored: the log has both.
	run --separate-stderr "$LANES" -k --joblog log --retry-failed \
	    'echo ignored {}' ::: x y z
	assert_equal "$status" 2
	assert_output $'3\n4'
	assert_equal "$(sed 1,5d log | cut -f1,7,9)" \
	    $'2\t3\techo 3; exit 3\n4\t4\techo 4; exit 4'
}

@test "--retry-failed with no command does not read stdin" {
	run --separate-stderr "$LANES" -j1 --joblog log 'echo {}; exit {}' \
	    ::: 0 5
	run --separate-stderr bash -c \
	    'echo "echo from stdin" | "$LANES" --joblog log --retry-failed'
	assert_equal "$status" 1
	assert_output 5
}

@test "--resume and friends need --joblog FILE: exit 255" {
	local o

	for o in --resume --resume-failed --retry-failed; do
		run --separate-stderr "$LANES" "$o" touch "$T/ran" ::: a
		assert_equal "$status" 255
		assert_output ''
		assert_stderr_line -n 0 --regexp '^lanes: .*--joblog'
		run --separate-stderr "$LANES" --joblog - "$o" touch "$T/ran" \
		    ::: a
		assert_equal "$status" 255
		assert_output ''
	done
	[ ! -e "$T/ran" ] || fail "a job ran"
}

# --- --results -----------------------------------------------------------

@test "--results DIR: DIR/1/<arg>/stdout, stderr and seq" {
	run --separate-stderr "$LANES" -k --results res \
	    'echo out {}; echo err {} >&2' ::: a b
	assert_success
	# The output goes to the files only, as GNU parallel 20221122.
	assert_output ''
	assert_no_stderr
	assert_equal "$(cd res && find . -type f | sort)" \
	    "$(printf './1/%s/%s\n' a seq a stderr a stdout b seq b stderr \
	    b stdout)"
	assert_equal "$(cat res/1/a/stdout)" 'out a'
	assert_equal "$(cat res/1/a/stderr)" 'err a'
	assert_equal "$(cat res/1/a/seq)" 1
	assert_equal "$(cat res/1/b/stdout)" 'out b'
	assert_equal "$(cat res/1/b/seq)" 2
}

@test "--results with --line-buffer: the files get the output, not us" {
	run --separate-stderr "$LANES" --line-buffer --results res \
	    'echo out {}; echo err {} >&2' ::: a b
	assert_success
	assert_output ''
	assert_no_stderr
	assert_equal "$(cat res/1/a/stdout res/1/b/stderr)" $'out a\nerr b'
}

@test "--results NAME.tsv: one table, as GNU parallel writes it" {
	# parallel -k --results out.tsv 'echo {}; echo e{} >&2' ::: a 'b c'
	run --separate-stderr "$LANES" -k --results out.tsv \
	    'echo {}; echo e{} >&2' ::: a 'b c'
	assert_success
	assert_output ''
	assert_no_stderr
	# The Starttime and JobRuntime columns vary; the rest is GNU's.
	run cut -f 1,2,5,7- out.tsv
	assert_output "$(printf '%s\t' Seq Host Send Exitval Signal Command \
	    V1 Stdout; printf 'Stderr\n1\t:\t0\t0\t0\t"echo a; echo ea >&2"\t'
	    printf 'a\t"a\n"\t"ea\n"\n'
	    printf '2\t:\t0\t0\t0\t"echo '\''b c'\''; echo e'\''b c'\'' >&2"\t'
	    printf '"b c"\t"b c\n"\t"eb c\n"')"
	assert_equal "$(sed -n 2p out.tsv | cut -f 6)" 5
}

@test "--results NAME.csv doubles quotes; -.json writes to stdout" {
	run --separate-stderr "$LANES" -k --results out.csv \
	    'echo "q\"x"' ::: 'b,c'
	assert_success
	run cut -d, -f 1,2,5,7- out.csv
	assert_output "$(printf '%s\n' \
	    'Seq,Host,Send,Exitval,Signal,Command,V1,Stdout,Stderr' \
	    '1,:,0,0,0,"echo ""q\""x"" b,c","b,c","q""x b,c' '",')"
	run --separate-stderr "$LANES" -k --results -.json echo ::: a
	assert_success
	assert_output --regexp '^\{ "Seq": 1, "Host": ":", "Starttime": [0-9.]+, "JobRuntime": [0-9.]+, "Send": 0, "Receive": 2, "Exitval": 0, "Signal": 0, "Command": "echo a", "V": \[ "a" \], "Stdout": "a\\n", "Stderr": "" \}$'
	assert_no_stderr
}

@test "--results: argument values are made path-safe" {
	run --separate-stderr "$LANES" --results res "printf '<%s>\\n' {}" \
	    ::: 'b/c' '50%' '.hid' '..' '' 'a b' '/abs'
	assert_success
	local dir want
	while IFS='|' read -r dir want; do
		[ -d "res/1/$dir" ] || fail "no directory res/1/$dir"
		assert_equal "$(cat "res/1/$dir/stdout")" "$want"
	done <<-'EOF'
		b%2Fc|<b/c>
		50%25|<50%>
		%2Ehid|<.hid>
		%2E.|<..>
		%|<>
		a b|<a b>
		%2Fabs|</abs>
	EOF
	assert_equal "$(find res/1 -mindepth 1 -maxdepth 1 | wc -l)" 7
}

@test "--results: long values are cut and stay distinct" {
	local long
	long=$(printf 'x%.0s' $(seq 250))
	run --separate-stderr "$LANES" --results res 'echo {}' \
	    ::: "${long}1" "${long}2"
	assert_success
	assert_equal "$(find res/1 -mindepth 1 -maxdepth 1 | wc -l)" 2
	local d
	for d in res/1/*; do
		[[ ${d#res/1/} =~ ^x{200}%[0-9a-f]{16}$ ]] ||
			fail "unexpected name ${d#res/1/}"
	done
	assert_equal "$(cat res/1/*/stdout | sort)" \
	    "$(printf '%s\n' "${long}1" "${long}2")"
}

@test "--results with two sources: DIR/1/<a>/2/<b>" {
	run --separate-stderr "$LANES" --results res 'echo {1}-{2}' \
	    ::: x ::: y z
	assert_success
	assert_equal "$(cat res/1/x/2/y/stdout)" x-y
	assert_equal "$(cat res/1/x/2/z/stdout)" x-z
	assert_equal "$(cat res/1/x/2/z/seq)" 2
}

@test "--results: a failing job's files are written too" {
	run --separate-stderr "$LANES" --results res \
	    'echo out; echo oops >&2; exit 3; : {}' ::: a
	assert_equal "$status" 1
	assert_equal "$(cat res/1/a/stdout)" out
	assert_equal "$(cat res/1/a/stderr)" oops
}

@test "--results: binary output is kept byte for byte" {
	printf 'a\377\000b\n\001' >want
	run --separate-stderr "$LANES" --results res \
	    "printf 'a\\377\\000b\\n\\001'; : {}" ::: a
	assert_success
	assert_same_file want res/1/a/stdout
}

@test "--results in a place that cannot be made: exit 255" {
	run --separate-stderr "$LANES" --results "$T/no/res" touch "$T/ran" \
	    ::: a
	assert_equal "$status" 255
	assert_output ''
	assert_stderr --regexp "^lanes: .*$T/no/res"
	[ ! -e "$T/ran" ] || fail "a job ran"
}

# --- --json --------------------------------------------------------------

# check_json PYTHON: run PYTHON with `objs`, the list of the JSON objects
# of $output (one per line, every line must parse), and `raw`, the bytes
# of $output.
check_json() {
	printf '%s\n' "$output" >json.out
	python3 -c '
import json, sys
raw = open("json.out", "rb").read()
objs = [json.loads(l) for l in raw.split(b"\n")[:-1]]
assert raw.endswith(b"\n")
exec(sys.argv[1])
' "$1" || fail "JSON check failed: $1"
}

@test "--json: one object per job with every field" {
	run --separate-stderr "$LANES" -k -j1 --json \
	    'echo out {}; echo err {} >&2; exit {}' ::: 0 3
	assert_equal "$status" 1
	assert_no_stderr
	assert_equal "${#lines[@]}" 2
	check_json '
import time
assert len(objs) == 2
for o in objs:
    for k in ("seq", "slot", "command", "args", "exit", "signal",
              "start", "runtime", "stdout", "stderr"):
        assert k in o, k
    assert o["signal"] == 0
    assert o["slot"] == 1
    assert abs(o["start"] - time.time()) < 600, o["start"]
    assert 0 <= o["runtime"] < 600
a, b = objs
assert (a["seq"], b["seq"]) == (1, 2)
assert a["command"] == "echo out 0; echo err 0 >&2; exit 0", a["command"]
assert (a["args"], b["args"]) == (["0"], ["3"])
assert (a["exit"], b["exit"]) == (0, 3)
assert (a["stdout"], a["stderr"]) == ("out 0\n", "err 0\n")
assert (b["stdout"], b["stderr"]) == ("out 3\n", "err 3\n")
'
}

@test "--json: binary and invalid UTF-8 output is valid JSON, bytes kept" {
	# Invalid bytes, NUL, valid UTF-8, U+2028, an overlong NUL, a UTF-8
	# surrogate and a code point above U+10FFFF.
	local out='a\377\376b\000c\303\251\342\200\250\n\033\t"\\'
	local err='\300\200 \355\240\200 \364\220\200\200 \342\202'
	printf "$out" >want.out
	printf "$err" >want.err
	run --separate-stderr "$LANES" --json \
	    "printf '$out'; printf '$err' >&2; : {}" ::: a
	assert_success
	check_json '
assert len(objs) == 1
o = objs[0]
def back(s):
    return s.encode("utf-8", "surrogateescape")
assert back(o["stdout"]) == open("want.out", "rb").read(), o["stdout"]
assert back(o["stderr"]) == open("want.err", "rb").read(), o["stderr"]
raw.decode("utf-8")   # the JSON text itself is valid UTF-8
'
	run python3 -m json.tool --json-lines json.out
	assert_success
	run python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' \
	    <json.out
	assert_success
}

@test "--json: several lines and megabytes of random bytes round-trip" {
	head -c 3000000 /dev/urandom >want.out
	run --separate-stderr "$LANES" --json 'cat want.out; : {}' ::: a
	assert_success
	check_json '
assert len(objs) == 1
assert objs[0]["stdout"].encode("utf-8", "surrogateescape") == \
    open("want.out", "rb").read()
'
}

@test "--json: killed, timed-out and missing commands" {
	run --separate-stderr timeout 60 "$LANES" -k --json --timeout 1 \
	    '{}' ::: 'kill -TERM $$' 'sleep 30' 'no-such-command-xyz'
	assert_equal "$status" 3
	check_json '
k, t, m = objs
assert (k["exit"], k["signal"]) == (0, 15), k
assert t["exit"] == -1 and t["signal"] in (9, 15), t
assert m["exit"] == 127 and m["signal"] == 0, m
'
}

@test "--json: only JSON on stdout, whatever the output mode" {
	local mode

	# (-u is refused with --json: tests/05-options.bats.)
	for mode in --group --line-buffer -k; do
		run --separate-stderr "$LANES" -j2 --json "$mode" \
		    'echo {}; echo {}' ::: a b c
		assert_success
		assert_equal "${#lines[@]}" 3
		check_json '
assert sorted(o["stdout"] for o in objs) == ["a\na\n", "b\nb\n", "c\nc\n"]
'
	done
}

# --- --files -------------------------------------------------------------

@test "--files prints file names holding each job's output" {
	mkdir tmp
	run --separate-stderr "$LANES" -k --files --tmpdir "$T/tmp" \
	    'echo out {}; echo err {} >&2' ::: a b
	assert_success
	assert_stderr $'err a\nerr b'
	assert_equal "${#lines[@]}" 2
	local f
	for f in "${lines[@]}"; do
		[[ $f == "$T/tmp/"* ]] || fail "$f is not in --tmpdir"
	done
	assert_equal "$(cat "${lines[0]}")" 'out a'
	assert_equal "$(cat "${lines[1]}")" 'out b'
}

@test "--files: binary output is kept byte for byte" {
	mkdir tmp
	printf 'x\000\377y' >want
	run --separate-stderr "$LANES" --files --tmpdir "$T/tmp" \
	    "printf 'x\\000\\377y'; : {}" ::: a
	assert_success
	assert_same_file want "$output"
}

# --- progress ------------------------------------------------------------

# drawn TEXT: the lines TEXT draws, one per line: cut at every "\r",
# newline and "\033[K" (which ends a progress line: a job's output may
# follow it on the same terminal line), blank pieces left out.
drawn() {
	local esc=$'\e'

	printf '%s' "$1" | sed "s/${esc}\[K/\n/g" | tr '\r' '\n' |
		sed '/^$/d'
}

# final_drawn TEXT PATTERN: the last drawn line of TEXT matching PATTERN.
final_drawn() {
	drawn "$1" | grep -E -- "$2" | tail -n 1
}

# in_pty CMD: run the shell command CMD under a pseudo-terminal (util-linux
# script), so lanes' stdout and stderr are a terminal; sets $output.
in_pty() {
	run script -qfec "$1" /dev/null </dev/null
}

@test "--bar of a resumed run counts only its own jobs: it ends at 100%" {
	run --separate-stderr "$LANES" --joblog log true ::: 1 2 3
	run --separate-stderr "$LANES" --joblog log --resume --bar true \
	    ::: 1 2 3 4 5
	assert_success
	local want='^100% 2/2 done, 0 failed, '
	[[ $(final_drawn "$stderr" done) =~ $want ]] ||
		fail "final line: '$(final_drawn "$stderr" done)'"
}

@test "--bar on a pipe: asked for, it is drawn on stderr" {
	run --separate-stderr "$LANES" --bar -j2 'echo {}' ::: 1 2 3 4 5
	assert_success
	assert_equal "$(sort -n <<<"$output")" "$(seq 5)"
	local want='^100% 5/5 done, 0 failed, [0-9.]+/s, ETA 0:00 \[#+\]$'
	[[ $(final_drawn "$stderr" done) =~ $want ]] ||
		fail "final line: '$(final_drawn "$stderr" done)'"
}

@test "--bar counts failures" {
	run --separate-stderr "$LANES" --bar -j2 'test {} != 2' ::: 1 2 3
	assert_equal "$status" 1
	assert_output ''
	[[ $(final_drawn "$stderr" done) == '100% 3/3 done, 1 failed, '* ]] ||
		fail "final line: '$(final_drawn "$stderr" done)'"
}

@test "--bar under a terminal: the final line shows 100%" {
	in_pty "$LANES --bar -j2 'echo {}' ::: 1 2 3 4 5"
	assert_success
	local last line
	# The jobs' output is all there.
	assert_equal "$(drawn "$output" | grep -x '[0-9]' | sort -n)" "$(seq 5)"
	last=$(final_drawn "$output" 'done')
	[[ $last =~ ^100%\ 5/5\ done,\ 0\ failed,\ .*ETA\ 0:00\ \[#+\]$ ]] ||
		fail "final line: '$last'"
	# Nothing is drawn after it but the end of the line.
	[[ $(drawn "$output" | tail -n 1) == "$last" ]] ||
		fail "the last thing on the terminal is not the bar"
	# Bars fit the 80 columns lanes assumes when the size is unknown.
	while IFS= read -r line; do
		((${#line} < 80)) || fail "too wide (${#line}): '$line'"
	done < <(drawn "$output" | grep done)
}

@test "--bar fits the terminal's width" {
	in_pty "stty cols 50; $LANES --bar -j2 true ::: 1 2 3 4 5"
	assert_success
	local line n=0
	while IFS= read -r line; do
		((${#line} < 50)) || fail "too wide (${#line}): '$line'"
		n=$((n + 1))
	done < <(drawn "$output" | grep done)
	((n >= 1)) || fail "nothing drawn"
	[[ $(final_drawn "$output" done) == '100% 5/5 done, 0 failed,'* ]] ||
		fail "final line: '$(final_drawn "$output" done)'"
}

@test "--eta under a terminal: the final line shows nothing left" {
	in_pty "$LANES --eta -j2 true ::: 1 2 3"
	assert_success
	local last
	last=$(drawn "$output" | tail -n 1)
	local want='^ETA: 0s Left: 0 AVG: [0-9.]+s  local:0/3/100%/[0-9.]+s$'
	[[ $last =~ $want ]] || fail "final line: '$last'"
}

@test "--progress under a terminal: the final line shows every job done" {
	in_pty "$LANES --progress -j2 true ::: 1 2 3"
	assert_success
	local last
	last=$(drawn "$output" | tail -n 1)
	[[ $last =~ ^local:0/3/100%/[0-9.]+s$ ]] || fail "final line: '$last'"
}

@test "no progress option: nothing drawn, on a pipe or a terminal" {
	run --separate-stderr "$LANES" -k -j2 'echo {}' ::: 1 2 3
	assert_success
	assert_output $'1\n2\n3'
	assert_no_stderr
	in_pty "$LANES -k -j2 'echo {}' ::: 1 2 3"
	assert_success
	# The terminal turns "\n" into "\r\n"; nothing else is there.
	assert_equal "$(tr -d '\r' <<<"$output")" $'1\n2\n3'
}

@test "--total N: the bar shows N while the input is still open" {
	in_pty "{ seq 3; sleep 0.5; } | $LANES --bar --total 3 true"
	assert_success
	local line n=0
	while IFS= read -r line; do
		[[ $line == *'/3 done'* ]] || fail "no total in '$line'"
		n=$((n + 1))
	done < <(drawn "$output" | grep done)
	((n >= 2)) || fail "only $n lines drawn"
	[[ $(final_drawn "$output" done) == '100% 3/3 done,'* ]] ||
		fail "final line: '$(final_drawn "$output" done)'"
}

@test "--bar on a pipe: plain lines, no carriage returns or escapes" {
	run --separate-stderr "$LANES" --bar -j2 true ::: 1 2 3
	assert_success
	[[ $stderr != *$'\r'* && $stderr != *$'\e'* ]] ||
		fail "escapes on a pipe: '$stderr'"
	[[ $stderr == '100% 3/3 done, 0 failed, '* ]] ||
		fail "stderr: '$stderr'"
}

@test "--total N: --eta counts what is left from N" {
	run --separate-stderr "$LANES" --eta --total 4 -j1 true ::: 1 2 3 4
	assert_success
	[[ $(drawn "$stderr" | tail -n 1) == 'ETA: 0s Left: 0 '* ]] ||
		fail "final line: '$(drawn "$stderr" | tail -n 1)'"
}

@test "--total with junk: exit 255" {
	local n

	for n in 0 -1 x ''; do
		run --separate-stderr "$LANES" --total "$n" true ::: a
		assert_usage_error
	done
}
