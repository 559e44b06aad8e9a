/*
 * Unit tests for io/sshl: sshlogin specs, comma lists and login files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshl.h"
#include "tap.h"

static char err[256];

/* Parse s and describe it as "slots|user|host|port|name", or "ERR". */
static const char *show(const char *s)
{
	static char out[512];
	struct sshl l;

	err[0] = '\0';
	if (sshl_parse(&l, s, strlen(s), err, sizeof(err)) != 0)
		return "ERR";
	snprintf(out, sizeof(out), "%u|%s|%s|%u|%s", l.slots,
		 l.user ? l.user : "-", l.host ? l.host : "-", l.port,
		 l.name);
	sshl_release(&l);
	return out;
}

static void test_parse(void)
{
	CHECK_STR(show("host"), "0|-|host|0|host", "bare host");
	CHECK_STR(show("4/host"), "4|-|host|0|host", "slots");
	CHECK_STR(show("bob@host"), "0|bob|host|0|bob@host", "user");
	CHECK_STR(show("host:2222"), "0|-|host|2222|host:2222", "port");
	CHECK_STR(show("8/bob@10.0.0.1:22"), "8|bob|10.0.0.1|22|"
		  "bob@10.0.0.1:22", "everything");
	CHECK_STR(show(":"), "0|-|-|0|:", "local");
	CHECK_STR(show("2/:"), "2|-|-|0|:", "local with slots");
	CHECK_STR(show("  h1\t"), "0|-|h1|0|h1", "blanks around");
	CHECK_STR(show("[::1]:2222"), "0|-|::1|2222|[::1]:2222", "ipv6");
	CHECK_STR(show("u@[fe80::1]"), "0|u|fe80::1|0|u@[fe80::1]",
		  "ipv6 no port");
	CHECK_STR(show(""), "ERR", "empty");
	CHECK_STR(err, "invalid sshlogin '': empty", "empty message");
	CHECK_STR(show("0/h"), "ERR", "zero slots");
	CHECK_STR(show("x/h"), "ERR", "junk slots");
	CHECK_STR(err, "invalid sshlogin 'x/h': job slots before '/' must "
		  "be a number from 1 to 100000", "slots message");
	CHECK_STR(show("h:0"), "ERR", "port 0");
	CHECK_STR(show("h:65536"), "ERR", "port too big");
	CHECK_STR(show("h:22x"), "ERR", "port junk");
	CHECK_STR(show("-oProxyCommand=x"), "ERR", "leading dash host");
	CHECK_STR(err, "invalid sshlogin '-oProxyCommand=x': it starts "
		  "with '-'", "dash message");
	CHECK_STR(show("-x@h"), "ERR", "leading dash user");
	CHECK_STR(show("@h"), "ERR", "empty user");
	CHECK_STR(show("u@"), "ERR", "no host");
	CHECK_STR(show("u@:22"), "ERR", "no host with port");
	CHECK_STR(show("a b"), "ERR", "blank inside");
	CHECK_STR(show("h;rm"), "ERR", "semicolon");
	CHECK_STR(show("a@b@c"), "ERR", "two @");
	CHECK_STR(show("[::1"), "ERR", "open bracket");
	CHECK_STR(show("[::1]x"), "ERR", "junk after bracket");
	CHECK_STR(show("h]"), "ERR", "stray bracket");
}

static void test_list(void)
{
	struct sshl_list ls = SSHL_LIST_INIT;
	int rc;

	rc = sshl_list_add(&ls, "h1,2/h2,:", err, sizeof(err));
	CHECK_INT(rc, 0, "list ok");
	CHECK_INT(ls.n, 3, "list count");
	CHECK_STR(ls.v[1].host, "h2", "list second host");
	CHECK_INT(ls.v[1].slots, 2, "list second slots");
	CHECK(sshl_is_local(&ls.v[2]), "list local");
	rc = sshl_list_add(&ls, "5/h1", err, sizeof(err));
	CHECK_INT(rc, 0, "dup ok");
	CHECK_INT(ls.n, 3, "dup not added");
	CHECK_INT(ls.v[0].slots, 5, "dup slots replaced");
	CHECK_INT(sshl_list_find(&ls, "h2"), 1, "find");
	CHECK_INT(sshl_list_find(&ls, "h9"), -1, "find missing");
	rc = sshl_list_add(&ls, "h4,,h5", err, sizeof(err));
	CHECK_INT(rc, -22, "empty item fails");
	CHECK_INT(ls.n, 4, "items before the bad one kept");
	sshl_list_release(&ls);
	CHECK_INT(ls.n, 0, "released");
}

static void test_text(void)
{
	static const char text[] =
		"# hosts\n"
		"\n"
		"  h1\n"
		"2/bob@h2:2222 \r\n"
		"h3,h4\n"
		"   # indented comment\n"
		"h5";
	static const char bad[] = "h1\n\nh 2\n";
	struct sshl_list ls = SSHL_LIST_INIT;
	int rc;

	rc = sshl_list_add_text(&ls, text, sizeof(text) - 1, "f", err,
				sizeof(err));
	CHECK_INT(rc, 0, "file ok");
	CHECK_INT(ls.n, 5, "file count");
	CHECK_STR(ls.v[1].name, "bob@h2:2222", "file crlf");
	CHECK_STR(ls.v[4].name, "h5", "file last line without newline");
	sshl_list_release(&ls);
	rc = sshl_list_add_text(&ls, bad, sizeof(bad) - 1, "f", err,
				sizeof(err));
	CHECK_INT(rc, -22, "bad file");
	CHECK_STR(err, "f:3: invalid sshlogin 'h 2': bad character in "
		  "host name", "bad file names the line");
	sshl_list_release(&ls);
	rc = sshl_list_read(&ls, "/nonexistent/slf", err, sizeof(err));
	CHECK_INT(rc, -2, "missing file");
	rc = sshl_list_add_text(&ls, "h1\0x\n", 5, "f", err, sizeof(err));
	CHECK_INT(rc, -22, "NUL rejected");
	sshl_list_release(&ls);
}

int main(void)
{
	test_parse();
	test_list();
	test_text();
	return tap_done();
}
