#!/usr/bin/env bats
# Command templates: replacement strings, quoting, direct and shell
# execution, the job's environment, and commands that cannot run.

load helpers/common

# --- replacement strings -------------------------------------------------

@test "{} is the record" {
	run --separate-stderr "$LANES" -k echo 'x{}y' ::: a b
	assert_success
	assert_output $'xay\nxby'
	assert_no_stderr
}

@test "{} may appear several times" {
	run --separate-stderr "$LANES" -k echo '{}{}' '{}' ::: a
	assert_success
	assert_output 'aa a'
	assert_no_stderr
}

@test "{.} removes the extension" {
	run --separate-stderr "$LANES" -k "$FIX/args" '{.}' ::: a.tar.gz \
	    dir/b.c .hidden noext dir.d/file /x/y/z.c x/.y
	assert_success
	assert_output "$(printf '[%s]\n' a.tar dir/b .hidden noext dir.d/file \
	    /x/y/z x/.y)"
	assert_no_stderr
}

@test "{/} is the basename" {
	run --separate-stderr "$LANES" -k "$FIX/args" '{/}' ::: /x/y/z.c z.c \
	    a/b /x
	assert_success
	assert_output "$(printf '[%s]\n' z.c z.c b x)"
	assert_no_stderr
}

@test "{//} is the dirname" {
	run --separate-stderr "$LANES" -k "$FIX/args" '{//}' ::: /x/y/z.c z.c \
	    a/b /x
	assert_success
	assert_output "$(printf '[%s]\n' /x/y . a /)"
	assert_no_stderr
}

@test "{/.} is the basename without extension" {
	run --separate-stderr "$LANES" -k "$FIX/args" '{/.}' ::: /x/y/z.c \
	    a.tar.gz d.d/f
	assert_success
	assert_output "$(printf '[%s]\n' z a.tar f)"
	assert_no_stderr
}

@test "{#} is the sequence number in input order" {
	run --separate-stderr "$LANES" -k -j4 echo '{#}' '{}' ::: a b c d e
	assert_success
	assert_output $'1 a\n2 b\n3 c\n4 d\n5 e'
	assert_no_stderr
}

@test "{#} counts jobs, not records, with -N" {
	run --separate-stderr "$LANES" -k -N2 echo '{#}' ::: a b c d e
	assert_success
	assert_output $'1\n2\n3'
	assert_no_stderr
}

@test "{%} is 1 with -j1" {
	run --separate-stderr "$LANES" -k -j1 echo '{%}' ::: a b c
	assert_success
	assert_output $'1\n1\n1'
	assert_no_stderr
}

@test "{%} is a slot between 1 and N" {
	run --separate-stderr "$LANES" -k -j2 echo '{%}' ::: $(seq 10)
	assert_success
	assert_no_stderr
	assert_equal "${#lines[@]}" 10
	local l
	for l in "${lines[@]}"; do
		[[ $l == 1 || $l == 2 ]] || fail "slot '$l' is not 1 or 2"
	done
}

@test "{%}: jobs running at the same time have different slots" {
	# chain makes the three jobs overlap.
	run --separate-stderr "$LANES" -k -j3 -q \
	    sh -c '"$0" "$1" "$2" 3 && echo "$3"' \
	    "$FIX/chain" "$T" '{}' '{%}' ::: 1 2 3
	assert_success
	assert_equal "$(printf '%s\n' "${lines[@]}" | grep -v job | sort |
	    tr '\n' ' ')" '1 2 3 '
	assert_stderr $'job 1 err\njob 2 err\njob 3 err'
}

@test "{n} picks the n-th source" {
	run --separate-stderr "$LANES" -k echo '{2}' '{1}' ::: a b ::: 1 2
	assert_success
	assert_output $'1 a\n2 a\n1 b\n2 b'
	assert_no_stderr
}

