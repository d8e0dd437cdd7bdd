/* SPDX-License-Identifier: MIT */
/* The admin commands of blippa-server (admin_cmd.h): init, import, the
 * kiosk commands, set-pin, serve and export here; the account and
 * data-rights commands hand their options on to users_cmd.c and
 * rights_cmd.c. Errors go to stderr as "blippa-server CMD: what went
 * wrong" (srv_cmd.h). */
#include "admin_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "api.h"
#include "audit.h"
#include "auth.h"
#include "clock.h"
#include "export.h"
#include "fleet.h"
#include "fsutil.h"
#include "http.h"
#include "import.h"
#include "log.h"
#include "rights_cmd.h"
#include "srv_cmd.h"
#include "srv_store.h"
#include "users_cmd.h"
#include "web.h"
#include "text.h"
#include "srv_cmd.h"

const char *srv_cur_cmd = "";

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = srv_cmd_vfail(srv_cur_cmd, fmt, ap);
	va_end(ap);
	return rc;
}

/* A PostgreSQL URI may carry a password (user:pw@host, ?password=): print
 * only scheme, host and database. A SQLite path is printed as given. */
void db_label(const char *db, char *out, size_t outlen)
{
	const char *rest, *at, *q;

	if (strncmp(db, "postgresql://", 13) != 0 && strncmp(db, "postgres://", 11) != 0) {
		snprintf(out, outlen, "%s", db);
		return;
	}
	rest = strstr(db, "://") + 3;
	at = strrchr(rest, '@');
	if (at)
		rest = at + 1;
	q = strchr(rest, '?');
	snprintf(out, outlen, "postgresql://%.*s", (int)(q ? (size_t)(q - rest) : strlen(rest)),
		 rest);
}

static int open_store(const struct cmd_opts *o, bool create, struct srv_store **st)
{
	return srv_cmd_open_store(srv_cur_cmd, o->db, create, st);
}

/* ---------------------------------------------------------------- commands */

int cmd_init(const struct cmd_opts *o)
{
	struct srv_store *st = NULL;
	if (open_store(o, true, &st) != 0)
		return EXIT_FAILURE;
	srv_store_close(st);
	printf("created region database %s\n", o->db_shown);
	return EXIT_SUCCESS;
}

int cmd_import(const struct cmd_opts *o)
{
	struct import_set *set = NULL;
	struct srv_store *st = NULL;
	struct srv_import_stats stats;
	char err[1024];
	int ret = EXIT_FAILURE;
	enum blippa_err rc = import_load_dir(o->argv[0], &set, err, sizeof(err));
	if (rc != BLIPPA_OK) {
		fail("%s (nothing imported)", err);
		goto out;
	}
	if (open_store(o, false, &st) != 0)
		goto out;
	rc = srv_store_import(st, import_set_roster(set), &stats, err, sizeof(err));
	if (rc != BLIPPA_OK) {
		fail("%s", err);
		goto out;
	}
	const struct srv_import *m = import_set_roster(set);
	char detail[96];
	snprintf(detail, sizeof(detail), "%ld rows added or changed, %ld removed", stats.changed,
		 stats.removed);
	if (SRV_AUDIT(st, AUDIT_ACTOR_CLI, AUDIT_IMPORT, .detail = detail) != BLIPPA_OK)
		fail("imported, but the audit trail could not record it");
	printf("imported %zu facilities, %zu groups, %zu sessions, %zu participants, "
	       "%zu memberships, %zu leaders: %ld rows added or changed, %ld removed\n",
	       m->n_facilities, m->n_groups, m->n_sessions, m->n_participants, m->n_members,
	       m->n_leaders, stats.changed, stats.removed);
	ret = EXIT_SUCCESS;
out:
	srv_store_close(st);
	import_set_free(set);
	return ret;
}

