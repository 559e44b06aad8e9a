#!/usr/bin/env bats
# The README's examples run as written. Each ```sh block is taken from
# README.md under its section's heading and run by bash in a fresh
# directory that looks like the top of a clone (./lanes, cmd/), so an
# example that needs input it does not make, or races a server, fails
# here. Sections whose examples need what a test cannot have are listed
# in SKIP with the reason; a block in any other section must be in RUN.
# bats file_tags=slow

load helpers/common

README=$BATS_TEST_DIRNAME/../README.md
RUN=("Try it" "Job control" "Bulk data: --pipe and --pipe-part" "Downloads")
SKIP=("Set-up"		# installs packages and runs this very suite
      "On a Slurm allocation"	# salloc: tests/90-slurm.bats covers it
      "Remote hosts"	# hosts h1..h3: tests/90-ssh.bats covers it
      "Install")	# system-wide: tests/06-completion.bats stages it

# sections_with_blocks: the heading of each ```sh block, one a line.
sections_with_blocks() {
	awk '/^#+ / { h = $0; sub(/^#+ /, "", h) }
	     /^```sh$/ { print h }' "$README"
}

# block SECTION: the ```sh blocks of SECTION, concatenated.
block() {
	awk -v want="$1" '
	     /^#+ / { h = $0; sub(/^#+ /, "", h); next }
	     /^```sh$/ { inb = (h == want); next }
	     /^```$/ { inb = 0; next }
	     inb' "$README"
}

# run_section SECTION [SED]: run SECTION's blocks in $T/w with bash; stdout
# in $T/out, stderr in $T/err, status in $status. SED edits the block
# first (the downloads' port). Background jobs the block leaves are
# killed and make it fail.
run_section() {
	mkdir -p "$T/w"
	ln -s "$LANES" "$T/w/lanes"
	ln -s "$REPO/cmd" "$T/w/cmd"
	block "$1" | sed -e "${2:-}" >"$T/ex.sh"
	[ -s "$T/ex.sh" ] || fail "README.md has no sh block under '$1'"
	cat >>"$T/ex.sh" <<-'EOF'
	for i in $(seq 50); do [ -z "$(jobs -pr)" ] && break; sleep 0.1; done
	left=$(jobs -pr)
	[ -z "$left" ] || { kill $left; echo "left running: $left" >&2; exit 99; }
	EOF
	status=0
	(cd "$T/w" && timeout 300 bash "$T/ex.sh" </dev/null >"$T/out" \
	    2>"$T/err" 3>&-) || status=$?
	output=$(cat "$T/out")
	stderr=$(cat "$T/err")
	mapfile -t lines <"$T/out"
	mapfile -t stderr_lines <"$T/err"
}

# The block ran to its end, no command was missing, lanes never refused
# its command line.
assert_ran_through() {
	[ "$status" -ne 99 ] || fail "a background job was left running: $stderr"
	[ "$status" -ne 124 ] || fail "timed out"
	[ -n "$stderr" ] || return 0
	refute_stderr_line --partial 'command not found'
	refute_stderr_line --partial "Try 'lanes --help'"
}

@test "every sh block of README.md is run or skipped for a reason" {
	local s ok k
	while IFS= read -r s; do
		ok=0
		for k in "${RUN[@]}" "${SKIP[@]}"; do
			[ "$s" = "$k" ] && ok=1
		done
		[ "$ok" = 1 ] || fail "README.md: a sh block under '$s': add it to RUN or SKIP in $BATS_TEST_FILENAME"
	done < <(sections_with_blocks)
	for k in "${RUN[@]}"; do
		[ -n "$(block "$k")" ] || fail "README.md: no sh block under '$k'"
	done
}

@test "README: Try it" {
	run_section "Try it"
	assert_ran_through
	assert_equal "$status" 0
	assert_no_stderr
	assert_line 'one'
	assert_line 'a 1'
	assert_line 'b 2'
	assert_line $'/etc/passwd\t'"$(wc -l </etc/passwd) /etc/passwd"
	assert_line "mv 'my notes.md' 'my notes.txt'"
	assert_line '25 bob'
	[ "$(gzip -dc "$T/w/archive/a.log.gz" | wc -l)" = 1000 ]
	[ -s "$T/w/archive/b.log.gz" ]
}

@test "README: Job control" {
	run_section "Job control"
	assert_ran_through
	assert_line 'try 3'
	assert_line '2'				# --halt now,fail=1's status
	assert_line '/dev/null'			# the jq example
	assert_line --regexp '^1 0 [0-9]+ cmd/agent\.c$'	# the python one
	assert_stderr_line --partial 'timed out'
	[ -s "$T/w/run.log" ]
}

@test "README: Bulk data" {
	run_section "Bulk data: --pipe and --pipe-part"
	assert_ran_through
	assert_equal "$status" 0
	assert_no_stderr
	assert_line '200000'
	assert_line '2'				# a FASTA entry's lines
	assert_line 'id,v'
	local sum=0 n
	# The --pipe and --pipe-part counts of seq 1000000: twice 1000000.
	for n in "${lines[@]}"; do
		[[ $n =~ ^[0-9]+$ ]] && [ "$n" -gt 1000 ] && [ "$n" != 200000 ] &&
		    sum=$((sum + n))
	done
	assert_equal "$sum" 2000000
}

@test "README: Downloads, with its server on a free port" {
	local port
	port=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	run_section "Downloads" "s/8000/$port/g"
	assert_ran_through
	assert_line --regexp $'^ok\t200\t3893\t.*\tdl/numbers.txt\t'
	assert_line --regexp $'^failed\t404\t0\t.*\tdl/missing.txt\t.*404'
	assert_line --regexp $'^exists\t.*\tdl/today.txt\t'
	assert_line --regexp $'^ok\t200\t3893\t.*\tdl/count.txt\t'
	assert_line --regexp "protocol 'file' not allowed"
	cmp "$T/w/site/numbers.txt" "$T/w/dl/count.txt"
}
