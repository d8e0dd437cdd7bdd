/* SPDX-License-Identifier: MIT */
/* blippa-kiosk: the fullscreen touchscreen app. Wires the parts together:
 * config -> store (UI thread's handle) -> window/fonts -> UI state machine,
 * reader thread (events into the SDL queue), sync thread (when [server] url
 * is set), a signal thread (SIGTERM/SIGINT -> clean exit), and for tests a
 * control FIFO and a trace channel. See docs/kiosk.md. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SDL.h>

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

struct app {
	struct ui *ui;
	struct sync_thread *sync;
	bool sim_reader;
	int control_fd;
	int stop_pipe[2];
	pthread_t control_thread;
	bool control_running;
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
				fprintf(stderr,
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

/* ---- threads that feed the UI ---- */

static void on_reader(const struct reader_event *ev, void *user)
{
	ui_push_reader_event(user, ev); /* reader thread: push only */
}

static void on_sync_status(void *user, const struct store_sync_status *status)
{
	struct app *app = user;
	ui_push_sync_changed(app->ui, status); /* sync thread: push only */
}

static void hook_event_recorded(void *user)
{
	struct app *app = user;
	sync_thread_kick(app->sync);
}

static void hook_reader_state(void *user, enum reader_state st)
{
	struct app *app = user;
	const char *s = "none";
	if (st == READER_STATE_READY)
		s = app->sim_reader ? "sim" : "ready";
	else if (st == READER_STATE_FAILED || st == READER_STATE_OPENING)
		s = "absent";
	sync_thread_set_reader_state(app->sync, s);
}

static void *signal_main(void *arg)
{
	struct app *app = arg;
	sigset_t set;
	int sig = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigwait(&set, &sig) == 0) {
		log_info(MOD, "signal %d: shutting down", sig);
		ui_push_quit(app->ui);
	}
	return NULL;
}

#define CONTROL_LINE_MAX 1024

static void *control_main(void *arg)
{
	struct app *app = arg;
	char buf[CONTROL_LINE_MAX];
	size_t used = 0;
	for (;;) {
		struct pollfd p[2] = {{app->control_fd, POLLIN, 0}, {app->stop_pipe[0], POLLIN, 0}};
		ssize_t n;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		n = read(app->control_fd, buf + used, sizeof buf - 1 - used);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		used += (size_t)n;
		for (;;) {
			char *nl = memchr(buf, '\n', used);
			if (!nl)
				break;
			*nl = '\0';
			if (nl > buf && nl[-1] == '\r')
				nl[-1] = '\0';
			ui_push_control(app->ui, buf);
			used -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, used);
		}
		if (used == sizeof buf - 1)
			used = 0; /* an over-long line is dropped */
	}
	return NULL;
}

