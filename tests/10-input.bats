#!/usr/bin/env bats
# Input: sources, separators, combination, grouping records into jobs.

load helpers/common

# --- standard input and records ------------------------------------------

@test "records come from stdin by default, one job each" {
	printf 'a\nb\nc\n' >in
	run --separate-stderr "$LANES" -k echo <in
	assert_success
	assert_output $'a\nb\nc'
	assert_no_stderr
}

@test "a final record without a newline is still a record" {
	printf 'a\nb' >in
	run --separate-stderr "$LANES" -k "$FIX/args" <in
	assert_success
	assert_output $'[a]\n[b]'
	assert_no_stderr
}

@test "empty input runs no job and exits 0" {
	run --separate-stderr "$LANES" touch "$T/ran" </dev/null
	assert_success
	assert_output ''
	assert_no_stderr
	[ ! -e "$T/ran" ]
}

@test "empty records are jobs" {
	printf 'a\n\nb\n\n' >in
	run --separate-stderr "$LANES" -k "$FIX/args" <in
	assert_success
	assert_output $'[a]\n[]\n[b]\n[]'
	assert_no_stderr
}

@test "-r skips records that are empty or only blanks" {
	printf 'a\n\n  \n\t\n \tb \n\n' >in
	run --separate-stderr "$LANES" -k -r "$FIX/args" <in
	assert_success
	assert_output $'[a]\n[ \tb ]'
	assert_no_stderr
}

@test "-r on input of blank records only runs nothing" {
	printf '\n \n\t\n' >in
	run --separate-stderr "$LANES" -r touch "$T/ran" <in
	assert_success
	assert_output ''
	assert_no_stderr
	[ ! -e "$T/ran" ]
}

@test "a trailing CR is data and is kept" {
	printf 'a\r\nb\r\n' >in
	run --separate-stderr "$LANES" -k "$FIX/args" <in
	assert_success
	assert_output $'[a\r]\n[b\r]'
	assert_no_stderr
}

@test "leading and trailing blanks of a record are kept" {
	printf '  a b  \n' >in
	run --separate-stderr "$LANES" -k "$FIX/args" <in
	assert_success
	assert_output '[  a b  ]'
	assert_no_stderr
}

# --- -a, :::, :::: -------------------------------------------------------

@test "-a FILE reads records from FILE" {
	printf 'a\nb\n' >f
	run --separate-stderr "$LANES" -k -a f echo
	assert_success
	assert_output $'a\nb'
	assert_no_stderr
}

@test "-a FILE: stdin is not read" {
	printf 'a\n' >f
	printf 'nope\n' >in
	run --separate-stderr "$LANES" -k -a f echo <in
	assert_success
	assert_output 'a'
	assert_no_stderr
}

@test "-a - reads stdin" {
	printf 'a\nb\n' >in
	run --separate-stderr "$LANES" -k -a - echo <in
	assert_success
	assert_output $'a\nb'
	assert_no_stderr
}

@test "-a twice combines the files as a cartesian product" {
	printf 'a\nb\n' >f1
	printf '1\n2\n' >f2
	run --separate-stderr "$LANES" -k -a f1 -a f2 echo
	assert_success
	assert_output $'a 1\na 2\nb 1\nb 2'
	assert_no_stderr
}

@test "::: gives literal records" {
	run --separate-stderr "$LANES" -k echo ::: a b c
	assert_success
	assert_output $'a\nb\nc'
	assert_no_stderr
}

@test "::: values are whole records, spaces and all" {
	run --separate-stderr "$LANES" -k "$FIX/args" ::: 'a b' ' c ' ''
	assert_success
	assert_output $'[a b]\n[ c ]\n[]'
	assert_no_stderr
}

@test "::: : stdin is not read" {
	printf 'nope\n' >in
	run --separate-stderr "$LANES" -k echo ::: a <in
	assert_success
	assert_output 'a'
	assert_no_stderr
}

@test ":::: FILE reads records from FILE" {
	printf 'a\nb\n' >f
	run --separate-stderr "$LANES" -k echo :::: f
	assert_success
	assert_output $'a\nb'
	assert_no_stderr
}

@test ":::: - reads stdin" {
	printf 'a\nb\n' >in
	run --separate-stderr "$LANES" -k echo :::: - <in
	assert_success
	assert_output $'a\nb'
	assert_no_stderr
}

@test ":::: F1 F2: each file is a source, combined as a product" {
	printf 'a\nb\n' >f1
	printf '1\n2\n' >f2
	run --separate-stderr "$LANES" -k echo :::: f1 f2
	assert_success
	assert_output $'a 1\na 2\nb 1\nb 2'
	assert_no_stderr
}

