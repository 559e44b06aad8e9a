# Shared setup for the bats end-to-end tests. Each .bats file starts with
#   load helpers/common
# and gets bats-support, bats-assert, $LANES (the binary under test), $FIX
# (the fixtures directory), $T (this test's private scratch directory) and
# the stderr assertions below, which bats-assert 2.1 does not have.

bats_require_minimum_version 1.5.0

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

# tests/run exports LANES as an absolute path; a bare `bats tests/` run
# falls back to the binary at the top of the repository.
LANES=${LANES:-$BATS_TEST_DIRNAME/../lanes}
REPO=$BATS_TEST_DIRNAME/..
FIX=$BATS_TEST_DIRNAME/fixtures
HINT="Try 'lanes --help' for more information."
export LANES FIX

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T" || return 1
}

# Run an assertion of bats-assert against stderr instead of stdout: the
# function swaps $output/$lines for $stderr/$stderr_lines around the call.
_on_stderr() {
	local saved_output=$output rc=0
	local -a saved_lines=("${lines[@]}")
	output=$stderr
	lines=("${stderr_lines[@]}")
	"$@" || rc=$?
	output=$saved_output
	lines=("${saved_lines[@]}")
	return "$rc"
}

# assert_stderr [-p|-e|-r] [EXPECTED]: assert_output, on stderr.
assert_stderr() {
	_on_stderr assert_output "$@"
}

# assert_stderr_line [-n N] [-p|-r] LINE: assert_line, on stderr.
assert_stderr_line() {
	_on_stderr assert_line "$@"
}

# refute_stderr_line [-p|-r] LINE: refute_line, on stderr.
refute_stderr_line() {
	_on_stderr refute_line "$@"
}

# assert_no_stderr: stderr is empty.
assert_no_stderr() {
	if [[ -n $stderr ]]; then
		batslib_print_kv_single_or_multi 8 'stderr' "$stderr" |
			batslib_decorate 'stderr should be empty' | fail
	fi
}

# assert_usage_error: lanes' own error. Exit 255, nothing on stdout, and on
# stderr exactly one line "lanes: <problem>" followed by the hint.
assert_usage_error() {
	assert_equal "$status" 255
	assert_output ''
	_on_stderr assert_equal "${#stderr_lines[@]}" 2
	_on_stderr assert_line -n 0 --regexp '^lanes: [^ ].*$'
	_on_stderr assert_line -n 1 "$HINT"
}

# run_out FILE CMD...: as `run --separate-stderr CMD...`, but CMD's stdout
# goes to FILE byte for byte (for binary data, trailing newlines and sizes
# that $output would change or make slow).
run_out() {
	local file=$1
	shift
	run --separate-stderr _run_out "$file" "$@"
}

_run_out() {
	local file=$1
	shift
	"$@" >"$file"
}

# assert_same_file EXPECTED ACTUAL: byte-identical, with an od dump of both
# on failure.
assert_same_file() {
	if ! cmp -s "$1" "$2"; then
		{
			echo "files differ: $1 $2"
			echo "-- expected --"
			od -An -c "$1" | head -20
			echo "-- actual --"
			od -An -c "$2" | head -20
		} | fail
	fi
}

# assert_contiguous: every line of $output is "TAG ..." and the lines of
# each TAG form one unbroken run (grouped output never interleaves).
assert_contiguous() {
	local line tag prev='' seen=' '
	for line in "${lines[@]}"; do
		tag=${line%% *}
		if [[ $tag != "$prev" ]]; then
			if [[ $seen == *" $tag "* ]]; then
				printf '%s\n' "$output" |
				    batslib_decorate "'$tag' lines are split" |
				    fail
				return
			fi
			seen+="$tag "
			prev=$tag
		fi
	done
}

# On failure bats shows what a test printed; add the last run's status and
# stderr, which the assertions of bats-assert do not show.
teardown() {
	if [[ -n ${status-} ]]; then
		printf -- '-- last run: status %s, stderr --\n%s\n--\n' \
		    "$status" "${stderr-}"
	fi
}
