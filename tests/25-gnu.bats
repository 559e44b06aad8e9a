#!/usr/bin/env bats
# GNU parallel habits: each case was run side by side with GNU parallel
# 20221122 (Debian's package); the expected output below is what GNU
# printed, written out so the tests do not need GNU parallel installed.
# Where lanes differs on purpose, the README's "Where lanes differs" says
# why and the test says so.

load helpers/common

# --- linking sources -----------------------------------------------------

@test ":::+ links to the source before it and stops at the shortest" {
	# parallel -k echo ::: a b c :::+ 1 2
	run --separate-stderr "$LANES" -k echo ::: a b c :::+ 1 2
	assert_success
	assert_output $'a 1\nb 2'
	assert_no_stderr
	# parallel -k echo ::: a b :::+ 1 2 3 :::+ X Y Z W
	run --separate-stderr "$LANES" -k echo ::: a b :::+ 1 2 3 :::+ X Y Z W
	assert_success
	assert_output $'a 1 X\nb 2 Y'
	assert_no_stderr
}

@test ":::+ links within a product" {
	# parallel -k echo ::: a b c ::: x y :::+ 1 2 3
	run --separate-stderr "$LANES" -k echo ::: a b ::: x y :::+ 1 2 3
	assert_success
	assert_output $'a x 1\na y 2\nb x 1\nb y 2'
	assert_no_stderr
}

@test "::::+ links a file the same way" {
	printf '1\n2\n3\n' >f
	# parallel -k echo ::: a b ::::+ f
	run --separate-stderr "$LANES" -k echo ::: a b ::::+ f
	assert_success
	assert_output $'a 1\nb 2'
	assert_no_stderr
}

@test "--link wraps the shorter sources around, also over :::+" {
	# parallel -k --link echo ::: a b c ::: 1 2
	run --separate-stderr "$LANES" -k --link echo ::: a b c ::: 1 2
	assert_success
	assert_output $'a 1\nb 2\nc 1'
	assert_no_stderr
	# parallel -k --link echo ::: a b c :::+ 1 2
	run --separate-stderr "$LANES" -k --link echo ::: a b c :::+ 1 2
	assert_success
	assert_output $'a 1\nb 2\nc 1'
	assert_no_stderr
}

# --- --colsep and trimming ------------------------------------------------

@test "--colsep trims white space around each column (implied --trim rl)" {
	# printf ' a , b \n' | parallel -C , printf '[%s]' {1} {2}
	printf ' a , b \n' >in
	run --separate-stderr "$LANES" -C , printf '[%s]' {1} {2} <in
	assert_success
	assert_output '[a][b]'
	assert_no_stderr
	# parallel -C , echo {} ::: ' a ,b '
	run --separate-stderr "$LANES" -C , echo {} ::: ' a ,b '
	assert_success
	assert_output 'a b'
	assert_no_stderr
}

@test "--colsep ' ' keeps empty columns, leading and trailing ones too" {
	# printf ' a  b \n' | parallel -C ' ' printf '[%s]' {1} {2} {3} {4} {5}
	printf ' a  b \n' >in
	run --separate-stderr "$LANES" -C ' ' printf '[%s]' {1} {2} {3} {4} \
	    {5} <in
	assert_success
	assert_output '[][a][][b][]'
	assert_no_stderr
}

@test "--colsep: empty and missing columns, as GNU parallel splits" {
	# for s in 'a,b,,' 'a,,b' ',a' ' , ' '' 'a, ,'; do
	#   printf '%s\n' "$s" | parallel -C , printf "'[%s]'" {1} {2} {3} {4}
	printf '%s\n' 'a,b,,' 'a,,b' ',a' ' , ' '' 'a, ,' >in
	run --separate-stderr "$LANES" -k -q -C , sh -c \
	    'printf "[%s]" "$@"; echo' sh {1} {2} {3} {4} <in
	assert_success
	assert_output $'[a][b][][]\n[a][][b]\n[][a]\n[][]\n[]\n[a][][]'
	assert_no_stderr
}

# --- -m / -X --------------------------------------------------------------