static int control_start(struct app *app, const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0 && mkfifo(path, 0600) != 0) {
		fprintf(stderr, "blippa-kiosk: cannot make control FIFO %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	/* O_RDWR: never blocks on open and never sees EOF between writers */
	app->control_fd = open(path, O_RDWR | O_CLOEXEC);
	if (app->control_fd < 0 || pipe(app->stop_pipe) != 0) {
		fprintf(stderr, "blippa-kiosk: cannot open control FIFO %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (pthread_create(&app->control_thread, NULL, control_main, app) != 0)
		return -1;
	app->control_running = true;
	return 0;
}

static void control_stop(struct app *app)
{
	if (app->control_running) {
		ssize_t w = write(app->stop_pipe[1], "x", 1);
		(void)w;
		pthread_join(app->control_thread, NULL);
		close(app->stop_pipe[0]);
		close(app->stop_pipe[1]);
	}
	if (app->control_fd >= 0)
		close(app->control_fd);
}

int main(int argc, char **argv)
{
	struct args a;
	struct blippa_config cfg;
	struct store_rules rules;
	struct store *st = NULL;
	struct render *r = NULL;
	struct reader *rd = NULL;
	struct app app;
	struct ui_opts uo;
	struct render_opts ro;
	char err[512];
	bool demo_made = false; /* cfg.data_dir is a demo dir of our own */
	char id[ROSTER_ID_MAX + 1], name[ROSTER_NAME_MAX + 1], tz[64];
	sigset_t sigs;
	pthread_t sig_thread;
	int rc = 1;

	memset(&app, 0, sizeof app);
	app.control_fd = -1;
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

	/* Block the quit signals in every thread; one thread sigwaits them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	config_defaults(&cfg);
	if (a.config && config_load(a.config, &cfg, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: %s\n", err);
		return 1;
	}
	if (a.demo) {
		if (!a.config) {
			if (demo_dir(&a, cfg.data_dir, sizeof cfg.data_dir, &demo_made) != 0)
				return 1;
			log_info(MOD, "demo data dir %s%s", cfg.data_dir,
				 demo_made ? " (removed when the demo ends)" : "");
			int n = snprintf(cfg.reader_device, sizeof cfg.reader_device,
					 READER_SIM_PREFIX "%s/reader.fifo", cfg.data_dir);
			if (n < 0 || (size_t)n >= sizeof cfg.reader_device) {
				fprintf(stderr, "blippa-kiosk: demo data dir path too long\n");
				goto out;
			}
			cfg.fullscreen = a.fullscreen;
		}
		cfg.server_url[0] = '\0'; /* the demo never syncs */
	}
	if (a.lang)
		snprintf(cfg.language, sizeof cfg.language, "%s", a.lang);
	if (a.windowed)
		cfg.fullscreen = false;
	if (a.fullscreen)
		cfg.fullscreen = true;
	if (sodium_init() < 0) {
		fprintf(stderr, "blippa-kiosk: libsodium failed to initialise\n");
		goto out;
	}

	/* trace channel */
	if (a.trace_file) {
		a.trace_fd = open(a.trace_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (a.trace_fd < 0) {
			fprintf(stderr, "blippa-kiosk: cannot open trace file %s: %s\n",
				a.trace_file, strerror(errno));
			goto out;
		}
	}

	store_rules_from_config(&rules, &cfg);
	rules.clock_correction = true; /* the kiosk's wall clock is not trusted */
	if (store_open(cfg.data_dir, &rules, &st, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: %s\n", err);
		goto out;
	}
	if (a.demo && a.config &&
	    store_facility(st, id, sizeof id, name, sizeof name, tz, sizeof tz) == BLIPPA_OK &&
	    id[0] && strcmp(id, "demo") != 0) {
		/* never replace a real roster with the demo one */
		fprintf(stderr,
			"blippa-kiosk: --demo: %s already holds a real roster; "
			"use --demo-keys, or a fresh data_dir\n",
			cfg.data_dir);
		goto out;
	}
	if (a.demo && load_demo_roster(st, a.demo_extra) != 0)
		goto out;
	if (store_facility(st, id, sizeof id, name, sizeof name, tz, sizeof tz) == BLIPPA_OK &&
	    tz[0])
		tz_set_process_zone(tz);
	ui_i18n_init(cfg.language);

	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
	SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
	/* The UI is mostly still pictures: SDL's software renderer draws a
	 * 1080p frame in ~2-3 ms and presents it through shared memory, without
	 * loading a GL stack (Mesa/LLVM would add ~100 MB RSS on a mini PC or
	 * Xvfb). SDL_RENDER_DRIVER=opengl in the environment overrides both. */
	SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
	SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
	if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
		fprintf(stderr, "blippa-kiosk: SDL: %s\n", SDL_GetError());
		goto out;
	}
	memset(&ro, 0, sizeof ro);
	ro.w = a.w ? a.w : (cfg.fullscreen ? 0 : 1280);
	ro.h = a.h ? a.h : (cfg.fullscreen ? 0 : 800);
	ro.fullscreen = cfg.fullscreen;
	ro.title = "Blippa";
	ro.diag_in = cfg.screen_diagonal_in;
	if (render_open(&ro, &r, err, sizeof err) != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: %s\n", err);
		goto out;
	}
	if (!cfg.fullscreen || a.demo)
		SDL_ShowCursor(SDL_ENABLE);
	else
		SDL_ShowCursor(SDL_DISABLE);

	memset(&uo, 0, sizeof uo);
	uo.demo = a.demo || a.demo_keys;
	uo.allow_quit = a.demo || a.windowed || !cfg.fullscreen;
	uo.sync_enabled = cfg.server_url[0] != '\0';
	uo.trace_fd = a.trace_fd;
	uo.admin_pin_hash = cfg.admin_pin_hash;
	uo.on_event_recorded = hook_event_recorded;
	uo.on_reader_state = hook_reader_state;
	uo.hook_user = &app;
	if (ui_open(r, st, &cfg, &uo, &app.ui) != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: cannot start the UI\n");
		goto out;
	}
	if (pthread_create(&sig_thread, NULL, signal_main, &app) == 0)
		pthread_detach(sig_thread);

	const char *sim_path = NULL;
	app.sim_reader = reader_connstring_sim(cfg.reader_device, &sim_path);
	if (reader_open(cfg.reader_device, on_reader, app.ui, &rd) != BLIPPA_OK) {
		fprintf(stderr, "blippa-kiosk: [reader] device: cannot use \"%s\"\n",
			cfg.reader_device);
		goto out;
	}
	if (app.sim_reader)
		log_info(MOD, "simulated reader: write a UID line to %s", sim_path);
	if (cfg.server_url[0]) {
		struct sync_callbacks cb = {on_sync_status, &app};
		if (sync_thread_start(&cfg, &cb, &app.sync, err, sizeof err) != BLIPPA_OK) {
			fprintf(stderr, "blippa-kiosk: sync: %s\n", err);
			goto out;
		}
	}
	if (a.control && control_start(&app, a.control) != 0)
		goto out;

	log_info(MOD, "started%s", a.demo ? " (demo)" : "");
	rc = ui_run(app.ui);
	log_info(MOD, "stopping");
out:
	control_stop(&app);
	reader_close(rd);
	sync_thread_stop(app.sync);
	ui_close(app.ui);
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
