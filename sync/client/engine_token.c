/* SPDX-License-Identifier: MIT */
/* The sync engine's bearer token from [server] token_file (docs/sync.md,
 * "Replacing a kiosk's token"): read when the engine opens, and read again
 * whenever the file changes - replaced by rename or overwritten in place -
 * or while the server refuses the token in use. A good new token is used
 * from the next request on; a file that is missing, empty, not 0600 or
 * unreadable keeps the token in memory and leaves a note (path and reason,
 * never the token) for the sync status and the log. Only the thread that
 * runs rounds calls these. */
#include "engine.h"
#include "engine_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"

/* What identifies one version of the file without reading it: a rename
 * changes the inode, an in-place write the size or mtime, chmod the ctime. */
static void token_sig_take(const char *path, struct engine_token_sig *sig)
{
	struct stat sb;

	memset(sig, 0, sizeof *sig);
	if (stat(path, &sb) != 0)
		return;
	sig->present = true;
	sig->dev = sb.st_dev;
	sig->ino = sb.st_ino;
	sig->size = sb.st_size;
	sig->mode = sb.st_mode;
	sig->mtime = sb.st_mtim;
	sig->ctime = sb.st_ctim;
}

static bool token_sig_same(const struct engine_token_sig *a, const struct engine_token_sig *b)
{
	return a->present == b->present && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mode == b->mode && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec && a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

enum blippa_err engine_token_open(struct sync_engine *e, const char *path, char *tok, size_t toklen,
				  char *err, size_t errlen)
{
	enum blippa_err rc;

	snprintf(e->token_file, sizeof e->token_file, "%s", path);
	/* the signature before the read: a change after it is seen next time */
	token_sig_take(path, &e->token_sig);
	rc = config_read_token_file(path, tok, toklen, err, errlen);
	/* a kiosk that cannot read its token at start has none to keep: that
	 * is a configuration error (blippa-sync exits 2, the kiosk says why) */
	return rc == BLIPPA_OK ? BLIPPA_OK : BLIPPA_ERR_CONFIG;
}

/* Sets the note; true if it is not the one already there (logs it then). */
static bool set_note(struct sync_engine *e, const char *note)
{
	if (strcmp(e->token_note, note) == 0)
		return false;
	snprintf(e->token_note, sizeof e->token_note, "%s", note);
	if (note[0])
		log_warn(MOD, "%s", note);
	return true;
}

/* Returns true when the token in use or the note changed: a round should
 * run now (to use the new token, or to show the note in the status). */
bool sync_engine_token_check(struct sync_engine *e)
{
	struct engine_token_sig sig;
	char tok[ENGINE_TOKEN_MAX], err[200], note[sizeof e->token_note];
	bool used = false;
	enum blippa_err rc;

	if (!e->token_file[0])
		return false;
	token_sig_take(e->token_file, &sig);
	/* unchanged: nothing to read, unless the server refuses the token in
	 * use (an in-place write may keep size and mtime on a coarse clock) */
	if (token_sig_same(&sig, &e->token_sig) && !e->token_refused)
		return false;
	e->token_sig = sig;
	rc = config_read_token_file(e->token_file, tok, sizeof tok, err, sizeof err);
	if (rc == BLIPPA_OK)
		rc = http_set_token(e->http, tok, &used);
	sodium_memzero(tok, sizeof tok);
	if (rc != BLIPPA_OK) {
		if (rc == BLIPPA_ERR_NOMEM)
			snprintf(err, sizeof err, "%.120s: out of memory", e->token_file);
		snprintf(note, sizeof note, "token file not used, old token kept: %.120s", err);
		return set_note(e, note);
	}
	if (used) {
		log_info(MOD, "token file %s changed: the new token is used from now on",
			 e->token_file);
		e->token_refused = false;
		e->failures = 0; /* a fresh start: no backoff left from the old token */
	}
	return set_note(e, "") || used;
}
