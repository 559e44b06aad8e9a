#!/bin/bash
# slurm.sh: jobs across a Slurm allocation. lanes --slurm (one step, one
# agent per node) side by side with the documented one-step-per-job
# pattern, `parallel -j $SLURM_NTASKS srun --exclusive -N1 -n1 -Q CMD`,
# the same pattern driven by lanes, and local lanes on this machine, in
# one run and the same allocation. This is a benchmark, not a test: it
# asserts nothing. It prints a Markdown table on standard output and its
# progress on standard error.
#
# Workloads: TRIVIAL_N jobs of `true` and SLEEP_N jobs of `sleep 0.05`.
# Wall time is measured around each tool; jobs/s is jobs over wall time.
#
# Run it inside an allocation (salloc -N3 -n6 tests/bench/slurm.sh), or
# as root outside one: it then starts the three-node test cluster of
# tests/helpers/slurm.bash in a temporary directory, runs itself under
# `salloc -N3 -n6` there, and stops the cluster.
#
# Environment:
#   LANES      the binary under test (default ./lanes, from the
#              repository root)
#   TRIVIAL_N  jobs of `true` (default 1000)
#   SLEEP_N    jobs of `sleep 0.05` (default 200)
#   SRUN_MAX   at most this many jobs for the srun-per-job rows, which
#              take ~0.2 s a step (default: all of them)

set -euo pipefail

prog=slurm.sh
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

LANES=${LANES:-./lanes}
TRIVIAL_N=${TRIVIAL_N:-1000}
SLEEP_N=${SLEEP_N:-200}
SRUN_MAX=${SRUN_MAX:-0}

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

note() {
	printf '%s: %s\n' "$prog" "$*" >&2
}

for v in TRIVIAL_N SLEEP_N; do
	case ${!v} in
	'' | *[!0-9]* | 0) die "$v must be a positive integer, not '${!v}'" ;;
	esac
done
case $SRUN_MAX in '' | *[!0-9]*) die "SRUN_MAX must be a number" ;; esac
[ -x "$LANES" ] || die "no lanes binary at '$LANES'; run make, or set LANES"
LANES=$(cd "$(dirname "$LANES")" && pwd)/$(basename "$LANES")
command -v srun >/dev/null || die "srun is not installed (slurm-wlm)"

if [ -z "${SLURM_JOB_ID:-}" ]; then
	[ "$(id -u)" = 0 ] ||
		die "run it inside an allocation, or as root for a test cluster"
	dir=$(mktemp -d)
	# shellcheck source=../helpers/slurm.bash
	. "$root/tests/helpers/slurm.bash"
	trap 'slurm_stop "$dir/slurm"; rm -rf "$dir"' EXIT
	note "starting a three-node test cluster in $dir"
	slurm_start "$dir/slurm" >&2
	salloc -Q -N3 -n6 env LANES="$LANES" "$0"
	exit
fi

command -v parallel >/dev/null || die "GNU parallel is not installed"
ntasks=${SLURM_NTASKS:-$SLURM_JOB_NUM_NODES}
in=$(mktemp)
trap 'rm -f "$in"' EXIT

# row NAME N CMD...: time CMD with N records of input, print a table row.
row() {
	local name=$1 n=$2 t0 t1 secs
	shift 2
	note "$name: $n jobs"
	t0=$(date +%s.%N)
	"$@" <"$in" >/dev/null 2>&1 || note "$name: exit status $?"
	t1=$(date +%s.%N)
	secs=$(echo "$t1 - $t0" | bc -l)
	printf '| %s | %d | %.2f | %.0f |\n' "$name" "$n" "$secs" \
		"$(echo "$n / $secs" | bc -l)"
}

# workload LABEL N CMD
workload() {
	local label=$1 n=$2 cmd=$3 ns=$2

	[ "$SRUN_MAX" -gt 0 ] && [ "$SRUN_MAX" -lt "$n" ] && ns=$SRUN_MAX
	echo
	echo "### $n jobs of \`$label\`, $SLURM_JOB_NUM_NODES nodes," \
	     "$ntasks tasks"
	echo
	echo '| tool | jobs | wall s | jobs/s |'
	echo '| --- | ---: | ---: | ---: |'
	seq "$n" >"$in"
	# -N0: one job per input line, with no argument added.
	# shellcheck disable=SC2086
	row "lanes -j$ntasks (this machine)" "$n" \
		"$LANES" -N0 -j"$ntasks" $cmd
	# shellcheck disable=SC2086
	row "lanes --slurm" "$n" "$LANES" -N0 --slurm $cmd
	seq "$ns" >"$in"
	# shellcheck disable=SC2086
	row "parallel -j$ntasks srun --exclusive -N1 -n1 -Q" "$ns" \
		parallel -N0 -j"$ntasks" srun --exclusive -N1 -n1 -Q $cmd
	# shellcheck disable=SC2086
	row "lanes -j$ntasks srun --exclusive -N1 -n1 -Q" "$ns" \
		"$LANES" -N0 -j"$ntasks" srun --exclusive -N1 -n1 -Q $cmd
}

echo "## lanes --slurm against a step per job"
workload true "$TRIVIAL_N" true
workload 'sleep 0.05' "$SLEEP_N" 'sleep 0.05'