@test "-X and -m spread a short input over the job slots" {
	# seq 5 | parallel -j2 -k -X echo
	seq 5 >in
	run --separate-stderr "$LANES" -j2 -k -X echo <in
	assert_success
	assert_output $'1 2 3\n4 5'
	assert_no_stderr
	# seq 10 | parallel -j4 -k -m echo
	seq 10 >in
	run --separate-stderr "$LANES" -j4 -k -m echo <in
	assert_success
	assert_output $'1 2 3\n4 5 6\n7 8 9\n10'
	assert_no_stderr
	# seq 3 | parallel -j8 -k -m echo
	seq 3 >in
	run --separate-stderr "$LANES" -j8 -k -m echo <in
	assert_success
	assert_output $'1\n2\n3'
	assert_no_stderr
}

@test "-m -n: a full job is not spread, only the one the input ends in" {
	# seq 5 | parallel -j3 -k -m -n 4 echo
	seq 5 >in
	run --separate-stderr "$LANES" -j3 -k -m -n 4 echo <in
	assert_success
	assert_output $'1 2 3 4\n5'
	assert_no_stderr
}

@test "-m -s 20 fills lines as GNU parallel and xargs count them" {
	# seq 30 | parallel -j2 -s 20 -k -m echo (xargs -s 20: the same
	# lines, but the last three on one line: xargs does not spread)
	seq 30 >in
	run --separate-stderr "$LANES" -j2 -s 20 -k -m echo <in
	assert_success
	assert_output "$(printf '%s\n' '1 2 3 4 5 6 7' '8 9 10 11 12' \
	    '13 14 15 16 17' '18 19 20 21 22' '23 24 25 26 27' '28 29' '30')"
	assert_no_stderr
}

@test "-s counts the shell command line as it is run" {
	# seq 30 | parallel -j2 -s 20 -k -m echo '"x"'
	seq 30 >in
	run --separate-stderr "$LANES" -j2 -s 20 -k -m echo '"x"' <in
	assert_success
	assert_output "$(printf 'x %s\n' '1 2 3 4 5' '6 7 8 9 10' '11 12 13' \
	    '14 15 16' '17 18 19' '20 21 22' '23 24 25' '26 27 28' 29 30)"
	assert_no_stderr
}

@test "60,000 arguments: -m, -X lines stay within 128 KiB, as xargs" {
	# GNU parallel 20221122 makes lines of about 64 KB here; xargs and
	# lanes of up to 131072 bytes (the default -s).
	local tmpl
	seq -f 'file%g.txt' 60000 >in
	for tmpl in 'echo' 'echo a{}b{}c' 'echo {.}' 'echo "{}"'; do
		run_out out "$LANES" -m $tmpl <in
		assert_success
		awk -v t="$tmpl" '{ if (length($0) + 1 > 131072) {
		    print t ": " length($0); exit 1 } }' out
	done
	run_out out "$LANES" -k -j1 -m echo <in
	assert_equal "$(wc -w <out)" 60000
	assert_equal "$(wc -l <out)" 7
	run_out out "$LANES" -k -j1 -I :: -X echo x:: <in
	assert_equal "$(tr ' ' '\n' <out | sed -n '1p;$p')" \
	    $'xfile1.txt\nxfile60000.txt'
	awk '{ if (length($0) + 1 > 131072) exit 1 }' out
}

@test "a record longer than -s is refused: command line too long, 255" {
	# printf 'a\nbbbbbbbbbbbbbbbbb\nc\n' | parallel -k -s 10 -m echo
	#   a; parallel: Error: Command line too long (22 >= 10) ...; 255
	printf 'a\nbbbbbbbbbbbbbbbbb\nc\n' >in
	run --separate-stderr "$LANES" -j1 -k -s 10 -m echo <in
	assert_equal "$status" 255
	assert_output 'a'
	assert_stderr "lanes: command line too long for -s 10 (23 bytes) \
at record 2: 'bbbbbbbbbbbbbbbbb'"
	# Without -m too (GNU does not run "a" then: it reads ahead).
	run --separate-stderr "$LANES" -j1 -k -s 10 echo <in
	assert_equal "$status" 255
	assert_output 'a'
	assert_stderr "lanes: command line too long for -s 10 (23 bytes) \
at record 2: 'bbbbbbbbbbbbbbbbb'"
}

