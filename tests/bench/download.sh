#!/bin/bash
# download.sh: how fast does lanes --download fetch many small files and
# one large file, next to curl's parallel mode, aria2c, wget2 and xargs -P
# with one curl per URL? This is a benchmark, not a test: it asserts
# nothing. It prints Markdown tables on standard output and its progress
# on standard error.
#
# nginx on 127.0.0.1 serves SMALL_N files of SMALL_KB KiB and one file of
# BIG_MB MiB, all generated from /dev/urandom into a directory on tmpfs (so
# the server's side is the same for every tool). Each tool fetches each
# set with J transfers at a time into an empty directory, on tmpfs and on
# disk; every run is checked (number of files and total bytes) and one
# that fails is marked in the table. The tools take turns within a round,
# so a slow drift of the machine affects them alike; the table shows the
# median of ROUNDS rounds. Before each run the output directory is
# emptied and, on disk, sync(1) writes back what the last run left.
#
# Environment:
#   LANES     the binary under test (default ./lanes, relative to the
#             repository root)
#   ROUNDS    rounds, of which the median is shown (default 3)
#   J         transfers at a time (default 16)
#   SMALL_N   number of small files (default 2000)
#   SMALL_KB  size of each small file in KiB (default 4)
#   BIG_MB    size of the large file in MiB (default 1024)
#   TARGETS   where to write: "tmpfs", "disk" or both (default both)
#   TMPFS     a tmpfs directory (default /dev/shm)
#   DISK      a directory on disk (default build/bench-download)
#   TOOLS     which tools to run (default "lanes curl aria2c wget2 xargs")
#   LIMIT     seconds after which one run is killed (default 600)

set -euo pipefail

prog=download.sh
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

LANES=${LANES:-./lanes}
ROUNDS=${ROUNDS:-3}
J=${J:-16}
SMALL_N=${SMALL_N:-2000}
SMALL_KB=${SMALL_KB:-4}
BIG_MB=${BIG_MB:-1024}
TARGETS=${TARGETS:-tmpfs disk}
TMPFS=${TMPFS:-/dev/shm}
DISK=${DISK:-$root/build/bench-download}
TOOLS=${TOOLS:-lanes curl aria2c wget2 xargs}
LIMIT=${LIMIT:-600}

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

note() {
	printf '%s: %s\n' "$prog" "$*" >&2
}

for v in ROUNDS J SMALL_N SMALL_KB BIG_MB LIMIT; do
	case ${!v} in
	'' | *[!0-9]* | 0) die "$v must be a positive integer, not '${!v}'" ;;
	esac
done
[ -x "$LANES" ] || die "no lanes binary at '$LANES' (from $root); run make"
LANES=$(realpath -- "$LANES")
command -v nginx >/dev/null ||
	die "nginx is needed: apt-get install nginx-light"
[ -d "$TMPFS" ] || die "TMPFS '$TMPFS' is not a directory"

tools=()
for t in $TOOLS; do
	case $t in
	lanes) tools+=(lanes) ;;
	curl | xargs)
		command -v curl >/dev/null &&
			tools+=("$t") || note "curl not found; $t left out"
		;;
	aria2c | wget2)
		command -v "$t" >/dev/null &&
			tools+=("$t") || note "$t not found; left out"
		;;
	*) die "unknown tool '$t' in TOOLS" ;;
	esac
done

srv=$(mktemp -d "$TMPFS/lanes-bench-srv.XXXXXX")
outs=()
cleanup() {
	if [ -s "$srv/nginx.pid" ]; then
		kill "$(<"$srv/nginx.pid")" 2>/dev/null || true
	fi
	rm -rf "$srv" "${outs[@]}"
	rmdir "$DISK" 2>/dev/null || true
}
trap cleanup EXIT

