/* SPDX-License-Identifier: MIT */
/* Roster import in the browser (admin): the six CSV files of docs/csv.md
 * (or one .zip of them, unpacked with libarchive) are uploaded as
 * multipart/form-data, written into a private temp directory (0700, files
 * 0600) and validated by import_load_dir() exactly as
 * `blippa-server import` does. Nothing changes at upload: the page shows the
 * store's dry run (srv_import.dry_run) and the diff (web_import_diff.c), or
 * every error (import_load_dir_all: file, line, column and a plain message
 * in the page's language; the first IMPORT_ERRORS_KEEP and how many more),
 * and nothing changes. "Apply" imports the same directory
 * in one transaction (srv_store_import) and removes it; a waiting upload
 * belongs to the account that made it and expires after 30 minutes. */
#include "web_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "import.h"
#include "log.h"

#define STASH_MAX 8
#define STASH_TTL_MS (30 * 60 * 1000)

struct web_stash {
	struct web_stash *next;
	char id[WEB_TOKEN_HEX + 1];
	char user[SRV_USER_MAX + 1];
	char dir[512];
	int64_t at_ms; /* monotonic */
};

static const char *const roster_files[] = {"facilities.csv",   "groups.csv",  "sessions.csv",
					   "participants.csv", "members.csv", "leaders.csv"};
#define N_FILES (sizeof(roster_files) / sizeof(roster_files[0]))

/* Removes the upload directory and the files in it. */
static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char path[1024];
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* Drops stashes that expired (or all, at_ms 0 = everything); caller holds mu. */
static void stash_sweep(struct web *w, bool all)
{
	int64_t now = clock_mono_ms();
	for (struct web_stash **p = &w->stash; *p;) {
		struct web_stash *s = *p;
		if (all || now - s->at_ms > STASH_TTL_MS) {
			*p = s->next;
			rm_dir(s->dir);
			free(s);
		} else {
			p = &s->next;
		}
	}
}

void web_import_stash_free(struct web *w)
{
	stash_sweep(w, true);
}

/* Keeps dir for user until applied; writes its id. False if out of memory. */
static bool stash_put(struct web *w, const char *user, const char *dir, char id[WEB_TOKEN_HEX + 1])
{
	struct web_stash *s = calloc(1, sizeof(*s));
	if (!s)
		return false;
	web_token_new(s->id);
	snprintf(s->user, sizeof(s->user), "%s", user);
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->at_ms = clock_mono_ms();
	memcpy(id, s->id, sizeof(s->id));
	pthread_mutex_lock(&w->mu);
	stash_sweep(w, false);
	size_t n = 0;
	struct web_stash **last = &w->stash;
	for (struct web_stash **p = &w->stash; *p; p = &(*p)->next, n++)
		last = p;
	if (n >= STASH_MAX) { /* drop the oldest (the list's tail) */
		struct web_stash *old = *last;
		*last = NULL;
		rm_dir(old->dir);
		free(old);
	}
	s->next = w->stash;
	w->stash = s;
	pthread_mutex_unlock(&w->mu);
	return true;
}

