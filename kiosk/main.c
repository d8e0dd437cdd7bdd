/* SPDX-License-Identifier: MIT */
/* blippa-kiosk: the fullscreen touchscreen app. Wires the parts together:
 * config -> store (UI thread's handle) -> window/fonts -> the coordinator
 * (kiosk/app) and the UI state machine, reader thread (events into the SDL
 * queue), sync thread (when [server] url is set), a signal thread
 * (SIGTERM/SIGINT -> clean exit), and for tests a control FIFO and a trace
 * channel. See docs/kiosk.md and docs/architecture.md. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SDL.h>

#include "app.h"
#include "clock.h"
#include "config.h"
#include "fsutil.h"
#include "log.h"
#include "reader.h"
#include "render.h"
#include "roster.h"
#include "store.h"
#include "sync.h"
#include "tz.h"
#include "ui.h"

#define MOD "kiosk"
/* Same Argon2id cost as blippa-server set-pin (sync/server/auth.h):
 * INTERACTIVE, see docs/operations.md §7. */
#define PIN_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PIN_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

struct args {
	const char *config;
	bool demo, demo_keys, windowed, fullscreen, hash_pin, help;
	int w, h;
	int trace_fd;
	const char *trace_file;
	const char *control;
	const char *lang;
	const char *data_dir;
	long demo_extra;
};

static void usage(FILE *f)
{
	fputs("usage: blippa-kiosk --config FILE [options]\n"
	      "       blippa-kiosk --demo [options]\n"
	      "       blippa-kiosk --hash-pin < pin\n"
	      "\n"
	      "  --config FILE      kiosk config (INI, see config/kiosk.ini.example)\n"
	      "  --demo             demo roster + simulated reader (keys 1-9 tap demo cards,\n"
	      "                     or write a UID line to <data_dir>/reader.fifo); no server\n"
	      "  --demo-keys        with --config: keys 1-9 tap the demo cards (run-demo)\n"
	      "  --data-dir DIR     demo: use (and keep) DIR instead of a fresh blippa-demo-*\n"
	      "                     dir under $XDG_RUNTIME_DIR or $TMPDIR, removed at exit\n"
	      "  --demo-participants N  demo: add N generated participants (benchmarks)\n"
	      "  --windowed         a normal window; closing it quits\n"
	      "  --fullscreen       fullscreen even in demo mode\n"
	      "  --size WxH         window size (tests), e.g. 1080x1920\n"
	      "  --lang CODE        override the config's language (sv en fi ar fa so ti)\n"
	      "  --trace FILE       test trace channel: one line per screen change and,\n"
	      "                     after COMMIT, one per confirmed check-in with its event id\n"
	      "  --trace-fd N       the same on an inherited file descriptor\n"
	      "  --control FIFO     read scripted test commands from FIFO (docs/kiosk.md)\n"
	      "  --hash-pin         read a PIN from stdin, print its Argon2id hash for\n"
	      "                     [kiosk] admin_pin_hash, and exit\n"
	      "  --help             this text\n",
	      f);
}

static int parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof *a);
	a->trace_fd = -1;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;
		if (strcmp(o, "--demo") == 0) {
			a->demo = true;
			takes = false;
		} else if (strcmp(o, "--demo-keys") == 0) {
			a->demo_keys = true;
			takes = false;
		} else if (strcmp(o, "--windowed") == 0) {
			a->windowed = true;
			takes = false;
		} else if (strcmp(o, "--fullscreen") == 0) {
			a->fullscreen = true;
			takes = false;
		} else if (strcmp(o, "--hash-pin") == 0) {
			a->hash_pin = true;
			takes = false;
		} else if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			a->help = true;
			takes = false;
		}
		if (!takes)
			continue;
		if (!v) {
			fprintf(stderr, "blippa-kiosk: unknown option or missing value: %s\n", o);
			return -1;
		}
		if (strcmp(o, "--config") == 0) {
			a->config = v;
		} else if (strcmp(o, "--size") == 0) {
			if (sscanf(v, "%dx%d", &a->w, &a->h) != 2 || a->w < 320 || a->h < 320 ||
			    a->w > 8192 || a->h > 8192) {
				fprintf(stderr, "blippa-kiosk: --size wants WxH, e.g. 1920x1080\n");
				return -1;
			}
		} else if (strcmp(o, "--trace-fd") == 0) {
			a->trace_fd = atoi(v);
		} else if (strcmp(o, "--trace") == 0) {
			a->trace_file = v;
		} else if (strcmp(o, "--control") == 0) {
			a->control = v;
		} else if (strcmp(o, "--lang") == 0) {
			if (!ui_language_find(v)) {
				fprintf(
				    stderr,
				    "blippa-kiosk: --lang wants sv, en, fi, ar, fa, so or ti\n");
				return -1;
			}
			a->lang = v;
		} else if (strcmp(o, "--data-dir") == 0) {
			a->data_dir = v;
		} else if (strcmp(o, "--demo-participants") == 0) {
			a->demo_extra = strtol(v, NULL, 10);
			if (a->demo_extra < 0 || a->demo_extra > 200000) {
				fprintf(stderr,
					"blippa-kiosk: --demo-participants wants 0..200000\n");
				return -1;
			}
		} else {
			fprintf(stderr, "blippa-kiosk: unknown option: %s\n", o);
			return -1;
		}
		i++;
	}
	return 0;
}

