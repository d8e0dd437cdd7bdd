/* SPDX-License-Identifier: MIT */
/* Back-office account commands; see users_cmd.h. Passwords come from stdin
 * (echo off on a terminal), are kept only as Argon2id strings and are wiped
 * from memory after hashing. */
#include "users_cmd.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "srv_cmd.h"

static int fail(const struct users_cmd_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(const struct users_cmd_opts *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = srv_cmd_vfail(o->cmd, fmt, ap);
	va_end(ap);
	return rc;
}

bool users_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > SRV_USER_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '@' || ch == '-'))
			return false;
	}
	return true;
}

static const char *const role_names[] = {"admin", "coordinator", "viewer"};

bool users_role_parse(const char *s, enum srv_role *out)
{
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
		if (strcmp(s, role_names[i]) == 0) {
			*out = (enum srv_role)i;
			return true;
		}
	}
	return false;
}

const char *users_role_name(enum srv_role r)
{
	return (unsigned)r < sizeof(role_names) / sizeof(role_names[0]) ? role_names[r] : "?";
}

size_t users_pw_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

enum blippa_err users_pw_hash(const char *pw, char out[SRV_PW_HASH_MAX])
{
	if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return BLIPPA_ERR_NOMEM;
	return BLIPPA_OK;
}

/* Reads one line (the password) from stdin into pw; false if it is longer
 * than the buffer or there is none. Echo is off on a terminal. */
