/*
 * sshw: what runs at the far end of a job session. Builds the one-line
 * POSIX-sh wrapper (below) around a job's command and quotes it for the
 * remote login shell, and filters the wrapper's status report out of the
 * session's standard error. Nothing here opens a connection: io/ssh owns
 * the masters, io/sshrun runs the sessions.
 */
#include "sshwrap.h"

#include "quote.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

/*
 * The wrapper, one line so that any login shell passes it on (csh does
 * not take a newline inside quotes). $1 token, $2 termseq as "SIG WAIT
 * SIG WAIT ...", $3 the command, $4 empty or "p" (the job reads the
 * session's standard input).
 *
 * W (this shell) traps the signals it forwards, so it lives to report.
 * Inside the command substitution S starts the job J first and only then
 * R, the reader of the signal lines, which ignores those signals: a
 * signal line that arrives at once (a stop racing with the start)
 * therefore finds J running. J is its own `sh -c` (so $$ is its own); it
 * gets the command as $1 and shifts it away inside the eval, so the job
 * sees no positional parameters ($# is 0), as a local `sh -c CMD` does.
 * Its EXIT trap writes "x STATUS" to fd 9, the substitution: a job that
 * exits says how; one killed by a signal cannot, and then 128+N is
 * signal N. If S itself dies of a forwarded signal, J still holds fd 9,
 * so W still reads J's own word when J outlives it. W's stderr is
 * /dev/null while it waits, so a shell's "Killed" notice does not reach
 * the job's output. After a forwarded signal W kills what is left of the
 * session's process group (sshd gives each session its own), R included.
 *
 * J's standard input is fd 7: /dev/null, or with "p" the session's own.
 * R reads the session's standard input, or with "p" a FIFO D that W
 * makes and announces with "\037lanes:TOKEN:r:PID\n" on stderr: the
 * control session of sshw_ctl() opens D for writing and passes lanes'
 * signal lines on. R opens D in its own subshell, since that waits for
 * the writer, and then removes the name: only the two ends need it, and
 * R may come after the control session. W removes D at the end in case
 * no control session came.
 */
static const char wrapper[] =
	"t=$1 q=$2 c=$3 d=$4 f=;"
	"trap f=1 TERM INT HUP QUIT USR1 USR2 ALRM;"
	"[ -z \"$d\" ]||{ d=${TMPDIR:-/tmp}/lanes.$t.$$;"
	"mkfifo -m 600 \"$d\"||exit 255;};"
	"exec 4>&1 6>&2 5<&0 7</dev/null </dev/null 2>/dev/null;"
	"[ -z \"$d\" ]||{ exec 7<&5;"
	"printf '\\037lanes:%s:r:%s\\n' \"$t\" $$ >&6;};"
	"r=$("
	"sh -c 'trap '\\''echo \"x $?\" >&9'\\'' EXIT;"
	"eval \"shift;$1\" 9>&-'"
	" sh \"$c\" 9>&1 1>&4 2>&6 4>&- 5<&- 6>&- <&7 7<&- &"
	"j=$!;"
	"(trap '' TERM INT HUP QUIT USR1 USR2 ALRM;"
	"[ -z \"$d\" ]||{ exec <\"$d\";rm -f \"$d\";};"
	"while IFS= read -r l;do case $l in ''|*[!A-Z0-9]*);;"
	"*)kill -s \"$l\" 0;;esac;done;"
	"set -- $q;while [ $# -gt 1 ];do kill -s \"$1\" 0;"
	"sleep \"$2\"||sleep 1;shift 2;done;kill -s KILL 0"
	") <&5 >/dev/null 4>&- 5<&- 6>&- 7<&- 9>&- &"
	"p=$!;exec 5<&- 7<&-;wait $j;s=$?;kill -s KILL $p;exit $s);"
	"s=$?;exec 5<&- 7<&-;[ -z \"$d\" ]||rm -f \"$d\";"
	"case $r in x\\ *)s=${r#x };k=x;;"
	"*)if [ $s -gt 128 ];then s=$((s-128));k=s;else k=x;fi;;esac;"
	"printf '\\037lanes:%s:%s:%s\\n' \"$t\" $k $s >&6;"
	"[ -z \"$f\" ]||kill -s KILL 0;exit $s";

static const struct {
	int sig;
	const char *name;
} signames[] = {
	{ SIGTERM, "TERM" }, { SIGINT, "INT" }, { SIGHUP, "HUP" },
	{ SIGQUIT, "QUIT" }, { SIGKILL, "KILL" }, { SIGUSR1, "USR1" },
	{ SIGUSR2, "USR2" }, { SIGALRM, "ALRM" }, { SIGCONT, "CONT" },
	{ SIGSTOP, "STOP" }, { SIGTSTP, "TSTP" }, { SIGPIPE, "PIPE" },
};

