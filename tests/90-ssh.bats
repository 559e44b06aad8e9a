# Remote execution over OpenSSH, against real sshd servers on loopback
# (tests/helpers/ssh.bash): h1..h3 with keys, h4 that takes passwords
# only, h6 with sshd's default MaxSessions/MaxStartups, and nothing on
# 127.0.0.5 (h5) so that a connection is refused. Needs root.

load helpers/common

setup_file() {
	[[ $(id -u) == 0 ]] || return 0
	load helpers/ssh
	ssh_hosts_start "$BATS_FILE_TMPDIR/ssh" 3
	ssh_host_add "$SSH_DIR" 4 password
	ssh_host_add "$SSH_DIR" 6 default
	printf 'Host h5\n HostName 127.0.0.5\n' >>"$SSH_CONFIG"
}

teardown_file() {
	load helpers/ssh
	ssh_hosts_stop "$BATS_FILE_TMPDIR/ssh"
}

setup() {
	[[ $(id -u) == 0 ]] || skip "sshd test hosts need root"
	T=$BATS_TEST_TMPDIR
	cd "$T" || return 1
	load helpers/ssh
	export SSH_DIR=$BATS_FILE_TMPDIR/ssh
	export SSH_CONFIG=$SSH_DIR/ssh_config
}

@test "ssh harness: each host has its own name, HOME and TEST_HOST" {
	run --separate-stderr ssh -F "$SSH_CONFIG" h2 \
	    'hostname; echo "$TEST_HOST"; echo "$HOME"; ls -A "$HOME"'
	assert_success
	assert_output $'h2\nh2\n/root'
	assert_no_stderr
	run --separate-stderr ssh -F "$SSH_CONFIG" h3 hostname
	assert_output h3
}

@test "ssh harness: a password-only host fails at once in BatchMode" {
	run --separate-stderr ssh -F "$SSH_CONFIG" h4 true
	assert_failure 255
	assert_stderr_line --partial 'Permission denied'
}

@test "ssh harness: the process list of one host shows its sessions only" {
	ssh -F "$SSH_CONFIG" h2 'exec sleep 4242' </dev/null 3>&- &
	local pid=$! i
	for ((i = 0; i < 100; i++)); do
		[[ $(ssh_host_ps "$SSH_DIR" 2) == *'sleep 4242'* ]] && break
		sleep 0.05
	done
	run ssh_host_ps "$SSH_DIR" 2
	assert_output --partial 'sleep 4242'
	run ssh_host_ps "$SSH_DIR" 1
	refute_output --partial 'sleep 4242'
	kill "$pid"
	wait "$pid" || true
}

# bats test_tags=slow
@test "ssh launcher: hosts, statuses, signals, files, failures (C driver)" {
	local driver=${SSHLIVE:-$REPO/build/tests/unit/sshlive_test}
	[[ -x $driver ]] || fail "no $driver: run make units first"
	SSH_HELPERS=$REPO/tests/helpers/ssh.bash run --separate-stderr \
	    "$driver"
	printf '%s\n' "$output"
	# The driver stops h3 to see a host fail: bring it back for later
	# tests.
	ssh_host_add "$SSH_DIR" 3
	assert_success
	refute_line --partial 'not ok'
	assert_line --regexp '^1\.\.[0-9]+$'
	refute_line --partial 'SKIP'
}
