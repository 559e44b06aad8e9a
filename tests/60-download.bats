#!/usr/bin/env bats
# Download jobs (lanes --download DIR) against real servers on 127.0.0.1:
# nginx (HTTP, HTTPS with HTTP/2) and tests/helpers/faultserver.py for the
# misbehaving cases. Each test downloads into $T/out and checks the files
# there by content, the result lines, the exit status, and that nothing
# else under $T changed. The servers live for the whole file; fault
# server paths carry the test's number, because it counts requests per
# path.

load helpers/common
load helpers/http

# Keep the common teardown (it prints the last run on failure).
eval "common_$(declare -f teardown)"

setup_file() {
	local i
	http_start "$BATS_FILE_TMPDIR/srv"
	mkdir -p "$WWW/s"
	python3 - "$WWW/s" <<'EOF'
import os, sys
d = sys.argv[1]
for i in range(300):
    with open(os.path.join(d, "%03d" % i), "wb") as f:
        f.write(os.urandom(i * 37 % 5000))
EOF
	head -c 20M /dev/urandom >"$WWW/big.bin"
	for i in 1 2 3; do
		head -c $((i * 1000)) /dev/urandom >"$WWW/tls$i"
	done
}

teardown_file() {
	http_stop "$BATS_FILE_TMPDIR/srv"
}

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T" || return 1
	mkdir out
	echo keep >sentinel
	N=t$BATS_TEST_NUMBER
	before=$(outside)
}

teardown() {
	if [[ -n ${PERM_DIR-} ]]; then
		rm -rf "$PERM_DIR"
	fi
	common_teardown
}

# Everything under $T but out/, with sizes: what a download must not touch.
outside() {
	# (bats keeps run's stderr in separate-stderr-* files there.)
	find "$T" \( -path "$T/out" -o -name 'separate-stderr-*' \) -prune \
		-o -printf '%p %y %s\n' |
		LC_ALL=C sort
	cat "$T/sentinel"
}

assert_outside_untouched() {
	assert_equal "$(outside)" "$before"
}

# assert_result N STATUS HTTP BYTES PATH URL [REASON]: the N-th line of
# stdout (from 0) is that result line; SECONDS is only checked for form.
assert_result() {
	local n=$1 st http bytes secs path url reason rest
	IFS=$'\t' read -r st http bytes secs path url reason rest \
		<<<"${lines[$n]}"
	assert_equal "$st" "$2"
	assert_equal "$http" "$3"
	assert_equal "$bytes" "$4"
	[[ $secs =~ ^[0-9]+\.[0-9]{3}$ ]] ||
		fail "line $n: seconds field '$secs'"
	assert_equal "$path" "$5"
	assert_equal "$url" "$6"
	assert_equal "$reason" "${7-}"
	assert_equal "$rest" ''
}

# The SECONDS field of line N.
seconds_of() {
	cut -f4 <<<"${lines[$1]}"
}

# assert_body FILE SIZE NAME: FILE holds what /data/SIZE/NAME serves.
assert_body() {
	assert_equal "$(sha256sum <"$1" | cut -d' ' -f1)" \
		"$(fault_body "$2" "$3" | sha256sum | cut -d' ' -f1)"
}

# How many requests the fault server saw for this exact path.
requests() {
	grep -c "^GET $1 " "$FLT_LOG" || true
}

# The files in out/, one per line, sorted.
out_files() {
	ls -A out | LC_ALL=C sort
}

@test "many small files over HTTP: each saved intact, one ok line each" {
	for f in "$WWW"/s/*; do
		echo "$NGX/s/${f##*/}"
	done >urls
	(cd "$WWW/s" && sha256sum -- *) >sums
	run --separate-stderr "$LANES" --download out -j8 -a urls
	assert_success
	assert_no_stderr
	assert_equal "${#lines[@]}" 300
	refute_line --regexp $'^(failed|exists)\t'
	assert_line --regexp $'^ok\t200\t[0-9]+\t[0-9.]+\tout/007\t'"$NGX/s/007"'$'
	(cd out && sha256sum --quiet -c ../sums)
	assert_equal "$(ls out | wc -l)" 300
	rm urls sums
	assert_outside_untouched
}

