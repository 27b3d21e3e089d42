/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * Shell commands (spec §5.4): the value is JSON {cmd_down, cmd_up}; the
 * command for the status runs through /bin/sh -c with $CODE $STATUS
 * $NOW $NAME $TAGS $TAG1... substituted, the name and the tags
 * shell-quoted (hcd quotes each $TAGn too: a tag may hold any
 * character but a space).  An empty command is a no-op; a non-zero
 * exit is "Command returned exit code N".  SHELL_ENABLED is the
 * engine's setting (k_enabled is NULL; the engine checks it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcd.h"
#include "conf.h"
#include "json.h"
#include "notify.h"
#include "nt_text.h"

static char *
shell_cmd(const char *value, const char *status)
{
	struct json_doc	*d;
	char		*cmd;

	if ((d = nt_json_obj(value)) == NULL)
		return NULL;
	cmd = nt_jstr(d, strcmp(status, "down") == 0 ? "cmd_down" : "cmd_up");
	json_doc_free(d);
	return cmd;
}

static int
shell_noop(const char *value, const char *status)
{
	char	*cmd = shell_cmd(value, status);
	int	 noop = cmd == NULL || *cmd == '\0';

	free(cmd);
	return noop;
}

static int
shell_validate(const struct conf *cf, const char *value, char *err,
    size_t errlen)
{
	char		*down = shell_cmd(value, "down");
	char		*up = shell_cmd(value, "up");
	struct json_doc	*d = nt_json_obj(value);
	int		 rv = 0;

	if (d == NULL) {
		snprintf(err, errlen, "Expected a JSON object {\"cmd_down\": "
		    "..., \"cmd_up\": ...}");
		rv = -1;
	} else if ((down == NULL || *down == '\0') && (up == NULL ||
	    *up == '\0')) {
		snprintf(err, errlen, "Enter a command for down or up events "
		    "(cmd_down, cmd_up)");
		rv = -1;
	}
	json_doc_free(d);
	free(down);
	free(up);
	return rv;
}

static int
shell_build(const struct nt_ctx *ctx, struct nt_msg *m, struct nt_result *r)
{
	char *cmd = shell_cmd(ctx->value, ctx->status);

	m->m_transport = NT_SHELL;
	if (cmd == NULL || *cmd == '\0') {
		free(cmd);
		nt_result_set(r, NR_FAILED, "Empty command");
		return -1;
	}
	nt_subst(&m->m_cmd, cmd, ctx, NQ_SHELL);
	free(cmd);
	return 1;
}

static void
shell_classify(const struct nt_ctx *ctx, int step, const struct nt_answer *a,
    struct nt_result *r)
{
	if (a->a_status == 0)
		nt_result_set(r, NR_OK, "%s", "");
	else
		nt_result_set(r, NR_FAILED, "Command returned exit code %ld",
		    a->a_status);
}

const struct nt_kind nt_k_shell = {
	.k_name = "shell",
	.k_validate = shell_validate,
	.k_noop = shell_noop,
	.k_build = shell_build,
	.k_classify = shell_classify,
	.k_off_text = "Shell commands are not enabled",
};
