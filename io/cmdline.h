/*
 * cmdline: a job whose record is itself the command (no template: `cat
 * cmds.txt | lanes`). The arguments are joined with spaces into one
 * command line, which runs directly, split on blanks, when it has no
 * shell syntax (quote_needs_shell()), and through the shell otherwise.
 * The result is a struct tmpl_cmd laid out as tmpl_expand() lays it out,
 * so tmpl_cmd_release() frees either.
 *
 * Thread-safety: thread-safe (no shared state).
 * Errors: 0, -EILSEQ for an argument holding a NUL byte (a command line
 * cannot hold one), -ENOMEM.
 */
#ifndef LANES_CMDLINE_H
#define LANES_CMDLINE_H

#include <stddef.h>

#include "tmpl.h"

/* force_shell: always run through the shell (--shell). cmd->display is
 * always filled: it is the line itself. */
int cmdline_expand(const struct tmpl_arg *args, size_t nargs,
		   int force_shell, struct tmpl_cmd *cmd);

#endif
