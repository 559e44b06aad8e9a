#include "optcheck.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "optdef.h"

/* --pipe and its options; --header means the block header there, an
 * HTTP header with --download. */
static void pipe_validate(struct opts *o)
{
	size_t i;

	if (!o->pipe) {
		if (o->block_size || o->block_per_slot || o->recend ||
		    o->recstart || o->regexp || o->round_robin ||
		    o->pipe_cat || o->pipe_fifo)
			die_usage("--block, --recend, --recstart, --regexp, "
				  "--round-robin, --cat and --fifo need "
				  "--pipe or --pipe-part");
		/* Without --pipe, -L N is xargs' -L: N records a job. */
		if (o->max_lines)
			o->max_args = o->max_lines;
		return;
	}
	if (o->download)
		die_usage("--pipe and --download do not go together");
	/* The log has the commands, not the blocks they were given. */
	if (o->retry_failed)
		die_usage("--retry-failed runs the job log's commands again, "
			  "but --pipe blocks are not in the log: use "
			  "--resume-failed with the same input");
	if (!o->ncmd)
		die_usage("--pipe needs a command to give the blocks to");
	if (o->pipe_cat && o->pipe_fifo)
		die_usage("--cat and --fifo do not go together");
	if (o->block_per_slot && !o->pipe_part)
		die_usage("--block -N (blocks per job slot) needs --pipe-part");
	if (o->shuf)
		die_usage("--shuf does not apply to --pipe blocks");
	for (i = 0; i < o->nsrcs; i++) {
		if (o->srcs[i].kind != SRC_FILE || o->nsrcs > 1)
			die_usage("--pipe reads one input: standard input or "
				  "-a FILE");
		if (strcmp(o->srcs[i].path, "-"))
			o->pipe_file = o->srcs[i].path;
	}
	if (o->pipe_part && !o->pipe_file)
		die_usage("--pipe-part needs -a FILE");
	if (o->pipe_part && (o->pipe_nrec || o->max_lines))
		die_usage("--pipe-part cuts the file by size: -N, -n and -L "
			  "do not apply (use --pipe < FILE)");
	if (o->round_robin && (o->resume || o->resume_failed))
		die_usage("--round-robin jobs take blocks as they come, so "
			  "--resume cannot tell which blocks were done");
	if (!o->block_size && !o->block_per_slot) {
		/* GNU parallel's defaults: 1 MiB; --pipe-part without
		 * --block makes 10 blocks per job slot. */
		if (o->pipe_part)
			o->block_per_slot = o->round_robin ? 1 : 10;
		else
			o->block_size = 1024 * 1024;
	}
}

/* Refuse A with B, naming both, and why when it helps ("" if not). */
static void refuse_pair(const unsigned char *seen, int a, int b,
			const char *why)
{
	char na[32], nb[32];

	if (seen[a] && seen[b])
		die_usage("%s and %s do not go together%s",
			  optdef_label(a, OPTDEF_BY_NAME, na, sizeof(na)),
			  optdef_label(b, OPTDEF_BY_NAME, nb, sizeof(nb)),
			  why);
}

/*
 * Options that only mean something beside another one, and modes that
 * exclude each other: given together (or alone) they would otherwise be
 * accepted and ignored. seen[i] is whether option i was on the command
 * line.
 */
static void pairs_validate(const struct opts *o, const unsigned char *seen)
{
	static const int remote_only[] = {
		O_SSH, O_TRANSFERFILE, O_RETURN, O_CLEANUP, O_TRC,
		O_BASEFILE, O_WORKDIR, O_FILTER_HOSTS,
	};
	char n[32];

	/* Every option of the Downloads section is one of --download's. */
	for (int i = 0; i < O_COUNT; i++)
		if (seen[i] && optdef_table[i].section == S_DOWNLOADS &&
		    i != O_DOWNLOAD && !o->download)
			die_usage("%s needs --download DIR",
				  optdef_label(i, OPTDEF_BY_NAME, n,
					       sizeof(n)));
	for (size_t i = 0; i < sizeof(remote_only) / sizeof(*remote_only);
	     i++)
		if (seen[remote_only[i]] && !o->nsshlogins && !o->nslfs)
			die_usage("%s needs -S or --sshloginfile",
				  optdef_label(remote_only[i],
					       OPTDEF_BY_NAME, n, sizeof(n)));
	refuse_pair(seen, O_JSON, O_FILES,
		    ": --json already has each job's output");
	/* -u passes the output straight through, --json and --files keep
	 * it whole: GNU parallel lets -u win over --files, lanes did the
	 * opposite, so neither is safe to guess. (--line-buffer only says
	 * how printed output is buffered; with these nothing of it is
	 * printed, so it may stay, as in GNU parallel.) The last of
	 * --group, --line-buffer and -u is the one in force. */
	if (o->output == OUT_UNGROUP) {
		refuse_pair(seen, O_JSON, O_UNGROUP,
			    ": --json keeps each job's output whole");
		refuse_pair(seen, O_FILES, O_UNGROUP,
			    ": --files keeps each job's output whole");
	}
	if (o->download && (o->nsshlogins || o->nslfs))
		die_usage("--download and %s do not go together: downloads "
			  "run on this machine",
			  o->nsshlogins ? "-S" : "--sshloginfile");
	if (o->slurm && (o->nsshlogins || o->nslfs))
		die_usage("--slurm and %s do not go together: the jobs run "
			  "on the allocation's nodes",
			  o->nsshlogins ? "-S" : "--sshloginfile");
}

