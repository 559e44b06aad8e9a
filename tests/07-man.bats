#!/usr/bin/env bats
# man/lanes.1 renders every word. mdoc(7) reads the words of a macro line
# as macros when they are one's name, so a quoted message such as "...: No
# space left on device" loses its "No"; and in roff "\n" inside an example
# reads a number register, so printf 'a\nb' loses characters. groff and
# mandoc both warn about the second; the first needs the check below.

load helpers/common

PAGE=$BATS_TEST_DIRNAME/../man/lanes.1

# The page as plain text, as groff renders it for man(1).
rendered() {
	groff -mandoc -Tutf8 -P-cbou "$PAGE" 2>/dev/null
}

@test "groff renders man/lanes.1 without a warning" {
	command -v groff >/dev/null || skip "groff is not installed"
	run --separate-stderr groff -mandoc -Tutf8 -ww -z "$PAGE"
	assert_success
	assert_no_stderr
}

@test "mandoc -T lint finds nothing of level warning or above" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run --separate-stderr mandoc -T lint -W warning "$PAGE"
	assert_success
	assert_no_stderr
	assert_output ''
}

@test "each quoted lanes: message renders word for word" {
	command -v groff >/dev/null || skip "groff is not installed"
	local line want text n=0
	text=$(rendered | tr -s ' \n' '  ')
	# .Ql/.Dl lines that are a whole message, with no macro inside.
	while IFS= read -r line; do
		want=${line#.?? }
		[[ $want == *' '[A-Z][a-z]' '* ]] && continue
		want=${want//\\&/}
		want=${want//\\-/-}
		want=${want% [.,;:]}
		n=$((n + 1))
		[[ $text == *"$want"* ]] ||
		    fail "man/lanes.1 says '$line'; the page shows no '$want'"
	done < <(grep -E '^\.(Ql|Dl|D1) lanes: ' "$PAGE")
	[ "$n" -ge 1 ] || fail "no quoted lanes: message found"
}

@test "the words the page once lost are there" {
	command -v groff >/dev/null || skip "groff is not installed"
	run rendered
	assert_success
	assert_output --partial 'standard output: No space left on device'
	assert_output --partial "printf 'name size\\na 1\\nb 2\\n'"
}
