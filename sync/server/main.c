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

#include "admin_cmd.h"
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
	srv_cur_cmd = c->name;
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