@test "a large file arrives intact" {
	run --separate-stderr "$LANES" --download out ::: "$NGX/big.bin"
	assert_success
	assert_result 0 ok 200 20971520 out/big.bin "$NGX/big.bin"
	assert_same_file "$WWW/big.bin" out/big.bin
	assert_equal "$(out_files)" big.bin
	assert_outside_untouched
}

@test "HTTPS with --cacert, over HTTP/2" {
	run --separate-stderr "$LANES" --download out/ -k -j2 --cacert "$CERT" \
		::: "$NGXS/tls1" "$NGXS/tls2" "$NGXS/tls3"
	assert_success
	assert_no_stderr
	assert_result 0 ok 200 1000 out/tls1 "$NGXS/tls1"
	assert_result 2 ok 200 3000 out/tls3 "$NGXS/tls3"
	for i in 1 2 3; do
		assert_same_file "$WWW/tls$i" "out/tls$i"
	done
	run grep -c '^HTTP/2.0 200 /tls[123] ' "$NGX_LOG"
	assert_output 3
	assert_outside_untouched
}

@test "HTTPS with an unknown certificate fails and saves nothing" {
	run --separate-stderr "$LANES" --download out ::: "$NGXS/tls1"
	assert_failure 1
	re=$'^failed\t0\t0\t[0-9.]+\tout/tls1\t'"$NGXS/tls1"
	assert_line --regexp "$re"$'\tTLS certificate not trusted: '
	assert_stderr_line --partial \
		"lanes: job 1: '$NGXS/tls1': TLS certificate not trusted"
	assert_equal "$(out_files)" ''
	assert_outside_untouched
}

@test "result lines: status, code, bytes, seconds, DIR/NAME, URL, reason" {
	run --separate-stderr "$LANES" --download out -k \
		::: "$FLT/data/10/$N-a" "$FLT/status/404/$N-b"
	assert_failure 1
	assert_equal "${#lines[@]}" 2
	assert_result 0 ok 200 10 "out/$N-a" "$FLT/data/10/$N-a"
	assert_result 1 failed 404 0 "out/$N-b" "$FLT/status/404/$N-b" \
		'404 Not Found'
	assert_stderr "lanes: job 2: '$FLT/status/404/$N-b': 404 Not Found"
	assert_outside_untouched
}

@test "URL TAB NAME renames; the name is cleaned of '/' and leading dots" {
	printf '%s\t%s\n' "$FLT/data/10/$N-a" "b.bin" \
		"$FLT/data/20/$N-c" "../../d.bin" >urls
	before=$(outside)
	run --separate-stderr "$LANES" --download out -k -a urls
	assert_success
	assert_result 0 ok 200 10 out/b.bin "$FLT/data/10/$N-a"
	assert_result 1 ok 200 20 out/_.._d.bin "$FLT/data/20/$N-c"
	assert_body out/b.bin 10 "$N-a"
	assert_body out/_.._d.bin 20 "$N-c"
	assert_equal "$(out_files)" $'_.._d.bin\nb.bin'
	assert_outside_untouched
}

@test "a name from the URL is percent-decoded and cleaned" {
	run --separate-stderr "$LANES" --download out -k \
		::: "$FLT/data/10/$N%20a.txt?q=1" "$FLT/data/10/..%2F..%2F$N" \
		"$FLT/data/10/%2e%2e"
	assert_success
	assert_result 0 ok 200 10 "out/$N a.txt" "$FLT/data/10/$N%20a.txt?q=1"
	assert_result 1 ok 200 10 "out/_.._$N" "$FLT/data/10/..%2F..%2F$N"
	assert_line -n 2 --regexp $'\tout/download-[0-9a-f]{16}\t'
	assert_outside_untouched
}

@test "a URL without a usable name gets the same made-up name every time" {
	run --separate-stderr "$LANES" --download out ::: "$FLT/data/7/"
	assert_success
	assert_line --regexp $'^ok\t200\t7\t[0-9.]+\tout/download-[0-9a-f]{16}\t'
	name=$(cut -f5 <<<"$output")
	run --separate-stderr "$LANES" --download out ::: "$FLT/data/7/"
	assert_success
	assert_result 0 exists 0 0 "$name" "$FLT/data/7/"
	assert_equal "$(out_files)" "${name#out/}"
	assert_outside_untouched
}

