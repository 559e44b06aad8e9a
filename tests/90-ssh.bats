# Remote execution over OpenSSH, against real sshd servers on loopback
# (tests/helpers/ssh.bash): h1..h3 with keys, h4 that takes passwords
# only, h6 with sshd's default MaxSessions/MaxStartups, h7 whose root
# logs in to fish and h8 to tcsh (when those are installed), and nothing
# on 127.0.0.5 (h5) so that a connection is refused. Needs root.

load helpers/common

setup_file() {
	[[ $(id -u) == 0 ]] || return 0
	load helpers/ssh
	ssh_hosts_start "$BATS_FILE_TMPDIR/ssh" 3
	ssh_host_add "$SSH_DIR" 4 password
	ssh_host_add "$SSH_DIR" 6 default
	if command -v fish >/dev/null; then ssh_host_add "$SSH_DIR" 7 fish; fi
	if command -v tcsh >/dev/null; then ssh_host_add "$SSH_DIR" 8 tcsh; fi
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

# --- lanes -S, end to end ------------------------------------------------

# Wait up to 5 s until host I's sessions show no process matching PAT.
no_remote_process() {
	local i=$1 pat=$2 n
	for ((n = 0; n < 100; n++)); do
		[[ $(ssh_host_ps "$SSH_DIR" "$i") != *"$pat"* ]] && return 0
		sleep 0.05
	done
	ssh_host_ps "$SSH_DIR" "$i" | fail "left on h$i: $pat"
}

@test "-S: jobs spread over three hosts, each on the host it says" {
	# Each job waits until three have started (in a directory all the
	# hosts share, as they run on this machine): with one slot per host
	# that can only end if the three run on three hosts.
	mkdir started
	run --separate-stderr timeout 30 "$LANES" -S h1,h2,h3 \
	    --ssh "ssh -F $SSH_CONFIG" -j 1 --joblog jl \
	    "touch $T/started/{}; until [ \$(ls $T/started | wc -l) -ge 3 ];
	     do sleep 0.05; done; hostname" ::: 1 2 3
	assert_success
	assert_no_stderr
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" 'h1 h2 h3 '
	# The job log's Host column is the host the job printed.
	run awk -F'\t' 'NR > 1 { print $2 }' jl
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" 'h1 h2 h3 '
}

# bats test_tags=slow
@test "-S N/host: a host never runs more than N jobs at once" {
	run --separate-stderr "$LANES" -S 2/h1 --ssh "ssh -F $SSH_CONFIG" \
	    'mkdir -p run; touch run/{}; echo $(ls run | wc -l); sleep 0.3; rm run/{}' \
	    ::: 1 2 3 4 5 6
	assert_success
	refute_line 3
	assert_line 2
	assert_equal "${#lines[@]}" 6
}

@test "-S: hostile records are one literal argument on the remote host" {
	run --separate-stderr "$LANES" -k -S h2 --ssh "ssh -F $SSH_CONFIG" \
	    "printf '[%s]\\n'" ::: 'a b; touch pwned' '$(id)' "it's" '`id`'
	assert_success
	assert_output $'[a b; touch pwned]\n[$(id)]\n[it\'s]\n[`id`]'
	[[ ! -e $(ssh_host_home "$SSH_DIR" 2)/pwned ]] || fail "pwned"
}

@test "-S: exit values and signals of remote jobs, not ssh's 255" {
	run --separate-stderr "$LANES" -S h1 --ssh "ssh -F $SSH_CONFIG" \
	    --joblog jl '{}' ::: 'exit 3' 'kill -9 $$'
	assert_failure 2
	run awk -F'\t' 'NR > 1 { print $2, $7, $8 }' jl
	assert_line 'h1 3 0'
	assert_line 'h1 0 9'
}

@test "--json has the host" {
	run --separate-stderr "$LANES" -S h3 --ssh "ssh -F $SSH_CONFIG" \
	    --json echo ::: x
	assert_success
	assert_output --partial '"args":["x"],"host":"h3","exit":0'
}

# bats test_tags=slow
@test "--timeout ends the remote job and leaves no process on the host" {
	run --separate-stderr "$LANES" -S h3 --ssh "ssh -F $SSH_CONFIG" \
	    --timeout 0.5 'sleep 4711 & sleep 4712' ::: 1
	assert_failure 1
	assert_stderr_line --partial 'timed out after 0.5s'
	no_remote_process 3 'sleep 471'
}

# bats test_tags=slow
@test "stopping lanes leaves no process on any host" {
	"$LANES" -S h1,h2 --ssh "ssh -F $SSH_CONFIG" \
	    'trap "" TERM; sleep 4713' ::: 1 2 3 4 >out 2>err 3>&- &
	local pid=$! n rc=0
	for ((n = 0; n < 100; n++)); do
		[[ $(ssh_host_ps "$SSH_DIR" 1) == *'sleep 4713'* &&
		   $(ssh_host_ps "$SSH_DIR" 2) == *'sleep 4713'* ]] && break
		sleep 0.05
	done
	# A background job of a script ignores SIGINT, so stop it the other
	# way Ctrl-C does: the first signal TERMs the jobs (they ignore it),
	# the second KILLs them.
	kill -TERM "$pid"
	sleep 0.5
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	assert_equal "$rc" 143
	no_remote_process 1 'sleep 4713'
	no_remote_process 2 'sleep 4713'
}

# bats test_tags=slow
@test "--trc with a hostile name and --wd ...: sent, returned, cleaned up" {
	local name=$'we ird \'q" \nname.txt'
	printf 'hello\n' >"$name"
	run --separate-stderr "$LANES" -S h2 --ssh "ssh -F $SSH_CONFIG" \
	    --trc {}.out --wd ... 'tr a-z A-Z < {} > {}.out; pwd' ::: "$name"
	assert_success
	assert_no_stderr
	assert_output --regexp '^/root/\.lanes/tmp/[0-9a-f]+\.1$'
	assert_equal "$(cat "$name.out")" HELLO
	run ls -A "$(ssh_host_home "$SSH_DIR" 2)/.lanes/tmp"
	assert_output ''
}

@test "--return never writes outside the working directory" {
	run --separate-stderr "$LANES" -S h1 --ssh "ssh -F $SSH_CONFIG" \
	    --return ../escaped 'echo x > ../escaped' ::: 1
	assert_failure 1
	assert_stderr_line --partial "refusing to return '../escaped'"
	[[ ! -e ../escaped ]] || fail "written outside"
}

@test "--basefile goes once per host; --cleanup takes it away" {
	printf 'base\n' >base.txt
	run --separate-stderr "$LANES" -S 2/h1 --ssh "ssh -F $SSH_CONFIG" \
	    --bf base.txt --cleanup 'cat base.txt; : {}' ::: 1 2 3
	assert_success
	assert_output $'base\nbase\nbase'
	[[ ! -e $(ssh_host_home "$SSH_DIR" 1)/base.txt ]] ||
		fail "base file left"
}

@test "--slf: a login file with comments; a down host is said once" {
	printf '# hosts\n\nh1\nh5\n' >slf
	run --separate-stderr "$LANES" --slf slf --ssh "ssh -F $SSH_CONFIG" \
	    'hostname; : {}' ::: 1 2 3
	assert_success
	assert_output $'h1\nh1\nh1'
	assert_stderr "lanes: host h5 is down: ssh: connect to host 127.0.0.5 port $SSH_PORT: Connection refused"
}

@test "a password-only host fails at once, its jobs run elsewhere" {
	run --separate-stderr timeout 20 "$LANES" -S h4,h2 \
	    --ssh "ssh -F $SSH_CONFIG" 'hostname; : {}' ::: 1 2
	assert_success
	assert_output $'h2\nh2'
	assert_stderr_line --partial 'host h4 is down: '
	assert_stderr_line --partial 'Permission denied'
}

@test "every host down: exit 255 with a message" {
	run --separate-stderr "$LANES" -S h5 --ssh "ssh -F $SSH_CONFIG" \
	    true ::: 1
	assert_equal "$status" 255
	assert_stderr_line 'lanes: no host is up'
}

@test "--filter-hosts leaves a dead host out" {
	run --separate-stderr "$LANES" --filter-hosts -S h5,h3 \
	    --ssh "ssh -F $SSH_CONFIG" 'hostname; : {}' ::: 1
	assert_success
	assert_output h3
	assert_stderr_line --partial 'host h5 is left out: '
}

# bats test_tags=slow
@test "default MaxSessions 10: 12 jobs at once on one host all succeed" {
	run --separate-stderr "$LANES" -S 12/h6 --ssh "ssh -F $SSH_CONFIG" \
	    'sleep 1; echo ok' ::: $(seq 12)
	assert_success
	assert_no_stderr
	assert_equal "${#lines[@]}" 12
}

# lose_h3 PID: once a job of lanes (PID) sleeps 0.5 on h3, stop h3 under
# it, wait for lanes (its status in rc) and bring h3 back for the tests
# that follow.
lose_h3() {
	local n
	for ((n = 0; n < 100; n++)); do
		[[ $(ssh_host_ps "$SSH_DIR" 3) == *'sleep 0.5'* ]] && break
		sleep 0.05
	done
	ssh_host_stop "$SSH_DIR" 3
	rc=0
	wait "$1" || rc=$?
	ssh_host_add "$SSH_DIR" 3
}

# bats test_tags=slow
@test "a host killed mid-run: its jobs run again elsewhere, none lost" {
	"$LANES" -S 1/h1,1/h3 --ssh "ssh -F $SSH_CONFIG" --joblog jl \
	    'sleep 0.5; echo {} $(hostname)' ::: 1 2 3 4 5 6 \
	    >out 2>err 3>&- &
	lose_h3 $!
	assert_equal "$rc" 0
	run sort -n out
	assert_output $'1 h1\n2 h1\n3 h1\n4 h1\n5 h1\n6 h1'
	run cat err
	assert_output 'lanes: host h3 is down: connection to h3 lost'
	run awk -F'\t' 'NR > 1 { print $2 }' jl
	refute_line h3
}

# --- --pipe: blocks as the standard input of remote jobs ----------------

@test "--pipe -S: every block reaches a remote job whole, in order with -k" {
	seq 300000 >in.txt
	run --separate-stderr bash -c '"$LANES" --pipe -k --block 200k \
	    -S h1,h2,h3,: --ssh "ssh -F $SSH_CONFIG" --joblog jl cat \
	    <in.txt >out'
	assert_success
	assert_no_stderr
	cmp in.txt out
	# Send counts the bytes each job was given; they add up to the input.
	run awk -F'\t' 'NR > 1 { n += $5; h[$2] = 1 } END {
		print n, length(h) }' jl
	assert_output "$(wc -c <in.txt) 4"
	# The same through --pipe-part, whose last range is the file itself.
	run --separate-stderr "$LANES" --pipe-part -a in.txt --block 300k -k \
	    -S h1,h2 --ssh "ssh -F $SSH_CONFIG" cat
	assert_success
	cmp in.txt - <<<"$output"
	run --separate-stderr "$LANES" --pipe-part -a in.txt --block -1 \
	    -S h1,h2 --ssh "ssh -F $SSH_CONFIG" wc -l
	assert_success
	assert_equal "$(awk '{ n += $1 } END { print n }' <<<"$output")" 300000
}