note "generating $SMALL_N files of $SMALL_KB KiB and one of $BIG_MB MiB"
mkdir -p "$srv/www/s" "$srv/tmp"
python3 - "$srv/www/s" "$SMALL_N" "$SMALL_KB" <<'EOF'
import os, sys
d, n, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    with open(os.path.join(d, "f%05d" % i), "wb") as f:
        f.write(os.urandom(kb * 1024))
EOF
head -c "${BIG_MB}M" /dev/urandom >"$srv/www/big.bin"

port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
user=
[ "$(id -u)" = 0 ] && user='user root;'
cat >"$srv/nginx.conf" <<EOF
$user
worker_processes auto;
pid $srv/nginx.pid;
error_log $srv/error.log;
events { worker_connections 1024; }
http {
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000;
	access_log off;
	client_body_temp_path $srv/tmp/body;
	proxy_temp_path $srv/tmp/proxy;
	fastcgi_temp_path $srv/tmp/fastcgi;
	uwsgi_temp_path $srv/tmp/uwsgi;
	scgi_temp_path $srv/tmp/scgi;
	server {
		listen 127.0.0.1:$port;
		root $srv/www;
	}
}
EOF
nginx -p "$srv/" -c "$srv/nginx.conf" -e "$srv/error.log" ||
	die "nginx did not start: $(cat "$srv/error.log")"
base=http://127.0.0.1:$port
for ((i = 0; i < 50; i++)); do
	curl -sf -o /dev/null "$base/big.bin" -r 0-0 && break
	sleep 0.1
done

# The lists: one URL per line, and curl's config of url/output pairs.
for ((i = 0; i < SMALL_N; i++)); do
	printf '%s/s/f%05d\n' "$base" "$i"
done >"$srv/small.list"
echo "$base/big.bin" >"$srv/big.list"
for w in small big; do
	while read -r url; do
		printf 'url = "%s"\noutput = "%s"\n' "$url" "${url##*/}"
	done <"$srv/$w.list" >"$srv/$w.curl"
done
small_bytes=$((SMALL_N * SMALL_KB * 1024))
big_bytes=$((BIG_MB * 1024 * 1024))

# run_tool TOOL LIST OUT: one download of LIST into OUT.
run_tool() {
	local tool=$1 list=$2 out=$3
	case $tool in
	lanes) "$LANES" --download "$out" -j"$J" -a "$list" ;;
	curl) curl -Z --parallel-max "$J" -sS --output-dir "$out" \
		-K "${list%.list}.curl" ;;
	aria2c) aria2c -j"$J" -i "$list" -d "$out" -q ;;
	wget2) wget2 -q --max-threads="$J" -i "$list" -P "$out" \
		--no-hsts --no-hpkp ;;
	xargs) xargs -P"$J" -n1 curl -sS -O --output-dir "$out" <"$list" ;;
	esac
}

command_text() {
	case $1 in
	lanes) echo "lanes --download DIR -j$J -a list" ;;
	curl) echo "curl -Z --parallel-max $J --output-dir DIR -K list.curl" ;;
	aria2c) echo "aria2c -j$J -i list -d DIR" ;;
	wget2) echo "wget2 --max-threads=$J -i list -P DIR" ;;
	xargs) echo "xargs -P$J -n1 curl -O --output-dir DIR <list" ;;
	esac
}

