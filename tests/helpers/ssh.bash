# Real OpenSSH hosts on loopback for the remote-execution tests (see
# ../shared/recipes/ssh-hosts.md). Host hI listens on 127.0.0.I:$SSH_PORT
# (a port free on every address when the hosts start, so two test runs on
# one machine do not collide), has
# its own hostname (a UTS namespace), its own empty $HOME (a bind mount
# over /root, private to the host's mount namespace) and sets TEST_HOST=hI
# in every session. Needs root and openssh-server.
#
#   setup_file() {
#       load helpers/ssh; ssh_hosts_start "$BATS_FILE_TMPDIR/ssh" 3
#   }
#   teardown_file() {
#       load helpers/ssh; ssh_hosts_stop "$BATS_FILE_TMPDIR/ssh"
#   }
#
# ssh_hosts_start DIR [N] starts h1..hN under DIR and exports
#   SSH_DIR     DIR
#   SSH_CONFIG  DIR/ssh_config: `ssh -F "$SSH_CONFIG" h2 hostname` -> h2
#   SSH_CMD     "ssh -F DIR/ssh_config", for lanes --ssh
#   SSH_PORT    the port every host listens on
# Variants, set before the call (or use ssh_host_add DIR I MODE later):
#   SSH_DEFAULT_LIMITS=1  sshd's default MaxStartups/MaxSessions (10)
# ssh_host_add DIR I password  adds hI that only takes passwords, so a
# BatchMode client fails at once. ssh_host_add DIR I SHELL (fish, tcsh,
# zsh, ... any program in $PATH) adds hI where root's login shell is
# SHELL: a copy of /etc/passwd saying so is bind-mounted over it inside
# hI's mount namespace only (the real one is never touched). ssh_host_home DIR I is hI's $HOME seen
# from here. ssh_host_stop DIR I stops one host (its listener and every
# connection it serves); ssh_host_ps DIR I lists the processes of hI's
# sessions (not sshd's own), one "PID ARGS" per line.

_ssh_wait() {
	local cfg=$1 host=$2 i
	for ((i = 0; i < 100; i++)); do
		if ssh -F "$cfg" -o ConnectTimeout=2 "$host" true \
		    </dev/null 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	echo "ssh.bash: $host does not answer" >&2
	return 1
}

# ssh_host_add DIR I [MODE]: MODE is "" (keys, generous limits),
# "default" (sshd's default MaxStartups/MaxSessions), "password", or the
# name of root's login shell on hI.
ssh_host_add() {
	local d=$1 i=$2 mode=${3:-} limits auth shell passwd=
	mkdir -p "$d/h$i/home" || return 1
	case $mode in
	'' | default | password) ;;
	*)
		shell=$(command -v "$mode") || {
			echo "ssh.bash: no login shell '$mode'" >&2
			return 1
		}
		awk -F: -v OFS=: -v sh="$shell" '$1 == "root" { $7 = sh } 1' \
		    /etc/passwd >"$d/h$i/passwd" || return 1
		passwd="mount --bind '$d/h$i/passwd' /etc/passwd &&"
		;;
	esac
	limits=$'MaxStartups 100:30:200\nMaxSessions 100'
	[[ $mode == default || -n ${SSH_DEFAULT_LIMITS:-} ]] && limits=''
	auth=$'PasswordAuthentication no\nPubkeyAuthentication yes'
	[[ $mode == password ]] &&
		auth=$'PasswordAuthentication yes\nPubkeyAuthentication no'
	cat >"$d/h$i/sshd_config" <<CONF
ListenAddress 127.0.0.$i
Port $SSH_PORT
HostKey $d/hostkey
PidFile $d/h$i/sshd.pid
AuthorizedKeysFile $d/authorized_keys
UsePAM no
StrictModes no
KbdInteractiveAuthentication no
$auth
$limits
SetEnv TEST_HOST=h$i
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
	grep -q "^Host h$i\$" "$d/ssh_config" ||
		printf 'Host h%s\n HostName 127.0.0.%s\n' "$i" "$i" \
		    >>"$d/ssh_config"
	rm -f "$d/h$i/sshd.pid"
	# The namespaces: hostname hI and /root = DIR/hI/home (and root's
	# login shell) for this sshd and every session it starts, nothing
	# else on the machine.
	unshare --uts --mount --propagation private sh -c \
	    "hostname h$i && mount --bind '$d/h$i/home' /root && $passwd
	     exec /usr/sbin/sshd -f '$d/h$i/sshd_config' -E '$d/h$i/sshd.log'" \
	    </dev/null 3>&- || return 1
	if [[ $mode == password ]]; then
		for ((n = 0; n < 100; n++)); do
			[[ -s $d/h$i/sshd.pid ]] && return 0
			sleep 0.05
		done
		return 1
	fi
	_ssh_wait "$d/ssh_config" "h$i"
}

