# bash completion for lanes(1).                          -*- shell-script -*-
#
# The options are not listed here: they are read from `lanes --help`, which
# is printed from the option table in cmd/opts.c, so a new option completes
# as soon as it is built and this file cannot drift from the program. What
# an option's value is comes from its placeholder in --help (FILE: files,
# DIR: directories, CMD: commands, LIST: hosts), except for the options in
# _lanes_words below, whose values are fixed words
# (tests/06-completion.bats checks that each is an option of --help).
#
# Installed by `make install` as share/bash-completion/completions/lanes;
# it also works when sourced by hand, without the bash-completion package.

# _lanes_words OPTION: the fixed words OPTION takes, or nothing.
_lanes_words()
{
	case $1 in
	--halt)
		echo never now,fail=1 soon,fail=1 now,success=1 \
		    soon,success=1 now,done=1 soon,done=1 ;;
	--trim) echo n l r lr rl ;;
	--workdir|--wd) echo ... . ;;
	--header) echo : ;;
	esac
}

# _lanes_options LANES: one line per option name of `LANES --help`, the
# name and, after a space, its value's placeholder if it takes one
# ("--arg-file FILE", "-a FILE", "--link", "-l [N]").
_lanes_options()
{
	local line rest names arg n
	local re='^(-[A-Za-z0-9]|--[a-z0-9][a-z0-9-]*)(, )?(.*)$'
	local are='^ ([A-Z][A-Z,=]*|\[[A-Z]+\])( |$)'

	"$1" --help 2>/dev/null | while IFS= read -r line; do
		# "  -a, --arg-file FILE  text" or "      --link  text";
		# continuation lines are indented further.
		[[ $line =~ ^(\ \ -[^-]|\ {6}--) ]] || continue
		rest=${line#"${line%%[! ]*}"}
		names=()
		while [[ $rest =~ $re ]]; do
			names+=("${BASH_REMATCH[1]}")
			rest=${BASH_REMATCH[3]}
			[ -n "${BASH_REMATCH[2]}" ] || break
		done
		arg=
		[[ $rest =~ $are ]] && arg=${BASH_REMATCH[1]}
		for n in "${names[@]}"; do
			printf '%s %s\n' "$n" "$arg"
		done
	done
}

_lanes()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev opt arg i w prefix=
	local lanes=${COMP_WORDS[0]} words
	local -A argof=()

	while read -r opt arg; do
		argof[$opt]=${arg:--}
	done < <(_lanes_options "$lanes")

	# Where the command starts: the first word that is neither an
	# option nor an option's separate value; then ::: and :::: sources.
	i=1
	while [ "$i" -lt "$COMP_CWORD" ]; do
		w=${COMP_WORDS[i]}
		case $w in
		--) i=$((i + 1)); break ;;
		--*=*|-) ;;
		--*)
			# "--opt = value" when COMP_WORDBREAKS has '='.
			if [ "${COMP_WORDS[i + 1]}" = = ]; then
				i=$((i + 2))
			elif [[ ${argof[$w]} != - && ${argof[$w]} != \[* &&
			    -n ${argof[$w]} ]]; then
				i=$((i + 1))
			fi ;;
		-?*)
			# Short options combine (-kj1); the first that takes
			# a value takes the rest of the word, or the next one.
			local k=1 c
			while [ "$k" -lt "${#w}" ]; do
				c=-${w:k:1}
				if [[ -n ${argof[$c]} && ${argof[$c]} != - ]]; then
					[[ ${argof[$c]} != \[* &&
					    $k -eq $((${#w} - 1)) ]] &&
					    i=$((i + 1))
					break
				fi
				k=$((k + 1))
			done ;;
		*) break ;;
		esac
		i=$((i + 1))
	done

	COMPREPLY=()
	if [ "$i" -lt "$COMP_CWORD" ] || { [ "$i" -eq "$COMP_CWORD" ] &&
	    [[ $cur != -* ]]; }; then
		# The command and its sources.
		for ((w = COMP_CWORD - 1; w >= i; w--)); do
			case ${COMP_WORDS[w]} in
			::::|::::+)
				compopt -o filenames 2>/dev/null
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
				return 0 ;;
			:::|:::+) break ;;
			esac
		done
		if [ "$i" -eq "$COMP_CWORD" ]; then
			mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
			return 0
		fi
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		[[ ::: == "$cur"* ]] && COMPREPLY+=(::: ::::)
		return 0
	fi

	# An option's value: "--opt value", "--opt=value" or "-Xvalue" is
	# left alone (-X's value may be anything).
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	if [[ $cur == --*=* ]]; then
		# '=' is not in COMP_WORDBREAKS: the replies keep "--opt=".
		prefix=${cur%%=*}=
		prev=${cur%%=*}
		cur=${cur#*=}
	elif [ "$prev" = = ] && [ "$COMP_CWORD" -ge 2 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [ "$cur" = = ]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=
	elif [[ $prev != -* ]] || [ "$COMP_CWORD" -lt 2 ]; then
		prev=
	fi
	arg=${prev:+${argof[$prev]}}
	if [[ -n $prev && -n $arg && $arg != - && $arg != \[* ]]; then
		words=$(_lanes_words "$prev")
		if [ -n "$words" ]; then
			mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
			COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
			return 0
		fi
		case $arg in
		FILE)
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
		DIR)
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
		CMD)
			mapfile -t COMPREPLY < <(compgen -c -- "$cur" |
			    sort -u) ;;
		LIST)
			mapfile -t COMPREPLY < <(compgen -A hostname -W : \
			    -- "$cur") ;;
		esac
		COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
		return 0
	fi

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "${!argof[*]}" -- "$cur")
	fi
	return 0
}

complete -F _lanes lanes
