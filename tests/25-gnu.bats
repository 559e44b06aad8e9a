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

# --- GNU parallel's and xargs' option spellings ---------------------------

@test "--header : names the --colsep columns; the header is no job" {
	# printf 'n v\na 1\nb 2\n' | parallel -k --header : --colsep ' ' \
	#   echo {v}-{n}-{1}
	printf 'n v\na 1\nb 2\n' >in
	run --separate-stderr "$LANES" -k --header : --colsep ' ' \
	    echo {v}-{n}-{1} <in
	assert_success
	assert_output $'1-a-a\n2-b-b'
	assert_no_stderr
	# printf 'n,v\na.c,d/1\n' | parallel --header : -C , echo {n.} {v/}
	printf 'n,v\na.c,d/1\n' >in
	run --separate-stderr "$LANES" --header : -C , echo {n.} {v/} <in
	assert_success
	assert_output 'a 1'
	# The whole line is one name without --colsep: {n} is no column.
	printf 'n v\na 1\n' >in
	run --separate-stderr "$LANES" --header : echo {n} <in
	assert_success
	assert_output '{n} a 1'
	# A header and nothing else: no job.
	printf 'n v\n' >in
	run --separate-stderr "$LANES" --header : -C ' ' echo {n} <in
	assert_success
	assert_output ''
}

@test "--header : takes the first value of every ::: source" {
	# parallel -k --header : echo {f1} {f2} ::: f1 a b ::: f2 c d
	run --separate-stderr "$LANES" -k --header : echo {f1} {f2} \
	    ::: f1 a b ::: f2 c d
	assert_success
	assert_output $'a c\na d\nb c\nb d'
	assert_no_stderr
}

@test "--header REGEX takes the first line; a bad one is refused" {
	# parallel --header '.*\n' gives the same as --header : here.
	printf 'n v\na 1\n' >in
	run --separate-stderr "$LANES" --header '.*' -C ' ' echo {v} <in
	assert_success
	assert_output '1'
	run --separate-stderr "$LANES" --header '(' -C ' ' echo {v} <in
	assert_equal "$status" 255
	assert_stderr_line -n 0 "lanes: invalid --header '('"
}

@test "--trim n, l, r, lr and rl, as GNU parallel trims" {
	printf ' a , b \n' >in
	# parallel --trim n -C , printf '[%s]' {1} {2}
	run --separate-stderr "$LANES" --trim n -C , printf '[%s]' {1} {2} <in
	assert_output '[ a ][ b ]'
	run --separate-stderr "$LANES" --trim l -C , printf '[%s]' {1} {2} <in
	assert_output '[a ][b ]'
	# Without -C the whole value: parallel --trim r printf '[%s]' {}
	run --separate-stderr "$LANES" --trim r printf '[%s]' {} <in
	assert_output '[ a , b]'
	run --separate-stderr "$LANES" --trim lr printf '[%s]' {} <in
	assert_output '[a , b]'
	run --separate-stderr "$LANES" --trim rl -C , printf '[%s]' {1} {2} \
	    ::: ' x , y '
	assert_output '[x][y]'
	run --separate-stderr "$LANES" printf '[%s]' {} <in
	assert_output '[ a , b ]'
	# parallel: "Error: --trim must be one of: r l rl lr."
	run --separate-stderr "$LANES" --trim x echo ::: a
	assert_equal "$status" 255
	assert_stderr_line -n 0 "lanes: invalid --trim 'x' (want n, l, r, lr or rl)"
}