void optcheck_opts(struct opts *o, const unsigned char *seen)
{
	struct stat st;
	const char *why = NULL;

	/* Checked here, after --help had its chance to run. */
	for (size_t i = 0; i < o->nheaders; i++)
		if (!strchr(o->headers[i], ':'))
			die_usage("--http-header '%s': want 'Name: value'",
				  o->headers[i]);

	/* How output flows follows from the options in one place,
	 * outpol_decide() (cmd/emit.c); only misuse is refused here. */
	if (stat(o->tmpdir, &st))
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "Not a directory";
	else if (access(o->tmpdir, W_OK | X_OK))
		why = strerror(errno);
	if (why)
		die_usage("cannot use '%s' for temporary files: %s", o->tmpdir,
			  why);
	if (o->slurm && o->download)
		die_usage("--slurm runs commands on the nodes; it cannot be "
			  "used with --download");
	pairs_validate(o, seen);
	if (o->download && o->ncmd)
		die_usage("--download takes no command: each record is a URL");
	pipe_validate(o);
	if (o->download && (o->xargs || o->max_args))
		die_usage("--download runs one URL per job; -m, -X, -n and "
			  "-N do not apply");
	if (o->retry_failed)
		o->ncmd = 0;	/* the log has the commands */
	if (o->results && o->output == OUT_UNGROUP && !o->json && !o->files)
		die_usage("--results needs the jobs' output, which -u passes "
			  "straight through");
	/* A command that is only {} runs each record as a command line, as
	 * in GNU parallel: quoting it would make it one word. */
	if (o->ncmd == 1 && !o->quote &&
	    !strcmp(o->cmd[0], o->replstr ? o->replstr : "{}"))
		o->ncmd = 0;
	if (!o->ncmd && (o->quote || o->context) && !o->retry_failed)
		die_usage("%s needs a command", o->quote ? "-q" : "-X");
	if (o->onall && !o->nsshlogins && !o->nslfs)
		die_usage("--%s needs hosts (-S or --slf)",
			  o->nonall ? "nonall" : "onall");
	if (o->nonall && (o->nsrcs || o->pipe))
		die_usage("--nonall runs the command without arguments: it "
			  "takes no input");
	/* The Slurm agents' wire carries no input: a block would be lost. */
	if (o->pipe && o->slurm)
		die_usage("--pipe%s and --slurm do not go together: the "
			  "agents on the nodes take no input", o->pipe_part ?
			  "-part" : "");
	if (o->pipe && (o->nsshlogins || o->nslfs)) {
		const char *s = o->nsshlogins ? "-S" : "--slf";

		/* The file or FIFO is on this machine; a host that fails
		 * under a --round-robin job has taken blocks that are not
		 * kept to send again. */
		if (o->pipe_cat || o->pipe_fifo)
			die_usage("--%s and %s do not go together: the %s is "
				  "made on this machine", o->pipe_cat ? "cat" :
				  "fifo", s, o->pipe_cat ? "file" : "FIFO");
		if (o->round_robin)
			die_usage("--round-robin and %s do not go together: "
				  "blocks a failed host took could not be "
				  "sent again", s);
		if (o->onall)
			die_usage("--onall and --pipe do not go together: "
				  "a block goes to one job");
	}
	if (o->nonall && !o->ncmd)
		die_usage("--nonall needs a command");
	if ((o->resume || o->resume_failed || o->retry_failed) &&
	    (!o->joblog || !strcmp(o->joblog, "-")))
		die_usage("--resume, --resume-failed and --retry-failed need "
			  "--joblog FILE");
}
