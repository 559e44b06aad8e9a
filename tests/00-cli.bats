#!/usr/bin/env bats
# The command line itself: --help, --version, option spelling, bad options.

load helpers/common

# The long options of `lanes --help`, one per line, each followed by its
# argument placeholder (FILE, N, ...) when it takes one.
help_long_options() {
	local line
	"$LANES" --help | while IFS= read -r line; do
		[[ $line =~ ^\ +- ]] || continue
		line=${line#"${line%%[! ]*}"}
		line=${line%%  *}
		grep -oE -- '--[a-z][a-z0-9-]*( [A-Z]+)?' <<<"$line"
	done
}

# The man page as plain text, rendered by mandoc when it is there, plus the
# source with the common roff escapes removed, so either man(7) or mdoc(7)
# spelling of "--jobs" is found.
man_text() {
	local page=$REPO/man/lanes.1
	if command -v mandoc >/dev/null; then
		mandoc -T ascii "$page" 2>/dev/null | sed 's/.\x08//g'
	fi
	sed -e 's/\\f[BIRP]//g' -e 's/\\f([A-Z][A-Z]//g' \
	    -e 's/\\f\[[^]]*\]//g' -e 's/\\-/-/g' -e 's/\\&//g' "$page"
}

# same_as SHORT LONG ARGS...: `lanes SHORT ARGS` succeeds, and `lanes LONG
# ARGS` gives the same status, stdout and stderr. SHORT and LONG are split
# on spaces. Both read ./in on stdin.
same_as() {
	local short=$1 long=$2 s o e
	shift 2
	# shellcheck disable=SC2086
	run --separate-stderr "$LANES" $short "$@" <in
	[ "$status" -eq 0 ] || fail "lanes $short $*: status $status: $stderr"
	s=$status o=$output e=$stderr
	# shellcheck disable=SC2086
	run --separate-stderr "$LANES" $long "$@" <in
	[ "$status" = "$s" ] && [ "$output" = "$o" ] && [ "$stderr" = "$e" ] ||
		fail "$(printf 'lanes %s %s differs from %s:\n' "$long" "$*" \
		    "$short"
		    printf -- '-- %s: %s --\n%s\n%s\n' "$short" "$s" "$o" \
		    "$e" "$long" "$status" "$output" "$stderr")"
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr "$LANES" --help
	assert_success
	assert_line -n 0 --regexp '^Usage: lanes '
	assert_no_stderr
}

@test "--help wins over a command after it and runs nothing" {
	run --separate-stderr "$LANES" --help touch "$T/ran" ::: x
	assert_success
	assert_line -n 0 --regexp '^Usage: lanes '
	assert_no_stderr
	[ ! -e "$T/ran" ]
}

@test "--help lists every option of the contract" {
	run --separate-stderr "$LANES" --help
	assert_success
	local opt
	for opt in -a --arg-file -0 --null -d --delimiter -r \
	    --no-run-if-empty -C --colsep --link -n --max-args -N -m --xargs \
	    -X -s --max-chars -I -q --quote --shell -j --jobs -P --max-procs \
	    --dry-run --tmpdir -k --keep-order --group --line-buffer --lb -u \
	    --ungroup --tag --tagstring -v --verbose -h --help --version; do
		assert_output --regexp "(^|[ ,])$opt([ ,=]|\$)"
	done
	assert_no_stderr
}

@test "--help names every replacement string and the job variables" {
	run --separate-stderr "$LANES" --help
	assert_success
	local r
	for r in '{}' '{.}' '{/}' '{//}' '{/.}' '{#}' '{%}' '{n}' '{n.}' \
	    '{n/}' '{n//}' '{n/.}' '{-n}' LANES_SEQ LANES_SLOT; do
		assert_output --partial "$r"
	done
	assert_no_stderr
}