@test "--plus replacement strings give what GNU parallel gives" {
	# parallel --plus echo {..} {...} {/..} {/...} {+/} {+.} {+..} \
	#   {+...} ::: /d.x/a.tar.gz.c
	run --separate-stderr "$LANES" --plus echo {..} {...} {/..} {/...} \
	    {+/} {+.} {+..} {+...} ::: /d.x/a.tar.gz.c
	assert_success
	assert_output '/d.x/a.tar /d.x/a a.tar a /d.x c gz.c tar.gz.c'
	# parallel --plus echo {1..} {2/...} ::: a.b.c ::: d/e.f.g
	run --separate-stderr "$LANES" --plus echo {1..} {2/...} ::: a.b.c \
	    ::: d/e.f.g
	assert_output 'a e.f.g'
	# Without --plus they are text: parallel echo {##} ::: a
	run --separate-stderr "$LANES" echo {##} ::: a
	assert_output '{##} a'
}

@test "--plus {##} is the number of jobs, {0#} the zero-padded {#}" {
	# seq 12 | parallel --plus -k echo {##} {0#}
	seq 12 >in
	run --separate-stderr "$LANES" --plus -k echo {##} {0#} <in
	assert_success
	assert_output "$(seq -w 12 | sed 's/^/12 /')"
	run --separate-stderr "$LANES" --plus -j 12 -k echo {0%} ::: a
	assert_output '01'
}

@test "-L N and -l[N] are -n N, as in xargs and GNU parallel" {
	seq 5 >in
	# seq 5 | parallel -k -L 2 echo
	run --separate-stderr "$LANES" -k -L 2 echo <in
	assert_success
	assert_output $'1 2\n3 4\n5'
	run --separate-stderr "$LANES" -k --max-lines 2 echo <in
	assert_output $'1 2\n3 4\n5'
	# seq 5 | parallel -k -l echo; seq 5 | parallel -k -l2 echo
	run --separate-stderr "$LANES" -k -l echo <in
	assert_output "$(seq 5)"
	run --separate-stderr "$LANES" -k -l2 echo <in
	assert_output $'1 2\n3 4\n5'
	# seq 5 | parallel -k -L2 echo x{2}
	run --separate-stderr "$LANES" -k -L2 echo x{2} <in
	assert_output $'x2\nx4\nx'
}

@test "-E STR ends the input at a record equal to STR" {
	# printf 'a\nb\nSTOP\nc\n' | parallel -k -E STOP echo
	printf 'a\nb\nSTOP\nc\n' >in
	run --separate-stderr "$LANES" -k -E STOP echo <in
	assert_success
	assert_output $'a\nb'
	# parallel -k -E STOP echo ::: a STOP b
	run --separate-stderr "$LANES" -k -E STOP echo ::: a STOP b
	assert_output 'a'
	printf 'a\nSTOP\nb\n' >f
	run --separate-stderr "$LANES" -k -E STOP echo :::: f ::: 1 2
	assert_output $'a 1\na 2'
}

@test "-i[STR] is -I STR, or -I {}, as xargs reads it" {
	seq 2 >in
	# seq 2 | parallel -k -iZ echo xZ
	run --separate-stderr "$LANES" -k -iZ echo xZ <in
	assert_success
	assert_output $'x1\nx2'
	# GNU parallel takes the next word for STR ("-i echo"); lanes, as
	# xargs, only an attached one.
	run --separate-stderr "$LANES" -k -i echo x{} <in
	assert_success
	assert_output $'x1\nx2'
}

@test "--tagstring: \\t is a tab" {
	# parallel --tagstring 'a\tb' echo ::: x
	run --separate-stderr "$LANES" --tagstring 'a\t{}' echo ::: x
	assert_success
	assert_output $'a\tx\tx'
}

@test "--halt -1, -2 and N%: GNU parallel's older forms" {
	# parallel -j1 --halt -1 'echo {}; exit {}' ::: 1 0 4   (exit 0)
	run --separate-stderr "$LANES" -j1 --halt -1 'echo {}; exit {}' \
	    ::: 1 0 4
	assert_success
	assert_output $'1\n0'
	run --separate-stderr "$LANES" -j1 --halt -2 'echo {}; exit {}' \
	    ::: 1 0 4
	assert_success
	assert_output $'1\n0'
	# parallel -j1 --halt 50% 'echo {}; exit {}' ::: 0 1 2 3  (exit 50)
	run --separate-stderr timeout 60 "$LANES" -j1 --halt 50% \
	    'test {#} = 1 && sleep 0.2; echo {}; exit {}' ::: 0 1 2 3
	assert_equal "$status" 50
	assert_output $'0\n1\n2'
	run --separate-stderr "$LANES" --halt -3 echo ::: a
	assert_equal "$status" 255
}

@test "--linebuffer, --res, --xapply and --load N% are accepted" {
	run --separate-stderr "$LANES" -k --linebuffer echo ::: a b
	assert_success
	assert_output $'a\nb'
	run --separate-stderr "$LANES" -k --xapply echo ::: a b c ::: 1 2
	assert_output $'a 1\nb 2\nc 1'
	run --separate-stderr "$LANES" --res res echo ::: a
	assert_success
	assert_output ''
	assert_equal "$(cat res/1/a/stdout)" a
	run --separate-stderr "$LANES" --load 300% echo ::: a
	assert_success
	assert_output a
	run --separate-stderr "$LANES" --load 0% echo ::: a
	assert_equal "$status" 255
}

@test "-t prints each command on stderr as it starts" {
	# parallel -j1 -t echo ::: a b
	run --separate-stderr "$LANES" -j1 -t echo ::: a b
	assert_success
	assert_output $'a\nb'
	assert_stderr $'echo a\necho b'
}