@test "::: and :::: mix" {
	printf '1\n2\n' >f
	run --separate-stderr "$LANES" -k echo ::: a b :::: f
	assert_success
	assert_output $'a 1\na 2\nb 1\nb 2'
	assert_no_stderr
}

@test "-a /dev/null: no records, no jobs, exit 0" {
	run --separate-stderr "$LANES" -a /dev/null touch "$T/ran"
	assert_success
	assert_output ''
	assert_no_stderr
	[ ! -e "$T/ran" ]
}

@test ":::: /dev/null: no records, no jobs, exit 0" {
	run --separate-stderr "$LANES" touch "$T/ran" :::: /dev/null
	assert_success
	assert_output ''
	assert_no_stderr
	[ ! -e "$T/ran" ]
}

# --- combining sources ---------------------------------------------------

@test "two ::: sources: cartesian product, first varying slowest" {
	run --separate-stderr "$LANES" -k echo ::: a b ::: 1 2
	assert_success
	assert_output $'a 1\na 2\nb 1\nb 2'
	assert_no_stderr
}

@test "three sources: cartesian product" {
	run --separate-stderr "$LANES" -k echo ::: a b ::: 1 2 ::: x y
	assert_success
	assert_output "$(printf '%s\n' 'a 1 x' 'a 1 y' 'a 2 x' 'a 2 y' \
	    'b 1 x' 'b 1 y' 'b 2 x' 'b 2 y')"
	assert_no_stderr
}

@test "an empty source makes the product empty" {
	run --separate-stderr "$LANES" touch "$T/ran" ::: a b :::: /dev/null
	assert_success
	assert_output ''
	assert_no_stderr
	[ ! -e "$T/ran" ]
}

@test "--link pairs sources, the shorter wraps around" {
	run --separate-stderr "$LANES" -k --link echo ::: a b c ::: 1 2
	assert_success
	assert_output $'a 1\nb 2\nc 1'
	assert_no_stderr
}

@test "--link with sources of equal length" {
	printf '1\n2\n3\n' >f
	run --separate-stderr "$LANES" -k --link echo ::: a b c :::: f
	assert_success
	assert_output $'a 1\nb 2\nc 3'
	assert_no_stderr
}

@test ":::+ links one source to the previous one" {
	run --separate-stderr "$LANES" -k echo ::: a b c :::+ 1 2 3
	assert_success
	assert_output $'a 1\nb 2\nc 3'
	assert_no_stderr
}

@test ":::+ links, and a further ::: still multiplies" {
	run --separate-stderr "$LANES" -k echo ::: a b :::+ 1 2 ::: x y
	assert_success
	assert_output $'a 1 x\na 1 y\nb 2 x\nb 2 y'
	assert_no_stderr
}

@test "::::+ FILE links a file source to the previous one" {
	printf '1\n2\n' >f
	run --separate-stderr "$LANES" -k echo ::: a b ::::+ f
	assert_success
	assert_output $'a 1\nb 2'
	assert_no_stderr
}

# --- separators ----------------------------------------------------------

@test "-0: records end with NUL, newlines are data" {
	printf 'a\nb\0c d\0' >in
	run --separate-stderr "$LANES" -k -0 "$FIX/args" <in
	assert_success
	assert_output $'[a\nb]\n[c d]'
	assert_no_stderr
}

@test "-0: a final record without NUL counts" {
	printf 'a\0b' >in
	run --separate-stderr "$LANES" -k -0 "$FIX/args" <in
	assert_success
	assert_output $'[a]\n[b]'
	assert_no_stderr
}

@test "-0 applies to -a files" {
	printf 'a b\0c\0' >f
	run --separate-stderr "$LANES" -k -0 -a f "$FIX/args"
	assert_success
	assert_output $'[a b]\n[c]'
	assert_no_stderr
}

@test "-d CHAR: records end with CHAR" {
	printf 'a,b\n,c' >in
	run --separate-stderr "$LANES" -k -d , "$FIX/args" <in
	assert_success
	assert_output $'[a]\n[b\n]\n[c]'
	assert_no_stderr
}

@test "-d '\\t' is a tab" {
	printf 'a b\tc\n' >in
	run --separate-stderr "$LANES" -k -d '\t' "$FIX/args" <in
	assert_success
	assert_output $'[a b]\n[c\n]'
	assert_no_stderr
}

@test "-d '\\n' is a newline" {
	printf 'a\tb\nc\n' >in
	run --separate-stderr "$LANES" -k -d '\n' "$FIX/args" <in
	assert_success
	assert_output $'[a\tb]\n[c]'
	assert_no_stderr
}

@test "-d '\\0' is NUL" {
	printf 'a\nb\0c\0' >in
	run --separate-stderr "$LANES" -k -d '\0' "$FIX/args" <in
	assert_success
	assert_output $'[a\nb]\n[c]'
	assert_no_stderr
}

