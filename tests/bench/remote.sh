#!/bin/bash
# remote.sh: lanes -S next to GNU parallel -S on the same three loopback
# sshd hosts (tests/helpers/ssh.bash), in one run. A benchmark, not a
# test: it asserts nothing. Markdown tables on standard output, progress
# on standard error.
#
#   1. TRIVIAL_N jobs of `true` over h1,h2,h3 (default 300);
#   2. FILES_N jobs (default 100), each with a 1 MiB --transferfile and a
#      1 MiB --return, cleaned up;
#   3. per-job overhead, one job at a time on one host: lanes -j1 against
#      a bare `ssh -S CTL h1 true` loop over an open ControlMaster;
#   4. --pipe: a PIPE_MB file (default 256 MiB) cut into 4 MiB blocks for
#      `wc -l` on h1,h2,h3, against GNU parallel --pipe and one bare
#      `ssh h1 wc -l < FILE` (one stream through one connection).
#
# GNU parallel runs with its defaults and with -M (its ControlMaster
# option). Its --transferfile needs rsync; as root the script installs
# what is missing (parallel, rsync) with apt-get, otherwise the rows it
# cannot run are left out. Needs root anyway for the test hosts.
#
# Environment: LANES (default ./lanes), TRIVIAL_N, FILES_N, SEQ_N (jobs
# for the overhead row, default 100), PIPE_MB, SECTIONS (which of
# "trivial files overhead pipe" to run; default all).

set -euo pipefail

prog=remote.sh
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
LANES=$(realpath "${LANES:-./lanes}")
TRIVIAL_N=${TRIVIAL_N:-300}
FILES_N=${FILES_N:-100}
SEQ_N=${SEQ_N:-100}
PIPE_MB=${PIPE_MB:-256}
SECTIONS=${SECTIONS:-trivial files overhead pipe}

note() { printf '%s: %s\n' "$prog" "$*" >&2; }
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
die() { note "$*"; exit 1; }

[[ $(id -u) == 0 ]] || die "the sshd test hosts need root"
[[ -x $LANES ]] || die "no $LANES: run make first"
missing=()
command -v parallel >/dev/null || missing+=(parallel)
command -v rsync >/dev/null || missing+=(rsync)
if ((${#missing[@]})); then
	note "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    "${missing[@]}" >&2 || note "could not install ${missing[*]}"
fi

work=$(mktemp -d /tmp/lanes-bench-remote.XXXXXX)
# shellcheck source=../helpers/ssh.bash
source "$root/tests/helpers/ssh.bash"
cleanup() {
	ssh_hosts_stop "$work/ssh" || true
	rm -rf "$work"
}
trap cleanup EXIT
note "starting h1..h3"
ssh_hosts_start "$work/ssh" 3 >&2 || die "cannot start the test hosts"
SSHC="ssh -F $SSH_CONFIG"
mkdir -p "$work/run"
cd "$work/run"

# secs CMD...: wall seconds of one run, to stderr-free stdout.
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>"$work/err" || { note "failed: $*"; \
	    sed 's/^/  /' "$work/err" >&2; echo NaN; return 0; }
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}

row() {	# name jobs seconds
	awk -v n="$1" -v j="$2" -v s="$3" 'BEGIN {
		if (s == "NaN") { printf "| %s | failed | |\n", n; exit }
		printf "| %s | %.2f | %.1f |\n", n, s, j / s }'
}

if want trivial; then
seq "$TRIVIAL_N" >trivial.txt
note "trivial jobs"
echo "### $TRIVIAL_N trivial jobs on h1,h2,h3"
echo
echo "| tool | seconds | jobs/s |"
echo "| --- | --- | --- |"
row lanes "$TRIVIAL_N" "$(secs "$LANES" -S h1,h2,h3 --ssh "$SSHC" \
    true :::: trivial.txt)"
if command -v parallel >/dev/null; then
	row "GNU parallel" "$TRIVIAL_N" "$(secs parallel -S h1,h2,h3 \
	    --ssh "$SSHC" true :::: trivial.txt)"
	row "GNU parallel -M" "$TRIVIAL_N" "$(secs parallel -M \
	    -S h1,h2,h3 --ssh "$SSHC" true :::: trivial.txt)"
fi
echo
fi

if want files; then
note "file jobs"
for i in $(seq "$FILES_N"); do
	head -c 1048576 /dev/urandom >"in$i.dat"
done
ls in*.dat >files.txt
echo "### $FILES_N jobs with a 1 MiB --transferfile and --return"
echo
echo "| tool | seconds | jobs/s |"
echo "| --- | --- | --- |"
row lanes "$FILES_N" "$(secs "$LANES" -S h1,h2,h3 --ssh "$SSHC" \
    --tf {} --return {}.out --cleanup 'cp {} {}.out' :::: files.txt)"
rm -f in*.dat.out
if command -v parallel >/dev/null && command -v rsync >/dev/null; then
	row "GNU parallel" "$FILES_N" "$(secs parallel -S h1,h2,h3 \
	    --ssh "$SSHC" --tf {} --return {}.out --cleanup 'cp {} {}.out' \
	    :::: files.txt)"
	rm -f in*.dat.out
fi
echo
fi

if want overhead; then
note "per-job overhead"
ctl=$work/ctl
ssh -F "$SSH_CONFIG" -M -S "$ctl" -N -f -o ControlPersist=60 h1
seq "$SEQ_N" >seq.txt
bare=$(secs bash -c "while read -r _; do ssh -F '$SSH_CONFIG' -S '$ctl' \
    -o ControlMaster=no h1 true </dev/null; done <seq.txt")
ssh -F "$SSH_CONFIG" -S "$ctl" -O exit h1 2>/dev/null || true
one=$(secs "$LANES" -S 1/h1 --ssh "$SSHC" true :::: seq.txt)
echo "### Per job, one at a time on h1 ($SEQ_N jobs)"
echo
echo "| what | ms per job |"
echo "| --- | --- |"
awk -v b="$bare" -v l="$one" -v n="$SEQ_N" 'BEGIN {
	printf "| bare ssh -S CTL h1 true | %.1f |\n", b * 1000 / n
	printf "| lanes -S 1/h1 (includes its own master) | %.1f |\n", \
	    l * 1000 / n
	printf "| ratio | %.2f |\n", l / b }'