# --- replacement strings --------------------------------------------------

@test "-N 2 with one record left: {2} is empty, not ''" {
	# seq 5 | parallel -k -N2 echo {1}-{2}
	seq 5 >in
	run --separate-stderr "$LANES" -k -N2 echo {1}-{2} <in
	assert_success
	assert_output $'1-2\n3-4\n5-'
	assert_no_stderr
	# seq 3 | parallel -k -N2 printf '[%s]' {1} {2}
	seq 3 >in
	run --separate-stderr "$LANES" -k -N2 printf '[%s]' {1} {2} <in
	assert_success
	assert_output '[1][2][3]'
	assert_no_stderr
}

@test "-C with a missing column: nothing, not ''" {
	# echo a | parallel -C ' ' printf '[%s]' {1} {2}
	run --separate-stderr "$LANES" -C ' ' printf '[%s]' {1} {2} ::: a
	assert_success
	assert_output '[a]'
	assert_no_stderr
}

@test "a command that starts with a replacement string is shell code" {
	# parallel '{} x' ::: 'echo a'
	run --separate-stderr "$LANES" '{} x' ::: 'echo a'
	assert_success
	assert_output 'a x'
	assert_no_stderr
	# parallel --dry-run '{1} {2}' ::: 'echo a' ::: 'b c'
	run --separate-stderr "$LANES" --dry-run '{1} {2}' ::: 'echo a' \
	    ::: 'b c'
	assert_success
	assert_output 'echo a b c'
	assert_no_stderr
	# parallel --dry-run ' {} x' ::: 'echo a': a blank first, quoted
	run --separate-stderr "$LANES" ' {} x' ::: 'echo a'
	assert_failure
}

@test "{= perl =} is refused, naming the expression" {
	# GNU parallel runs the Perl; lanes has none and says so.
	run --separate-stderr "$LANES" echo '{= s/a/b/ =}' ::: a
	assert_equal "$status" 255
	assert_output ''
	assert_stderr --partial \
	    "lanes: '{= s/a/b/ =}': Perl expressions cannot run in lanes;"
}

# --- the environment of a job ---------------------------------------------

@test "PARALLEL_SEQ, PARALLEL_JOBSLOT and PARALLEL_PID are set" {
	# parallel -j1 -k 'echo $PARALLEL_SEQ $PARALLEL_JOBSLOT' ::: a b
	#   1 1 / 2 1; $PARALLEL_PID is the pid of parallel itself.
	printf '#!/bin/sh\necho "$PARALLEL_SEQ $PARALLEL_JOBSLOT $1"\n%s\n' \
	    'test "$PARALLEL_PID" = "$PPID" && echo same' >penv
	chmod +x penv
	PARALLEL_SEQ=9 PARALLEL_PID=1 \
	    run --separate-stderr "$LANES" -j1 -k ./penv ::: a b
	assert_success
	assert_output $'1 1 a\nsame\n2 1 b\nsame'
	assert_no_stderr
}

# --- a word where GNU parallel says one -----------------------------------

# Run lanes with a pseudo-terminal as standard input that holds "x" and
# then end-of-file (Ctrl-D).
on_tty() {
	python3 -c '
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=s)
os.close(s)
os.write(m, b"x\n\x04")
sys.exit(p.wait(timeout=60))' "$@"
}

@test "records read from a terminal: one line says so" {
	# GNU parallel: "Warning: Input is read from the terminal. ..."
	run --separate-stderr on_tty "$LANES" echo
	assert_success
	assert_output 'x'
	assert_stderr "lanes: reading records from the terminal; end them \
with Ctrl-D (or give them with :::, -a FILE or a pipe)"
	run --separate-stderr on_tty "$LANES" echo ::: a
	assert_success
	assert_output 'a'
	assert_no_stderr
}