@test "{n.} {n/} {n//} {n/.} modify the n-th source" {
	run --separate-stderr "$LANES" -k "$FIX/args" '{1.}' '{1/}' '{1//}' \
	    '{1/.}' '{2/}' ::: /p/q.r ::: x/y.z
	assert_success
	assert_output "$(printf '[%s]\n' /p/q q.r /p q y.z)"
	assert_no_stderr
}

@test "{-n} counts from the last source" {
	run --separate-stderr "$LANES" -k echo '{-1}' '{-2}' '{-3}' ::: a \
	    ::: b ::: c
	assert_success
	assert_output 'c b a'
	assert_no_stderr
}

@test "{-n} takes modifiers too" {
	run --separate-stderr "$LANES" -k echo '{-1/}' '{-2.}' ::: d/a.b ::: \
	    e/f.g
	assert_success
	assert_output 'f.g d/a'
	assert_no_stderr
}

@test "{n} with -N picks the n-th record of the job" {
	run --separate-stderr "$LANES" -k -N3 echo '{3}' '{1}' ::: a b c d e f
	assert_success
	assert_output $'c a\nf d'
	assert_no_stderr
}

@test "a position beyond the arguments is missing: no word, not ''" {
	run --separate-stderr "$LANES" -k "$FIX/args" 'x{3}y' '{-5}' ::: a \
	    ::: b
	assert_success
	assert_output '[xy]'
	assert_no_stderr
}

@test "a brace sequence that is no replacement string is literal" {
	run --separate-stderr "$LANES" -k "$FIX/args" '{foo}' '{' '}' '{1x}' \
	    '{}' ::: a
	assert_success
	assert_output $'[{foo}]\n[{]\n[}]\n[{1x}]\n[a]'
	assert_no_stderr
}

@test "-I STR replaces STR instead of {}" {
	run --separate-stderr "$LANES" -k -I XX echo XX-XX ::: a b
	assert_success
	assert_output $'a-a\nb-b'
	assert_no_stderr
}

@test "-I STR: {} is then literal, the other forms keep working" {
	run --separate-stderr "$LANES" -k -I @ "$FIX/args" '{}' @ '{1}' \
	    '{.}' ::: f.c
	assert_success
	assert_output $'[{}]\n[f.c]\n[f.c]\n[f]'
	assert_no_stderr
}

@test "no replacement string: the record is appended as one argument" {
	run --separate-stderr "$LANES" -k "$FIX/args" pre ::: 'a  b'
	assert_success
	assert_output $'[pre]\n[a  b]'
	assert_no_stderr
}

@test "no replacement string, several sources: one argument each" {
	run --separate-stderr "$LANES" -k "$FIX/args" ::: 'a b' ::: 'c d'
	assert_success
	assert_output $'[a b]\n[c d]'
	assert_no_stderr
}

# --- quoting -------------------------------------------------------------

@test "values are quoted: 'a  b' '\$(id)' '*' print as given" {
	run --separate-stderr "$LANES" -k echo ::: 'a  b' '$(id)' '*'
	assert_success
	assert_output $'a  b\n$(id)\n*'
	assert_no_stderr
}

@test "values are quoted inside a shell template" {
	run --separate-stderr "$LANES" -k 'echo {} | tr a-z A-Z' ::: 'a  b' \
	    '$(id)' '*' "it's" '`id`' '$HOME' 'a;b' '~' '"q"'
	assert_success
	assert_output "$(printf '%s\n' 'A  B' '$(ID)' '*' "IT'S" '`ID`' \
	    '$HOME' 'A;B' '~' '"Q"')"
	assert_no_stderr
}

@test "a value with a newline stays one argument" {
	printf 'a\nb\0' >in
	run --separate-stderr "$LANES" -k -0 'printf "<%s>" {} x' <in
	assert_success
	assert_output $'<a\nb><x>'
	assert_no_stderr
}

