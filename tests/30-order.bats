#!/usr/bin/env bats
# Output: ordering, grouping, line buffering, tags, -v and --dry-run.
#
# Tests whose assertion depends on the order in which jobs finish use the
# chain fixture, which forces jobs to finish last-first without relying on
# timing. Tests that only compare two runs use sleeps to stir the order.

load helpers/common

# The non-blank characters of stdin, sorted: what is left of output once
# the order of its pieces is ignored.
sorted_chars() {
	tr -d ' \n' | fold -w1 | LC_ALL=C sort | tr -d '\n'
}

# --- order ---------------------------------------------------------------

@test "default order is completion order: last-first jobs print reversed" {
	run --separate-stderr "$LANES" -j4 "$FIX/chain" "$T" '{}' 4 ::: 1 2 3 4
	assert_success
	assert_output $'job 4\njob 3\njob 2\njob 1'
	assert_stderr $'job 4 err\njob 3 err\njob 2 err\njob 1 err'
}

@test "-k prints in input order although jobs finish last-first" {
	run --separate-stderr "$LANES" -k -j4 "$FIX/chain" "$T" '{}' 4 ::: \
	    1 2 3 4
	assert_success
	assert_output $'job 1\njob 2\njob 3\njob 4'
	assert_stderr $'job 1 err\njob 2 err\njob 3 err\njob 4 err'
}

@test "-k: -j1 and -j8 give byte-identical stdout and stderr" {
	run_out out1 "$LANES" -k -j1 "$FIX/revsleep" '{}' 6 ::: $(seq 6)
	assert_success
	local err1=$stderr
	run_out out8 "$LANES" -k -j8 "$FIX/revsleep" '{}' 6 ::: $(seq 6)
	assert_success
	assert_same_file out1 out8
	assert_equal "$stderr" "$err1"
	assert_equal "$err1" "$(printf 'job %s err\n' 1 2 3 4 5 6)"
	assert_equal "$(head -1 out1)" 'job 1 line 1'
	assert_equal "$(wc -l <out1)" 18
}

@test "-k with 200 quick jobs keeps input order" {
	run --separate-stderr "$LANES" -k -j8 echo ::: $(seq 200)
	assert_success
	assert_output "$(seq 200)"
	assert_no_stderr
}

@test "-k with records as commands keeps input order" {
	run --separate-stderr "$LANES" -k -j4 ::: 'sleep 0.3; echo a' \
	    'sleep 0.2; echo b' 'echo c'
	assert_success
	assert_output $'a\nb\nc'
	assert_no_stderr
}

# --- grouping ------------------------------------------------------------

@test "grouped output never interleaves" {
	run --separate-stderr "$LANES" -j4 "$FIX/slowlines" '{}' 15 ::: \
	    a b c d
	assert_success
	assert_no_stderr
	assert_equal "${#lines[@]}" 60
	assert_contiguous
}

@test "--group is the default" {
	run --separate-stderr "$LANES" --group -j4 "$FIX/slowlines" '{}' 10 \
	    ::: a b c d
	assert_success
	assert_no_stderr
	assert_equal "${#lines[@]}" 40
	assert_contiguous
}

@test "grouped stderr never interleaves either" {
	run --separate-stderr "$LANES" -j4 "$FIX/slowlines {} 10 >&2" ::: \
	    a b c d
	assert_success
	assert_output ''
	assert_equal "${#stderr_lines[@]}" 40
	lines=("${stderr_lines[@]}")
	output=$stderr
	assert_contiguous
}

@test "a job's stdout comes out whole, in its own order" {
	run --separate-stderr "$LANES" -k -j2 "$FIX/slowlines" '{}' 5 ::: a b
	assert_success
	assert_output "$(printf 'a %s\n' 1 2 3 4 5; printf 'b %s\n' 1 2 3 4 5)"
	assert_no_stderr
}

@test "output without a final newline is passed as it is" {
	run_out out "$LANES" -k printf '%s' ::: a b c
	assert_success
	assert_no_stderr
	printf 'abc' >expected
	assert_same_file expected out
}

# --- line buffering ------------------------------------------------------

@test "--line-buffer prints whole lines, never two jobs' halves" {
	run --separate-stderr "$LANES" --line-buffer -j4 "$FIX/slowlines" \
	    '{}' 10 ::: a b c d
	assert_success
	assert_no_stderr
	assert_equal "${#lines[@]}" 40
	local l
	for l in "${lines[@]}"; do
		[[ $l =~ ^[a-d]\ ([1-9]|10)$ ]] || fail "mixed line: '$l'"
	done
	local t
	for t in a b c d; do
		assert_equal "$(printf '%s\n' "${lines[@]}" | grep "^$t ")" \
		    "$(printf "$t %s\n" $(seq 10))"
	done
}

@test "--line-buffer: a last line without newline comes at job end" {
	run_out out "$LANES" --line-buffer -q -N0 printf 'x\ny' ::: 1
	assert_success
	assert_no_stderr
	printf 'x\ny' >expected
	assert_same_file expected out
}

@test "--line-buffer: stderr lines come through too" {
	run --separate-stderr "$LANES" --lb -k -j1 \
	    'echo out {}; echo err {} >&2' ::: a b
	assert_success
	assert_output $'out a\nout b'
	assert_stderr $'err a\nerr b'
}

# --- ungrouped -----------------------------------------------------------

@test "-u passes output straight through" {
	run --separate-stderr "$LANES" -u -j1 'echo out {}; echo err {} >&2' \
	    ::: a b
	assert_success
	assert_output $'out a\nout b'
	assert_stderr $'err a\nerr b'
}

