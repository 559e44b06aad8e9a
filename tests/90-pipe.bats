#!/usr/bin/env bats
# --pipe and --pipe-part: blocks of standard input or of a file, each the
# standard input of one job. Every test checks every byte: with -k, the
# jobs' outputs put together are the input (or what the test built).

load helpers/common

# lines N MAXLEN: N lines of random length, letters only.
lines() {
	python3 - "$1" "$2" <<'EOF'
import random, sys
random.seed(int(sys.argv[1]) * 7 + int(sys.argv[2]))
out = []
for i in range(int(sys.argv[1])):
    n = random.randrange(int(sys.argv[2]))
    out.append("%d:" % i + "".join(random.choice("abcxyz ") for _ in range(n)))
sys.stdout.write("\n".join(out) + "\n")
EOF
}

# pipe_cat ARGS...: lanes --pipe -k ARGS... cat, from in.txt through a
# pipe and from the file, into out.pipe and out.file.
pipe_cat() {
	run --separate-stderr bash -c 'cat in.txt | "$LANES" --pipe -k "$@" \
		cat >out.pipe' _ "$@"
	assert_success
	assert_no_stderr
	run --separate-stderr bash -c '"$LANES" --pipe -k "$@" cat <in.txt \
		>out.file' _ "$@"
	assert_success
	assert_no_stderr
	cmp in.txt out.pipe
	cmp in.txt out.file
}

@test "--pipe -k cat: random lines, every byte, small and large blocks" {
	lines 20000 120 >in.txt
	pipe_cat --block 1k -j3
	pipe_cat --block 100k
	pipe_cat
}

@test "--pipe: records longer than the block, no final newline" {
	lines 300 5000 | head -c -1 >in.txt
	pipe_cat --block 100 -j2
}

@test "--pipe: empty input runs no job" {
	: >in.txt
	run --separate-stderr "$LANES" --pipe --joblog log echo x <in.txt
	assert_success
	assert_output ''
	assert_no_stderr
	[ "$(wc -l <log)" -eq 1 ]
}

@test "--pipe -0: NUL-terminated records stay whole" {
	python3 -c 'import sys
sys.stdout.write("".join("rec%d\nline\0" % i for i in range(3000)))' >in.txt
	pipe_cat -0 --block 1000
	run --separate-stderr "$LANES" --pipe -0 -k --block 6 \
		'printf "[%s]" "$(tr "\0" "|")"' < <(printf 'ab\0cd\0ef\0')
	assert_success
	assert_output '[ab|cd|][ef|]'
}

@test "--recend/--recstart: blocks split between a pair, plain and --regexp" {
	printf '<r>a\n</r>\n<r>b</r>\n<r>c\n</r>\n' >in.txt
	run --separate-stderr "$LANES" --pipe -k --block 1 \
		--recend '</r>\n' --recstart '<r>' 'echo "[$(cat)]"' <in.txt
	assert_success
	assert_output $'[<r>a\n</r>]\n[<r>b</r>]\n[<r>c\n</r>]'
	printf '>s1\nACGT\n>s2\nGG\n>s3\nT\n' >fa.txt
	run --separate-stderr "$LANES" --pipe -k --regexp --recstart '^>' \
		-N 1 'echo "[$(cat)]"' <fa.txt
	assert_success
	assert_output $'[>s1\nACGT]\n[>s2\nGG]\n[>s3\nT]'
	pipe_cat --recend '</r>\n' --recstart '<r>' --block 3
}

