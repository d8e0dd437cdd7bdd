/* SPDX-License-Identifier: MIT */
/* blippa-server: the reference region server and its admin commands
 * (docs/server.md). Each command parses its own options, has
 * --help, reports errors on stderr as "blippa-server CMD: what went wrong"
 * and exits 0 on success, 1 on failure, 2 on a usage error. */
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

#define EXIT_USAGE 2

struct cmd_opts {
	const char *db, *facility, *name, *leader, *kiosk, *listen, *cert, *key;
	const char *from, *to, *output;
	const char *include;	 /* export: "open-training" */
	const char *user, *role; /* add-user & co. (users_cmd.c) */
	const char *before, *keep_days, *participant, *action, *group; /* rights_cmd.c */
	const char *format;
	bool dry_run;
	unsigned retention_days;			 /* serve --retention-days (0: none) */
	const char *facilities[SRV_USER_FACILITIES_MAX]; /* every --facility */
	size_t n_facilities;
	unsigned session_idle; /* serve --session-idle seconds (0: web.h default) */
	unsigned stale_after;  /* --stale-after seconds (0: FLEET_STALE_DEFAULT_S) */
	const char *metrics_token_file, *metrics_token_hash; /* serve: GET /metrics */
	unsigned threads;
	unsigned per_ip_limit; /* 0: the default of http.c */
	char db_shown[512];    /* --db as printed: a PostgreSQL URI without credentials */
	int argc;	       /* positional arguments left */
	char **argv;
};

struct command {
	const char *name;
	const char *usage;    /* synopsis after the command name */
	const char *help;     /* what it does */
	const char *options;  /* option letters this command takes (see opt_fields) */
	const char *required; /* those of them it cannot do without */
	int positional;	      /* how many positional arguments */
	int (*run)(const struct cmd_opts *o);
};

/* clang-format off */
static const struct option long_opts[] = {
    {"db", required_argument, NULL, 'd'},
    {"facility", required_argument, NULL, 'f'},
    {"name", required_argument, NULL, 'n'},
    {"leader", required_argument, NULL, 'l'},
    {"kiosk", required_argument, NULL, 'k'},
    {"listen", required_argument, NULL, 'L'},
    {"cert", required_argument, NULL, 'c'},
    {"key", required_argument, NULL, 'K'},
    {"from", required_argument, NULL, 'F'},
    {"to", required_argument, NULL, 'T'},
    {"output", required_argument, NULL, 'o'},
    {"include", required_argument, NULL, 'I'},
    {"threads", required_argument, NULL, 't'},
    {"per-ip-limit", required_argument, NULL, 'P'},
    {"user", required_argument, NULL, 'u'},
    {"role", required_argument, NULL, 'r'},
    {"session-idle", required_argument, NULL, 'S'},
    {"before", required_argument, NULL, 'B'},
    {"keep-days", required_argument, NULL, 'D'},
    {"dry-run", no_argument, NULL, 'y'},
    {"participant", required_argument, NULL, 'p'},
    {"action", required_argument, NULL, 'A'},
    {"group", required_argument, NULL, 'g'},
    {"format", required_argument, NULL, 'm'},
    {"retention-days", required_argument, NULL, 'R'},
    {"stale-after", required_argument, NULL, 'E'},
    {"metrics-token-file", required_argument, NULL, 'M'},
    {"metrics-token-hash", required_argument, NULL, 'H'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
/* clang-format on */

static const char *cur_cmd = "";

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = srv_cmd_vfail(cur_cmd, fmt, ap);
	va_end(ap);
	return rc;
}

/* A PostgreSQL URI may carry a password (user:pw@host, ?password=): print
 * only scheme, host and database. A SQLite path is printed as given. */
static void db_label(const char *db, char *out, size_t outlen)
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
	return srv_cmd_open_store(cur_cmd, o->db, create, st);
}

/* ---------------------------------------------------------------- commands */

