#!/usr/bin/env bats
# Jobs across a Slurm allocation. setup_file starts a real three-node
# cluster (n1 n2 n3) on this machine with tests/helpers/slurm.bash;
# teardown_file stops its daemons by pid and leaves no step behind.

load helpers/common

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