@test "404 is not retried and saves nothing" {
	run --separate-stderr "$LANES" --download out --retries 3 \
		::: "$FLT/status/404/$N"
	assert_failure 1
	assert_result 0 failed 404 0 "out/$N" "$FLT/status/404/$N" \
		'404 Not Found'
	assert_equal "$(requests "/status/404/$N")" 1
	assert_equal "$(out_files)" ''
	assert_outside_untouched
}

# bats test_tags=slow
@test "500 then 503 then success, with --retries 3" {
	run --separate-stderr "$LANES" --download out --retries 3 \
		::: "$FLT/seq/500,503/1000/$N"
	assert_success
	assert_no_stderr
	assert_result 0 ok 200 1000 "out/$N" "$FLT/seq/500,503/1000/$N"
	assert_body "out/$N" 1000 "$N"
	assert_equal "$(requests "/seq/500,503/1000/$N")" 3
	assert_outside_untouched
}

# bats test_tags=slow
@test "a server error on every attempt fails after --retries attempts" {
	run --separate-stderr "$LANES" --download out --retries 2 \
		::: "$FLT/status/503/$N"
	assert_failure 1
	assert_result 0 failed 503 0 "out/$N" "$FLT/status/503/$N" \
		'503 Service Unavailable (2 attempts)'
	assert_equal "$(requests "/status/503/$N")" 2
	assert_equal "$(out_files)" ''
}

# bats test_tags=slow
@test "429 with Retry-After: the retry waits as long as asked" {
	run --separate-stderr "$LANES" --download out --retries 2 \
		::: "$FLT/seq/429r1/100/$N"
	assert_success
	assert_result 0 ok 200 100 "out/$N" "$FLT/seq/429r1/100/$N"
	assert_body "out/$N" 100 "$N"
	# A lower bound only: the wait cannot be shorter than asked.
	(($(seconds_of 0 | tr -d .) >= 1000)) ||
		fail "retried after $(seconds_of 0)s, Retry-After was 1"
}

# bats test_tags=slow
@test "a connection dropped mid-body is resumed with a range request" {
	run --separate-stderr "$LANES" --download out --retries 2 \
		::: "$FLT/seq/drop/100000/$N"
	assert_success
	assert_result 0 ok 206 100000 "out/$N" "$FLT/seq/drop/100000/$N"
	assert_body "out/$N" 100000 "$N"
	run grep -c "^GET /seq/drop/100000/$N range=bytes=50000- " "$FLT_LOG"
	assert_output 1
	assert_outside_untouched
}

@test "a failed download keeps its .part; a re-run gets only what is missing" {
	run --separate-stderr "$LANES" --download out -k ::: \
		"$FLT/data/100/$N-a" "$FLT/seq/drop/100000/$N-b" \
		"$FLT/status/404/$N-c"
	assert_failure 2
	assert_result 0 ok 200 100 "out/$N-a" "$FLT/data/100/$N-a"
	assert_result 1 failed 200 50000 "out/$N-b" \
		"$FLT/seq/drop/100000/$N-b" \
		'connection closed before the end of the file'
	assert_equal "$(out_files)" "$N-a"$'\n'"$N-b.part"
	assert_equal "$(stat -c %s "out/$N-b.part")" 50000

	run --separate-stderr "$LANES" --download out -k ::: \
		"$FLT/data/100/$N-a" "$FLT/seq/drop/100000/$N-b" \
		"$FLT/status/404/$N-c"
	assert_failure 1
	assert_result 0 exists 0 0 "out/$N-a" "$FLT/data/100/$N-a"
	assert_result 1 ok 206 50000 "out/$N-b" "$FLT/seq/drop/100000/$N-b"
	assert_result 2 failed 404 0 "out/$N-c" "$FLT/status/404/$N-c" \
		'404 Not Found'
	assert_body "out/$N-a" 100 "$N-a"
	assert_body "out/$N-b" 100000 "$N-b"
	assert_equal "$(out_files)" "$N-a"$'\n'"$N-b"
	assert_equal "$(requests "/data/100/$N-a")" 1
	assert_outside_untouched
}

@test "an existing .part is resumed where it ends" {
	fault_body 100000 "$N" | head -c 30000 >"out/$N.part"
	run --separate-stderr "$LANES" --download out ::: "$FLT/data/100000/$N"
	assert_success
	assert_result 0 ok 206 70000 "out/$N" "$FLT/data/100000/$N"
	assert_body "out/$N" 100000 "$N"
	run grep -c "^GET /data/100000/$N range=bytes=30000- " "$FLT_LOG"
	assert_output 1
	assert_equal "$(out_files)" "$N"
}

