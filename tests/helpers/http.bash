# Test servers for the download tests, on 127.0.0.1 only. A .bats file
# starts them once in setup_file and stops them in teardown_file:
#
#   setup_file()    { load helpers/http; http_start "$BATS_FILE_TMPDIR/srv"; }
#   teardown_file() { load helpers/http; http_stop "$BATS_FILE_TMPDIR/srv"; }
#
# http_start DIR puts everything under DIR: nginx's config, logs and pid
# file, its document root DIR/www, a self-signed certificate for
# 127.0.0.1, and the fault server's port file and request log. It exports
#   WWW        nginx's document root (put files there)
#   NGX        http://127.0.0.1:PORT       nginx over HTTP/1.1
#   NGXS       https://127.0.0.1:PORT      nginx over TLS, HTTP/2 offered
#   CERT       the certificate, for --cacert
#   NGX_LOG    nginx's access log: "PROTOCOL STATUS URI RANGE" per request
#   FLT        http://127.0.0.1:PORT       tests/helpers/faultserver.py
#   FLT_LOG    its request log
# Proxy variables are cleared, so libcurl talks to these servers directly.

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

HTTP_HELPERS=${BASH_SOURCE[0]%/*}

# A TCP port on 127.0.0.1 that nothing listens on right now.
http_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# http_wait URL: wait up to 5 s until URL answers at all.
http_wait() {
	local i
	for ((i = 0; i < 50; i++)); do
		curl -sk -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	echo "http.bash: no answer from $1" >&2
	return 1
}

_http_nginx_conf() {
	local dir=$1 port=$2 tls=$3 user=''
	# A root master would run its workers as nobody, who cannot enter
	# bats' private temporary directories.
	[[ $(id -u) == 0 ]] && user='user root;'
	cat >"$dir/nginx.conf" <<EOF
$user
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 512; }
http {
	default_type application/octet-stream;
	sendfile on;
	keepalive_requests 100000;
	log_format proto '\$server_protocol \$status \$request_uri \$http_range';
	access_log $dir/access.log proto;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	server {
		listen 127.0.0.1:$port;
		listen 127.0.0.1:$tls ssl http2;
		ssl_certificate $dir/cert.pem;
		ssl_certificate_key $dir/key.pem;
		root $dir/www;
	}
}
EOF
}

http_start() {
	local dir=$1 port tls i
	mkdir -p "$dir/www" "$dir/tmp" || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		2>"$dir/openssl.err" || return 1
	# The port may be taken between choosing and binding it: try again.
	for ((i = 0; i < 3; i++)); do
		port=$(http_free_port) tls=$(http_free_port)
		_http_nginx_conf "$dir" "$port" "$tls"
		if nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" \
		    3>&- && http_wait "http://127.0.0.1:$port/"; then
			break
		fi
		_http_stop_pid "$dir/nginx.pid"
		port=''
	done
	[[ -n $port ]] || { cat "$dir/error.log" >&2; return 1; }
	python3 "$HTTP_HELPERS/faultserver.py" serve "$dir/fault.port" \
		"$dir/fault.log" >"$dir/fault.out" 2>&1 3>&- &
	echo $! >"$dir/fault.pid"
	for ((i = 0; i < 50; i++)); do
		[[ -s $dir/fault.port ]] && break
		sleep 0.1
	done
	[[ -s $dir/fault.port ]] || { cat "$dir/fault.out" >&2; return 1; }
	export WWW=$dir/www CERT=$dir/cert.pem NGX_LOG=$dir/access.log
	export NGX=http://127.0.0.1:$port NGXS=https://127.0.0.1:$tls
	export FLT=http://127.0.0.1:$(<"$dir/fault.port")
	export FLT_LOG=$dir/fault.log
	http_wait "$NGXS/" && http_wait "$FLT/"
}

# Stop the process whose pid is in FILE, and wait up to 5 s for it.
_http_stop_pid() {
	local pid i
	[[ -s $1 ]] || return 0
	pid=$(<"$1")
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

http_stop() {
	_http_stop_pid "$1/nginx.pid"
	_http_stop_pid "$1/fault.pid"
}

# fault_body SIZE NAME: the bytes /data/SIZE/NAME serves, on stdout.
fault_body() {
	python3 "$HTTP_HELPERS/faultserver.py" body "$1" "$2"
}