static bool read_password(char *pw, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fputs("new password: ", stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	bool ok = fgets(pw, (int)len, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (ok && !strchr(pw, '\n') && !feof(stdin))
		ok = false;
	pw[strcspn(pw, "\r\n")] = '\0';
	return ok;
}

/* Reads, checks and hashes the password; prints the error itself. */
static int password_from_stdin(const struct users_cmd_opts *o, char hash[SRV_PW_HASH_MAX])
{
	char pw[USERS_PW_MAX + 2] = "";
	int ret = EXIT_FAILURE;
	if (!read_password(pw, sizeof(pw))) {
		fail(o, "expected the password on stdin (one line, at most %d bytes)",
		     USERS_PW_MAX);
		goto out;
	}
	if (users_pw_chars(pw) < USERS_PW_MIN) {
		fail(o, "the password must be at least %d characters", USERS_PW_MIN);
		goto out;
	}
	if (users_pw_hash(pw, hash) != BLIPPA_OK) {
		fail(o, "cannot hash the password (out of memory)");
		goto out;
	}
	ret = EXIT_SUCCESS;
out:
	sodium_memzero(pw, sizeof(pw));
	return ret;
}

static int open_store(const struct users_cmd_opts *o, struct srv_store **st)
{
	return srv_cmd_open_store(o->cmd, o->db, false, st);
}

static int store_fail(const struct users_cmd_opts *o, enum blippa_err rc)
{
	return srv_cmd_store_fail(o->cmd, o->db_shown, rc, "staff accounts yet");
}

/* The answer of a change to one existing account: true if it was made, else
 * the message ("no user NAME" or the store's error) is printed. */
static bool user_changed(const struct users_cmd_opts *o, enum blippa_err rc)
{
	if (rc == BLIPPA_ERR_NOT_FOUND)
		fail(o, "no user %s", o->user);
	else if (rc != BLIPPA_OK)
		store_fail(o, rc);
	return rc == BLIPPA_OK;
}

/* Records a change to account o->user (the trail keeps the name, never the
 * password). A failure is reported but does not undo the change. */
static void audit_user(const struct users_cmd_opts *o, struct srv_store *st, const char *action)
{
	char detail[80];
	snprintf(detail, sizeof(detail), "user %s", o->user);
	if (SRV_AUDIT(st, AUDIT_ACTOR_CLI, action, .detail = detail) != BLIPPA_OK)
		fail(o, "done, but the audit trail could not record it");
}

int users_cmd_add(const struct users_cmd_opts *o)
{
	struct srv_store *st = NULL;
	struct srv_user u;
	int ret = EXIT_FAILURE;
	memset(&u, 0, sizeof(u));
	if (!users_name_valid(o->user))
		return fail(o, "--user %s: 1-%d characters of A-Z a-z 0-9 . _ @ -", o->user,
			    SRV_USER_MAX);
	if (!users_role_parse(o->role, &u.role))
		return fail(o, "--role %s: expected admin, coordinator or viewer", o->role);
	if (u.role != SRV_ROLE_ADMIN && o->n_facilities == 0)
		return fail(o, "a %s needs at least one --facility", o->role);
	if (u.role == SRV_ROLE_ADMIN && o->n_facilities > 0)
		return fail(o, "an admin sees every facility: give no --facility");
	if (o->n_facilities > SRV_USER_FACILITIES_MAX)
		return fail(o, "at most %d --facility", SRV_USER_FACILITIES_MAX);
	snprintf(u.name, sizeof(u.name), "%s", o->user);
	for (size_t i = 0; i < o->n_facilities; i++) {
		if (strlen(o->facilities[i]) > SRV_ID_MAX || !o->facilities[i][0])
			return fail(o, "--facility: bad id");
		snprintf(u.facilities[i], SRV_ID_MAX + 1, "%s", o->facilities[i]);
	}
	u.n_facilities = o->n_facilities;
	u.created_ms = clock_wall_ms();
	if (password_from_stdin(o, u.pw_hash) != EXIT_SUCCESS)
		goto out;
	if (open_store(o, &st) != EXIT_SUCCESS)
		goto out;
	enum blippa_err rc = srv_store_add_user(st, &u);
	if (rc == BLIPPA_ERR_EXISTS) {
		fail(o, "user %s already exists (use set-password or remove-user)", o->user);
		goto out;
	}
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		fail(o, "one of the --facility ids is not in the roster");
		goto out;
	}
	if (rc != BLIPPA_OK) {
		store_fail(o, rc);
		goto out;
	}
	char detail[96];
	snprintf(detail, sizeof(detail), "user %s role %s", u.name, users_role_name(u.role));
	if (SRV_AUDIT(st, AUDIT_ACTOR_CLI, AUDIT_USER_ADD, .detail = detail) != BLIPPA_OK)
		fail(o, "user added, but the audit trail could not record it");
	printf("added %s user %s\n", users_role_name(u.role), u.name);
	ret = EXIT_SUCCESS;
out:
	sodium_memzero(u.pw_hash, sizeof(u.pw_hash));
	srv_store_close(st);
	return ret;
}

int users_cmd_set_password(const struct users_cmd_opts *o)
{
	struct srv_store *st = NULL;
	char hash[SRV_PW_HASH_MAX];
	int ret = EXIT_FAILURE;
	if (password_from_stdin(o, hash) != EXIT_SUCCESS)
		goto out;
	if (open_store(o, &st) != EXIT_SUCCESS)
		goto out;
	if (!user_changed(o, srv_store_set_password(st, o->user, hash)))
		goto out;
	audit_user(o, st, AUDIT_USER_PASSWORD);
	printf("password set for user %s\n", o->user);
	ret = EXIT_SUCCESS;
out:
	sodium_memzero(hash, sizeof(hash));
	srv_store_close(st);
	return ret;
}

static int print_user(void *ctx, const struct srv_user *u)
{
	(void)ctx;
	printf("%s\t%s\t", u->name, users_role_name(u->role));
	if (u->role == SRV_ROLE_ADMIN)
		fputs("*", stdout);
	for (size_t i = 0; i < u->n_facilities; i++)
		printf("%s%s", i ? "," : "", u->facilities[i]);
	fputc('\n', stdout);
	return 0;
}

int users_cmd_list(const struct users_cmd_opts *o)
{
	struct srv_store *st = NULL;
	int ret = EXIT_FAILURE;
	if (open_store(o, &st) != EXIT_SUCCESS)
		goto out;
	enum blippa_err rc = srv_store_list_users(st, print_user, NULL);
	if (rc != BLIPPA_OK) {
		store_fail(o, rc);
		goto out;
	}
	ret = EXIT_SUCCESS;
out:
	srv_store_close(st);
	return ret;
}

int users_cmd_remove(const struct users_cmd_opts *o)
{
	struct srv_store *st = NULL;
	int ret = EXIT_FAILURE;
	if (open_store(o, &st) != EXIT_SUCCESS)
		goto out;
	if (!user_changed(o, srv_store_remove_user(st, o->user)))
		goto out;
	audit_user(o, st, AUDIT_USER_REMOVE);
	printf("removed user %s\n", o->user);
	ret = EXIT_SUCCESS;
out:
	srv_store_close(st);
	return ret;
}
