#!/usr/bin/env bats
# The option table (cmd/optdef.h) against the man page: --help is printed from
# the table, in its order, so the man page's OPTIONS section must list the
# same options in the same order. Also: every letter --help shows is a
# short option getopt accepts, and the hidden GNU parallel spellings work.

load helpers/common

# options_of_help TEXT: one line per option of --help TEXT, its names as
# listed ("-a --arg-file", "-N", "--line-buffer --lb"). Option lines start
# with "  -X" or "      --name" (continuation lines are indented further);
# the names are the words joined by ", " at the start of the line, which
# ends at the first placeholder or at the help text.
options_of_help() {
	local line rest names re='^(-[A-Za-z0-9]|--[a-z0-9][a-z0-9-]*)(, |$| )(.*)$'
	while IFS= read -r line; do
		[[ $line =~ ^(\ \ -[^-]|\ {6}--) ]] || continue
		rest=${line#"${line%%[! ]*}"}
		names=
		while [[ $rest =~ $re ]]; do
			names+=" ${BASH_REMATCH[1]}"
			[ "${BASH_REMATCH[2]}" = ', ' ] || break
			rest=${BASH_REMATCH[3]}
		done
		printf '%s\n' "${names# }"
	done <<<"$1"
}

# options_of_man: one line per .It of man/lanes.1's OPTIONS section, its
# Fl names in order (".It Fl a Ar file , Fl \-arg\-file" is
# "-a --arg-file").
options_of_man() {
	local line in_options=0 names w next
	while IFS= read -r line; do
		case $line in
		'.Sh OPTIONS'*) in_options=1; continue ;;
		'.Sh '*) in_options=0; continue ;;
		esac
		[ "$in_options" = 1 ] && [[ $line == '.It Fl '* ]] || continue
		names= next=0
		for w in $line; do
			if [ "$next" = 1 ]; then
				w=${w//\\/}
				names+=" -${w%,}"
			fi
			[ "$w" = Fl ] && next=1 || next=0
		done
		printf '%s\n' "${names# }"
	done <"$REPO/man/lanes.1"
}

@test "man/lanes.1 lists the options of --help, in the same order" {
	run --separate-stderr "$LANES" --help
	assert_success
	local help man
	help=$(options_of_help "$output")
	man=$(options_of_man)
	# The parsers themselves: each shape of option line is found.
	local want
	for want in '-a --arg-file' '-N' '--link' '--line-buffer --lb' \
	    '--header' '-h --help' '--version'; do
		grep -qxF -- "$want" <<<"$help" || fail "--help: no '$want'"
		grep -qxF -- "$want" <<<"$man" || fail "man page: no '$want'"
	done
	[ "$help" = "$man" ] || fail "$(printf '%s\n' \
	    'man/lanes.1 OPTIONS (<) and --help (>) disagree:' \
	    "$(diff <(printf '%s\n' "$man") <(printf '%s\n' "$help"))")"
}

@test "every short option --help lists is accepted by lanes" {
	run --separate-stderr "$LANES" --help
	assert_success
	local line opt arg bad='' n=0
	while IFS= read -r line; do
		[[ $line =~ ^\ \ (-[A-Za-z0-9])(,\ --[a-z-]+)?(\ ([A-Z]+))?\  ]] ||
			continue
		opt=${BASH_REMATCH[1]} arg=${BASH_REMATCH[4]}
		n=$((n + 1))
		case $arg in
		'') set -- "$opt" ;;
		FILE) set -- "$opt" /dev/null ;;
		N) set -- "$opt" 2 ;;
		*) set -- "$opt" , ;;
		esac
		run --separate-stderr "$LANES" "$@" --help
		if [ "$status" -ne 0 ] || [ -n "$stderr" ]; then
			bad+=" $* (status $status: $stderr)"
		fi
	done <<<"$output"
	[ "$n" -ge 15 ] || fail "only $n short options found in --help"
	[ -z "$bad" ] || fail "rejected:$bad"
}

@test "--halt-on-error and --total-jobs are GNU parallel's other spellings" {
	run --separate-stderr "$LANES" -j1 --halt-on-error now,fail=1 \
	    'exit {}' ::: 0 3 0
	assert_failure 3
	run --separate-stderr "$LANES" -j1 --halt-on-error never 'exit {}' \
	    ::: 0 3 0
	assert_failure 1
	run --separate-stderr "$LANES" --total-jobs 0 echo ::: a
	assert_failure 255
	assert_stderr_line -n 0 "lanes: --total '0': out of range (1 to 9223372036854775807)"
	run --separate-stderr "$LANES" -k --total-jobs 2 echo ::: a b
	assert_success
	assert_output $'a\nb'
	assert_no_stderr
	# Neither is listed: --help shows the one spelling.
	run --separate-stderr "$LANES" --help
	refute_output --partial 'halt-on-error'
	refute_output --partial 'total-jobs'
}

# Cross-option checks: optcheck_opts() refuses these before any job runs.
@test "--download takes no command and no -m, -X, -n or -N" {
	run --separate-stderr "$LANES" --download "$T" touch "$T/ran" ::: x
	assert_usage_error
	assert_stderr_line -n 0 \
	    'lanes: --download takes no command: each record is a URL'
	local o
	for o in -m -X '-n 2' '-N 2'; do
		# shellcheck disable=SC2086
		run --separate-stderr "$LANES" --download "$T" $o ::: x
		assert_usage_error
		assert_stderr_line -n 0 'lanes: --download runs one URL per job; -m, -X, -n and -N do not apply'
	done
	[ ! -e "$T/ran" ]
}