@test "a value starting with - is an argument, not an option" {
	run --separate-stderr "$LANES" -k "$FIX/args" ::: -n --help -
	assert_success
	assert_output $'[-n]\n[--help]\n[-]'
	assert_no_stderr
}

@test "direct and shell execution give identical results" {
	local -a vals=('a  b' '$(id)' '*' "it's" $'tab\there' -n ''
	    'back\slash' 'ü' '$HOME' '~user' 'a;b|c&d' '"dq"' '{}' '%s'
	    ' lead' 'trail ')
	# No shell syntax in the template: direct execution.
	run --separate-stderr "$LANES" -k printf '%s=,' '{}' x ::: "${vals[@]}"
	assert_success
	assert_no_stderr
	local direct=$output
	# Quotes in the template: /bin/sh.
	run --separate-stderr "$LANES" -k "printf '%s=,' {} x" ::: "${vals[@]}"
	assert_success
	assert_no_stderr
	assert_output "$direct"
	# And both are what printf itself gives.
	assert_output "$(printf '%s=,x=,' "${vals[@]}")"
}

@test "a record with no command is a command line" {
	printf 'echo a\necho b | tr b B\nprintf "%%s\\n" "c  d"\n' >in
	run --separate-stderr "$LANES" -k <in
	assert_success
	assert_output $'a\nB\nc  d'
	assert_no_stderr
}

@test "records as commands, plain and shell, give the same results" {
	run --separate-stderr "$LANES" -k ::: 'echo a  b' 'echo a  b;' \
	    "printf '%s\\n' x" 'printf %s. x'
	assert_success
	assert_output $'a b\na b\nx\nx.'
	assert_no_stderr
}

@test "-q runs the command's words as given" {
	run --separate-stderr "$LANES" -k -q printf '%s;%s\n' '{}' 'a b' ::: x
	assert_success
	assert_output 'x;a b'
	assert_no_stderr
}

@test "-q keeps each word whole" {
	run --separate-stderr "$LANES" -k -q sh -c 'echo "[$1]"' sh ::: \
	    'a  b' '$(id)'
	assert_success
	assert_output $'[a  b]\n[$(id)]'
	assert_no_stderr
}

@test "--shell runs shell syntax with \$SHELL" {
	SHELL=/bin/bash run --separate-stderr "$LANES" -k --shell \
	    'echo ${BASH_VERSION:+bash}' ::: x
	assert_success
	assert_output 'bash x'
	assert_no_stderr
}

@test "without --shell, shell syntax runs with /bin/sh" {
	[ "$(readlink -f /bin/sh)" != "$(readlink -f /bin/bash)" ] ||
		skip "/bin/sh is bash here"
	SHELL=/bin/bash run --separate-stderr "$LANES" -k \
	    'echo ${BASH_VERSION:+bash}' ::: x
	assert_success
	assert_output 'x'
	assert_no_stderr
}