@test "-d '\\\\' is a backslash" {
	printf 'a\\b\\' >in
	run --separate-stderr "$LANES" -k -d '\\' "$FIX/args" <in
	assert_success
	assert_output $'[a]\n[b]'
	assert_no_stderr
}

@test "-d '\\xHH' is that byte" {
	printf 'a,b;c' >in
	run --separate-stderr "$LANES" -k -d '\x3b' "$FIX/args" <in
	assert_success
	assert_output $'[a,b]\n[c]'
	assert_no_stderr
}

@test "-d with a non-ASCII byte" {
	printf 'a\xffb\xff' >in
	run --separate-stderr "$LANES" -k -d '\xff' "$FIX/args" <in
	assert_success
	assert_output $'[a]\n[b]'
	assert_no_stderr
}

# --- columns -------------------------------------------------------------

@test "--colsep splits a record into {1} {2}" {
	run --separate-stderr "$LANES" -k --colsep , echo {2} {1} ::: a,b c,d
	assert_success
	assert_output $'b a\nd c'
	assert_no_stderr
}

@test "--colsep takes an extended regex" {
	run --separate-stderr "$LANES" -k -C '[,;]+' echo {3}-{1} ::: 'a,;b;c'
	assert_success
	assert_output 'c-a'
	assert_no_stderr
}

@test "--colsep without a replacement string appends the columns" {
	run --separate-stderr "$LANES" -k -C ' +' "$FIX/args" ::: 'a   b c'
	assert_success
	assert_output $'[a]\n[b]\n[c]'
	assert_no_stderr
}

@test "--colsep with {-1} and a missing column" {
	run --separate-stderr "$LANES" -k -C , echo '{-1}' 'x{3}y' ::: a,b
	assert_success
	assert_output 'b xy'
	assert_no_stderr
}

@test "--colsep on a tab-separated -a file" {
	printf 'a\tb c\nd\te\n' >f
	run --separate-stderr "$LANES" -k -C $'\t' -a f "$FIX/args" {2} {1}
	assert_success
	assert_output $'[b c]\n[a]\n[e]\n[d]'
	assert_no_stderr
}

# --- several records per job ---------------------------------------------

@test "-N 2: two records per job as {1} {2}, the last job gets fewer" {
	run --separate-stderr "$LANES" -k -N 2 echo {1}+{2} ::: a b c d e
	assert_success
	assert_output $'a+b\nc+d\ne+'
	assert_no_stderr
}

@test "-N 2: {} is all the job's records separated by spaces" {
	run --separate-stderr "$LANES" -k -N2 echo {} ::: a b c
	assert_success
	assert_output $'a b\nc'
	assert_no_stderr
}

@test "-N 2 without a replacement string appends each record" {
	run --separate-stderr "$LANES" -k -N2 "$FIX/args" ::: 'a b' c d
	assert_success
	assert_output $'[a b]\n[c]\n[d]'
	assert_no_stderr
}

@test "-N0: one record read per job, none inserted" {
	run --separate-stderr "$LANES" -k -N0 echo hi ::: a b c
	assert_success
	assert_output $'hi\nhi\nhi'
	assert_no_stderr
}

@test "-n 2: up to two records appended per command line" {
	run --separate-stderr "$LANES" -k -n 2 "$FIX/args" ::: a 'b c' d
	assert_success
	assert_output $'[a]\n[b c]\n[d]'
	assert_no_stderr
	run --separate-stderr "$LANES" -k -n 2 echo ::: a b c d e
	assert_success
	assert_output $'a b\nc d\ne'
	assert_no_stderr
}

@test "-m puts all records that fit on one command line" {
	run --separate-stderr "$LANES" -k -m "$FIX/args" ::: a 'b c' d
	assert_success
	assert_output $'[a]\n[b c]\n[d]'
	assert_no_stderr
	run --separate-stderr "$LANES" -j1 -k -m echo ::: a b c d
	assert_success
	assert_output 'a b c d'
	assert_no_stderr
}