@test "a server that ignores Range: the .part starts over cleanly" {
	head -c 30000 /dev/zero >"out/$N.part"
	run --separate-stderr "$LANES" --download out \
		::: "$FLT/norange/100000/$N"
	assert_success
	assert_result 0 ok 200 100000 "out/$N" "$FLT/norange/100000/$N"
	assert_body "out/$N" 100000 "$N"
	assert_equal "$(out_files)" "$N"
}

@test "a .part that is already complete is finished without a body (416)" {
	fault_body 5000 "$N" >"out/$N.part"
	run --separate-stderr "$LANES" --download out ::: "$FLT/data/5000/$N"
	assert_success
	assert_result 0 ok 416 0 "out/$N" "$FLT/data/5000/$N"
	assert_body "out/$N" 5000 "$N"
	assert_equal "$(out_files)" "$N"
}

# bats test_tags=slow
@test "a stalled transfer fails after --stall-timeout and keeps its .part" {
	run --separate-stderr "$LANES" --download out --stall-timeout 1 \
		::: "$FLT/stall/100000/$N"
	assert_failure 1
	assert_result 0 failed 200 50000 "out/$N" "$FLT/stall/100000/$N" \
		'stalled: no data for 1s'
	assert_equal "$(out_files)" "$N.part"
	assert_outside_untouched
}

# bats test_tags=slow
@test "--timeout bounds the whole job" {
	run --separate-stderr "$LANES" --download out --timeout 1 \
		::: "$FLT/stall/100000/$N"
	assert_failure 1
	assert_result 0 failed 200 50000 "out/$N" "$FLT/stall/100000/$N" \
		'timed out after 1s'
	assert_equal "$(out_files)" "$N.part"
}

@test "a redirect to another path is followed; the name is the URL's" {
	run --separate-stderr "$LANES" --download out \
		::: "$FLT/redirect/data/100/$N"
	assert_success
	assert_result 0 ok 200 100 "out/$N" "$FLT/redirect/data/100/$N"
	assert_body "out/$N" 100 "$N"
}

@test "a redirect to file:///etc/passwd is refused" {
	url="$FLT/redirect-to?url=file:///etc/passwd"
	run --separate-stderr "$LANES" --download out ::: "$url"
	assert_failure 1
	assert_result 0 failed 302 0 out/redirect-to "$url" \
		'redirect to a URL that is not http or https refused'
	assert_equal "$(out_files)" ''
	assert_outside_untouched
}

@test "a redirect loop ends after the limit" {
	run --separate-stderr "$LANES" --download out ::: "$FLT/loop"
	assert_failure 1
	assert_result 0 failed 302 0 out/loop "$FLT/loop" \
		'more than 10 redirects'
}

@test "URLs that are not http or https are refused without a transfer" {
	run --separate-stderr "$LANES" --download out -k ::: \
		file:///etc/passwd scp://127.0.0.1/x 127.0.0.1/y
	assert_failure 3
	assert_result 0 failed 0 0 out/passwd file:///etc/passwd \
		"protocol 'file' not allowed (only http and https)"
	assert_result 1 failed 0 0 out/x scp://127.0.0.1/x \
		"protocol 'scp' not allowed (only http and https)"
	assert_result 2 failed 0 0 out/y 127.0.0.1/y \
		'not an http or https URL'
	assert_equal "$(out_files)" ''
	assert_outside_untouched
}

@test "Content-Disposition is ignored without --content-disposition" {
	url="$FLT/cd/100/$N?fn=../../evil.txt"
	run --separate-stderr "$LANES" --download out ::: "$url"
	assert_success
	assert_result 0 ok 200 100 "out/$N" "$url"
	assert_equal "$(out_files)" "$N"
}

@test "--content-disposition takes the server's name without its path" {
	url="$FLT/cd/100/$N?fn=../../evil.txt"
	run --separate-stderr "$LANES" --download out --content-disposition \
		-k ::: "$url" "$FLT/cd/10/$N-dots?fn=.."
	assert_success
	assert_result 0 ok 200 100 out/evil.txt "$url"
	assert_result 1 ok 200 10 "out/$N-dots" "$FLT/cd/10/$N-dots?fn=.."
	assert_body out/evil.txt 100 "$N"
	assert_equal "$(out_files)" $'evil.txt\n'"$N-dots"
	[[ ! -e $T/evil.txt && ! -e $T/../evil.txt ]]
	assert_outside_untouched
}