@test "-N and -L: records per block and lines per record" {
	seq 7 >in.txt
	run --separate-stderr "$LANES" --pipe -k -N 3 'echo "[$(cat)]"' <in.txt
	assert_success
	assert_output $'[1\n2\n3]\n[4\n5\n6]\n[7]'
	run --separate-stderr "$LANES" --pipe -k -L 2 --block 5 \
		'echo "[$(cat)]"' <in.txt
	assert_success
	assert_output $'[1\n2]\n[3\n4]\n[5\n6]\n[7]'
	lines 5000 50 >in.txt
	pipe_cat -N 13
	pipe_cat -L 4 --block 2k
	# -n means -N with --pipe, and -N wins over it, as in GNU parallel.
	seq 5 >five.txt
	run --separate-stderr "$LANES" --pipe -k -n2 'wc -l' <five.txt
	assert_output $'2\n2\n1'
	run --separate-stderr "$LANES" --pipe -k -N2 -n1 'wc -l' <five.txt
	assert_output $'2\n2\n1'
	run --separate-stderr "$LANES" --pipe -k -n1 -N2 'wc -l' <five.txt
	assert_output $'2\n2\n1'
}

@test "--header: N lines, or a regex, atop every block" {
	printf 'h1\nh2\n1\n2\n3\n' >in.txt
	run --separate-stderr "$LANES" --pipe -k -N 2 --header 2 \
		'echo "[$(cat)]"' <in.txt
	assert_success
	assert_output $'[h1\nh2\n1\n2]\n[h1\nh2\n3]'
	run --separate-stderr "$LANES" --pipe -k -N 2 --header 'h[0-9]\nh2\n' \
		'echo "[$(cat)]"' <in.txt
	assert_success
	assert_output $'[h1\nh2\n1\n2]\n[h1\nh2\n3]'
	run --separate-stderr "$LANES" --pipe-part -a in.txt -k --block 2 \
		--header : 'echo "[$(cat)]"'
	assert_success
	assert_output $'[h1\nh2]\n[h1\n1\n2]\n[h1\n3]'
}

@test "--pipe-part -a FILE: every byte, --block -N blocks per slot" {
	lines 20000 100 >in.txt
	run --separate-stderr bash -c '"$LANES" --pipe-part -a in.txt -k \
		--block 10k cat >out'
	assert_success
	cmp in.txt out
	run --separate-stderr "$LANES" --pipe-part -a in.txt -j2 --block -3 \
		--joblog log -k wc -l
	assert_success
	[ "$(awk '{ s += $1 } END { print s }' <<<"$output")" -eq 20000 ]
	[ "$(($(wc -l <log) - 1))" -eq 6 ]
	# Send adds up to the file.
	[ "$(awk 'NR > 1 { s += $5 } END { print s }' log)" -eq \
		"$(stat -c %s in.txt)" ]
}

@test "--pipe-part: the range that ends the file is the file itself" {
	lines 20000 100 >in.txt
	want=$(realpath in.txt)
	# What each job's standard input is: a pipe, then the file.
	run --separate-stderr "$LANES" --pipe-part -a in.txt -j2 --block -1 \
		-k 'readlink /proc/self/fd/0; wc -c'
	assert_success
	assert_no_stderr
	[[ ${lines[0]} == pipe:* ]]
	[ "${lines[2]}" = "$want" ]
	[ $((lines[1] + lines[3])) -eq "$(stat -c %s in.txt)" ]
	run --separate-stderr bash -c '"$LANES" --pipe-part -a in.txt -j2 \
		--block -1 -k cat >out'
	assert_success
	cmp in.txt out
	# A retried job starts at its offset again.
	run --separate-stderr bash -c '"$LANES" --pipe-part -a in.txt -j2 \
		--block -1 -k --retries 2 "f=\$LANES_SEQ.try; if [ -e \$f ]; \
		then cat; else touch \$f; head -c 5 >/dev/null; exit 1; fi" >out'
	assert_success
	cmp in.txt out
	# A file that grew after lanes measured it: the last job gets its
	# range and no more, through a pipe.
	cp in.txt orig.txt
	run --separate-stderr bash -c '"$LANES" --pipe-part -a in.txt -j1 \
		--block -2 -k "cat; echo more >>in.txt" >out'
	assert_success
	cmp orig.txt out
}