static int hash_pin(void)
{
	char pin[128], hash[crypto_pwhash_STRBYTES];
	size_t n;
	if (sodium_init() < 0 || !fgets(pin, sizeof pin, stdin)) {
		fprintf(stderr, "blippa-kiosk: --hash-pin reads the PIN from stdin\n");
		return 2;
	}
	n = strcspn(pin, "\r\n");
	pin[n] = '\0';
	if (n < 4 || strspn(pin, "0123456789") != n) {
		fprintf(stderr, "blippa-kiosk: a PIN is 4 or more digits\n");
		sodium_memzero(pin, sizeof pin);
		return 2;
	}
	if (crypto_pwhash_str_alg(hash, pin, n, PIN_OPSLIMIT, PIN_MEMLIMIT,
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		fprintf(stderr, "blippa-kiosk: out of memory while hashing\n");
		sodium_memzero(pin, sizeof pin);
		return 1;
	}
	sodium_memzero(pin, sizeof pin);
	printf("%s\n", hash);
	return 0;
}

/* The demo's private data dir. --data-dir DIR: made 0700 if missing and
 * checked to be ours; its files are kept. Otherwise a fresh directory of its
 * own, blippa-demo-XXXXXX under $XDG_RUNTIME_DIR, $TMPDIR or /tmp (so two
 * demos never share or wipe each other's files); *made is set and
 * demo_dir_remove() deletes it when the demo ends. */
static int demo_dir(const struct args *a, char *out, size_t outlen, bool *made)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int n;

	*made = false;
	if (a->data_dir) {
		n = snprintf(out, outlen, "%s", a->data_dir);
		if (n < 0 || (size_t)n >= outlen || fs_mkdirs(out) != BLIPPA_OK ||
		    lstat(out, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
			fprintf(stderr, "blippa-kiosk: cannot use demo data dir %s\n", a->data_dir);
			return -1;
		}
		chmod(out, 0700);
		return 0;
	}
	if (!base || !*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	n = snprintf(out, outlen, "%s/blippa-demo-XXXXXX", base);
	if (n < 0 || (size_t)n >= outlen || !mkdtemp(out)) { /* mkdtemp: mode 0700 */
		fprintf(stderr, "blippa-kiosk: cannot make a demo data dir in %s: %s\n", base,
			strerror(errno));
		return -1;
	}
	*made = true;
	return 0;
}

/* Removes a directory demo_dir() made: the files the kiosk put there (the
 * database and its WAL/SHM, the reader FIFO), then the directory itself. */
static void demo_dir_remove(const char *dir)
{
	static const char *const files[] = {"blippa.db", "blippa.db-wal", "blippa.db-shm",
					    "blippa.db-journal", "reader.fifo"};
	char p[PATH_MAX];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (fs_join(p, sizeof p, dir, files[i]) == BLIPPA_OK)
			unlink(p);
	if (rmdir(dir) != 0)
		log_warn(MOD, "demo data dir %s not removed: %s", dir, strerror(errno));
}

static int load_demo_roster(struct store *st, long extra)
{
	char err[256];
	struct roster *r = roster_make_demo(clock_wall_ms(), (size_t)extra);
	enum blippa_err rc;
	if (!r) {
		fprintf(stderr, "blippa-kiosk: out of memory making the demo roster\n");
		return -1;
	}
	rc = store_replace_roster(st, r, err, sizeof err);
	roster_free(r);
	if (rc != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: demo roster: %s\n", err);
		return -1;
	}
	/* past sessions' attendance, so the leader view reads "7 av 9" */
	rc = store_seed_demo_history(st, clock_wall_ms());
	if (rc != BLIPPA_OK)
		fprintf(stderr, "blippa-kiosk: demo history: %s\n", blippa_strerror(rc));
	return 0;
}

/* The config file (or the defaults), then the demo and the command line on
 * top. 0, or non-0 after a message on stderr. */
static int load_config(struct args *a, struct blippa_config *cfg, bool *demo_made)
{
	char err[512];
	config_defaults(cfg);
	if (a->config && config_load(a->config, cfg, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: %s\n", err);
		return -1;
	}
	if (a->demo) {
		if (!a->config) {
			if (demo_dir(a, cfg->data_dir, sizeof cfg->data_dir, demo_made) != 0)
				return -1;
			log_info(MOD, "demo data dir %s%s", cfg->data_dir,
				 *demo_made ? " (removed when the demo ends)" : "");
			int n = snprintf(cfg->reader_device, sizeof cfg->reader_device,
					 READER_SIM_PREFIX "%s/reader.fifo", cfg->data_dir);
			if (n < 0 || (size_t)n >= sizeof cfg->reader_device) {
				fprintf(stderr, "blippa-kiosk: demo data dir path too long\n");
				return -1;
			}
			cfg->fullscreen = a->fullscreen;
		}
		cfg->server_url[0] = '\0'; /* the demo never syncs */
	}
	if (a->lang)
		snprintf(cfg->language, sizeof cfg->language, "%s", a->lang);
	if (a->windowed)
		cfg->fullscreen = false;
	if (a->fullscreen)
		cfg->fullscreen = true;
	return 0;
}

/* Opens the store (and, for the demo, its roster); sets the facility's time
 * zone and the language. 0, or non-0 after a message on stderr. */
static int open_store(const struct args *a, const struct blippa_config *cfg, struct store **st)
{
	struct store_rules rules;
	char err[512], id[ROSTER_ID_MAX + 1], name[ROSTER_NAME_MAX + 1], tz[64];

	store_rules_from_config(&rules, cfg);
	rules.clock_correction = true; /* the kiosk's wall clock is not trusted */
	if (store_open(cfg->data_dir, &rules, st, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: %s\n", err);
		return -1;
	}
	if (a->demo && a->config &&
	    store_facility(*st, id, sizeof id, name, sizeof name, tz, sizeof tz) == BLIPPA_OK &&
	    id[0] && strcmp(id, "demo") != 0) {
		/* never replace a real roster with the demo one */
		fprintf(stderr,
			"blippa-kiosk: --demo: %s already holds a real roster; "
			"use --demo-keys, or a fresh data_dir\n",
			cfg->data_dir);
		return -1;
	}
	if (a->demo && load_demo_roster(*st, a->demo_extra) != 0)
		return -1;
	if (store_facility(*st, id, sizeof id, name, sizeof name, tz, sizeof tz) == BLIPPA_OK &&
	    tz[0])
		tz_set_process_zone(tz);
	ui_i18n_init(cfg->language);
	return 0;
}

/* SDL and the window. 0, or non-0 after a message on stderr. */
static int open_window(const struct args *a, const struct blippa_config *cfg, struct render **r)
{
	struct render_opts ro;
	char err[512];

	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
	SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
	/* The UI is mostly still pictures: SDL's software renderer draws a
	 * 1080p frame in ~2-3 ms and presents it through shared memory, without
	 * loading a GL stack (Mesa/LLVM would add ~100 MB RSS on a mini PC or
	 * Xvfb). SDL_RENDER_DRIVER=opengl in the environment overrides both. */
	SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
	SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
	/* On Wayland the kiosk's own window (render.h): SDL's video subsystem
	 * would load EGL, Mesa and LLVM for it (docs/performance.md). */
	if (SDL_Init(render_needs_sdl_video() ? SDL_INIT_VIDEO | SDL_INIT_EVENTS
					      : SDL_INIT_EVENTS | SDL_INIT_TIMER) != 0) {
		fprintf(stderr, "blippa-kiosk: SDL: %s\n", SDL_GetError());
		return -1;
	}
	memset(&ro, 0, sizeof ro);
	ro.w = a->w ? a->w : (cfg->fullscreen ? 0 : 1280);
	ro.h = a->h ? a->h : (cfg->fullscreen ? 0 : 800);
	ro.fullscreen = cfg->fullscreen;
	ro.title = "Blippa";
	ro.diag_in = cfg->screen_diagonal_in;
	if (render_open(&ro, r, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: %s\n", err);
		return -1;
	}
	render_show_cursor(*r, !cfg->fullscreen || a->demo);
	return 0;
}

/* What runs: the coordinator, the UI, the reader thread, the sync thread
 * (when [server] url is set) and the control channel. */
struct parts {
	struct app *app;
	struct ui *ui;
	struct reader *rd;
	struct sync_thread *sync;
};

/* Starts the parts on the open store and window. 0, or non-0 after a
 * message on stderr (what did start is in p, for stop_parts). */
static int start_parts(const struct args *a, const struct blippa_config *cfg, struct store *st,
		       struct render *r, struct parts *p)
{
	struct ui_opts uo;
	const char *sim_path = NULL;
	char err[512];
	struct app_opts ao = {.st = st,
			      .demo_keys = a->demo || a->demo_keys,
			      .sim_reader = reader_connstring_sim(cfg->reader_device, &sim_path)};

	if (app_new(&ao, &p->app) != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: out of memory\n");
		return -1;
	}
	memset(&uo, 0, sizeof uo);
	uo.allow_quit = a->demo || a->windowed || !cfg->fullscreen;
	uo.sync_enabled = cfg->server_url[0] != '\0';
	uo.trace_fd = a->trace_fd;
	uo.admin_pin_hash = cfg->admin_pin_hash;
	app_ui_opts(p->app, &uo);
	if (ui_open(r, st, cfg, &uo, &p->ui) != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: cannot start the UI\n");
		return -1;
	}
	app_attach(p->app, p->ui, NULL);
	app_start_signal_thread(p->app);
	if (reader_open(cfg->reader_device, app_on_reader, p->ui, &p->rd) != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: [reader] device: cannot use \"%s\"\n",
			cfg->reader_device);
		return -1;
	}
	if (ao.sim_reader)
		log_info(MOD, "simulated reader: write a UID line to %s", sim_path);
	if (cfg->server_url[0]) {
		struct sync_callbacks cb = {app_on_sync_status, p->app};
		if (sync_thread_start(cfg, &cb, &p->sync, err, sizeof err) != BLIPPA_OK) {
			fprintf(stderr, "blippa-kiosk: sync: %s\n", err);
			return -1;
		}
		app_attach(p->app, p->ui, p->sync);
	}
	if (a->control && app_control_start(p->app, a->control) != 0)
		return -1;
	return 0;
}

/* Stops what start_parts started, in the safe order: no thread pushes
 * into a UI that is gone. */
static void stop_parts(struct parts *p)
{
	app_stop(p->app); /* the signal and control threads first */
	reader_close(p->rd);
	sync_thread_stop(p->sync);
	ui_close(p->ui);
	app_free(p->app);
}

int main(int argc, char **argv)
{
	struct args a;
	struct blippa_config cfg;
	struct store *st = NULL;
	struct render *r = NULL;
	struct parts parts;
	bool demo_made = false; /* cfg.data_dir is a demo dir of our own */
	int rc = 1;

	memset(&parts, 0, sizeof parts);
	if (parse_args(argc, argv, &a) != 0) {
		usage(stderr);
		return 2;
	}
	if (a.help) {
		usage(stdout);
		return 0;
	}
	if (a.hash_pin)
		return hash_pin();
	if (!a.config && !a.demo) {
		fprintf(stderr, "blippa-kiosk: give --config FILE or --demo\n");
		usage(stderr);
		return 2;
	}
	app_block_signals(); /* in every thread; one thread sigwaits them */
	if (load_config(&a, &cfg, &demo_made) != 0)
		goto out;
	if (sodium_init() < 0) {
		fprintf(stderr, "blippa-kiosk: libsodium failed to initialise\n");
		goto out;
	}
	if (a.trace_file) { /* the test trace channel */
		a.trace_fd = open(a.trace_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (a.trace_fd < 0) {
			fprintf(stderr, "blippa-kiosk: cannot open trace file %s: %s\n",
				a.trace_file, strerror(errno));
			goto out;
		}
	}
	if (open_store(&a, &cfg, &st) != 0 || open_window(&a, &cfg, &r) != 0 ||
	    start_parts(&a, &cfg, st, r, &parts) != 0)
		goto out;
	log_info(MOD, "started%s", a.demo ? " (demo)" : "");
	rc = ui_run(parts.ui);
	log_info(MOD, "stopping");
out:
	stop_parts(&parts);
	render_close(r);
	if (SDL_WasInit(0))
		SDL_Quit();
	store_close(st);
	if (demo_made)
		demo_dir_remove(cfg.data_dir);
	if (a.trace_file && a.trace_fd >= 0)
		close(a.trace_fd);
	return rc;
}