@test "--max-filesize stops an endless chunked body and a long one" {
	run --separate-stderr "$LANES" --download out --max-filesize 1M -k \
		::: "$FLT/endless/$N" "$FLT/data/2000000/$N-cl"
	assert_failure 2
	re=$'^failed\t200\t[0-9]+\t[0-9.]+\tout/'"$N"$'\t.*\t'
	assert_line -n 0 --regexp \
		"$re"'larger than --max-filesize \(1048576 bytes\)$'
	assert_result 1 failed 200 0 "out/$N-cl" "$FLT/data/2000000/$N-cl" \
		'larger than --max-filesize (1048576 bytes)'
	assert_equal "$(out_files)" ''
	assert_outside_untouched
}

@test "an existing file is skipped with 'exists'; --overwrite replaces it" {
	echo old >"out/$N"
	run --separate-stderr "$LANES" --download out ::: "$FLT/data/100/$N"
	assert_success
	assert_result 0 exists 0 0 "out/$N" "$FLT/data/100/$N"
	assert_equal "$(<"out/$N")" old
	assert_equal "$(requests "/data/100/$N")" 0
	run --separate-stderr "$LANES" --download out --overwrite \
		::: "$FLT/data/100/$N"
	assert_success
	assert_result 0 ok 200 100 "out/$N" "$FLT/data/100/$N"
	assert_body "out/$N" 100 "$N"
}

@test "a symbolic link planted at NAME.part is never written through" {
	echo secret >victim
	ln -s "$T/victim" "out/$N.part"
	before=$(outside)
	run --separate-stderr "$LANES" --download out ::: "$FLT/data/100/$N"
	assert_failure 1
	assert_result 0 failed 0 0 "out/$N" "$FLT/data/100/$N" \
		"'$N.part' is a symbolic link"
	assert_equal "$(<victim)" secret
	[[ -L out/$N.part && ! -e out/$N ]]
	assert_outside_untouched
}

@test "a symbolic link at NAME is kept, or replaced with --overwrite" {
	echo secret >victim
	ln -s "$T/victim" "out/$N"
	before=$(outside)
	run --separate-stderr "$LANES" --download out ::: "$FLT/data/100/$N"
	assert_success
	assert_result 0 exists 0 0 "out/$N" "$FLT/data/100/$N"
	run --separate-stderr "$LANES" --download out --overwrite \
		::: "$FLT/data/100/$N"
	assert_success
	[[ ! -L out/$N ]]
	assert_body "out/$N" 100 "$N"
	assert_equal "$(<victim)" secret
	assert_outside_untouched
}

@test "two records with the same name: the second fails" {
	run --separate-stderr "$LANES" --download out -k -j1 ::: \
		"$FLT/data/10/$N" "$FLT/data/20/$N" "$FLT/data/30/$N.part"
	assert_failure 1
	assert_result 0 ok 200 10 "out/$N" "$FLT/data/10/$N"
	assert_result 1 failed 0 0 "out/$N" "$FLT/data/20/$N" \
		"another URL in this run writes to '$N'"
	# A name ending in .part would be the part file of another name.
	assert_result 2 ok 200 30 "out/${N}_part" "$FLT/data/30/$N.part"
	assert_body "out/$N" 10 "$N"
	assert_body "out/${N}_part" 30 "$N.part"
	assert_equal "$(out_files)" "$N"$'\n'"${N}_part"
}

# Issue 12: a long name of UTF-8 continuation bytes walked the cut back
# to its extension: "%80" x 300 + "." became "." ("exists", nothing
# downloaded), and with --overwrite the part file was "..part".
@test "a long name of continuation bytes is cut, never to a dot name" {
	local esc='' name zip i
	for ((i = 0; i < 300; i++)); do
		esc+=%80
	done
	# NAME.part fits in 255 bytes, the extension is kept.
	name=$(printf '\x80%.0s' {1..249}).
	zip=$(printf '\x80%.0s' {1..246}).zip
	run --separate-stderr "$LANES" --download out ::: "$NGX/ok/$esc."
	assert_failure 1
	assert_result 0 failed 404 0 "out/$name" "$NGX/ok/$esc." \
		"404 Not Found"
	run --separate-stderr "$LANES" --download out --overwrite \
		::: "$NGX/ok/$esc."
	assert_failure 1
	assert_equal "$(out_files)" ''
	run --separate-stderr "$LANES" --download out \
		::: "$FLT/data/100/$esc." "$FLT/data/50/$esc.zip"
	assert_success
	assert_body "out/$name" 100 "$esc."
	assert_body "out/$zip" 50 "$esc.zip"
	assert_equal "$(out_files)" "$zip"$'\n'"$name"
	assert_outside_untouched
}