@test "--pipe-part: a job that stops reading a large range succeeds" {
	# Ranges of 2 MiB, larger than any pipe: the feeder waits on a
	# full pipe when the job quits.
	lines 40000 200 >in.txt
	run --separate-stderr "$LANES" --pipe-part -a in.txt -j2 --block -1 \
		-k head -n1
	assert_success
	assert_no_stderr
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "$(head -n1 in.txt)" ]
	grep -qFx -- "${lines[1]}" in.txt
}

@test "--pipe-part: a file that cannot seek is an error, 255" {
	run --separate-stderr "$LANES" --pipe-part -a <(echo x) cat
	assert_failure 255
	assert_output ''
	assert_stderr --partial "--pipe-part needs a seekable file"
	seq 3 >in.txt
	run --separate-stderr "$LANES" --pipe-part cat <in.txt
	assert_failure 255
	assert_stderr --partial "--pipe-part needs -a FILE"
	for o in -N2 -n2 -L2; do
		run --separate-stderr "$LANES" --pipe-part -a in.txt $o cat
		assert_failure 255
		assert_stderr --partial "--pipe-part cuts the file by size"
	done
}

@test "a job that reads one line (head -n1) succeeds; the rest go on" {
	seq 100000 >in.txt
	run --separate-stderr "$LANES" --pipe -k --block 100k head -n1 <in.txt
	assert_success
	assert_no_stderr
	[ "${lines[0]}" = 1 ]
	[ "${#lines[@]}" -ge 5 ]
	run --separate-stderr bash -c 'cat in.txt | "$LANES" --pipe -k \
		--block 100k head -n1'
	assert_success
	[ "${#lines[@]}" -ge 5 ]
}

@test "a job that fails counts as failed; its block is not given again" {
	seq 1000 >in.txt
	run --separate-stderr "$LANES" --pipe -k -N 100 --joblog log \
		'cat >/dev/null; exit 3' <in.txt
	assert_failure 10
	[ "$(awk 'NR > 1 && $7 == 3' log | wc -l)" -eq 10 ]
}

@test "--retries: a retried job gets the same block again" {
	seq 10 >in.txt
	run --separate-stderr "$LANES" --pipe -k -N 5 --retries 2 \
		'f=$LANES_SEQ.try; if [ -e $f ]; then cat; else touch $f; cat >/dev/null; exit 1; fi' \
		<in.txt
	assert_success
	assert_output "$(seq 10)"
}

@test "--cat and --fifo: {} names the block" {
	lines 3000 80 >in.txt
	run --separate-stderr bash -c '"$LANES" --pipe -k --block 10k --cat \
		cat {} <in.txt >out.cat'
	assert_success
	cmp in.txt out.cat
	run --separate-stderr bash -c '"$LANES" --pipe -k --block 10k --fifo \
		cat {} <in.txt >out.fifo'
	assert_success
	cmp in.txt out.fifo
	# A job that never opens its fifo is not waited for; none is left.
	mkdir tmp
	run --separate-stderr "$LANES" --pipe --block 10k --fifo --tmpdir tmp \
		true <in.txt
	assert_success
	[ -z "$(ls tmp)" ]
}

@test "--round-robin: -j jobs only, every line once" {
	lines 20000 60 >in.txt
	run --separate-stderr "$LANES" --pipe --round-robin -j2 --block 1k \
		--joblog log wc -l <in.txt
	assert_success
	[ "$(awk '{ s += $1 } END { print s }' <<<"$output")" -eq 20000 ]
	[ "$(($(wc -l <log) - 1))" -eq 2 ]
	run --separate-stderr bash -c '"$LANES" --pipe --round-robin -j2 \
		--block 1k cat <in.txt >out'
	assert_success
	[ "$(sort out | md5sum)" = "$(sort in.txt | md5sum)" ]
	# GNU parallel's other spellings.
	for o in --roundrobin --round; do
		run --separate-stderr "$LANES" --pipe $o -j2 --block 1k \
			--joblog log wc -l <in.txt
		assert_success
		[ "$(awk '{ s += $1 } END { print s }' <<<"$output")" -eq 20000 ]
		[ "$(($(wc -l <log) - 1))" -eq 2 ]
	done
}

