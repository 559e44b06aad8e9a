#include "cmdline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "quote.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split on blanks into an argv whose strings follow the array in the same
 * allocation, as tmpl_cmd wants it. */
static int split(struct tmpl_cmd *cmd, const char *line, size_t len)
{
	size_t i, nw = 0, words = 0;
	char **argv, *p;

	for (i = 0; i < len; i++)
		words += !is_blank(line[i]) && (i == 0 || is_blank(line[i - 1]));
	argv = malloc((words + 1) * sizeof(*argv) + len + 1);
	if (!argv)
		return -ENOMEM;
	p = (char *)(argv + words + 1);
	memcpy(p, line, len);
	p[len] = '\0';
	for (i = 0; i < len;) {
		while (i < len && is_blank(p[i]))
			p[i++] = '\0';
		if (i < len)
			argv[nw++] = p + i;
		while (i < len && !is_blank(p[i]))
			i++;
	}
	argv[nw] = NULL;
	cmd->argv = argv;
	cmd->argc = nw;
	cmd->direct = 1;
	return 0;
}

int cmdline_expand(const struct tmpl_arg *args, size_t nargs,
		   int force_shell, struct tmpl_cmd *cmd)
{
	struct buf *line = &cmd->display;
	size_t i;
	int rc = 0;

	memset(cmd, 0, sizeof(*cmd));
	for (i = 0; i < nargs && !rc; i++) {
		if (memchr(args[i].p, '\0', args[i].len))
			return -EILSEQ;
		if (i)
			rc = buf_addch(line, ' ');
		if (!rc)
			rc = buf_add(line, args[i].p, args[i].len);
	}
	if (rc)
		return rc;
	if (force_shell || quote_needs_shell(buf_str(line), line->len))
		return buf_add(&cmd->shell, buf_str(line), line->len);
	return split(cmd, buf_str(line), line->len);
}