int cmd_add_kiosk(const struct cmd_opts *o)
{
	struct srv_store *st = NULL;
	char tok[AUTH_TOKEN_HEX + 1], id[SRV_ID_MAX + 1];
	uint8_t hash[SRV_TOKEN_HASH_LEN];
	int ret = EXIT_FAILURE;
	if (!import_valid_id(o->facility))
		return fail("--facility: not a valid id");
	size_t nl = strlen(o->name);
	const char *problem = text_name_problem(o->name);
	if (nl == 0 || nl > ROSTER_NAME_MAX || problem)
		return fail("--name: 1-%d bytes of visible text without control or bidi "
			    "characters%s%s",
			    ROSTER_NAME_MAX, problem ? ": " : "", problem ? problem : "");
	if (open_store(o, false, &st) != 0)
		goto out;
	auth_token_new(tok, hash);
	enum blippa_err rc =
	    srv_store_add_kiosk(st, o->facility, o->name, hash, clock_wall_ms(), id);
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		fail("no facility %s (import the roster first)", o->facility);
		goto out;
	}
	if (rc != BLIPPA_OK) {
		fail("%s: %s", o->db_shown, blippa_strerror(rc));
		goto out;
	}
	if (SRV_AUDIT(st, AUDIT_ACTOR_CLI, AUDIT_KIOSK_ADD, .facility_id = o->facility,
		      .detail = id) != BLIPPA_OK)
		fail("kiosk added, but the audit trail could not record it");
	printf("%s\n", tok);
	fflush(stdout);
	fprintf(stderr,
		"kiosk %s added to facility %s; its token (above) is shown only once: "
		"put it in the kiosk's token_file (mode 0600)\n",
		id, o->facility);
	ret = EXIT_SUCCESS;
out:
	memset(tok, 0, sizeof(tok));
	srv_store_close(st);
	return ret;
}

static int print_kiosk(void *ctx, const struct srv_kiosk *k)
{
	const struct cmd_opts *o = ctx;
	int64_t now = clock_wall_ms();
	struct fleet_health fh =
	    fleet_health(k, now, o->stale_after ? o->stale_after : FLEET_STALE_DEFAULT_S);
	char seen[32] = "never", skew[32] = "-", attention[64] = "";
	if (fh.seen)
		snprintf(seen, sizeof(seen), "%llds ago", (long long)fh.since_seen_s);
	/* stored sanitised since issue 12; cleaned again for older rows */
	char name[sizeof(k->name)], reader[sizeof(k->reader)], last_error[sizeof(k->last_error)];
	text_sanitize(name, sizeof(name), k->name, sizeof(name) - 1);
	text_sanitize(reader, sizeof(reader), k->reader, sizeof(reader) - 1);
	text_sanitize(last_error, sizeof(last_error), k->last_error, sizeof(last_error) - 1);
	if (fh.has_skew)
		snprintf(skew, sizeof(skew), "%+llds", (long long)fh.skew_s);
	for (unsigned b = 0; b < FLEET_REASONS; b++) {
		if (!(fh.reasons & (1u << b)))
			continue;
		size_t n = strlen(attention);
		snprintf(attention + n, sizeof(attention) - n, "%s%s", n ? "," : "",
			 fleet_reason_key((enum fleet_reason)(1u << b)));
	}
	char version[sizeof(k->version)];
	text_sanitize(version, sizeof(version), k->version, sizeof(version) - 1);
	printf("%s\t%s\t%s\t%s\tlast seen %s\tpending %lld\treader %s\t%s\tversion %s"
	       "\tclock skew %s\toldest pending %llds\tclock-flagged events %lld"
	       "\tattention %s\n",
	       k->id, k->facility_id, k->revoked_ms ? "revoked" : "active", name, seen,
	       (long long)k->pending, reader[0] ? reader : "-", last_error,
	       version[0] ? version : "-", skew, (long long)k->oldest_pending_age_s,
	       (long long)k->clock_flagged, attention[0] ? attention : "-");
	return 0;
}

