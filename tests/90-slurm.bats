#!/usr/bin/env bats
# Jobs across a Slurm allocation. setup_file starts a real three-node
# cluster (n1 n2 n3) on this machine with tests/helpers/slurm.bash;
# teardown_file stops its daemons by pid and leaves no step behind.

load helpers/common
load fixtures/control/bg

setup_file() {
	load helpers/slurm
	[[ $(id -u) == 0 ]] && command -v slurmctld >/dev/null || return 0
	slurm_start "$BATS_FILE_TMPDIR/slurm"
}

teardown_file() {
	load helpers/slurm
	slurm_stop "$BATS_FILE_TMPDIR/slurm"
}

setup() {
	[[ $(id -u) == 0 ]] || skip "the test cluster runs as root"
	command -v slurmctld >/dev/null || skip "slurm-wlm is not installed"
	export SLURM_CONF=$BATS_FILE_TMPDIR/slurm/slurm.conf
	T=$BATS_TEST_TMPDIR
	cd "$T" || return 1
}

@test "the test cluster: one task on each of n1 n2 n3" {
	run --separate-stderr srun -N3 -n3 printenv SLURMD_NODENAME
	assert_success
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "n1 n2 n3 "
	assert_stderr ''
}

@test "the test cluster: an allocation sees three nodes" {
	run --separate-stderr salloc -Q -N3 \
		sh -c 'scontrol show hostnames "$SLURM_JOB_NODELIST"'
	assert_success
	assert_output $'n1\nn2\nn3'
}

# bats test_tags=slow
@test "io/slurm: jobs on n1..n3 through one step of agents" {
	local unit=$REPO/build/tests/unit/slurm_test
	[[ -x $unit ]] || skip "build the unit tests first (make units)"
	LANES_SLURM_TEST=1 run --separate-stderr salloc -Q -N3 "$unit"
	assert_success
	refute_output -p 'not ok'
	assert_output -p 'ok 21 - the other nodes go on'
	# srun reports the agent the test kills; the agent the coordinator
	# drops for a malformed frame says why before it ends its jobs.
	assert_stderr -p 'srun: error: n3: task 2: Killed'
	assert_stderr -p 'malformed frame from its agent: unknown frame type 0'
}

# --- lanes --slurm ---------------------------------------------------------

@test "--slurm outside an allocation says how to get one" {
	run --separate-stderr env -u SLURM_JOB_ID "$LANES" --slurm echo ::: 1
	assert_failure 255
	assert_output ''
	assert_stderr -p "start lanes with 'salloc -N 3 lanes --slurm ...'"
}

@test "--slurm refuses --download" {
	run --separate-stderr "$LANES" --slurm --download . ::: x
	assert_failure 255
	assert_stderr -p "--slurm runs commands on the nodes"
}

# bats test_tags=slow
@test "--slurm: jobs spread over n1 n2 n3, -k order and exit statuses" {
	run --separate-stderr salloc -Q -N3 -n6 "$LANES" --slurm -k \
		'sleep 0.$((9 - {})); echo {} $SLURMD_NODENAME; exit {}' \
		::: 0 1 2 3 4 5 6 7 8
	assert_failure 8
	assert_equal "$(cut -d' ' -f1 <<<"$output" | tr '\n' ' ')" \
		"0 1 2 3 4 5 6 7 8 "
	assert_equal "$(cut -d' ' -f2 <<<"$output" | sort -u | tr '\n' ' ')" \
		"n1 n2 n3 "
	assert_stderr ''
}

# bats test_tags=slow
@test "--slurm: -j is per node, LANES_SEQ and the slot reach the job" {
	# The jobs wait for each other, so with one slot per node each runs
	# on its own node, however fast the nodes start (ThreadSanitizer).
	mkdir "$T/bar"
	run --separate-stderr salloc -Q -N3 -n6 "$LANES" --slurm -j1 -k \
		"touch $T/bar/{}; i=0
		until [ \$(ls $T/bar | wc -l) -ge 3 ] || [ \$i -ge 600 ]; do
			sleep 0.05; i=\$((i + 1)); done
		echo \$LANES_SEQ \$SLURMD_NODENAME" ::: a b c
	assert_success
	assert_equal "$(cut -d' ' -f1 <<<"$output" | tr '\n' ' ')" "1 2 3 "
	assert_equal "$(cut -d' ' -f2 <<<"$output" | sort | tr '\n' ' ')" \
		"n1 n2 n3 "
}