@test "--pipe options without --pipe, and --pipe without a command" {
	run --separate-stderr "$LANES" --block 1M echo ::: a
	assert_failure 255
	assert_stderr --partial "need --pipe"
	run --separate-stderr "$LANES" --pipe </dev/null
	assert_failure 255
	assert_stderr --partial "--pipe needs a command"
	# Said at once, not once per block: the Slurm agents take no input,
	# and with -S the file or FIFO would be on the wrong machine.
	run --separate-stderr "$LANES" --pipe --slurm wc -l </dev/null
	assert_usage_error
	assert_stderr_line -n 0 "lanes: --pipe and --slurm do not go together: the agents on the nodes take no input"
	run --separate-stderr "$LANES" --pipe --cat -S : wc -l {} </dev/null
	assert_usage_error
	assert_stderr_line -n 0 "lanes: --cat and -S do not go together: the file is made on this machine"
	echo : >slf
	run --separate-stderr "$LANES" --pipe --fifo --slf slf wc -l {} \
	    </dev/null
	assert_usage_error
	assert_stderr_line -n 0 "lanes: --fifo and --slf do not go together: the FIFO is made on this machine"
	run --separate-stderr "$LANES" --pipe --round-robin -S : wc -l \
	    </dev/null
	assert_usage_error
	assert_stderr_line -n 0 "lanes: --round-robin and -S do not go together: blocks a failed host took could not be sent again"
	run --separate-stderr "$LANES" --pipe --onall -S : wc -l </dev/null
	assert_usage_error
	assert_stderr_line -n 0 "lanes: --onall and --pipe do not go together: a block goes to one job"
	# {##} would need every block cut before the first job starts.
	run --separate-stderr "$LANES" --pipe --plus 'echo {##}' </dev/null
	assert_failure 255
	assert_stderr --partial "{##} and {0#} need the number of jobs"
}

# bats test_tags=slow
@test "Ctrl-C in the middle: what was done is the input's start, once" {
	seq 300000 >in.txt
	"$LANES" --pipe -k -j2 --block 20k --joblog log 'sleep 0.3; cat' \
		<in.txt >out 2>err 3>&- &
	pid=$!
	sleep 1.5
	kill -INT "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 130 ]
	# The output is a prefix of the input: no block twice, none missing
	# before the last one printed; and the logged jobs' blocks are in it.
	size=$(stat -c %s out)
	[ "$size" -gt 0 ]
	cmp out <(head -c "$size" in.txt)
	sent=$(awk 'NR > 1 { s += $5 } END { print s + 0 }' log)
	[ "$sent" -gt 0 ]
	[ "$sent" -le "$size" ]
	[ "$size" -lt "$(stat -c %s in.txt)" ]
}