static int cmd_init(const struct cmd_opts *o)
{
	struct srv_store *st = NULL;
	if (open_store(o, true, &st) != 0)
		return EXIT_FAILURE;
	srv_store_close(st);
	printf("created region database %s\n", o->db_shown);
	return EXIT_SUCCESS;
}

static int cmd_import(const struct cmd_opts *o)
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

static int cmd_add_kiosk(const struct cmd_opts *o)
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

static int cmd_list_kiosks(const struct cmd_opts *o)
{
	struct srv_store *st = NULL;
	if (open_store(o, false, &st) != 0)
		return EXIT_FAILURE;
	enum blippa_err rc = srv_store_list_kiosks(st, print_kiosk, (void *)o);
	srv_store_close(st);
	return rc == BLIPPA_OK ? EXIT_SUCCESS : fail("%s: %s", o->db_shown, blippa_strerror(rc));
}

static int cmd_revoke_kiosk(const struct cmd_opts *o)
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

static int cmd_set_pin(const struct cmd_opts *o)
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

static int cmd_serve(const struct cmd_opts *o)
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

static int cmd_export(const struct cmd_opts *o)
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
	struct rights_cmd_opts r = {.cmd = cur_cmd,
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

static int cmd_purge(const struct cmd_opts *o)
{
	return run_rights(o, rights_cmd_purge);
}

static int cmd_report(const struct cmd_opts *o)
{
	return run_rights(o, rights_cmd_report);
}

static int cmd_erase(const struct cmd_opts *o)
{
	return run_rights(o, rights_cmd_erase);
}

static int cmd_audit(const struct cmd_opts *o)
{
	return run_rights(o, rights_cmd_audit);
}

/* add-user, set-password, list-users, remove-user: users_cmd.c */
static int run_users(const struct cmd_opts *o, int (*fn)(const struct users_cmd_opts *))
{
	struct users_cmd_opts u = {.cmd = cur_cmd,
				   .db = o->db,
				   .db_shown = o->db_shown,
				   .user = o->user,
				   .role = o->role,
				   .facilities = o->facilities,
				   .n_facilities = o->n_facilities};
	return fn(&u);
}

static int cmd_add_user(const struct cmd_opts *o)
{
	return run_users(o, users_cmd_add);
}

static int cmd_set_password(const struct cmd_opts *o)
{
	return run_users(o, users_cmd_set_password);
}

static int cmd_list_users(const struct cmd_opts *o)
{
	return run_users(o, users_cmd_list);
}

static int cmd_remove_user(const struct cmd_opts *o)
{
	return run_users(o, users_cmd_remove);
}

static const struct command commands[] = {
    {"init", "--db PATH", "Create an empty region database (mode 0600). Never overwrites.", "d",
     "d", 0, cmd_init},
    {"import", "--db PATH DIR",
     "Load or refresh the region roster from DIR/{facilities,groups,sessions,participants,\n"
     "members,leaders}.csv (docs/csv.md). All files are validated first; a bad file is\n"
     "rejected whole with file:line: reason and nothing changes. The files are the whole\n"
     "truth: rows missing from them are removed (recorded attendance events are kept).\n"
     "Importing the same files again changes nothing.",
     "d", "d", 1, cmd_import},
    {"add-kiosk", "--db PATH --facility ID --name NAME",
     "Register a kiosk for a facility. Prints its bearer token ONCE on stdout; only a\n"
     "SHA-256 hash of it is stored.",
     "dfn", "dfn", 0, cmd_add_kiosk},
    {"list-kiosks", "--db PATH [--stale-after SECONDS]",
     "List kiosks: id, facility, state, name, last heartbeat, pending events, reader, last\n"
     "error, version, clock skew (server - kiosk at the last heartbeat), age of the oldest\n"
     "pending event, events stamped more than 2 min after the server received them, and\n"
     "why it needs attention (not_seen, backlog, reader, clock; - if none): not seen for\n"
     "--stale-after SECONDS (default 900), oldest pending event over 1 h, reader failed,\n"
     "clock off by more than 2 min. The back-office Kiosks page shows the same.",
     "dE", "d", 0, cmd_list_kiosks},
    {"revoke-kiosk", "--db PATH --kiosk ID",
     "Revoke a kiosk's token for good (its requests get 401 from then on).", "dk", "dk", 0,
     cmd_revoke_kiosk},
    {"set-pin", "--db PATH --leader ID",
     "Read a leader's new PIN (4-12 digits) from stdin and store it as an Argon2id hash;\n"
     "kiosks get it with the next roster.",
     "dl", "dl", 0, cmd_set_pin},
    {"serve",
     "--db PATH --listen ADDR:PORT [--cert FILE --key FILE] [--threads N] [--per-ip-limit N]\n"
     "      [--session-idle SECONDS] [--retention-days N] [--stale-after SECONDS]\n"
     "      [--metrics-token-file FILE | --metrics-token-hash SHA256HEX]",
     "Serve the sync protocol v1 (docs/protocol.md). HTTPS with --cert/--key (PEM);\n"
     "plain HTTP only on a loopback address. Port 0 picks a free port. Prints\n"
     "\"listening on ADDR:PORT\" once ready. SIGTERM/SIGINT: finish running requests,\n"
     "then exit 0. --threads N: a pool of N threads instead of one per connection.\n"
     "--per-ip-limit N: simultaneous connections from one address (default 64).\n"
     "Every path outside /v1/ is the back-office in the browser (docs/backoffice.md);\n"
     "--session-idle S ends a back-office session after S idle seconds (default 1800).\n"
     "--retention-days N: at start and then daily, purge attendance older than N days\n"
     "(as `purge --keep-days N`; docs/privacy.md).\n"
     "--stale-after S: a kiosk not seen for S seconds needs attention (default 900).\n"
     "GET /metrics (Prometheus text) answers only with the bearer token whose SHA-256\n"
     "is --metrics-token-hash, or that --metrics-token-file (mode 0600) holds; without\n"
     "either it answers 404.",
     "dLcKtPSREMH", "dL", 0, cmd_serve},
    {"export",
     "--db PATH [--facility ID] [--from DATE] [--to DATE] [--output FILE]"
     " [--include open-training]",
     "Attendance CSV on stdout (--output: into FILE, whole or not at all, mode 0600):\n"
     "one row per participant per session of their group, and one per check-in of\n"
     "anyone who has since left the group, roster or session list:\n" EXPORT_HEADER
     "\nstatus present|absent, checked_in_at facility-local YYYY-MM-DD HH:MM, method\n"
     "card|name|leader. Dates are inclusive and compare with the session's local date.\n"
     "Cells starting with = + - @ TAB or CR get a leading ' (spreadsheet formulas).\n"
     "--include open-training: after those rows, one per open-training visit (a check-in\n"
     "with no session), status open_training, group/session/start empty; dates compare\n"
     "with the visit's local date.",
     "dfFToI", "d", 0, cmd_export},
    {"add-user", "--db PATH --user NAME --role admin|coordinator|viewer [--facility ID]...",
     "Add a back-office account (docs/backoffice.md); the password (at least 12\n"
     "characters) is read from stdin and stored only as an Argon2id hash. admin sees\n"
     "the whole region; coordinator and viewer only the facilities named, one\n"
     "--facility each; viewer is read-only.",
     "dufr", "dur", 0, cmd_add_user},
    {"set-password", "--db PATH --user NAME",
     "Read an account's new password (at least 12 characters) from stdin.", "du", "du", 0,
     cmd_set_password},
    {"list-users", "--db PATH", "List accounts: name, role, facilities (* for all).", "d", "d", 0,
     cmd_list_users},
    {"remove-user", "--db PATH --user NAME", "Delete an account.", "du", "du", 0, cmd_remove_user},
    {"purge", "--db PATH (--before DATE | --keep-days N) [--dry-run]",
     "Remove attendance events and corrections stamped before DATE 00:00 in their\n"
     "facility's time zone (--keep-days N: before the UTC date N days ago). Prints the\n"
     "count first (a dry run); --dry-run stops there. The audit trail records that a\n"
     "purge happened, the date and the counts (docs/privacy.md).",
     "dBDy", "d", 0, cmd_purge},
    {"participant-report", "--db PATH --participant ID [--format text|json]",
     "Print everything the region database holds about one participant (GDPR art. 15\n"
     "register extract): roster data, memberships, whether a card is registered (not its\n"
     "number), check-ins, corrections, and which staff viewed or changed them.\n"
     "--format json: the same sections as one JSON object.",
     "dpm", "dp", 0, cmd_report},
    {"erase-participant", "--db PATH --participant ID",
     "Erase a participant's personal data (GDPR art. 17): name, memberships and cards\n"
     "are removed; their check-ins and corrections stay under a random pseudonym so the\n"
     "groups' attendance counts stay right; kiosks drop them at their next sync. Remove\n"
     "them from the roster files too: a later import that lists them adds them anew.",
     "dp", "dp", 0, cmd_erase},
    {"audit",
     "--db PATH [--user NAME] [--action CODE] [--from DATE] [--to DATE] [--participant ID]\n"
     "      [--group ID]",
     "Print the audit trail as CSV, newest first: " AUDIT_CSV_HEADER "\n"
     "(times in UTC; dates inclusive). Reading it is itself recorded.",
     "duAFTpg", "d", 0, cmd_audit},
};

static void usage_all(FILE *f)
{
	fprintf(f, "usage: blippa-server COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-18s %s\n", commands[i].name, commands[i].usage);
	fprintf(f, "\n'blippa-server COMMAND --help' explains one command.\n");
}

/* The string options: letter, long name, where the value goes. */
static const struct {
	char letter;
	const char *name;
	size_t off;
} opt_fields[] = {
    {'d', "--db", offsetof(struct cmd_opts, db)},
    {'f', "--facility", offsetof(struct cmd_opts, facility)},
    {'n', "--name", offsetof(struct cmd_opts, name)},
    {'l', "--leader", offsetof(struct cmd_opts, leader)},
    {'k', "--kiosk", offsetof(struct cmd_opts, kiosk)},
    {'L', "--listen", offsetof(struct cmd_opts, listen)},
    {'c', "--cert", offsetof(struct cmd_opts, cert)},
    {'K', "--key", offsetof(struct cmd_opts, key)},
    {'F', "--from", offsetof(struct cmd_opts, from)},
    {'T', "--to", offsetof(struct cmd_opts, to)},
    {'u', "--user", offsetof(struct cmd_opts, user)},
    {'r', "--role", offsetof(struct cmd_opts, role)},
    {'o', "--output", offsetof(struct cmd_opts, output)},
    {'I', "--include", offsetof(struct cmd_opts, include)},
    {'B', "--before", offsetof(struct cmd_opts, before)},
    {'D', "--keep-days", offsetof(struct cmd_opts, keep_days)},
    {'p', "--participant", offsetof(struct cmd_opts, participant)},
    {'A', "--action", offsetof(struct cmd_opts, action)},
    {'g', "--group", offsetof(struct cmd_opts, group)},
    {'m', "--format", offsetof(struct cmd_opts, format)},
    {'M', "--metrics-token-file", offsetof(struct cmd_opts, metrics_token_file)},
    {'H', "--metrics-token-hash", offsetof(struct cmd_opts, metrics_token_hash)},
};

static const char **opt_slot(struct cmd_opts *o, char letter, const char **name)
{
	for (size_t i = 0; i < sizeof(opt_fields) / sizeof(opt_fields[0]); i++) {
		if (opt_fields[i].letter == letter) {
			if (name)
				*name = opt_fields[i].name;
			return (const char **)(void *)((char *)o + opt_fields[i].off);
		}
	}
	return NULL;
}

/* The first required option not given, or NULL. */
static const char *needed_missing(const struct command *c, struct cmd_opts *o)
{
	const char *name = NULL;
	for (const char *p = c->required; *p; p++) {
		const char **slot = opt_slot(o, *p, &name);
		if (slot && !*slot)
			return name;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage_all(stdout);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("blippa-server %s\n", BLIPPA_VERSION);
		return EXIT_SUCCESS;
	}
	const struct command *c = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			c = &commands[i];
	if (!c) {
		fprintf(stderr, "blippa-server: unknown command '%s'\n", argv[1]);
		usage_all(stderr);
		return EXIT_USAGE;
	}
	cur_cmd = c->name;
	struct cmd_opts o = {0};
	int ch;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "+h", long_opts, NULL)) != -1) {
		if (ch == 'h') {
			printf("usage: blippa-server %s %s\n\n%s\n", c->name, c->usage, c->help);
			return EXIT_SUCCESS;
		}
		if (ch == '?' || !strchr(c->options, ch)) {
			fprintf(stderr,
				"blippa-server %s: unknown or incomplete option '%s'\n"
				"usage: blippa-server %s %s\n",
				c->name, argv[optind], c->name, c->usage);
			return EXIT_USAGE;
		}
		if (ch == 't') {
			char *end = NULL;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 0 || n > 256) {
				fprintf(stderr, "blippa-server %s: --threads: 0-256\n", c->name);
				return EXIT_USAGE;
			}
			o.threads = (unsigned)n;
		} else if (ch == 'P') {
			char *end = NULL;
			long n = strtol(optarg, &end, 10);
			if (!*optarg || *end || n < 1 || n > 512) {
				fprintf(stderr, "blippa-server %s: --per-ip-limit: 1-512\n",
					c->name);
				return EXIT_USAGE;
			}
			o.per_ip_limit = (unsigned)n;
		} else if (ch == 'y') {
			o.dry_run = true;
		} else if (ch == 'R') {
			char *end = NULL;
			long n = strtol(optarg, &end, 10);
			if (!*optarg || *end || n < 1 || n > 36500) {
				fprintf(stderr, "blippa-server %s: --retention-days: 1-36500\n",
					c->name);
				return EXIT_USAGE;
			}
			o.retention_days = (unsigned)n;
		} else if (ch == 'S') {
			char *end = NULL;
			long n = strtol(optarg, &end, 10);
			if (!*optarg || *end || n < 1 || n > 86400) {
				fprintf(stderr, "blippa-server %s: --session-idle: 1-86400\n",
					c->name);
				return EXIT_USAGE;
			}
			o.session_idle = (unsigned)n;
		} else if (ch == 'E') {
			char *end = NULL;
			long n = strtol(optarg, &end, 10);
			if (!*optarg || *end || n < 60 || n > FLEET_STALE_MAX_S) {
				fprintf(stderr, "blippa-server %s: --stale-after: 60-%d\n", c->name,
					FLEET_STALE_MAX_S);
				return EXIT_USAGE;
			}
			o.stale_after = (unsigned)n;
		} else {
			if (ch == 'f') {
				if (o.n_facilities >= SRV_USER_FACILITIES_MAX) {
					fprintf(stderr, "blippa-server %s: too many --facility\n",
						c->name);
					return EXIT_USAGE;
				}
				o.facilities[o.n_facilities++] = optarg;
			}
			const char **slot = opt_slot(&o, (char)ch, NULL);
			if (slot)
				*slot = optarg;
		}
	}
	o.argc = argc - 1 - optind;
	o.argv = argv + 1 + optind;
	const char *missing = needed_missing(c, &o);
	if (missing || o.argc != c->positional) {
		fprintf(stderr, "blippa-server %s: %s%s\nusage: blippa-server %s %s\n", c->name,
			missing ? "missing option " : "wrong number of arguments",
			missing ? missing : "", c->name, c->usage);
		return EXIT_USAGE;
	}
	if (auth_init() != BLIPPA_OK) {
		fprintf(stderr, "blippa-server: cannot initialise libsodium\n");
		return EXIT_FAILURE;
	}
	if (o.db)
		db_label(o.db, o.db_shown, sizeof o.db_shown);
	return c->run(&o);
}