@test "sha256 in the record: a match is saved, a mismatch is deleted" {
	sum=$(fault_body 100 "$N" | sha256sum | cut -d' ' -f1)
	printf '%s\tsha256:%s\n' "$FLT/data/100/$N" "$sum" \
		"$FLT/data/101/$N-bad" "$sum" >urls
	run --separate-stderr "$LANES" --download out -k -a urls
	assert_failure 1
	assert_result 0 ok 200 100 "out/$N" "$FLT/data/100/$N"
	assert_result 1 failed 200 101 "out/$N-bad" "$FLT/data/101/$N-bad" \
		'checksum mismatch'
	assert_body "out/$N" 100 "$N"
	assert_equal "$(out_files)" "$N"
}

@test "--checksum-file in sha256sum format checks files by name" {
	fault_body 100 "$N" >expected
	sha256sum expected | sed "s/expected/sub\/$N/" >sums
	sha256sum expected | sed "s/expected/$N-other/" >>sums
	before=$(outside)
	run --separate-stderr "$LANES" --download out -k --checksum-file sums \
		::: "$FLT/data/100/$N" "$FLT/data/100/$N-other" \
		"$FLT/data/5/$N-free"
	assert_failure 1
	assert_result 0 ok 200 100 "out/$N" "$FLT/data/100/$N"
	assert_result 1 failed 200 100 "out/$N-other" \
		"$FLT/data/100/$N-other" 'checksum mismatch'
	assert_result 2 ok 200 5 "out/$N-free" "$FLT/data/5/$N-free"
	assert_equal "$(out_files)" "$N"$'\n'"$N-free"
	assert_outside_untouched
}

@test "a --checksum-file that is not in sha256sum format is lanes' error" {
	echo 'not a checksum' >sums
	run --separate-stderr "$LANES" --download out --checksum-file sums \
		::: "$FLT/data/1/$N"
	assert_usage_error
	assert_stderr_line -n 0 "lanes: 'sums' line 1: not in sha256sum format"
	assert_equal "$(requests "/data/1/$N")" 0
}

@test "a missing output directory is an error; --create-dirs creates it" {
	run --separate-stderr "$LANES" --download new/dir ::: "$FLT/data/1/$N"
	assert_usage_error
	assert_stderr_line -n 0 "lanes: cannot open 'new/dir': No such file or \
directory (--create-dirs creates it)"
	[[ ! -e new ]]
	run --separate-stderr "$LANES" --download new/dir --create-dirs \
		::: "$FLT/data/1/$N"
	assert_success
	assert_result 0 ok 200 1 "new/dir/$N" "$FLT/data/1/$N"
	assert_body "new/dir/$N" 1 "$N"
}

@test "disk full: a clear error and no file under the final name" {
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace"
	head -c 1000000 /dev/urandom >"$WWW/$N.bin"
	# A 256 KiB tmpfs over out/, in a mount namespace of our own. One
	# job at a time: the second gets the room the first one's deleted
	# .part gave back.
	run --separate-stderr unshare -m sh -c '
		mount -t tmpfs -o size=256k tmpfs out || exit 99
		"$0" --download out -k -j1 "$@"
		rc=$?
		ls -A out >listing
		exit $rc' "$LANES" ::: "$NGX/$N.bin" "$FLT/data/1000/$N-small"
	assert_failure 1
	re=$'^failed\t200\t[0-9]+\t[0-9.]+\tout/'"$N"$'\\.bin\t.*\t'
	re+="cannot write '$N\\.bin\\.part': No space left on device\$"
	assert_line -n 0 --regexp "$re"
	assert_result 1 ok 200 1000 "out/$N-small" "$FLT/data/1000/$N-small"
	assert_equal "$(<listing)" "$N-small"
	rm "$WWW/$N.bin" listing
	assert_equal "$(out_files)" ''
	assert_outside_untouched
}