@test "every long option in --help is documented in man/lanes.1" {
	[ -f "$REPO/man/lanes.1" ] || fail "man/lanes.1 does not exist"
	local text opt missing=''
	text=$(man_text)
	while read -r opt _; do
		[[ $text =~ (--|Fl\ -)${opt#--}([^a-z0-9-]|$) ]] ||
			missing+=" $opt"
	done < <(help_long_options)
	[ -z "$missing" ] || fail "missing from man/lanes.1:$missing"
}

@test "man/lanes.1 has the sections the style guide asks for" {
	[ -f "$REPO/man/lanes.1" ] || fail "man/lanes.1 does not exist"
	local text s missing=''
	text=$(man_text)
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS 'REPLACEMENT STRINGS' \
	    ENVIRONMENT 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
		grep -q "^\(\.S[Hh] \"\{0,1\}\)\{0,1\}$s" <<<"$text" ||
			missing+=" '$s'"
	done
	[ -z "$missing" ] || fail "sections missing from man/lanes.1:$missing"
}

@test "every long option in --help is accepted by lanes" {
	local opt arg bad=''
	while read -r opt arg; do
		case $arg in
		'') set -- "$opt" ;;
		FILE) set -- "$opt" /dev/null ;;
		DIR) set -- "$opt" "$T" ;;
		N) set -- "$opt" 2 ;;
		CHAR | REGEX) set -- "$opt" , ;;
		HOW) set -- "$opt" rl ;;
		*) set -- "$opt" x ;;
		esac
		run --separate-stderr "$LANES" "$@" --help
		if [ "$status" -ne 0 ] || [ -n "$stderr" ]; then
			bad+=" $* (status $status: $stderr)"
		fi
	done < <(help_long_options)
	[ -z "$bad" ] || fail "rejected:$bad"
}

@test "--version prints 'lanes X.Y.Z' on stdout and exits 0" {
	run --separate-stderr "$LANES" --version
	assert_success
	assert_output --regexp '^lanes [0-9]+\.[0-9]+\.[0-9]+$'
	assert_no_stderr
}

@test "unknown long option: exit 255, one line and the hint" {
	run --separate-stderr "$LANES" --no-such-option echo ::: a
	assert_usage_error
	assert_stderr_line -n 0 --partial 'no-such-option'
}

@test "unknown short option: exit 255, one line and the hint" {
	run --separate-stderr "$LANES" -Z echo ::: a
	assert_usage_error
	assert_stderr_line -n 0 --partial 'Z'
}

@test "an option missing its argument: exit 255" {
	run --separate-stderr "$LANES" -j
	assert_usage_error
}

@test "a long option missing its argument: exit 255" {
	run --separate-stderr "$LANES" --tagstring
	assert_usage_error
}

@test "a bad option runs nothing" {
	run --separate-stderr "$LANES" --bogus touch "$T/ran" ::: x
	assert_usage_error
	[ ! -e "$T/ran" ]
}

@test "options end at the command: its own options are left alone" {
	run --separate-stderr "$LANES" -k echo -j -k ::: a
	assert_success
	assert_output '-j -k a'
	assert_no_stderr
}

@test "-- ends the options" {
	run --separate-stderr "$LANES" -k -- "$FIX/args" -k ::: a
	assert_success
	assert_output $'[-k]\n[a]'
	assert_no_stderr
}

@test "short options combine: -kj1" {
	run --separate-stderr "$LANES" -kj1 echo ::: a b c
	assert_success
	assert_output $'a\nb\nc'
	assert_no_stderr
}

@test "short option with its value attached: -j2" {
	run --separate-stderr "$LANES" -k -j2 echo ::: a b c
	assert_success
	assert_output $'a\nb\nc'
	assert_no_stderr
}

@test "long option with =: --jobs=3" {
	run --separate-stderr "$LANES" --keep-order --jobs=3 echo ::: a b c
	assert_success
	assert_output $'a\nb\nc'
	assert_no_stderr
}