const char *sshw_signame(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (signames[i].sig == sig)
			return signames[i].name;
	return NULL;
}

/*
 * The control session: open the FIFO the wrapper announced and copy the
 * signal lines into it until lanes closes them. Read-write, so that the
 * open does not wait for a reader that may be gone; that open creates a
 * plain file if the wrapper removed the FIFO after the test, and then
 * the file goes again.
 */
static const char control[] =
	"f=${TMPDIR:-/tmp}/lanes.$1.$2;"
	"[ -p \"$f\" ]&&exec 3<>\"$f\"&&"
	"{ [ -p /dev/fd/3 ]||{ rm -f \"$f\";exit 1;};exec cat >&3;}";

int sshw_ctl(struct buf *b, const char *token, const char *pid)
{
	const char *argv[] = { control, "lanes", token, pid };

	return quote_login_sh(b, argv, sizeof(argv) / sizeof(argv[0]));
}

int sshw_wrap(struct buf *b, const char *token, const struct termseq *ts,
	      const char *cmd, int input)
{
	struct buf seq = BUF_INIT;
	size_t k;
	int rc = 0;

	for (k = 0; ts && k < ts->n && !rc; k++) {
		const char *name = sshw_signame(ts->sig[k]);
		char w[32];

		if (!name)
			name = "TERM";
		snprintf(w, sizeof(w), "%s%s %.3f", k ? " " : "", name,
			 ts->wait[k]);
		rc = buf_addstr(&seq, w);
	}
	if (!rc) {
		const char *argv[] = { wrapper, "lanes", token, buf_str(&seq),
				       cmd, input ? "p" : "" };

		rc = quote_login_sh(b, argv, sizeof(argv) / sizeof(argv[0]));
	}
	buf_release(&seq);
	return rc;
}

void sshw_tail_init(struct sshw_tail *t, const char *token)
{
	memset(t, 0, sizeof(*t));
	t->npre = (size_t)snprintf(t->pre, sizeof(t->pre), "\037lanes:%s:",
				   token);
}

/* 1: c continues a report; 2: c completes one; 0: not a report. */
static int tail_step(struct sshw_tail *t, char c)
{
	size_t i = t->n, d;

	if (i < t->npre)
		return c == t->pre[i];
	if (i == t->npre)
		return c == 'x' || c == 's' || c == 'r';
	if (i == t->npre + 1)
		return c == ':';
	d = i - t->npre - 2;	/* digits so far */
	if (c >= '0' && c <= '9')
		return d < (t->hold[t->npre] == 'r' ? 10 : 3);
	return c == '\n' && d > 0 ? 2 : 0;
}

static void tail_parse(struct sshw_tail *t)
{
	const char *digits = t->hold + t->npre + 2;
	size_t nd = t->n - t->npre - 2;
	int v = 0;
	size_t i;

	if (t->hold[t->npre] == 'r') {
		memcpy(t->pid, digits, nd);
		t->pid[nd] = '\0';
		t->ready = 1;
		return;
	}
	for (i = 0; i < nd; i++)
		v = v * 10 + (digits[i] - '0');
	v &= 0xff;
	t->found = 1;
	t->status = t->hold[t->npre] == 'x' ? v << 8 : v;
}

int sshw_tail_feed(struct sshw_tail *t, const char *p, size_t n,
		   spawn_sink *sink, void *ctx, int stream)
{
	size_t i, run = 0;
	int rc = 0, r;

	for (i = 0; i < n && !rc; i++) {
		if (t->n == 0) {
			if (p[i] != '\037')
				continue;
			if (i > run)
				rc = sink(ctx, stream, p + run, i - run);
			t->hold[t->n++] = p[i];
			run = i + 1;
			continue;
		}
		r = tail_step(t, p[i]);
		if (r == 1) {
			t->hold[t->n++] = p[i];
			run = i + 1;
		} else if (r == 2) {
			tail_parse(t);
			t->n = 0;
			run = i + 1;
		} else {
			/* Not a report: what was held is output, and this
			 * byte is looked at afresh. */
			rc = sink(ctx, stream, t->hold, t->n);
			t->n = 0;
			run = i;
			i--;
		}
	}
	if (!rc && t->n == 0 && run < n)
		rc = sink(ctx, stream, p + run, n - run);
	return rc;
}

int sshw_tail_end(struct sshw_tail *t, spawn_sink *sink, void *ctx,
		  int stream)
{
	int rc = 0;

	if (t->n)
		rc = sink(ctx, stream, t->hold, t->n);
	t->n = 0;
	return rc;
}