# The options --help lists under "Downloads", --download itself left out,
# each with a value of its placeholder's kind: "--overwrite" or
# "--max-filesize 1k".
download_options() {
	local line in=0 name arg
	while IFS= read -r line; do
		case $line in
		Downloads*) in=1; continue ;;
		'') in=0; continue ;;
		esac
		[ "$in" = 1 ] && [[ $line =~ ^\ +(-[A-Za-z],\ )?(--[a-z-]+)(\ ([A-Z]+))? ]] ||
		    continue
		name=${BASH_REMATCH[2]} arg=${BASH_REMATCH[4]}
		[ "$name" = --download ] && continue
		case $arg in
		'') printf '%s\n' "$name" ;;
		FILE) printf '%s\t%s\n' "$name" "$T/f" ;;
		HEADER) printf '%s\t%s\n' "$name" 'X-A: b' ;;
		SIZE) printf '%s\t%s\n' "$name" 1k ;;
		DURATION) printf '%s\t%s\n' "$name" 5 ;;
		*) printf '%s\t%s\n' "$name" x ;;
		esac
	done < <("$LANES" --help)
}

@test "each option of --download without it: exit 255 naming both" {
	local name val n=0
	: >"$T/f"
	while IFS=$'\t' read -r name val; do
		run --separate-stderr "$LANES" "$name" ${val:+"$val"} \
		    touch "$T/ran" ::: x
		assert_usage_error
		assert_stderr_line -n 0 "lanes: $name needs --download DIR"
		n=$((n + 1))
	done < <(download_options)
	# The list came out of --help: it holds at least these.
	[ "$n" -ge 11 ] || fail "only $n download options found in --help"
	run --separate-stderr "$LANES" -H 'X-A: b' touch "$T/ran" ::: x
	assert_usage_error
	assert_stderr_line -n 0 'lanes: --http-header needs --download DIR'
	[ ! -e "$T/ran" ]
}

@test "the remote-host options without -S: exit 255 naming both" {
	local o
	for o in '--ssh ssh' '--transferfile f' '--tf f' '--return f' \
	    --cleanup '--trc f' '--basefile f' '--bf f' '--workdir ...' \
	    '--wd ...' --filter-hosts; do
		# shellcheck disable=SC2086
		run --separate-stderr "$LANES" $o touch "$T/ran" ::: x
		assert_usage_error
		set -- $o
		case $1 in
		--tf) set -- --transferfile ;;
		--bf) set -- --basefile ;;
		--wd) set -- --workdir ;;
		esac
		assert_stderr_line -n 0 "lanes: $1 needs -S or --sshloginfile"
	done
	[ ! -e "$T/ran" ]
}

@test "--json with --files, and either with -u: exit 255 naming both" {
	local w m
	run --separate-stderr "$LANES" --json --files touch "$T/ran" ::: x
	assert_usage_error
	assert_stderr_line -n 0 "lanes: --json and --files do not go together: --json already has each job's output"
	run --separate-stderr "$LANES" --files --json touch "$T/ran" ::: x
	assert_usage_error
	assert_stderr_line -n 0 "lanes: --json and --files do not go together: --json already has each job's output"
	for w in --json --files; do
		for m in -u --ungroup; do
			run --separate-stderr "$LANES" $m $w touch "$T/ran" ::: x
			assert_usage_error
			assert_stderr_line -n 0 "lanes: $w and --ungroup do not go together: $w keeps each job's output whole"
		done
	done
	[ ! -e "$T/ran" ]
}

@test "the last output mode counts: -u --group --json is --json" {
	run --separate-stderr "$LANES" -u --group --json -q echo ::: a
	assert_success
	assert_output --partial '"stdout":"a\n"'
	run --separate-stderr "$LANES" -u --lb --files --tmpdir "$T" -q echo \
	    ::: a
	assert_success
	assert_output --regexp "^$T/"
}

@test "--download and --slurm do not go with -S or --sshloginfile" {
	echo : >"$T/slf"
	run --separate-stderr "$LANES" --download "$T" -S : ::: x
	assert_usage_error
	assert_stderr_line -n 0 'lanes: --download and -S do not go together: downloads run on this machine'
	run --separate-stderr "$LANES" --download "$T" --slf "$T/slf" ::: x
	assert_usage_error
	assert_stderr_line -n 0 'lanes: --download and --sshloginfile do not go together: downloads run on this machine'
	run --separate-stderr "$LANES" --slurm -S : touch "$T/ran" ::: x
	assert_usage_error
	assert_stderr_line -n 0 "lanes: --slurm and -S do not go together: the jobs run on the allocation's nodes"
	[ ! -e "$T/ran" ]
}

@test "--results with -u: exit 255, nothing runs" {
	run --separate-stderr "$LANES" --results "$T/r" -u touch "$T/ran" ::: x
	assert_usage_error
	assert_stderr_line -n 0 "lanes: --results needs the jobs' output, which -u passes straight through"
	[ ! -e "$T/ran" ] && [ ! -e "$T/r" ]
}

@test "-q and -X need a command; a command of only {} is none" {
	run --separate-stderr "$LANES" -q ::: 'echo a'
	assert_usage_error
	assert_stderr_line -n 0 'lanes: -q needs a command'
	run --separate-stderr "$LANES" -X {} ::: 'echo a'
	assert_usage_error
	assert_stderr_line -n 0 'lanes: -X needs a command'
	# -q keeps a lone {} as the command: one word, run as given.
	run --separate-stderr "$LANES" -q {} ::: true
	assert_success
	assert_no_stderr
}
