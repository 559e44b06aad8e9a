# A real Slurm cluster of three nodes (n1 n2 n3) on this machine, on
# 127.0.0.1 only, with no munge (auth/none, cred/none), after
# /work/shared/recipes/slurm-cluster.md. A .bats file starts it once:
#
#   setup_file()    { load helpers/slurm; slurm_start "$BATS_FILE_TMPDIR/s"; }
#   teardown_file() { load helpers/slurm; slurm_stop "$BATS_FILE_TMPDIR/s"; }
#
# slurm_start DIR wipes DIR's state, writes DIR/slurm.conf with ports that
# are free right now, starts slurmctld and three slurmd, waits until the
# three nodes are idle and exports SLURM_CONF. slurm_stop DIR stops them
# by the pids in DIR (scontrol shutdown first, then SIGTERM and SIGKILL by
# pid) and kills any slurmstepd left from a step of this cluster, so no
# process of the test outlives it. Both need root (SlurmUser=root).

# Ports on 127.0.0.1 that nothing listens on right now, one per line.
_slurm_free_ports() {
	python3 -c 'import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])' "$1"
}

# slurm_wait_idle N: wait up to 20 s until N nodes are idle.
slurm_wait_idle() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(sinfo -h -t idle -o %D 2>/dev/null) == "$1" ]] && return 0
		sleep 0.1
	done
	echo "slurm.bash: $1 nodes not idle after 20 s:" >&2
	sinfo >&2
	return 1
}

slurm_start() {
	local s=$1 ports n i
	[[ $(id -u) == 0 ]] || { echo "slurm.bash: needs root" >&2; return 1; }
	command -v slurmctld >/dev/null ||
		{ echo "slurm.bash: slurm-wlm is not installed" >&2; return 1; }
	slurm_stop "$s" 2>/dev/null
	rm -rf "$s/state" "$s/spool" "$s/log"
	mkdir -p "$s/state" "$s/spool" "$s/log" || return 1
	mapfile -t ports < <(_slurm_free_ports 4)
	cat >"$s/slurm.conf" <<CONF
ClusterName=lanestest
SlurmctldHost=localhost
SlurmctldPort=${ports[0]}
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool/%n
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd-%n.pid
SlurmctldLogFile=$s/log/slurmctld.log
SlurmdLogFile=$s/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=5
JobCompType=jobcomp/filetxt
JobCompLoc=$s/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
CONF
	for i in 1 2 3; do
		echo "NodeName=n$i NodeHostname=localhost NodeAddr=127.0.0.1" \
		     "Port=${ports[i]} CPUs=2 State=UNKNOWN" >>"$s/slurm.conf"
	done
	echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE" \
	     "State=UP" >>"$s/slurm.conf"
	export SLURM_CONF=$s/slurm.conf
	slurmctld -f "$SLURM_CONF" 3>&- || return 1
	for n in n1 n2 n3; do
		slurmd -f "$SLURM_CONF" -N "$n" 3>&- || return 1
	done
	slurm_wait_idle 3
}

# The pids in DIR's pid files.
_slurm_pids() {
	local f
	for f in "$1"/slurmctld.pid "$1"/slurmd-n?.pid; do
		[[ -s $f ]] && cat "$f"
	done
}

# slurmstepd processes whose configuration is this cluster's: they run
# as "slurmstepd: [JOB.STEP]" and keep SLURM_CONF out of their command
# line, so match on the spool directory open in /proc/PID/cwd or fds.
_slurm_stepds() {
	local p
	for p in $(pgrep -x slurmstepd); do
		ls -l "/proc/$p/fd" 2>/dev/null | grep -qF "$1/" && echo "$p"
	done
}

# A process and all its descendants, deepest first.
_slurm_tree() {
	local c
	for c in $(pgrep -P "$1"); do
		_slurm_tree "$c"
	done
	echo "$1"
}

slurm_stop() {
	local s=$1 pids p i
	[[ -f $s/slurm.conf ]] || return 0
	# Cancel the jobs first, so the step daemons end their tasks.
	SLURM_CONF=$s/slurm.conf timeout 5 scancel -s KILL --full \
		$(SLURM_CONF=$s/slurm.conf timeout 5 squeue -h -o %i \
		  2>/dev/null) >/dev/null 2>&1
	for ((i = 0; i < 30; i++)); do
		[[ -z $(_slurm_stepds "$s") ]] && break
		sleep 0.1
	done
	SLURM_CONF=$s/slurm.conf timeout 5 scontrol shutdown >/dev/null 2>&1
	pids=$(_slurm_pids "$s")
	for ((i = 0; i < 50; i++)); do
		p=
		for pid in $pids; do
			kill -0 "$pid" 2>/dev/null && p+=" $pid"
		done
		[[ -z $p ]] && break
		((i == 20)) && kill -TERM $p 2>/dev/null
		((i == 40)) && kill -KILL $p 2>/dev/null
		sleep 0.1
	done
	for p in $(_slurm_stepds "$s"); do
		kill -KILL $(_slurm_tree "$p") 2>/dev/null
	done
	rm -f "$s"/slurmctld.pid "$s"/slurmd-n?.pid
}