/* Takes user's stash id out of the list; its dir into dir. */
static bool stash_take(struct web *w, const char *user, const char *id, char *dir, size_t dirlen)
{
	bool found = false;
	pthread_mutex_lock(&w->mu);
	stash_sweep(w, false);
	for (struct web_stash **p = &w->stash; *p; p = &(*p)->next) {
		struct web_stash *s = *p;
		if (web_token_eq(s->id, id) && strcmp(s->user, user) == 0) {
			*p = s->next;
			snprintf(dir, dirlen, "%s", s->dir);
			free(s);
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&w->mu);
	return found;
}

/* ------------------------------------------------------------ page */

static void page_top(struct web_ctx *c, struct html *h)
{
	web_page_begin(c, h, L(c, "Importera deltagarlistor", "Import the roster"));
	HTML_LIT(h, "<h1>");
	html_text(h, L(c, "Importera deltagarlistor", "Import the roster"));
	HTML_LIT(h, "</h1>");
}

static void upload_form(struct web_ctx *c, struct html *h)
{
	HTML_LIT(h, "<section class=\"card\"><p>");
	html_text(h, L(c,
		       "Välj de sex CSV-filerna (facilities.csv, groups.csv, sessions.csv, "
		       "participants.csv, members.csv, leaders.csv) eller en .zip-fil med dem. "
		       "Filerna är hela sanningen: "
		       "det som saknas i dem tas bort. Inget ändras förrän du har sett "
		       "ändringarna och bekräftat.",
		       "Choose the six CSV files (facilities.csv, groups.csv, sessions.csv, "
		       "participants.csv, members.csv, leaders.csv) or one .zip of them. The files "
		       "are the whole "
		       "truth: what is missing from them is removed. Nothing changes until you "
		       "have seen the changes and confirmed."));
	HTML_LIT(h, "</p><form method=\"post\" action=\"/import\" enctype=\"multipart/form-data\""
		    " class=\"correct\">");
	web_csrf_field(c, h);
	HTML_LIT(h, "<label>");
	html_text(h, L(c, "Filer", "Files"));
	HTML_LIT(h, " <input type=\"file\" name=\"files\" multiple required accept=\".csv,.zip\">"
		    "</label><button type=\"submit\">");
	html_text(h, L(c, "Visa ändringarna", "Show the changes"));
	HTML_LIT(h, "</button></form></section>");
}

void web_page_import(struct web_ctx *c)
{
	struct html h = {0};
	if (c->user.role != SRV_ROLE_ADMIN) {
		web_send_status(c, 403);
		return;
	}
	page_top(c, &h);
	upload_form(c, &h);
	web_page_end(c, &h);
	web_send_html(c, &h);
}

/* Ends a refused upload's page: "nothing has changed", the form again. */
static void nothing_changed_end(struct web_ctx *c, struct html *h)
{
	HTML_LIT(h, "<p>");
	html_text(h, L(c, "Inget har ändrats.", "Nothing has changed."));
	HTML_LIT(h, "</p></section>");
	upload_form(c, h);
	web_page_end(c, h);
	web_send_html(c, h);
}

static void error_page(struct web_ctx *c, unsigned status, const char *msg)
{
	struct html h = {0};
	c->resp->status = status;
	page_top(c, &h);
	HTML_LIT(&h,
		 "<section class=\"card\"><p class=\"error\" role=\"alert\" id=\"import-error\">");
	html_text(&h, msg);
	HTML_LIT(&h, "</p>");
	nothing_changed_end(c, &h);
}

_Static_assert(M_IE_LIMIT - M_IE_OTHER == IE_LIMIT && IE_KIND_COUNT == IE_LIMIT + 1,
	       "web_msg M_IE_* follow enum import_err_kind");

/* The plain message of e in the page's language. */
static void error_text(struct web_ctx *c, struct html *h, const struct import_error *e)
{
	const char *m = T(c, (enum web_msg)(M_IE_OTHER + (int)e->kind));
	switch (e->kind) {
	case IE_REF: /* "G9 finns inte i groups.csv" */
		html_textf(h, "%s %s %s.", e->value, m, e->other);
		break;
	case IE_DUPLICATE:
	case IE_CARD_USED:
		html_textf(h, "%s %s.", m, e->value);
		break;
	case IE_OTHER:
	case IE_SYNTAX:
	case IE_LIMIT: /* the English detail says what the kind alone cannot */
		html_textf(h, "%s %s", m, e->text);
		break;
	default:
		html_text(h, m);
		break;
	}
}

/* The page for a roster that did not pass: every error (up to
 * IMPORT_ERRORS_KEEP) as a table of file, line, column and message, then
 * how many more there are; nothing has changed. */
static void errors_page(struct web_ctx *c, unsigned status, const struct import_errors *errs)
{
	struct html h = {0};
	c->resp->status = status;
	page_top(c, &h);
	HTML_LIT(&h,
		 "<section class=\"card\" id=\"import-error\" role=\"alert\"><p class=\"error\">");
	html_textf(&h, "%zu %s %s", errs->total,
		   errs->total == 1 ? T(c, M_IMP_ERROR1) : T(c, M_IMP_ERRORN), T(c, M_IMP_ERRORS));
	HTML_LIT(&h, "</p><table class=\"imperr\" id=\"import-errors\"><thead><tr><th>");
	html_text(&h, T(c, M_IMP_FILE));
	HTML_LIT(&h, "</th><th class=\"num\">");
	html_text(&h, T(c, M_IMP_LINE));
	HTML_LIT(&h, "</th><th>");
	html_text(&h, T(c, M_IMP_COLUMN));
	HTML_LIT(&h, "</th><th>");
	html_text(&h, T(c, M_IMP_PROBLEM));
	HTML_LIT(&h, "</th></tr></thead><tbody>");
	for (size_t i = 0; i < errs->n; i++) {
		const struct import_error *e = &errs->e[i];
		HTML_LIT(&h, "<tr");
		HTML_ATTR(&h, "data-file", import_file_name(e->file));
		HTML_ATTR_U(&h, "data-line", e->line);
		HTML_ATTR(&h, "data-column", e->column);
		HTML_LIT(&h, "><td class=\"file\">");
		html_text(&h, import_file_name(e->file));
		HTML_LIT(&h, "</td><td class=\"num\"");
		HTML_ATTR(&h, "data-label", T(c, M_IMP_LINE));
		HTML_LIT(&h, ">");
		if (e->line)
			html_textf(&h, "%zu", e->line);
		HTML_LIT(&h, "</td><td class=\"col\"");
		HTML_ATTR(&h, "data-label", T(c, M_IMP_COLUMN));
		HTML_LIT(&h, ">");
		html_text(&h, e->column);
		HTML_LIT(&h, "</td><td class=\"why\">");
		error_text(c, &h, e);
		HTML_LIT(&h, "</td></tr>");
	}
	HTML_LIT(&h, "</tbody></table>");
	/* the same list as the CLI's text (no server paths), to copy into a mail */
	HTML_LIT(&h, "<details class=\"imptext\"><summary>");
	html_text(&h, T(c, M_IMP_AS_TEXT));
	HTML_LIT(&h, "</summary><pre id=\"import-errors-text\">");
	for (size_t i = 0; i < errs->n; i++) {
		const struct import_error *e = &errs->e[i];
		if (e->line)
			html_textf(&h, "%s:%zu: %s\n", import_file_name(e->file), e->line, e->text);
		else
			html_textf(&h, "%s: %s\n", import_file_name(e->file), e->text);
	}
	HTML_LIT(&h, "</pre></details>");
	if (errs->total > errs->n) {
		HTML_LIT(&h, "<p id=\"import-more\">");
		html_textf(&h, "%s %zu %s", T(c, M_IMP_MORE_A), errs->total - errs->n,
			   T(c, M_IMP_MORE_B));
		HTML_LIT(&h, "</p>");
	}
	nothing_changed_end(c, &h);
}

/* The file name without a directory a browser may send along. */
static const char *base_name(const char *fn)
{
	const char *s = strrchr(fn, '/'), *b = strrchr(fn, '\\');
	if (b && (!s || b > s))
		s = b;
	return s ? s + 1 : fn;
}

/* Index of name among the six roster files, or N_FILES. */
static size_t roster_index(const char *name)
{
	size_t f = 0;
	while (f < N_FILES && strcmp(name, roster_files[f]) != 0)
		f++;
	return f;
}

static bool is_zip(const char *fn)
{
	size_t n = strlen(fn);
	return n > 4 && strcasecmp(fn + n - 4, ".zip") == 0;
}

/* Checks that bn is a roster file not seen yet; msg says why not. */
static bool take_name(struct web_ctx *c, const char *bn, bool seen[N_FILES], char *msg,
		      size_t msglen)
{
	size_t f = roster_index(bn);
	if (f == N_FILES) {
		snprintf(msg, msglen, "%s: %s", bn,
			 L(c, "ingen av de sex rosterfilerna", "not one of the six roster files"));
		return false;
	}
	if (seen[f]) {
		snprintf(msg, msglen, "%s: %s", bn, L(c, "finns två gånger", "given twice"));
		return false;
	}
	seen[f] = true;
	return true;
}

/* Creates dir/name (0600, must not exist) and returns its descriptor. */
static int create_in(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Unpacks the roster files of a .zip upload into dir (entries in folders
 * are taken by their base name; folders, dot files and __MACOSX/ skipped;
 * at most IMPORT_FILE_MAX bytes each, WEB_UNZIP_MAX in all). */
#define WEB_UNZIP_MAX (128u * 1024u * 1024u)
static bool unzip_into(struct web_ctx *c, const char *dir, const struct web_part *p,
		       bool seen[N_FILES], char *msg, size_t msglen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	bool ok = a && archive_read_support_format_zip(a) == ARCHIVE_OK &&
		  archive_read_open_memory(a, p->data, p->len) == ARCHIVE_OK;
	size_t total = 0;
	int r = ARCHIVE_FATAL;
	char buf[64 * 1024];
	while (ok && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *path = archive_entry_pathname(e);
		const char *bn = base_name(path ? path : "");
		if (archive_entry_filetype(e) != AE_IFREG || !bn[0] || bn[0] == '.' ||
		    strncmp(path, "__MACOSX/", 9) == 0)
			continue;
		if (!take_name(c, bn, seen, msg, msglen))
			goto out;
		int fd = create_in(dir, bn);
		size_t size = 0;
		ssize_t n = 0;
		while (fd >= 0 && (n = archive_read_data(a, buf, sizeof(buf))) > 0) {
			size += (size_t)n;
			total += (size_t)n;
			if (size > IMPORT_FILE_MAX || total > WEB_UNZIP_MAX) {
				snprintf(msg, msglen, "%s: %s", bn, L(c, "för stor", "too large"));
				close(fd);
				goto out;
			}
			if (!write_all(fd, buf, (size_t)n))
				break;
		}
		if (fd < 0 || n != 0 || close(fd) != 0) {
			snprintf(msg, msglen, "%s: %s", bn,
				 L(c, "kan inte packas upp", "cannot be unpacked"));
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		snprintf(msg, msglen, "%s: %s", base_name(p->filename),
			 L(c, "ingen läsbar zip-fil", "not a readable zip file"));
		goto out;
	}
	archive_read_free(a);
	return true;
out:
	archive_read_free(a);
	return false;
}

/* Writes the uploaded files (the six CSV files, or one .zip of them) into
 * a new private directory (dir); msg gets what is wrong with the upload. */
static bool write_upload(struct web_ctx *c, char *dir, size_t dirlen, char *msg, size_t msglen)
{
	bool seen[N_FILES] = {false};
	size_t n = 0, zips = 0;
	const char *tmp = getenv("TMPDIR");
	dir[0] = '\0';
	for (size_t i = 0; i < c->req->n_parts; i++) {
		const struct web_part *p = &c->req->parts[i];
		if (!p->filename[0])
			continue;
		n++;
		if (is_zip(p->filename))
			zips++;
	}
	if (!n) {
		snprintf(msg, msglen, "%s", L(c, "Inga filer valda.", "No files chosen."));
		return false;
	}
	if (zips && n > 1) {
		snprintf(msg, msglen, "%s",
			 L(c, "Välj antingen en .zip-fil eller CSV-filerna.",
			   "Choose either one .zip file or the CSV files."));
		return false;
	}
	for (size_t i = 0; !zips && i < c->req->n_parts; i++) {
		const struct web_part *p = &c->req->parts[i];
		if (p->filename[0] && !take_name(c, base_name(p->filename), seen, msg, msglen))
			return false;
	}
	snprintf(dir, dirlen, "%s/blippa-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) { /* mode 0700 */
		log_error("web", "import: cannot make a temp directory: %s", strerror(errno));
		snprintf(
		    msg, msglen, "%s",
		    L(c, "Serverfel (tillfällig katalog).", "Server error (temporary directory)."));
		dir[0] = '\0';
		return false;
	}
	for (size_t i = 0; i < c->req->n_parts; i++) {
		const struct web_part *p = &c->req->parts[i];
		if (!p->filename[0])
			continue;
		if (zips)
			return unzip_into(c, dir, p, seen, msg, msglen);
		int fd = create_in(dir, base_name(p->filename));
		bool ok = fd >= 0 && write_all(fd, p->data, p->len);
		if (fd >= 0 && close(fd) != 0)
			ok = false;
		if (!ok) {
			log_error("web", "import: cannot write the upload: %s", strerror(errno));
			snprintf(
			    msg, msglen, "%s",
			    L(c, "Serverfel (skriva filer).", "Server error (writing files)."));
			return false;
		}
	}
	return true;
}

/* err with every "DIR/" removed: "participants.csv:3: reason". */
static void strip_dir(char *err, const char *dir)
{
	char pre[600];
	snprintf(pre, sizeof(pre), "%s/", dir);
	size_t pl = strlen(pre);
	for (char *p = strstr(err, pre); p; p = strstr(p, pre))
		memmove(p, p + pl, strlen(p + pl) + 1);
}

static const struct {
	const char *sv1, *sv, *en1, *en; /* singular and plural */
} added_txt[WD_TABLES] =
    {
	{"anläggning", "anläggningar", "facility", "facilities"},
	{"grupp", "grupper", "group", "groups"},
	{"pass", "pass", "session", "sessions"},
	{"deltagare", "deltagare", "participant", "participants"},
	{"medlemskap", "medlemskap", "membership", "memberships"},
	{"ledare", "ledare", "leader", "leaders"},
	{"kort", "kort", "card", "cards"},
},
  removed_txt[WD_TABLES] =
      {
	  {"anläggning borttagen", "anläggningar borttagna", "facility removed",
	   "facilities removed"},
	  {"grupp borttagen", "grupper borttagna", "group removed", "groups removed"},
	  {"pass borttaget", "pass borttagna", "session removed", "sessions removed"},
	  {"deltagare borttagen", "deltagare borttagna", "participant removed",
	   "participants removed"},
	  {"medlemskap avslutat", "medlemskap avslutade", "membership ended", "memberships ended"},
	  {"ledare borttagen", "ledare borttagna", "leader removed", "leaders removed"},
	  {"kort borttaget", "kort borttagna", "card removed", "cards removed"},
},
  changed_txt[WD_TABLES] = {
      {"anläggning ändrad", "anläggningar ändrade", "facility changed", "facilities changed"},
      {"grupp ändrad", "grupper ändrade", "group changed", "groups changed"},
      {"pass flyttat", "pass flyttade", "session moved", "sessions moved"},
      {"deltagare ändrad", "deltagare ändrade", "participant changed", "participants changed"},
      {"medlemskap ändrat", "medlemskap ändrade", "membership changed", "memberships changed"},
      {"ledare ändrad", "ledare ändrade", "leader changed", "leaders changed"},
      {"kort ändrat", "kort ändrade", "card changed", "cards changed"},
};

static const char *const table_key[WD_TABLES] = {
    "facilities", "groups", "sessions", "participants", "members", "leaders", "cards"};

static void diff_item(struct web_ctx *c, struct html *h, long n, const char *kind, int t,
		      const char *sv1, const char *sv, const char *en1, const char *en, bool plus)
{
	if (!n)
		return;
	HTML_LIT(h, "<li");
	char key[40];
	snprintf(key, sizeof(key), "%s-%s", table_key[t], kind);
	HTML_ATTR(h, "data-diff", key);
	HTML_LIT(h, ">");
	html_textf(h, "%s%ld %s", plus ? "+" : "", n, n == 1 ? L(c, sv1, en1) : L(c, sv, en));
	HTML_LIT(h, "</li>");
}

static void dry_run_page(struct web_ctx *c, const struct srv_import *m,
			 const struct srv_import_stats *stats, const struct web_diff *d,
			 const char *stash_id)
{
	struct html h = {0};
	page_top(c, &h);
	HTML_LIT(&h, "<section class=\"card\"><p class=\"muted\">");
	html_textf(&h, "%zu %s, %zu %s, %zu %s, %zu %s, %zu %s, %zu %s.", m->n_facilities,
		   L(c, "anläggningar", "facilities"), m->n_groups, L(c, "grupper", "groups"),
		   m->n_sessions, L(c, "pass", "sessions"), m->n_participants,
		   L(c, "deltagare", "participants"), m->n_members,
		   L(c, "medlemskap", "memberships"), m->n_leaders, L(c, "ledare", "leaders"));
	HTML_LIT(&h, "</p>");
	if (!stash_id) {
		HTML_LIT(&h, "<p class=\"big\" id=\"no-changes\">");
		html_text(&h, L(c, "Inga ändringar.", "No changes."));
		HTML_LIT(&h, "</p></section>");
		upload_form(c, &h);
		web_page_end(c, &h);
		web_send_html(c, &h);
		return;
	}
	HTML_LIT(&h, "<h2>");
	html_text(&h, L(c, "Det här ändras om du bekräftar:", "This changes if you confirm:"));
	HTML_LIT(&h, "</h2><ul class=\"diff\" id=\"diff\">");
	long listed = 0;
	for (int t = 0; t < WD_TABLES; t++) {
		diff_item(c, &h, d->added[t], "added", t, added_txt[t].sv1, added_txt[t].sv,
			  added_txt[t].en1, added_txt[t].en, true);
		diff_item(c, &h, d->removed[t], "removed", t, removed_txt[t].sv1, removed_txt[t].sv,
			  removed_txt[t].en1, removed_txt[t].en, false);
		diff_item(c, &h, d->changed[t], "changed", t, changed_txt[t].sv1, changed_txt[t].sv,
			  changed_txt[t].en1, changed_txt[t].en, false);
		listed += d->added[t] + d->removed[t] + d->changed[t];
	}
	if (!listed) { /* e.g. a card of a participant in no group */
		HTML_LIT(&h, "<li data-diff=\"other\">");
		html_textf(&h, "%ld %s", stats->changed + stats->removed,
			   L(c, "rader ändrade", "rows changed"));
		HTML_LIT(&h, "</li>");
	}
	HTML_LIT(&h, "</ul><form method=\"post\" action=\"/import/apply\">");
	web_csrf_field(c, &h);
	HTML_LIT(&h, "<input type=\"hidden\" name=\"id\"");
	HTML_ATTR(&h, "value", stash_id);
	HTML_LIT(&h, "><button type=\"submit\" id=\"apply\">");
	html_text(&h, L(c, "Bekräfta och importera", "Confirm and import"));
	HTML_LIT(&h, "</button> <a href=\"/import\">");
	html_text(&h, L(c, "Avbryt", "Cancel"));
	HTML_LIT(&h, "</a></form></section>");
	web_page_end(c, &h);
	web_send_html(c, &h);
}

void web_post_import(struct web_ctx *c)
{
	char dir[512] = "", msg[1200] = "", stash_id[WEB_TOKEN_HEX + 1];
	struct import_set *set = NULL;
	struct srv_import_stats stats;
	struct web_diff diff;
	struct import_errors *errs = NULL;
	bool keep = false;
	if (c->user.role != SRV_ROLE_ADMIN) {
		web_send_status(c, 403);
		return;
	}
	if (!write_upload(c, dir, sizeof(dir), msg, sizeof(msg))) {
		error_page(c, 400, msg);
		goto out;
	}
	/* exactly what `blippa-server import` runs, with the same error list */
	if (!(errs = malloc(sizeof(*errs)))) {
		web_send_status(c, 503);
		goto out;
	}
	enum blippa_err rc = import_load_dir_all(dir, &set, errs);
	if (rc != BLIPPA_OK) {
		log_info("web", "import upload refused: %zu errors", errs->total);
		if (rc == BLIPPA_ERR_NOMEM)
			web_send_status(c, 503);
		else
			errors_page(c, 422, errs);
		goto out;
	}
	struct srv_import dry = *import_set_roster(set);
	dry.dry_run = true;
	rc = srv_store_import(c->w->store, &dry, &stats, msg, sizeof(msg));
	if (rc == BLIPPA_OK)
		rc = web_import_diff(c->w->store, &dry, &diff);
	if (rc != BLIPPA_OK) {
		log_error("web", "import dry run: %s", blippa_strerror(rc));
		web_send_status(c, 503);
		goto out;
	}
	if (stats.changed + stats.removed == 0) {
		dry_run_page(c, &dry, &stats, &diff, NULL);
		goto out;
	}
	if (!stash_put(c->w, c->user.name, dir, stash_id)) {
		web_send_status(c, 503);
		goto out;
	}
	keep = true;
	dry_run_page(c, &dry, &stats, &diff, stash_id);
out:
	free(errs);
	import_set_free(set);
	if (dir[0] && !keep)
		rm_dir(dir);
}

void web_post_import_apply(struct web_ctx *c)
{
	char id[WEB_TOKEN_HEX + 2] = "", dir[512], msg[1200] = "", detail[96];
	struct import_set *set = NULL;
	struct srv_import_stats stats;
	struct html h = {0};
	if (c->user.role != SRV_ROLE_ADMIN) {
		web_send_status(c, 403);
		return;
	}
	if (!web_field(c, "id", id, sizeof(id)) ||
	    !stash_take(c->w, c->user.name, id, dir, sizeof(dir))) {
		error_page(c, 409,
			   L(c,
			     "Uppladdningen finns inte längre (den gäller i 30 minuter). Ladda "
			     "upp filerna igen.",
			     "The upload is gone (it is kept for 30 minutes). Upload the files "
			     "again."));
		return;
	}
	/* the files were checked at upload; they are checked again, as a whole */
	struct import_errors *errs = malloc(sizeof(*errs));
	enum blippa_err rc = errs ? import_load_dir_all(dir, &set, errs) : BLIPPA_ERR_NOMEM;
	if (rc != BLIPPA_OK && rc != BLIPPA_ERR_NOMEM) {
		errors_page(c, 422, errs);
		goto out;
	}
	if (rc == BLIPPA_OK) /* one transaction: whole or nothing */
		rc =
		    srv_store_import(c->w->store, import_set_roster(set), &stats, msg, sizeof(msg));
	if (rc != BLIPPA_OK) {
		strip_dir(msg, dir);
		log_error("web", "import apply: %s", blippa_strerror(rc));
		error_page(c, rc == BLIPPA_ERR_INVALID ? 422 : 503, msg);
		goto out;
	}
	snprintf(detail, sizeof(detail), "%ld rows added or changed, %ld removed", stats.changed,
		 stats.removed);
	web_audit(c, WEB_AUDIT_IMPORT, NULL, detail);
	page_top(c, &h);
	HTML_LIT(&h, "<section class=\"card\" role=\"status\"><p class=\"big\" id=\"applied\">");
	html_text(&h, L(c, "Importen är klar.", "The import is done."));
	HTML_LIT(&h, "</p><p>");
	html_textf(&h, "%ld %s, %ld %s.", stats.changed,
		   L(c, "rader tillagda eller ändrade", "rows added or changed"), stats.removed,
		   L(c, "borttagna", "removed"));
	HTML_LIT(&h, "</p><p><a href=\"/\">");
	html_text(&h, T(c, M_BACK));
	HTML_LIT(&h, "</a></p></section>");
	web_page_end(c, &h);
	web_send_html(c, &h);
out:
	free(errs);
	import_set_free(set);
	rm_dir(dir);
}