@test "-u keeps every piece of output" {
	run --separate-stderr "$LANES" -u -j4 "$FIX/slowlines" '{}' 5 \
	    ::: a b c
	assert_success
	assert_no_stderr
	# Lines may mix; every piece must still arrive.
	assert_equal "$(printf '%s' "$output" | sorted_chars)" \
	    "$(for t in a b c; do printf "$t %s\n" 1 2 3 4 5; done |
	    sorted_chars)"
}

# --- tags ----------------------------------------------------------------

@test "--tag prefixes each line with the arguments and a TAB" {
	run --separate-stderr "$LANES" -k --tag -q printf 'x%s\ny\n' ::: a b
	assert_success
	assert_output $'a\txa\na\ty\nb\txb\nb\ty'
	assert_no_stderr
}

@test "--tag joins several sources' values with a space" {
	run --separate-stderr "$LANES" -k --tag echo ::: a b ::: 1
	assert_success
	assert_output $'a 1\ta 1\nb 1\tb 1'
	assert_no_stderr
}

@test "--tag uses the values unquoted" {
	run --separate-stderr "$LANES" -k --tag echo ::: 'a  b' '$x'
	assert_success
	assert_output $'a  b\ta  b\n$x\t$x'
	assert_no_stderr
}

@test "--tag tags stderr lines as well" {
	run --separate-stderr "$LANES" -k --tag \
	    'echo out {}; echo err {} >&2' ::: a
	assert_success
	assert_output $'a\tout a'
	assert_stderr $'a\terr a'
}

@test "--tag: every line of every job is tagged, run after run" {
	local i
	for i in $(seq 20); do
		run --separate-stderr "$LANES" -k -j2 --tag \
		    'echo X{}; echo Y{}' ::: a b c d
		assert_success
		assert_output "$(for t in a b c d; do
		    printf '%s\tX%s\n%s\tY%s\n' "$t" "$t" "$t" "$t"; done)"
		assert_no_stderr
	done
}

@test "--tagstring prefixes STR, expanded and unquoted, and a TAB" {
	run --separate-stderr "$LANES" -k --tagstring '{#}<{}>' echo ::: \
	    'a b' c
	assert_success
	assert_output $'1<a b>\ta b\n2<c>\tc'
	assert_no_stderr
}

@test "--tagstring with positional and modified values" {
	run --separate-stderr "$LANES" -k --tagstring '{2}:{1/.}' echo x ::: \
	    d/f.c ::: 7
	assert_success
	assert_output $'7:f\tx d/f.c 7'
	assert_no_stderr
}

@test "--tag with --line-buffer tags every line" {
	run --separate-stderr "$LANES" --lb --tag -j2 "$FIX/slowlines" '{}' 3 \
	    ::: a b
	assert_success
	assert_no_stderr
	assert_equal "${#lines[@]}" 6
	assert_line $'a\ta 3'
	local l
	for l in "${lines[@]}"; do
		[[ $l =~ ^([ab])$'\t'([ab])\ [1-3]$ ]] &&
		    [[ ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] ||
		    fail "badly tagged line: '$l'"
	done
}

# --- -v and --dry-run ----------------------------------------------------

@test "-v prints each command before its output" {
	run --separate-stderr "$LANES" -k -v echo ::: a b
	assert_success
	assert_output $'echo a\na\necho b\nb'
	assert_no_stderr
}

@test "-v shows values quoted" {
	run --separate-stderr "$LANES" -k -v echo ::: 'a b'
	assert_success
	assert_line -n 1 'a b'
	assert_equal "${#lines[@]}" 2
	# The shown command, run by a shell, does the same thing.
	assert_equal "$(sh -c "${lines[0]}")" 'a b'
	assert_no_stderr
}

@test "--dry-run prints the commands and runs nothing" {
	run --separate-stderr "$LANES" -k --dry-run touch "$T/ran" ::: a b
	assert_success
	assert_output "$(printf "touch $T/ran %s\n" a b)"
	assert_no_stderr
	[ ! -e "$T/ran" ] && [ ! -e a ]
}

@test "--dry-run quotes values: its output run by sh gives the real output" {
	local -a vals=('a  b' '$(id)' '*' "it's" $'tab\there' '' '`id`' '~'
	    'a;b' '"q"' '\' '-n')
	run --separate-stderr "$LANES" -k --dry-run "$FIX/args" x ::: \
	    "${vals[@]}"
	assert_success
	assert_no_stderr
	assert_equal "${#lines[@]}" "${#vals[@]}"
	printf '%s\n' "$output" >cmds
	run --separate-stderr sh cmds
	assert_success
	assert_output "$(for v in "${vals[@]}"; do "$FIX/args" x "$v"; done)"
}

@test "--dry-run of a shell template" {
	run --separate-stderr "$LANES" -k --dry-run 'echo {} | wc -c' ::: \
	    'a b'
	assert_success
	assert_no_stderr
	assert_output --partial '| wc -c'
	assert_equal "$(sh -c "$output")" 4
}

@test "--dry-run shows replacement strings expanded" {
	run --separate-stderr "$LANES" -k --dry-run echo '{#}' '{/.}' ::: \
	    d/x.c e/y.h
	assert_success
	assert_output $'echo 1 x\necho 2 y'
	assert_no_stderr
}

@test "--dry-run: records as commands are printed as they are" {
	run --separate-stderr "$LANES" -k --dry-run ::: 'echo a | tr a b' \
	    'touch x'
	assert_success
	assert_output $'echo a | tr a b\ntouch x'
	assert_no_stderr
	[ ! -e x ]
}