@test "--pipe -S: a job that stops reading is no error; exit values count" {
	seq 200000 >in.txt
	run --separate-stderr "$LANES" --pipe -k --block 100k -S h1,h2 \
	    --ssh "ssh -F $SSH_CONFIG" 'head -n1; exit 1' <in.txt
	assert_no_stderr
	# One line per block of about 100 kB, each the block's first.
	assert_line -n 0 1
	(( ${#lines[@]} >= 12 && ${#lines[@]} <= 13 ))
	assert_failure "${#lines[@]}"
}

@test "--pipe -S: --timeout and a stop end the remote jobs, none left" {
	run --separate-stderr bash -c 'seq 4 | "$LANES" --pipe -N1 -S h1 \
	    --ssh "ssh -F $SSH_CONFIG" --timeout 0.5 \
	    "cat; trap \"\" TERM; sleep 4731"'
	assert_failure 4
	assert_equal "$(sort <<<"$output")" $'1\n2\n3\n4'
	assert_stderr_line --partial 'timed out after 0.5s'
	no_remote_process 1 'sleep 4731'
	# lanes killed outright: the end of the control session is what
	# stops the job.
	seq 4 | "$LANES" --pipe -N1 -S h1,h2 --ssh "ssh -F $SSH_CONFIG" \
	    'cat >/dev/null; sleep 4732' >out 2>err 3>&- &
	local pid=$! n
	for ((n = 0; n < 100; n++)); do
		[[ $(ssh_host_ps "$SSH_DIR" 1) == *'sleep 4732'* &&
		   $(ssh_host_ps "$SSH_DIR" 2) == *'sleep 4732'* ]] && break
		sleep 0.05
	done
	kill -KILL "$pid"
	wait "$pid" || true
	no_remote_process 1 'sleep 4732'
	no_remote_process 2 'sleep 4732'
}

# bats test_tags=slow
@test "--pipe -S: a host lost mid-block; the next host gets the block whole" {
	seq 60 >in.txt
	"$LANES" --pipe -N10 -k -S 1/h1,1/h3 --ssh "ssh -F $SSH_CONFIG" \
	    'cat; sleep 0.5' <in.txt >out 2>err 3>&- &
	lose_h3 $!
	assert_equal "$rc" 0
	cmp in.txt out
	run cat err
	assert_output 'lanes: host h3 is down: connection to h3 lost'
}

# bats test_tags=slow
@test "--pipe -S: default MaxSessions 10: 9 jobs at once on one host" {
	# Each job takes two sessions (its input, its signals): one master
	# would need 18 and the server refuses past 10.
	run --separate-stderr bash -c 'seq 9 | "$LANES" --pipe -N1 -S 9/h6 \
	    --ssh "ssh -F $SSH_CONFIG" "cat; sleep 1"'
	assert_success
	assert_no_stderr
	assert_equal "$(sort -n <<<"$output")" "$(seq 9)"
}

# --- --onall, --nonall, {host}, the remote environment, --slf changes ----

@test "--onall: every job once on every host, untagged unless --tag" {
	run --separate-stderr "$LANES" -k --onall -S h1,h2,h3 \
	    --ssh "ssh -F $SSH_CONFIG" 'echo {} $(hostname)' ::: a b
	assert_success
	assert_no_stderr
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" \
	    'a h1 a h2 a h3 b h1 b h2 b h3 '
	run --separate-stderr "$LANES" -k --tag --onall -S h1,h2 \
	    --ssh "ssh -F $SSH_CONFIG" 'echo {}' ::: a b
	assert_success
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" \
	    $'h1\ta h1\tb h2\ta h2\tb '
}

@test "--onall: the exit status counts failures over all hosts" {
	run --separate-stderr "$LANES" --onall -S h1,h2,h3 \
	    --ssh "ssh -F $SSH_CONFIG" --joblog jl \
	    '[ $(hostname) = h2 ] || exit {}' ::: 0 3
	assert_failure 2
	# Each job is logged once per host, with the same sequence number.
	run awk -F'\t' 'NR > 1 { print $1, $2, $7 }' jl
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" \
	    '1 h1 0 1 h2 0 1 h3 0 2 h1 3 2 h2 0 2 h3 3 '
}

@test "--onall: a job on a down host fails there and does not move" {
	run --separate-stderr "$LANES" --onall -S h1,h5 \
	    --ssh "ssh -F $SSH_CONFIG" 'echo {} $(hostname)' ::: a
	assert_failure 1
	assert_output 'a h1'
	assert_stderr_line --partial 'lanes: host h5 is down: '
	assert_stderr_line --partial 'lanes: job 1: host h5 is down'
}

@test "--nonall: the bare command once on every host, tagged with --tag" {
	run --separate-stderr "$LANES" --nonall --tag -S h1,h2,h3 \
	    --ssh "ssh -F $SSH_CONFIG" 'echo x $(hostname); [ $(hostname) = h2 ]'
	assert_failure 2
	assert_no_stderr
	# Nothing is appended to the command: no argument.
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" \
	    $'h1\tx h1 h2\tx h2 h3\tx h3 '
}

@test "--nonall takes no input; --onall needs hosts" {
	run --separate-stderr "$LANES" --nonall -S h1 echo ::: a
	assert_failure 255
	assert_stderr_line --partial '--nonall runs the command without arguments'
	run --separate-stderr "$LANES" --onall echo ::: a
	assert_failure 255
	assert_stderr_line --partial '--onall needs hosts (-S or --slf)'
}

@test "{host} is the login a job runs on, in the command and --tagstring" {
	run --separate-stderr "$LANES" -k -S 1/h1,1/h2,1/h3 \
	    --ssh "ssh -F $SSH_CONFIG" --tagstring '<{host}>' \
	    'echo {host} $(hostname) {}; sleep 0.2' ::: 1 2 3 4 5 6
	assert_success
	assert_no_stderr
	local line h
	for line in "${lines[@]}"; do
		[[ $line =~ ^\<(h[123])\>$'\t'(h[123])\ (h[123])\ [1-6]$ ]] ||
			fail "unexpected line: $line"
		h=${BASH_REMATCH[1]}
		[[ ${BASH_REMATCH[2]} == "$h" && ${BASH_REMATCH[3]} == "$h" ]] ||
			fail "{host} is not where it ran: $line"
	done
	assert_equal "${#lines[@]}" 6
}

@test "{host} of a job whose own host is down is the host it ran on" {
	run --separate-stderr timeout 20 "$LANES" -S h4,h2 \
	    --ssh "ssh -F $SSH_CONFIG" 'echo {host} $(hostname)' ::: 1 2
	assert_success
	assert_output $'h2 h2\nh2 h2'
	assert_stderr_line --partial 'host h4 is down: '
}

@test "remote jobs get LANES_SEQ, LANES_SLOT, PARALLEL_SEQ and PARALLEL_PID" {
	run --separate-stderr "$LANES" -k -S 1/h1 \
	    --ssh "ssh -F $SSH_CONFIG" \
	    'echo $LANES_SEQ $LANES_SLOT $PARALLEL_SEQ $PARALLEL_JOBSLOT {#} {%} $PARALLEL_PID' \
	    ::: a b
	assert_success
	assert_line --index 0 --regexp '^1 1 1 1 1 1 [0-9]+$'
	assert_line --index 1 --regexp '^2 1 2 1 2 1 [0-9]+$'
}

# bats test_tags=slow
@test "--slf changed mid-run: a new host joins, a removed one takes no jobs" {
	# Jobs 1 and 2 hold h1 and h2 (one each) until a job has run on h3,
	# which can only happen once lanes has read the login file job 1
	# rewrote (h2 out, h3 in). Then no later job may go to h2. Jobs 3
	# to 8 come only once 1 and 2 run: a worker that asked for a host
	# first would otherwise have taken h1 or h2 first.
	printf '1/h1\n1/h2\n' >slf
	run --separate-stderr bash -c '
	{ echo 1; echo 2
	  until [ -e started-1 ] && [ -e started-2 ]; do sleep 0.05; done
	  seq 3 8; } |
	timeout 60 "$LANES" --slf slf --ssh "ssh -F $SSH_CONFIG" --joblog jl \
	    "touch $PWD/started-{}
	     if [ {} = 1 ]; then printf '"'"'1/h1\\n1/h3\\n'"'"' > $PWD/slf; fi
	     if [ {} -le 2 ]; then
	       until [ -e $PWD/on-h3 ]; do sleep 0.05; done
	     fi
	     touch $PWD/on-\$(hostname); echo {} \$(hostname)"'
	assert_success
	assert_no_stderr
	assert_line --regexp '^[12] h1$'
	assert_line --regexp '^[12] h2$'
	assert_line --regexp '^[3-8] h3$'
	assert_equal "${#lines[@]}" 8
	run grep -c ' h2$' <<<"$output"
	assert_output 1
	# The job log agrees.
	run awk -F'\t' 'NR > 1 && $2 == "h2" { n++ } END { print n }' jl
	assert_output 1
}

# --- login shells that are not POSIX shells: fish (h7), tcsh (h8) ----------

# need_login_shell I SHELL: skip unless hI is up with SHELL as its login
# shell.
need_login_shell() {
	command -v "$2" >/dev/null || skip "$2 is not installed"
	run --separate-stderr ssh -F "$SSH_CONFIG" "h$1" 'echo $SHELL'
	assert_success
	assert_output "$(command -v "$2")"
}

# The command and arguments of the quoting tests: backslashes, quotes,
# $, `, !, a tab and a newline, in the command and in the arguments.
QCMD='printf "[%s]" {}; printf "a\\tb\\\\n|%s|\n" "$HOME" '\''x\y'\'' \!'
QARGS=('a\b' "it's" '"q"' '$HOME `id` $(id)' $'t\tab' $'new\nline' \
       '\\037 !x !! \' '~' '' "'\\''")

# login_shell_quoting I SHELL
login_shell_quoting() {
	need_login_shell "$1" "$2"
	run --separate-stderr "$LANES" -k "$QCMD" ::: "${QARGS[@]}"
	assert_success
	local here=$output
	[[ $here == *$'[new\nline]'* && $here == *'[a\b]'* ]] ||
		fail "the local run itself is wrong: $here"
	run --separate-stderr "$LANES" -k -S "h$1" --ssh "ssh -F $SSH_CONFIG" \
	    "$QCMD" ::: "${QARGS[@]}"
	assert_success
	assert_no_stderr
	assert_equal "$output" "$here"
}

@test "fish login shell: a hostile job prints what it prints locally" {
	login_shell_quoting 7 fish
}

@test "tcsh login shell: a hostile job prints what it prints locally" {
	login_shell_quoting 8 tcsh
}

@test "\$# is 0 and \$* empty in a job, locally and on every host" {
	local hosts=h1 h
	command -v fish >/dev/null && hosts+=,h7
	command -v tcsh >/dev/null && hosts+=,h8
	run --separate-stderr "$LANES" 'echo "$#[$*]"; : {}' ::: a
	assert_success
	assert_output '0[]'
	run --separate-stderr "$LANES" --onall --tag -S "$hosts" \
	    --ssh "ssh -F $SSH_CONFIG" 'echo "$#[$*]$1"; : {}' ::: a
	assert_success
	assert_no_stderr
	for h in ${hosts//,/ }; do
		assert_line "$h"$'\t0[]'
	done
	assert_equal "${#lines[@]}" "$(tr ',' '\n' <<<"$hosts" | wc -l)"
}

# login_shell_files I SHELL: --trc and --wd ... with a name that has a
# newline, a backslash and a '!'; --basefile with --cleanup.
login_shell_files() {
	need_login_shell "$1" "$2"
	local name=$'we ird \'q" \\ !x\nname.txt' home
	home=$(ssh_host_home "$SSH_DIR" "$1")
	printf 'hello\n' >"$name"
	run --separate-stderr "$LANES" -S "h$1" --ssh "ssh -F $SSH_CONFIG" \
	    --trc {}.out --wd ... 'tr a-z A-Z < {} > {}.out; pwd' ::: "$name"
	assert_success
	assert_no_stderr
	assert_output --regexp '^/root/\.lanes/tmp/[0-9a-f]+\.1$'
	assert_equal "$(cat "$name.out")" HELLO
	run ls -A "$home/.lanes/tmp"
	assert_output ''
	printf 'base\n' >"b \\ !x.txt"
	run --separate-stderr "$LANES" -S "h$1" --ssh "ssh -F $SSH_CONFIG" \
	    --bf "b \\ !x.txt" --cleanup --wd 'w d\!' \
	    'cat "$HOME/b \\ !x.txt"; pwd; : {}' ::: 1
	assert_success
	assert_no_stderr
	assert_output $'base\n/root/w d\\!'
	[[ ! -e "$home/b \\ !x.txt" ]] || fail "base file left"
}

# bats test_tags=slow
@test "fish login shell: --trc, --wd, --basefile and --cleanup" {
	login_shell_files 7 fish
}

# bats test_tags=slow
@test "tcsh login shell: --trc, --wd, --basefile and --cleanup" {
	login_shell_files 8 tcsh
}

# login_shell_status I SHELL: exit values, signals and --timeout.
login_shell_status() {
	need_login_shell "$1" "$2"
	run --separate-stderr "$LANES" -S "h$1" --ssh "ssh -F $SSH_CONFIG" \
	    --joblog jl '{}' ::: 'exit 3' 'kill -9 $$'
	assert_failure 2
	run awk -F'\t' 'NR > 1 { print $2, $7, $8 }' jl
	assert_line "h$1 3 0"
	assert_line "h$1 0 9"
	run --separate-stderr "$LANES" -S "h$1" --ssh "ssh -F $SSH_CONFIG" \
	    --timeout 0.5 'sleep 4721 & sleep 4722' ::: 1
	assert_failure 1
	assert_stderr_line --partial 'timed out after 0.5s'
	no_remote_process "$1" 'sleep 472'
	# --pipe: the signals take a second session, its command quoted
	# for this shell too.
	run --separate-stderr bash -c 'seq 3 | "$LANES" --pipe -N1 -k \
	    -S "h$1" --ssh "ssh -F $SSH_CONFIG" --timeout 0.5 \
	    "cat; sleep 4723"' _ "$1"
	assert_failure 3
	assert_output $'1\n2\n3'
	assert_stderr_line --partial 'timed out after 0.5s'
	no_remote_process "$1" 'sleep 4723'
}

# bats test_tags=slow
@test "fish login shell: exit values, signals and --timeout" {
	login_shell_status 7 fish
}

# bats test_tags=slow
@test "tcsh login shell: exit values, signals and --timeout" {
	login_shell_status 8 tcsh
}