# _ssh_free_port N: a TCP port nothing listens on at 127.0.0.1..N (hosts
# added later take addresses up to N).
_ssh_free_port() {
	python3 - "$1" <<'PY'
import random, socket, sys
n = int(sys.argv[1])
for _ in range(200):
    port = random.randint(20000, 60000)
    socks = []
    try:
        for i in range(1, n + 1):
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.%d" % i, port))
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(port)
    sys.exit(0)
sys.exit(1)
PY
}

ssh_hosts_start() {
	local d=$1 n=${2:-3} i
	mkdir -p "$d" || return 1
	d=$(cd "$d" && pwd) || return 1
	# sshd refuses to start without its privilege separation directory,
	# which a fresh container does not have.
	mkdir -p /run/sshd && chmod 755 /run/sshd || return 1
	rm -f "$d/hostkey" "$d/key"
	ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey" </dev/null &&
	ssh-keygen -q -t ed25519 -N '' -f "$d/key" </dev/null || return 1
	cp "$d/key.pub" "$d/authorized_keys"
	SSH_PORT=$(_ssh_free_port 9) || return 1
	export SSH_PORT
	printf '%s\n' 'Host h*' ' User root' " Port $SSH_PORT" \
	    " IdentityFile $d/key" ' IdentitiesOnly yes' ' BatchMode yes' \
	    ' StrictHostKeyChecking no' ' UserKnownHostsFile /dev/null' \
	    ' LogLevel ERROR' >"$d/ssh_config"
	export SSH_DIR=$d SSH_CONFIG=$d/ssh_config
	export SSH_CMD="ssh -F $d/ssh_config"
	for ((i = 1; i <= n; i++)); do
		ssh_host_add "$d" "$i" || return 1
	done
}

ssh_host_home() {
	printf '%s\n' "$1/h$2/home"
}

# The pids of hI's sshd processes: the listener and its children (one
# per connection, and their privilege-separated children).
_ssh_host_sshd_pids() {
	local d=$1 i=$2 lp
	[[ -s $d/h$i/sshd.pid ]] || return 0
	lp=$(<"$d/h$i/sshd.pid")
	echo "$lp"
	pgrep -P "$lp" 2>/dev/null
}

# Every process of hI's sessions: descendants of the connection handlers,
# excluding sshd's own processes.
ssh_host_ps() {
	local d=$1 i=$2 lp
	[[ -s $d/h$i/sshd.pid ]] || return 0
	lp=$(<"$d/h$i/sshd.pid")
	ps -e -o pid=,ppid=,args= | awk -v root="$lp" '
		{ par[$1] = $2; line[$1] = $0 }
		END {
			for (p in par) {
				q = p; under = 0
				while (q in par && q != 1 && q != 0) {
					if (par[q] == root) { under = 1; break }
					q = par[q]
				}
				if (!under) continue
				split(line[p], f, " ")
				if (line[p] ~ /sshd/) continue
				sub(/^ *[0-9]+ +[0-9]+ +/, "", line[p])
				print p, line[p]
			}
		}'
}

# A pid that still runs: neither gone nor a zombie waiting for a parent
# (sshd daemonizes, so its parent is whatever reaps orphans here).
_ssh_alive() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z ]]
}

ssh_host_stop() {
	local d=$1 i=$2 p pids n
	pids=$(_ssh_host_sshd_pids "$d" "$i")
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		for ((n = 0; n < 50; n++)); do
			_ssh_alive "$p" || break
			sleep 0.02
		done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -f "$d/h$i/sshd.pid"
	return 0
}

ssh_hosts_stop() {
	local d=$1 f i
	for f in "$d"/h*/sshd.pid; do
		[[ -e $f ]] || continue
		i=${f%/sshd.pid}
		i=${i##*/h}
		ssh_host_stop "$d" "$i"
	done
	return 0
}