# measure TARGET DIR WORKLOAD TOOL: one timed run; appends the time to
# times[TARGET.WORKLOAD.TOOL] or records the failure in fails[...].
declare -A times fails
measure() {
	local target=$1 dir=$2 w=$3 tool=$4 key=$1.$3.$4 out t0 t1 st
	local n bytes want_n want_bytes
	out=$dir/out
	rm -rf "$out"
	mkdir -p "$out"
	[ "$target" = disk ] && sync
	t0=$(date +%s%N)
	st=0
	timeout "$LIMIT" bash -c "$(declare -f run_tool); $(declare -p \
		LANES J); run_tool \"\$@\"" _ "$tool" "$srv/$w.list" "$out" \
		>"$srv/stdout" 2>"$srv/stderr" || st=$?
	t1=$(date +%s%N)
	n=$(find "$out" -type f | wc -l)
	bytes=$(find "$out" -type f -printf '%s\n' |
		awk '{ s += $1 } END { print s + 0 }')
	if [ "$w" = small ]; then
		want_n=$SMALL_N want_bytes=$small_bytes
	else
		want_n=1 want_bytes=$big_bytes
	fi
	if [ "$st" -ne 0 ] || [ "$n" -ne "$want_n" ] ||
		[ "$bytes" -ne "$want_bytes" ]; then
		fails[$key]="exit $st, $n files, $bytes bytes"
		note "$key failed: ${fails[$key]}: $(head -c 300 "$srv/stderr")"
	fi
	times[$key]+=" $(awk -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
	rm -rf "$out"
}

median() {
	printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 }
		END { print v[int((NR + 1) / 2)] }'
}

for target in $TARGETS; do
	case $target in
	tmpfs) dir=$(mktemp -d "$TMPFS/lanes-bench-out.XXXXXX") ;;
	disk)
		mkdir -p "$DISK"
		dir=$(mktemp -d "$DISK/out.XXXXXX")
		;;
	*) die "unknown target '$target' in TARGETS" ;;
	esac
	outs+=("$dir")
	for ((r = 1; r <= ROUNDS; r++)); do
		for w in small big; do
			for tool in "${tools[@]}"; do
				note "$target, $w, $tool: round $r of $ROUNDS"
				measure "$target" "$dir" "$w" "$tool"
			done
		done
	done
done

cores=$(nproc)
echo "### Downloads: $SMALL_N files of $SMALL_KB KiB, one file of $BIG_MB MiB"
echo
echo "$cores cores, Linux $(uname -r); $(nginx -v 2>&1 | sed 's/.*: //')" \
	"on 127.0.0.1, plain HTTP/1.1; $J transfers at a time;"
echo "$(curl --version | head -n 1 | cut -d' ' -f1-3);" \
	"$(aria2c --version 2>/dev/null | head -n 1 || echo 'no aria2c');" \
	"$(wget2 --version 2>/dev/null | head -n 1 | cut -d' ' -f1-3 ||
		echo 'no wget2')."
echo "Median wall time of $ROUNDS round(s); \"vs lanes\" is the tool's time"
echo "divided by lanes' (above 1: lanes is faster). MB is 10^6 bytes."
for target in $TARGETS; do
	echo
	case $target in
	tmpfs) echo "#### Output on tmpfs ($TMPFS)" ;;
	disk) echo "#### Output on disk ($DISK," \
		"$(df -T "$DISK" | awk 'NR == 2 { print $2 }'))" ;;
	esac
	echo
	echo "| tool | command | small: s | files/s | vs lanes |" \
		"large: s | MB/s | vs lanes |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	ls_small=$(median "${times[$target.small.lanes]-0}")
	ls_big=$(median "${times[$target.big.lanes]-0}")
	for tool in "${tools[@]}"; do
		s=$(median "${times[$target.small.$tool]}")
		b=$(median "${times[$target.big.$tool]}")
		cells=$(awk -v s="$s" -v b="$b" -v ls="$ls_small" \
			-v lb="$ls_big" -v n="$SMALL_N" -v bytes="$big_bytes" \
			'BEGIN {
				rs = ls > 0 ? sprintf("%.2f", s / ls) : "-"
				rb = lb > 0 ? sprintf("%.2f", b / lb) : "-"
				printf "%.3f | %.0f | %s | %.3f | %.0f | %s", \
				    s, n / s, rs, b, bytes / 1e6 / b, rb
			}')
		for w in small big; do
			if [ -n "${fails[$target.$w.$tool]-}" ]; then
				cells+=" (${w}: FAILED ${fails[$target.$w.$tool]})"
			fi
		done
		echo "| $tool | \`$(command_text "$tool")\` | $cells |"
	done
done