@test "--pipe with --tag, --tagstring {#}, --results, --json, --timeout, --halt" {
	seq 10 >in.txt
	# The block number in the tag; a job has no arguments, so --tag
	# gives an empty tag, as in GNU parallel.
	run --separate-stderr "$LANES" --pipe -k -N3 --tagstring 'b{#}' \
		'wc -l' <in.txt
	assert_success
	assert_output $'b1\t3\nb2\t3\nb3\t3\nb4\t1'
	run --separate-stderr "$LANES" --pipe -k -N3 --tag 'wc -l' <in.txt
	assert_output $'\t3\n\t3\n\t3\n\t1'
	# --results: each block's output under its own number.
	run --separate-stderr "$LANES" --pipe -N3 --results res cat <in.txt
	assert_success
	assert_output ''
	for n in 1 2 3 4; do
		[ "$(cat "res/1/$n/seq")" = "$n" ]
	done
	run cat res/1/1/stdout res/1/2/stdout res/1/3/stdout res/1/4/stdout
	assert_output "$(seq 10)"
	run --separate-stderr "$LANES" --pipe -k -N5 --json 'wc -l' <in.txt
	assert_success
	run jq -r '"\(.seq) \(.stdout)"' <<<"$output"
	assert_output $'1 5\n\n2 5'
	# --timeout ends block 2's job only; its block is not given again.
	run --separate-stderr "$LANES" --pipe -k -N3 --timeout 0.5 --joblog log \
		'cat >/dev/null; [ {#} = 2 ] && exec sleep 30; echo {#}' <in.txt
	assert_failure 1
	assert_output $'1\n3\n4'
	assert_stderr --regexp 'job 2 \(pid [0-9]+\) timed out after 0.5s'
	[ "$(($(wc -l <log) - 1))" -eq 4 ]
	# --halt now,fail=1 with one slot: block 3 never starts.
	run --separate-stderr "$LANES" --pipe -j1 -N3 --halt now,fail=1 \
		'head -n1; [ {#} != 2 ]' <in.txt
	assert_failure 1
	assert_output $'1\n4'
	assert_stderr --partial 'job 2 failed (exit 1)'
}

# bats test_tags=slow
@test "--pipe from a pipe: memory does not grow with the input" {
	# 100 MiB and then 400 MiB of 100-byte lines through 4 MiB blocks
	# and two slow jobs: the reader must wait for blocks to come back
	# (at most -j x 2 out at once), not pile them up, so both runs peak
	# alike. (A bound in bytes would not hold under the sanitizers,
	# whose shadow memory grows with the heap.)
	local mib rss
	for mib in 100 400; do
		run --separate-stderr bash -c 'yes "$(printf "%099d" 7)" |
			head -c $(('"$mib"' << 20)) | /usr/bin/time -f %M \
			-o rss.'"$mib"' "$LANES" --pipe -j2 --block 4M \
			"sleep 0.02; wc -l"'
		assert_success
		assert_no_stderr
		[ "$(awk '{ s += $1 } END { print s }' <<<"$output")" -eq \
			$(((mib << 20) / 100)) ]
	done
	rss=$(($(tail -n1 rss.400) - $(tail -n1 rss.100)))
	# 8 MiB of slack for the allocator; piling up would be 300 MiB.
	[ "$rss" -lt 8192 ] || fail "peak RSS grew by $rss kB with the input" \
		"($(tail -n1 rss.100) kB for 100 MiB, $(tail -n1 rss.400) kB" \
		"for 400 MiB)"
}

@test "--resume and --resume-failed skip blocks by number" {
	seq 10 >in.txt
	run --separate-stderr "$LANES" --pipe -k -N3 --joblog log \
		'cat; [ {#} != 2 ]' <in.txt
	assert_failure 1
	# Only block 2 failed: it alone runs again.
	run --separate-stderr "$LANES" --pipe -k -N3 --joblog log \
		--resume-failed 'cat; [ {#} != 2 ]' <in.txt
	assert_failure 1
	assert_output $'4\n5\n6'
	run --separate-stderr "$LANES" --pipe -k -N3 --joblog log --resume \
		cat <in.txt
	assert_success
	assert_output ''
	[ "$(awk 'NR > 1' log | wc -l)" -eq 5 ]
	run --separate-stderr "$LANES" --pipe -k -N3 --joblog log \
		--retry-failed cat <in.txt
	assert_failure 255
	assert_stderr --partial "--pipe blocks are not in the log"
	run --separate-stderr "$LANES" --pipe --round-robin --joblog log \
		--resume cat <in.txt
	assert_failure 255
	assert_stderr --partial "--round-robin jobs take blocks as they come"
}