int cmd_list_kiosks(const struct cmd_opts *o)
{
	struct srv_store *st = NULL;
	if (open_store(o, false, &st) != 0)
		return EXIT_FAILURE;
	enum blippa_err rc = srv_store_list_kiosks(st, print_kiosk, (void *)o);
	srv_store_close(st);
	return rc == BLIPPA_OK ? EXIT_SUCCESS : fail("%s: %s", o->db_shown, blippa_strerror(rc));
}

int cmd_revoke_kiosk(const struct cmd_opts *o)
{
	struct srv_store *st = NULL;
	if (open_store(o, false, &st) != 0)
		return EXIT_FAILURE;
	enum blippa_err rc = srv_store_revoke_kiosk(st, o->kiosk, clock_wall_ms());
	if (rc == BLIPPA_OK &&
	    SRV_AUDIT(st, AUDIT_ACTOR_CLI, AUDIT_KIOSK_REVOKE, .detail = o->kiosk) != BLIPPA_OK)
		fail("revoked, but the audit trail could not record it");
	srv_store_close(st);
	if (rc == BLIPPA_ERR_NOT_FOUND)
		return fail("no kiosk %s", o->kiosk);
	if (rc != BLIPPA_OK)
		return fail("%s: %s", o->db_shown, blippa_strerror(rc));
	printf("kiosk %s revoked\n", o->kiosk);
	return EXIT_SUCCESS;
}

/* Reads one line (the PIN) from stdin without echo when it is a terminal. */
static bool read_pin(char *pin, size_t len)
{
	struct termios old, noecho;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fprintf(stderr, "new PIN (4-12 digits): ");
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	}
	bool ok = fgets(pin, (int)len, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (ok && !strchr(pin, '\n') && !feof(stdin))
		ok = false; /* longer than the buffer */
	pin[strcspn(pin, "\r\n")] = '\0';
	return ok;
}

int cmd_set_pin(const struct cmd_opts *o)
{
	struct srv_store *st = NULL;
	char pin[64] = "", hash[AUTH_PIN_HASH_MAX];
	int ret = EXIT_FAILURE;
	if (!read_pin(pin, sizeof(pin)) || !auth_pin_valid(pin)) {
		fail("the PIN on stdin must be %d-%d digits", AUTH_PIN_MIN, AUTH_PIN_MAX);
		goto out;
	}
	if (auth_pin_hash(pin, hash) != BLIPPA_OK) {
		fail("cannot hash the PIN (out of memory)");
		goto out;
	}
	if (open_store(o, false, &st) != 0)
		goto out;
	enum blippa_err rc = srv_store_set_leader_pin(st, o->leader, hash);
	if (rc == BLIPPA_ERR_NOT_FOUND) {
		fail("no leader %s", o->leader);
		goto out;
	}
	if (rc != BLIPPA_OK) {
		fail("%s: %s", o->db_shown, blippa_strerror(rc));
		goto out;
	}
	char detail[SRV_ID_MAX + 16];
	snprintf(detail, sizeof(detail), "leader %s", o->leader);
	if (SRV_AUDIT(st, AUDIT_ACTOR_CLI, AUDIT_PIN_SET, .detail = detail) != BLIPPA_OK)
		fail("PIN set, but the audit trail could not record it");
	printf("PIN set for leader %s\n", o->leader);
	ret = EXIT_SUCCESS;
out:
	memset(pin, 0, sizeof(pin));
	srv_store_close(st);
	return ret;
}

/* --metrics-token-file (a 0600 file holding the token) or
 * --metrics-token-hash (64 hex digits: SHA-256 of the token) into cfg. */