@test "-m sizes a shell program from a value as the shell line it is" {
	# Issue 12: 'cd' as the program sends the job to sh -c, where each
	# value is quoted, ~4x its length; the line must still fit in one
	# argument (MAX_ARG_STRLEN, 128 KiB). A blank first: a command that
	# starts with {} would be the values as shell code, as in GNU
	# parallel. -j1: no slots to spread the input's end over.
	{ echo cd; yes "''''''''''" | head -30000; } >f
	run --separate-stderr "$LANES" -j1 --dry-run -m ' {} ' :::: f
	assert_success
	assert_no_stderr
	local line words=0
	for line in "${lines[@]}"; do
		[ "${#line}" -lt 131072 ] || fail "line of ${#line} bytes"
		set -- $line
		words=$((words + $#))
	done
	assert_equal "$words" 30001
	assert_equal "${#lines[@]}" 10
	assert_line --index 0 --regexp "^ cd '"
}

@test "-m with a shell program from a value runs without E2BIG" {
	{ echo cd; yes "''''''''''" | head -30000; } >f
	run --separate-stderr "$LANES" -m ' {} ' :::: f
	refute_stderr_line --partial 'command line too long'
	refute_stderr_line --regexp '^lanes:'
}

# --- the job's environment -----------------------------------------------

@test "LANES_SEQ and LANES_SLOT are set for each job" {
	run --separate-stderr "$LANES" -k -j1 -N0 printenv LANES_SEQ \
	    LANES_SLOT ::: a b c
	assert_success
	assert_output $'1\n1\n2\n1\n3\n1'
	assert_no_stderr
}

@test "LANES_SEQ is {#} and LANES_SLOT is {%}" {
	run --separate-stderr "$LANES" -k -j3 \
	    'test "$LANES_SEQ" = {#} && test "$LANES_SLOT" = {%} && echo {}' \
	    ::: $(seq 12)
	assert_success
	assert_output "$(seq 12)"
	assert_no_stderr
}

@test "the rest of the environment is passed on" {
	LANES_TEST_VAR='x y' run --separate-stderr "$LANES" -N0 printenv \
	    LANES_TEST_VAR ::: 1
	assert_success
	assert_output 'x y'
	assert_no_stderr
}

@test "a job's stdin is /dev/null" {
	run --separate-stderr "$LANES" -N0 readlink /proc/self/fd/0 ::: 1
	assert_success
	assert_output /dev/null
	assert_no_stderr
}

@test "a job does not eat the input records" {
	printf 'a\nb\nc\n' >in
	run --separate-stderr "$LANES" -k -j1 'cat; echo {}' <in
	assert_success
	assert_output $'a\nb\nc'
	assert_no_stderr
}

@test "each job leads its own process group" {
	# Field 5 of /proc/PID/stat is the process group.
	run --separate-stderr "$LANES" -k -N0 \
	    'read -r p c s pp pg rest </proc/$$/stat;
	    test "$pg" = $$ && echo own' ::: 1 2
	assert_success
	assert_output $'own\nown'
	assert_no_stderr
}

# --- commands that cannot run --------------------------------------------

@test "command not found: job fails, message, others still run" {
	run --separate-stderr "$LANES" -k -j1 ::: 'echo a' nosuchcmd_lanes \
	    'echo b'
	assert_equal "$status" 1
	assert_output $'a\nb'
	assert_stderr "lanes: job 2: 'nosuchcmd_lanes': command not found"
}

@test "command not found in a template: each job fails" {
	run --separate-stderr "$LANES" -k -j1 nosuchcmd_lanes ::: a b c
	assert_equal "$status" 3
	assert_output ''
	assert_stderr "$(printf \
	    "lanes: job %s: 'nosuchcmd_lanes': command not found\n" 1 2 3)"
}

@test "command not found: a path that does not exist" {
	run --separate-stderr "$LANES" "$T/nonexistent" ::: a
	assert_equal "$status" 1
	assert_output ''
	assert_stderr "lanes: job 1: '$T/nonexistent': command not found"
}

@test "not executable: job fails with permission denied" {
	printf '#!/bin/sh\necho hi\n' >noexec
	chmod 644 noexec
	run --separate-stderr "$LANES" -k -j1 ::: 'echo a' "$T/noexec x" \
	    'echo b'
	assert_equal "$status" 1
	assert_output $'a\nb'
	assert_stderr "lanes: job 2: '$T/noexec': permission denied"
}

@test "a directory as command: permission denied" {
	mkdir d
	run --separate-stderr "$LANES" "$T/d" ::: a
	assert_equal "$status" 1
	assert_output ''
	assert_stderr "lanes: job 1: '$T/d': permission denied"
}

@test "command not found in shell mode: the shell's 127 is a failure" {
	run --separate-stderr "$LANES" -k 'nosuchcmd_lanes {}; exit 127' ::: a
	assert_equal "$status" 1
	assert_output ''
	assert_stderr --partial 'nosuchcmd_lanes'
}
