#!/usr/bin/env bats
# Shell completion (man/completion/): bash's is driven here as bash drives
# it, through COMP_WORDS and COMP_CWORD; zsh's _arguments specs are checked
# by replacing _arguments with a function that prints them. Both read the
# options from `lanes --help`, so these tests compare what they offer with
# what --help lists; `make install` puts them where bash-completion and zsh
# look, and `make uninstall` takes them away.

load helpers/common

BASHCOMP=$BATS_TEST_DIRNAME/../man/completion/lanes.bash
ZSHCOMP=$BATS_TEST_DIRNAME/../man/completion/_lanes

# The long names --help lists, sorted, one a line: the names at the start
# of an option line, joined by ", " ("--line-buffer, --lb").
help_long_names() {
	local line rest re='^(-[A-Za-z0-9]|--[a-z0-9][a-z0-9-]*)(, |$| )(.*)$'
	"$LANES" --help | while IFS= read -r line; do
		[[ $line =~ ^(\ \ -[^-]|\ {6}--) ]] || continue
		rest=${line#"${line%%[! ]*}"}
		while [[ $rest =~ $re ]]; do
			[[ ${BASH_REMATCH[1]} == --* ]] &&
			    printf '%s\n' "${BASH_REMATCH[1]}"
			[ "${BASH_REMATCH[2]}" = ', ' ] || break
			rest=${BASH_REMATCH[3]}
		done
	done | sort
}

# complete_bash WORD...: what the bash completion offers for the command
# line "lanes WORD..." with the cursor at the end of the last WORD, sorted,
# one a line. Runs in $T.
complete_bash() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*" COMP_POINT=${#COMP_LINE}
		_lanes
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$BASHCOMP" "$LANES" "$@"
}

@test "bash: 'complete -p lanes' names the _lanes function" {
	run --separate-stderr bash -c 'source "$1" && complete -p lanes' _ \
	    "$BASHCOMP"
	assert_success
	assert_output 'complete -F _lanes lanes'
	assert_no_stderr
}

@test "bash: lanes --<TAB> offers exactly the long options of --help" {
	help_long_names >want
	[ "$(wc -l <want)" -gt 80 ] || fail "few options in --help: $(wc -l <want)"
	complete_bash -- >got
	run --separate-stderr bash -c "grep -- '^--' got | diff want -"
	assert_success
	refute_output
}

@test "bash: lanes --ha<TAB> is --halt; hidden spellings are not offered" {
	run --separate-stderr complete_bash --ha
	assert_success
	assert_output '--halt'
	run --separate-stderr complete_bash --tot
	assert_output '--total'
	run --separate-stderr complete_bash --l
	assert_output $'--lb\n--limit-rate\n--line-buffer\n--link\n--load'
}

@test "bash: short options are offered after -" {
	run --separate-stderr complete_bash -
	assert_success
	assert_line -- -a
	assert_line -- -j
	assert_line -- -X
	assert_line -- -H
}

@test "bash: --halt and --trim complete fixed words lanes accepts" {
	local w
	run --separate-stderr complete_bash --halt so
	assert_output $'soon,done=1\nsoon,fail=1\nsoon,success=1'
	run --separate-stderr complete_bash --halt ''
	assert_line never
	assert_line now,fail=1
	for w in "${lines[@]}"; do
		run --separate-stderr "$LANES" --halt "$w" true ::: 1
		assert_success
	done
	run --separate-stderr complete_bash --trim ''
	assert_output $'l\nlr\nn\nr\nrl'
	for w in "${lines[@]}"; do
		run --separate-stderr "$LANES" --trim "$w" echo ::: ' a '
		assert_success
	done
}

@test "bash: --opt=value completes with '=' split or not" {
	run --separate-stderr complete_bash --halt = now,f
	assert_output 'now,fail=1'
	run --separate-stderr complete_bash --trim=l
	assert_output $'--trim=l\n--trim=lr'
}