@test "permission denied: a clear error for that job" {
	PERM_DIR=$(mktemp -d /tmp/lanes-perm.XXXXXX)
	chmod 755 "$PERM_DIR"
	mkdir "$PERM_DIR/out"
	if [[ $(id -u) == 0 ]]; then
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	else
		chmod 555 "$PERM_DIR/out"
		as=()
	fi
	run --separate-stderr env TMPDIR=/tmp "${as[@]}" "$LANES" \
		--download "$PERM_DIR/out" ::: "$FLT/data/1/$N"
	assert_failure 1
	assert_result 0 failed 0 0 "$PERM_DIR/out/$N" "$FLT/data/1/$N" \
		"cannot open '$N.part': Permission denied"
	assert_equal "$(ls -A "$PERM_DIR/out")" ''
}

@test "-H and --user-agent are sent; the default agent is lanes" {
	run --separate-stderr "$LANES" --download out -k \
		-H 'X-Test: yes' --user-agent 'an agent' \
		::: "$FLT/data/1/$N-a"
	assert_success
	run --separate-stderr "$LANES" --download out ::: "$FLT/data/1/$N-b"
	assert_success
	run grep -c "^GET /data/1/$N-a range=- ua=an agent x-test=yes\$" \
		"$FLT_LOG"
	assert_output 1
	run grep -c "^GET /data/1/$N-b range=- ua=lanes/[0-9.]* x-test=-\$" \
		"$FLT_LOG"
	assert_output 1
}

# bats test_tags=slow
@test "--limit-rate limits all transfers together" {
	run --separate-stderr "$LANES" --download out -j2 --limit-rate 64k \
		::: "$FLT/data/65536/$N-a" "$FLT/data/65536/$N-b"
	assert_success
	assert_body "out/$N-a" 65536 "$N-a"
	assert_body "out/$N-b" 65536 "$N-b"
	# 128 KiB at 64 KiB/s in total take about 2 s, less the 0.1 s burst
	# the bucket allows; each transfer alone could do it in 1 s. A lower
	# bound only.
	slowest=$(cut -f4 <<<"$output" | sort -n | tail -1)
	(($(tr -d . <<<"$slowest") >= 1500)) ||
		fail "the last transfer ended after ${slowest}s"
}

@test "connection refused" {
	port=$(http_free_port)
	run --separate-stderr "$LANES" --download out \
		::: "http://127.0.0.1:$port/$N"
	assert_failure 1
	assert_result 0 failed 0 0 "out/$N" "http://127.0.0.1:$port/$N" \
		'connection refused'
	assert_equal "$(out_files)" ''
}

# bats test_tags=slow
@test "--connect-timeout gives up on a handshake that never comes" {
	# A listener that accepts and never answers: the TLS handshake of
	# an https URL hangs, which only the connect timeout ends.
	port=$(http_free_port)
	python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
open(sys.argv[2], "w").close()
held = []
while True:
    held.append(s.accept()[0])
' "$port" "$BATS_TEST_TMPDIR/listening" 3>&- &
	local pid=$! i
	for ((i = 0; i < 100; i++)); do
		[ -e "$BATS_TEST_TMPDIR/listening" ] && break
		sleep 0.05
	done
	run --separate-stderr "$LANES" --download out --connect-timeout 1 \
		::: "https://127.0.0.1:$port/$N"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	assert_failure 1
	assert_result 0 failed 0 0 "out/$N" "https://127.0.0.1:$port/$N" \
		'connect timed out after 1s'
	assert_equal "$(out_files)" ''
}

@test "SIGTERM cuts a transfer at once: 'interrupted', .part kept" {
	"$LANES" --download out ::: "$FLT/stall/100000/$N" >stdout \
		2>stderr 3>&- &
	pid=$!
	# Wait until the half the server sends before it stalls is in.
	for ((i = 0; i < 50; i++)); do
		[[ $(stat -c %s "out/$N.part" 2>/dev/null) == 50000 ]] && break
		sleep 0.1
	done
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 143
	output=$(<stdout)
	lines=("$output")
	assert_result 0 failed 200 50000 "out/$N" "$FLT/stall/100000/$N" \
		interrupted
	assert_equal "$(out_files)" "$N.part"
}