@test "-m -s N splits into command lines of at most N bytes, in order" {
	run --separate-stderr "$LANES" -k -m -s 30 echo ::: $(seq 100 140)
	assert_success
	assert_no_stderr
	[ "${#lines[@]}" -gt 1 ]
	local line all=''
	for line in "${lines[@]}"; do
		# "echo " plus the arguments must fit in 30 bytes.
		[ $(( ${#line} + 5 )) -le 30 ] || fail "too long: '$line'"
		all+="$line "
	done
	assert_equal "$all" "$(seq 100 140 | tr '\n' ' ')"
}

@test "-m fills command lines: 2000 records need few jobs" {
	run --separate-stderr "$LANES" -k -m echo ::: $(seq 2000)
	assert_success
	assert_no_stderr
	[ "${#lines[@]}" -le 2 ]
	assert_equal "$(printf '%s ' "${lines[@]}")" \
	    "$(seq 2000 | tr '\n' ' ')"
}

@test "-X repeats a word containing {} for each record" {
	run --separate-stderr "$LANES" -j1 -k -X echo pre{}post ::: a b
	assert_success
	assert_output 'preapost prebpost'
	assert_no_stderr
}

@test "-X keeps words without {} once" {
	run --separate-stderr "$LANES" -j1 -k -X "$FIX/args" x -{}- y ::: a 'b c'
	assert_success
	assert_output $'[x]\n[-a-]\n[-b c-]\n[y]'
	assert_no_stderr
}

@test "-X -s N splits into several command lines" {
	run --separate-stderr "$LANES" -k -X -s 40 echo p{} ::: $(seq 100 130)
	assert_success
	assert_no_stderr
	[ "${#lines[@]}" -gt 1 ]
	assert_equal "$(printf '%s ' "${lines[@]}")" \
	    "$(seq 100 130 | sed 's/^/p/' | tr '\n' ' ')"
}

# --- size and bytes ------------------------------------------------------

@test "a 10 MB record is read whole, and refused: longer than -s" {
	# GNU parallel 20221122: "Command line too long (... >= ...)",
	# exit 255, with --dry-run too; xargs: "argument line too long".
	head -c 10485760 /dev/zero | tr '\0' x >big
	run --separate-stderr "$LANES" --dry-run echo :::: big
	assert_equal "$status" 255
	assert_output ''
	assert_stderr "lanes: command line too long for -s 131072 (10485766 \
bytes) at record 1: '$(printf 'x%.0s' $(seq 60))...'"
}

@test "a 10 MB record from stdin: the jobs before it run, none after" {
	{ echo a; head -c 5242880 /dev/zero | tr '\0' y; echo; echo b; } >big
	run --separate-stderr "$LANES" -k -j1 --dry-run echo <big
	assert_equal "$status" 255
	assert_output 'echo a'
	assert_stderr --partial \
	    'lanes: command line too long for -s 131072 (5242886 bytes) at record 2'
}

@test "a 100 kB record reaches the job whole" {
	head -c 100000 /dev/zero | tr '\0' q >rec
	run --separate-stderr "$LANES" -k "$FIX/argbytes" :::: rec
	assert_success
	assert_output 100000
	assert_no_stderr
}

@test "a command line longer than the default -s (128 KiB) is refused" {
	{ echo a; head -c 200000 /dev/zero | tr '\0' x; echo; echo b; } >f
	run --separate-stderr "$LANES" -k -j1 "$FIX/argbytes" :::: f
	assert_equal "$status" 255
	assert_output '1'
	assert_stderr --regexp \
	    '^lanes: command line too long for -s 131072 \(200[0-9]+ bytes\) at record 2: '
}

@test "-N records that together pass -s are refused, not run over-long" {
	local i
	for i in 1 2; do
		head -c 100000 /dev/zero | tr '\0' q
		echo
	done >f
	run --separate-stderr "$LANES" -k -j1 -N 2 "$FIX/argbytes" :::: f
	assert_equal "$status" 255
	assert_output ''
	assert_stderr --regexp \
	    '^lanes: command line too long for -s 131072 \(200[0-9]+ bytes\) at record 1: '
}

@test "binary bytes and invalid UTF-8 pass unchanged (direct)" {
	# Every byte but NUL and newline, then some malformed UTF-8.
	printf '%b' "$(printf '\\%03o' $(seq 1 9) $(seq 11 255))" >in
	printf '\n\xc3\x28\n\xff\xfe\n\xed\xa0\x80\n\xc0\xaf\n\x80\n' >>in
	run_out out "$LANES" -k "$FIX/rawargs" <in
	assert_success
	assert_no_stderr
	assert_same_file in out
}

@test "binary bytes and invalid UTF-8 pass unchanged (shell)" {
	printf '%b' "$(printf '\\%03o' $(seq 1 9) $(seq 11 255))" >in
	printf '\n\xc3\x28\n\xff\xfe\n\xed\xa0\x80\n\xc0\xaf\n\x80\n' >>in
	run_out out "$LANES" -k "$FIX/rawargs {} && true" <in
	assert_success
	assert_no_stderr
	assert_same_file in out
}

@test "binary records with -0, newlines included" {
	printf 'a\nb\0\x01\x02\xff\n\0' >in
	run_out out "$LANES" -k -0 "$FIX/rawargs" <in
	assert_success
	assert_no_stderr
	printf 'a\nb\n\x01\x02\xff\n\n' >expected
	assert_same_file expected out
}