@test "-j accepts N, 0, N%, +N and -N" {
	local j
	for j in 1 2 0 50% 100% 200% +0 +1 -1; do
		run --separate-stderr "$LANES" -k -j "$j" echo ::: a b c
		assert_success
		assert_output $'a\nb\nc'
		assert_no_stderr
	done
}

@test "each long option does what its short option does" {
	printf 'a,b\n \nc,d\n' >in
	printf 'x y\0z\0' >nul
	same_as '-a in' '--arg-file in' -k echo
	same_as -0 --null -k -a nul "$FIX/args"
	same_as '-d ,' '--delimiter ,' -k "$FIX/args"
	same_as -r --no-run-if-empty -k "$FIX/args"
	same_as '-C ,' '--colsep ,' -k echo {2} {1}
	same_as '-n 2' '--max-args 2' -k "$FIX/args"
	same_as -m --xargs -k "$FIX/args"
	same_as '-m -s 12' '--xargs --max-chars 12' -k echo
	same_as -q --quote -k printf '%s|\n'
	same_as '-j 1' '--jobs 1' -k echo
	same_as '-P 1' '--max-procs 1' -k echo
	same_as '-P 1' '-j 1' -k echo
	same_as -k --keep-order -j1 echo
	same_as -u --ungroup -k -j1 echo
	same_as --lb --line-buffer -k -j1 echo
	same_as -v --verbose -k echo
	same_as -h --help
}

@test "-j 2 never runs more than 2 jobs at once" {
	run --separate-stderr "$LANES" -j 2 "$FIX/conc" "$T" ::: 1 2 3 4 5 6
	assert_success
	assert_no_stderr
	[ "$(wc -l <"$T/counts")" -eq 6 ]
	[ "$(sort -n "$T/counts" | tail -1)" -le 2 ]
}

@test "-j 1 runs one job at a time" {
	run --separate-stderr "$LANES" -j 1 "$FIX/conc" "$T" ::: 1 2 3 4
	assert_success
	assert_no_stderr
	[ "$(sort -u "$T/counts")" = 1 ]
}

@test "-j 50% is half the cores (at least one)" {
	local max=$(( ($(nproc) + 1) / 2 ))
	run --separate-stderr "$LANES" -j 50% "$FIX/conc" "$T" ::: 1 2 3 4 5
	assert_success
	assert_no_stderr
	[ "$(sort -n "$T/counts" | tail -1)" -le "$max" ]
}

@test "-j 0 runs every job at once" {
	# chain only finishes when all six jobs run together.
	run --separate-stderr "$LANES" -j 0 -k "$FIX/chain" "$T" {} 6 ::: \
	    1 2 3 4 5 6
	assert_success
	assert_output "$(printf 'job %s\n' 1 2 3 4 5 6)"
	assert_stderr "$(printf 'job %s err\n' 1 2 3 4 5 6)"
}

@test "-j +N runs more jobs than cores" {
	local n=$(( $(nproc) + 2 ))
	run --separate-stderr "$LANES" -j +2 -k "$FIX/chain" "$T" {} "$n" \
	    ::: $(seq "$n")
	assert_success
	assert_output "$(printf 'job %s\n' $(seq "$n"))"
	assert_stderr "$(printf 'job %s err\n' $(seq "$n"))"
}

@test "the default -j is the number of cores" {
	local n
	n=$(nproc)
	run --separate-stderr "$LANES" -k "$FIX/chain" "$T" {} "$n" \
	    ::: $(seq "$n")
	assert_success
	assert_output "$(printf 'job %s\n' $(seq "$n"))"
	assert_stderr "$(printf 'job %s err\n' $(seq "$n"))"
	# And no more than that.
	mkdir "$T/c"
	run --separate-stderr "$LANES" "$FIX/conc" "$T/c" ::: $(seq $((n + 3)))
	assert_success
	[ "$(sort -n "$T/c/counts" | tail -1)" -le "$n" ]
}