fi

if want pipe; then
note "--pipe"
head -c $((PIPE_MB * 1024 * 1024)) <(seq $((PIPE_MB * 1024 * 1024 / 7))) \
    >big.txt
nlines=$(wc -l <big.txt)
# pipesum CMD...: run CMD < big.txt, check that its counts add up to the
# file's lines, and print its wall seconds.
pipesum() {
	local t0 t1 got
	t0=$(date +%s.%N)
	got=$("$@" <big.txt 2>"$work/err" | awk '{ n += $1 } END { print n }')
	t1=$(date +%s.%N)
	if [[ $got != "$nlines" ]]; then
		note "wrong count ($got, not $nlines): $*"
		sed 's/^/  /' "$work/err" >&2
		echo NaN
		return 0
	fi
	echo "$t1 - $t0" | bc -l
}
echo "### --pipe: $PIPE_MB MiB in 4 MiB blocks to wc -l on h1,h2,h3"
echo
echo "| tool | seconds | MiB/s |"
echo "| --- | --- | --- |"
mbrow() {	# name seconds
	awk -v n="$1" -v s="$2" -v m="$PIPE_MB" 'BEGIN {
		if (s == "NaN") { printf "| %s | failed | |\n", n; exit }
		printf "| %s | %.2f | %.0f |\n", n, s, m / s }'
}
mbrow "lanes --pipe" "$(pipesum "$LANES" --pipe --block 4M -S h1,h2,h3 \
    --ssh "$SSHC" wc -l)"
mbrow "lanes --pipe-part" "$(pipesum "$LANES" --pipe-part -a big.txt \
    --block 4M -S h1,h2,h3 --ssh "$SSHC" wc -l)"
if command -v parallel >/dev/null; then
	mbrow "GNU parallel --pipe -M" "$(pipesum parallel --pipe --block 4M \
	    -M -S h1,h2,h3 --ssh "$SSHC" wc -l)"
	mbrow "GNU parallel --pipe-part -M" "$(pipesum parallel --pipe-part \
	    -a big.txt --block 4M -M -S h1,h2,h3 --ssh "$SSHC" wc -l)"
fi
mbrow "ssh h1 wc -l < FILE" "$(pipesum ssh -F "$SSH_CONFIG" h1 wc -l)"
fi