# bats test_tags=slow
@test "--slurm --timeout: the job and its children end on the node" {
	run --separate-stderr salloc -Q -N3 "$LANES" --slurm --timeout 1 \
		": {}; sleep 60 & echo \$! >$T/pid; wait" ::: 1
	assert_failure 1
	assert_stderr -p 'lanes: job 1 (pid '
	assert_stderr -p 'timed out after 1s'
	assert_gone "$T/pid"
}

# bats test_tags=slow
@test "--slurm: Ctrl-C ends every job on every node, and lanes exits 130" {
	salloc -Q -N3 -n6 "$LANES" --slurm -j2 \
		": {}; sleep 60 & echo \$! >$T/pid{}; wait" ::: 1 2 3 4 5 6 \
		>"$T/out" 2>"$T/err" 3>&- &
	local pid=$!
	wait_for "$T"/pid{1,2,3,4,5,6}
	# salloc passes SIGINT on to lanes, as a terminal's Ctrl-C would.
	kill -INT "$(pgrep -P "$pid" -x lanes)"
	local rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 130
	assert_gone "$T"/pid{1,2,3,4,5,6}
}

# bats test_tags=slow
@test "--slurm: a killed agent's job runs again on another node" {
	# The first try kills its own agent; the retry finds the file.
	run --separate-stderr salloc -Q -N3 "$LANES" --slurm --retries 2 \
		": {}; if [ -e $T/once ]; then echo again; else touch $T/once;
		 kill -9 \$PPID; sleep 1; fi" ::: 1
	assert_success
	assert_output 'again'
	assert_stderr -p 'task'
	assert_stderr -p 'Killed'
}

@test "lanes --agent: a malformed frame ends it with a clear error" {
	run --separate-stderr python3 "$REPO/tests/helpers/wiredrv.py" \
		--garbage -- "$LANES" --agent
	assert_success
	assert_output -p 'error: malformed frame from the coordinator: unknown frame type 99'
	assert_output -p 'agent exit: 255'
	assert_stderr -p 'lanes: agent on '
}

@test "lanes --agent: jobs over a pipe, with a timeout" {
	run --separate-stderr python3 "$REPO/tests/helpers/wiredrv.py" \
		--timeout 1 -- "$LANES" --agent -j 1 --node x1 \
		<<<$'echo hi; exit 3\nsleep 30'
	assert_success
	assert_line -n 0 'hello: version 1, 1 slots, node x1'
	assert_line -n 1 "job 1: exit 3 / out 'hi\\n' / err ''"
	assert_line -n 2 "job 2: signal 15 timed out / out '' / err ''"
	assert_line -n 3 'agent exit: 0'
}

# bats test_tags=slow
@test "--slurm: the job log's Host and the JSON node are the node" {
	# The three jobs wait for each other, so with one slot per node
	# each must run on its own node, however fast the nodes start.
	mkdir "$T/bar"
	run --separate-stderr salloc -Q -N3 "$LANES" --slurm -j1 \
		--joblog "$T/log" --json "touch $T/bar/{}; i=0
		until [ \$(ls $T/bar | wc -l) -ge 3 ] || [ \$i -ge 600 ]; do
			sleep 0.05; i=\$((i + 1)); done; echo {}" ::: a b c
	assert_success
	assert_equal "$(grep -o '"node":"n[123]"' <<<"$output" | sort |
		tr '\n' ' ')" '"node":"n1" "node":"n2" "node":"n3" '
	assert_equal "$(tail -n +2 "$T/log" | cut -f2 | sort | tr '\n' ' ')" \
		"n1 n2 n3 "
}

# bats test_tags=slow
@test "--slurm: scancel of the allocation ends every job on every node" {
	# wait $!: a bare wait returns 0 whatever killed the sleep.
	salloc -Q -N3 -n6 "$LANES" --slurm -j2 --joblog "$T/log" \
		": {}; sleep 60 & echo \$! >$T/pid{}; wait \$!" ::: 1 2 3 4 5 6 \
		>"$T/out" 2>"$T/err" 3>&- &
	local pid=$! rc=0
	wait_for "$T"/pid{1,2,3,4,5,6}
	scancel "$(squeue -h -o %i)"
	wait "$pid" || rc=$?
	# salloc's own status after a revoked allocation varies; lanes'
	# view is in the log.
	[ "$rc" -ne 0 ]
	assert_gone "$T"/pid{1,2,3,4,5,6}
	# Every job failed and is in the log. A job the step daemon killed
	# before its agent heard of the cancel died of SIGTERM; the others
	# failed with their node, which the message names.
	run grep -c 'lanes: job [1-6]: node n[123] failed: ' "$T/err"
	assert_success
	assert_equal "$(awk -F'\t' 'NR > 1 && ($7 || $8)' "$T/log" | wc -l)" 6
}