@test "bash: FILE values complete files, DIR values directories" {
	# Not in $T itself, where run keeps its stderr files.
	mkdir -p w/dir1 && cd w
	: >file1
	local o
	for o in -a --arg-file --joblog --sshloginfile --slf --cacert \
	    --checksum-file --basefile; do
		run --separate-stderr complete_bash "$o" ''
		assert_output $'dir1\nfile1'
	done
	for o in --tmpdir --download --results; do
		run --separate-stderr complete_bash "$o" ''
		assert_output 'dir1'
	done
	run --separate-stderr complete_bash --workdir ''
	assert_output $'.\n...'
}

@test "bash: the command, its words and :::: files" {
	: >file1
	run --separate-stderr complete_bash -j 2 --tag ech
	assert_line echo
	run --separate-stderr complete_bash -kj2 ech
	assert_line echo
	run --separate-stderr complete_bash --jobs=2 ech
	assert_line echo
	run --separate-stderr complete_bash -j 2 echo fi
	assert_output 'file1'
	run --separate-stderr complete_bash echo {} ::: a :::: fi
	assert_output 'file1'
	run --separate-stderr complete_bash echo {} :
	assert_output $':::\n::::'
	# An option after the command is the command's, not lanes'.
	run --separate-stderr complete_bash echo --ha
	refute_output '--halt'
}

@test "the fixed words of both completions name options of --help" {
	local f o
	help_long_names >names
	for f in "$BASHCOMP" "$ZSHCOMP"; do
		sed -n '/^_lanes_words/,/^}/p' "$f" |
		    grep -oE -- '^\s*--[a-z|-]+\)' | tr -d ' \t)' | tr '|' '\n' >opts
		[ "$(wc -l <opts)" -ge 4 ] || fail "no fixed words found in $f"
		while read -r o; do
			grep -qx -- "$o" names || fail "$f: $o is not in --help"
		done <opts
	done
}

@test "zsh: _lanes parses, and has a spec for each option of --help" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run --separate-stderr zsh -n "$ZSHCOMP"
	assert_success
	run --separate-stderr zsh -fc '
		_arguments() { print -rl -- "$@"; }
		words=("$1")
		source "$2"' _ "$LANES" "$ZSHCOMP"
	assert_success
	assert_no_stderr
	printf '%s\n' "${lines[@]}" | grep -oE '^--[a-z0-9-]+' | sort >got
	help_long_names >want
	run diff want got
	assert_success
	run --separate-stderr zsh -fc '
		_arguments() { print -rl -- "$@"; }
		words=("$1")
		source "$2"' _ "$LANES" "$ZSHCOMP"
	assert_line --regexp '^-a\+\[.*\]:FILE:_files$'
	assert_line --regexp '^--tmpdir=\[.*\]:DIR:_files -/$'
	assert_line --regexp '^--halt=\[.*\]:.*:\(never now,fail=1 .*\)$'
	assert_line --regexp '^--trim=\[.*\]:HOW:\(n l r lr rl\)$'
	assert_line --regexp '^-l-\[.*\]::N:$'
	assert_line --regexp '^--link\[.*\]$'
	assert_line '*::command word:_normal'
}

@test "make install puts both completions under DESTDIR; uninstall removes them" {
	run --separate-stderr make -s -C "$REPO" -o "$LANES" install \
	    BIN="$LANES" DESTDIR="$T/root" PREFIX=/usr
	assert_success
	cmp "$BASHCOMP" "$T/root/usr/share/bash-completion/completions/lanes"
	cmp "$ZSHCOMP" "$T/root/usr/share/zsh/vendor-completions/_lanes"
	[ -x "$T/root/usr/bin/lanes" ]
	run --separate-stderr bash -c 'source "$1" && complete -p lanes' _ \
	    "$T/root/usr/share/bash-completion/completions/lanes"
	assert_output 'complete -F _lanes lanes'
	run --separate-stderr make -s -C "$REPO" -o "$LANES" uninstall \
	    BIN="$LANES" DESTDIR="$T/root" PREFIX=/usr
	assert_success
	run find "$T/root" -type f
	assert_output ''
}