static int metrics_config(const struct cmd_opts *o, struct web_config *cfg)
{
	char *tok = NULL;
	size_t len = 0;
	if (o->metrics_token_file && o->metrics_token_hash)
		return fail("give --metrics-token-file or --metrics-token-hash, not both");
	if (o->metrics_token_hash) {
		size_t bin = 0;
		if (strlen(o->metrics_token_hash) != 2 * sizeof(cfg->metrics_hash) ||
		    sodium_hex2bin(cfg->metrics_hash, sizeof(cfg->metrics_hash),
				   o->metrics_token_hash, strlen(o->metrics_token_hash), NULL, &bin,
				   NULL) != 0 ||
		    bin != sizeof(cfg->metrics_hash))
			return fail("--metrics-token-hash: expected 64 hex digits (SHA-256 of "
				    "the token)");
		cfg->metrics = true;
	}
	if (o->metrics_token_file) {
		if (!fs_is_private(o->metrics_token_file))
			return fail("%s: the metrics token file must be mode 0600",
				    o->metrics_token_file);
		if (fs_read_file(o->metrics_token_file, 4096, &tok, &len) != BLIPPA_OK)
			return fail("%s: cannot read", o->metrics_token_file);
		while (len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r'))
			len--;
		if (len < 16) {
			sodium_memzero(tok, len);
			free(tok);
			return fail("%s: the token must have at least 16 characters",
				    o->metrics_token_file);
		}
		web_metrics_hash(tok, len, cfg->metrics_hash);
		sodium_memzero(tok, len);
		free(tok);
		cfg->metrics = true;
	}
	return 0;
}

int cmd_serve(const struct cmd_opts *o)
{
	struct srv_store *st = NULL;
	struct api *api = NULL;
	struct srv_http *h = NULL;
	struct web *web = NULL;
	char err[512];
	int ret = EXIT_FAILURE, sig = 0;
	sigset_t set;
	/* Block the stop signals before any thread starts, so every thread
	 * inherits the mask and only sigwait() below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!o->cert && !o->key && !srv_http_is_loopback(o->listen)) {
		fail("refusing plain HTTP on non-loopback address %s: give --cert and --key "
		     "for HTTPS (plain HTTP is allowed only on 127.0.0.0/8 and ::1)",
		     o->listen);
		goto out;
	}
	if (open_store(o, false, &st) != 0)
		goto out;
	if (api_new(st, &api) != BLIPPA_OK) {
		fail("out of memory");
		goto out;
	}
	struct web_config wcfg = {.session_idle_s = o->session_idle,
				  .stale_after_s = o->stale_after};
	if (metrics_config(o, &wcfg) != 0)
		goto out;
	if (web_new(st, &wcfg, &web) != BLIPPA_OK) {
		fail("out of memory");
		goto out;
	}
	struct srv_http_config cfg = {.web = web,
				      .listen = o->listen,
				      .cert_file = o->cert,
				      .key_file = o->key,
				      .threads = o->threads,
				      .per_ip_limit = o->per_ip_limit};
	if (srv_http_start(&cfg, api, &h, err, sizeof(err)) != BLIPPA_OK) {
		fail("%s", err);
		goto out;
	}
	bool v6 = strchr(srv_http_addr(h), ':') != NULL;
	printf("listening on %s%s%s:%u\n", v6 ? "[" : "", srv_http_addr(h), v6 ? "]" : "",
	       srv_http_port(h));
	fflush(stdout);
	if (o->retention_days) {
		/* the configured retention: now, then once a day */
		int64_t next = 0;
		const struct timespec hour = {.tv_sec = 3600};
		for (;;) {
			if (clock_mono_ms() >= next) {
				rights_retention(st, o->retention_days);
				next = clock_mono_ms() + 86400LL * 1000;
			}
			sig = sigtimedwait(&set, NULL, &hour);
			if (sig == SIGTERM || sig == SIGINT)
				break;
		}
	} else {
		while (sigwait(&set, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
			;
	}
	log_info("server", "signal %d: finishing running requests and stopping", sig);
	ret = EXIT_SUCCESS;
out:
	srv_http_stop(h);
	web_free(web);
	api_free(api);
	srv_store_close(st);
	if (ret == EXIT_SUCCESS)
		log_info("server", "stopped");
	return ret;
}

int cmd_export(const struct cmd_opts *o)
{
	struct srv_store *st = NULL;
	int ret = EXIT_FAILURE;
	if (o->from && !import_valid_date(o->from))
		return fail("--from %s: expected a date YYYY-MM-DD", o->from);
	if (o->to && !import_valid_date(o->to))
		return fail("--to %s: expected a date YYYY-MM-DD", o->to);
	if (o->from && o->to && strcmp(o->to, o->from) < 0)
		return fail("--to is before --from");
	if (o->include && strcmp(o->include, "open-training") != 0)
		return fail("--include %s: the only choice is open-training", o->include);
	if (open_store(o, false, &st) != 0)
		goto out;
	if (o->facility && srv_store_facility_exists(st, o->facility) != BLIPPA_OK) {
		fail("no facility %s", o->facility);
		goto out;
	}
	struct srv_export_filter f = {.facility_id = o->facility,
				      .from_date = o->from,
				      .to_date = o->to,
				      .open_training = o->include != NULL};
	enum blippa_err rc =
	    o->output ? export_write_file(st, &f, o->output) : export_write_csv(st, &f, stdout);
	if (rc != BLIPPA_OK) {
		fail("export failed%s%s: %s", o->output ? ", nothing written to " : "",
		     o->output ? o->output : "",
		     rc == BLIPPA_ERR_IO ? strerror(errno) : blippa_strerror(rc));
		goto out;
	}
	char detail[160];
	snprintf(detail, sizeof(detail), "csv facility=%s from=%s to=%s%s",
		 o->facility ? o->facility : "", o->from ? o->from : "", o->to ? o->to : "",
		 o->include ? " open-training" : "");
	if (SRV_AUDIT(st, AUDIT_ACTOR_CLI, AUDIT_EXPORT, .facility_id = o->facility,
		      .detail = detail) != BLIPPA_OK) {
		fail("exported, but the audit trail could not record it");
		goto out;
	}
	ret = EXIT_SUCCESS;
out:
	srv_store_close(st);
	return ret;
}

/* purge, participant-report, erase-participant, audit: rights_cmd.c */
static int run_rights(const struct cmd_opts *o, int (*fn)(const struct rights_cmd_opts *))
{
	struct rights_cmd_opts r = {.cmd = srv_cur_cmd,
				    .db = o->db,
				    .db_shown = o->db_shown,
				    .before = o->before,
				    .keep_days = o->keep_days,
				    .dry_run = o->dry_run,
				    .participant = o->participant,
				    .user = o->user,
				    .action = o->action,
				    .from = o->from,
				    .to = o->to,
				    .group = o->group,
				    .format = o->format};
	return fn(&r);
}

int cmd_purge(const struct cmd_opts *o)
{
	return run_rights(o, rights_cmd_purge);
}

int cmd_report(const struct cmd_opts *o)
{
	return run_rights(o, rights_cmd_report);
}

int cmd_erase(const struct cmd_opts *o)
{
	return run_rights(o, rights_cmd_erase);
}

int cmd_audit(const struct cmd_opts *o)
{
	return run_rights(o, rights_cmd_audit);
}

/* add-user, set-password, list-users, remove-user: users_cmd.c */
static int run_users(const struct cmd_opts *o, int (*fn)(const struct users_cmd_opts *))
{
	struct users_cmd_opts u = {.cmd = srv_cur_cmd,
				   .db = o->db,
				   .db_shown = o->db_shown,
				   .user = o->user,
				   .role = o->role,
				   .facilities = o->facilities,
				   .n_facilities = o->n_facilities};
	return fn(&u);
}

int cmd_add_user(const struct cmd_opts *o)
{
	return run_users(o, users_cmd_add);
}

int cmd_set_password(const struct cmd_opts *o)
{
	return run_users(o, users_cmd_set_password);
}

int cmd_list_users(const struct cmd_opts *o)
{
	return run_users(o, users_cmd_list);
}

int cmd_remove_user(const struct cmd_opts *o)
{
	return run_users(o, users_cmd_remove);
}
