/* SPDX-License-Identifier: MIT */
/* Purge, register extract and erasure (srv_rights.h): one text of SQL for
 * both backends, run through srv_store_sql. */
#include "srv_rights.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "event.h"
#include "import.h"
#include "tz.h"

#define RIGHTS_FACILITIES_MAX 100000

/* ---------------------------------------------------------------- purge */

/* One time zone of the roster's facilities (usually one or two in a
 * region): the purge scans the events once per zone, not per facility. */
struct fac {
	char tz[64];
	char cutoff[24]; /* ms of before_date 00:00 in tz */
};

struct purge_ctx {
	const char *date;
	char utc_cutoff[24];
	struct fac *facs;
	size_t n, cap;
	enum blippa_err rc;
	struct srv_purge_stats st;
};

static int purge_fac(void *ctx, int ncol, const char *const *col)
{
	struct purge_ctx *p = ctx;
	char local[20];
	int64_t ms;
	if (ncol < 1 || !col[0] || strlen(col[0]) >= sizeof(p->facs[0].tz))
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct fac *f =
		    cap <= RIGHTS_FACILITIES_MAX ? realloc(p->facs, cap * sizeof(*f)) : NULL;
		if (!f) {
			p->rc = BLIPPA_ERR_NOMEM;
			return 1;
		}
		p->facs = f;
		p->cap = cap;
	}
	snprintf(local, sizeof(local), "%s 00:00", p->date);
	if (tz_local_to_utc_ms(col[0], local, &ms) != BLIPPA_OK) {
		p->rc = BLIPPA_ERR_INVALID;
		return 1;
	}
	snprintf(p->facs[p->n].tz, sizeof(p->facs[p->n].tz), "%s", col[0]);
	snprintf(p->facs[p->n].cutoff, sizeof(p->facs[p->n].cutoff), "%lld", (long long)ms);
	p->n++;
	return 0;
}

static enum blippa_err purge_tx(struct srv_sql *q, void *ctx)
{
	struct purge_ctx *p = ctx;
	p->n = 0;
	memset(&p->st, 0, sizeof(p->st));
	enum blippa_err rc = q->ops->query(
	    q, "SELECT DISTINCT timezone FROM facilities ORDER BY timezone", 0, NULL, purge_fac, p);
	if (rc == BLIPPA_OK)
		rc = p->rc;
	for (size_t i = 0; rc == BLIPPA_OK && i < p->n; i++) {
		const char *v[] = {p->facs[i].tz, p->facs[i].cutoff};
		/* a check-in voided before the date goes with its void */
		rc =
		    q->ops->exec(q,
				 "DELETE FROM events WHERE id IN (SELECT voids_id FROM events"
				 " WHERE type = 1 AND at_ms < CAST(?2 AS bigint) AND facility_id IN"
				 " (SELECT id FROM facilities WHERE timezone = ?1))",
				 2, v, &p->st.events);
		if (rc == BLIPPA_OK)
			rc = q->ops->exec(
			    q,
			    "DELETE FROM events WHERE at_ms < CAST(?2 AS bigint) AND"
			    " facility_id IN (SELECT id FROM facilities WHERE timezone = ?1)",
			    2, v, &p->st.events);
		if (rc == BLIPPA_OK)
			rc = q->ops->exec(
			    q,
			    "DELETE FROM corrections WHERE at_ms < CAST(?2 AS bigint) AND"
			    " facility_id IN (SELECT id FROM facilities WHERE timezone = ?1)",
			    2, v, &p->st.corrections);
	}
	const char *u[] = {p->utc_cutoff};
	if (rc == BLIPPA_OK) /* facilities no longer in the roster: UTC */
		rc = q->ops->exec(q,
				  "DELETE FROM events WHERE at_ms < CAST(?1 AS bigint)"
				  " AND facility_id NOT IN (SELECT id FROM facilities)",
				  1, u, &p->st.events);
	if (rc == BLIPPA_OK)
		rc = q->ops->exec(q,
				  "DELETE FROM corrections WHERE at_ms < CAST(?1 AS bigint)"
				  " AND facility_id NOT IN (SELECT id FROM facilities)",
				  1, u, &p->st.corrections);
	if (rc == BLIPPA_OK) /* voids whose check-in is gone */
		rc = q->ops->exec(q,
				  "DELETE FROM events WHERE type = 1 AND NOT EXISTS"
				  " (SELECT 1 FROM events t WHERE t.id = events.voids_id)",
				  0, NULL, &p->st.events);
	return rc;
}

enum blippa_err srv_purge(struct srv_store *st, const char *before_date, bool dry_run,
			  struct srv_purge_stats *out)
{
	struct purge_ctx p = {.date = before_date};
	int64_t ms;
	char local[20];
	memset(out, 0, sizeof(*out));
	snprintf(local, sizeof(local), "%.10s 00:00", before_date);
	if (!import_valid_date(before_date) || tz_local_to_utc_ms("UTC", local, &ms) != BLIPPA_OK)
		return BLIPPA_ERR_INVALID;
	snprintf(p.utc_cutoff, sizeof(p.utc_cutoff), "%lld", (long long)ms);
	enum blippa_err rc =
	    srv_store_sql(st, SRV_SQL_ADMIN | (dry_run ? SRV_SQL_ROLLBACK : 0), purge_tx, &p);
	if (rc == BLIPPA_OK)
		*out = p.st;
	free(p.facs);
	return rc;
}

/* ---------------------------------------------------------------- report */

struct rep {
	FILE *out;
	json_t *root, *sec; /* json: the document and the current section */
	const char *pid;
	bool found;
	long n; /* rows of the current section */
	int section;
};

static const char *s0(const char *s)
{
	return s ? s : "";
}

static const char *method_sv(const char *m)
{
	static const char *const names[] = {"kort", "namn", "ledare"};
	int i = m ? atoi(m) : -1;
	return i >= 0 && i < 3 ? names[i] : "-";
}

/* "YYYY-MM-DD HH:MM" local in tz (UTC when tz is NULL or unknown). */
static void local_time(const char *tz, const char *ms_text, char out[40])
{
	char date[11], hhmm[6];
	int64_t ms = ms_text ? strtoll(ms_text, NULL, 10) : 0;
	if (tz && tz_utc_ms_to_local(tz, ms, date, hhmm) == BLIPPA_OK) {
		snprintf(out, 40, "%s %s", date, hhmm);
		return;
	}
	char at[24];
	audit_time(ms, at);
	snprintf(out, 40, "%s UTC", at);
}

/* json: appends {keys[i]: vals[i]} (NULL as null) to the current section. */
static void jrow(struct rep *r, const char *const *keys, const char *const *vals, int n)
{
	json_t *o = json_object();
	for (int i = 0; o && i < n; i++)
		json_object_set_new(o, keys[i], vals[i] ? json_string(vals[i]) : json_null());
	json_array_append_new(r->sec, o);
}
/* JROW(r, "key", value, "key", value, ...) */
#define JROW(r, ...)                                                                               \
	do {                                                                                       \
		const char *const kv_[] = {__VA_ARGS__};                                           \
		enum { N_ = sizeof(kv_) / sizeof(kv_[0]) / 2 };                                    \
		const char *k_[N_], *v_[N_];                                                       \
		for (size_t i_ = 0; i_ < N_; i_++) {                                               \
			k_[i_] = kv_[2 * i_];                                                      \
			v_[i_] = kv_[2 * i_ + 1];                                                  \
		}                                                                                  \
		jrow((r), k_, v_, N_);                                                             \
	} while (0)

static int rep_person(void *ctx, int ncol, const char *const *col)
{
	struct rep *r = ctx;
	(void)ncol;
	r->found = true;
	r->n++;
	if (r->root) {
		JROW(r, "participant_id", col[0], "given_name", col[1], "family_name", col[2]);
		return 0;
	}
	fprintf(r->out, "Deltagar-id: %s\nFörnamn: %s\nEfternamn: %s\n", s0(col[0]), s0(col[1]),
		s0(col[2]));
	return 0;
}

static int rep_member(void *ctx, int ncol, const char *const *col)
{
	struct rep *r = ctx;
	(void)ncol;
	r->n++;
	if (r->root) {
		JROW(r, "group_id", col[0], "group", col[1], "facility_id", col[2], "facility",
		     col[3], "period_start", col[4], "period_end", col[5]);
		return 0;
	}
	fprintf(r->out, "Grupp %s \"%s\" på %s \"%s\", period %s – %s\n", s0(col[0]), s0(col[1]),
		s0(col[2]), s0(col[3]), s0(col[4]), s0(col[5]));
	return 0;
}

static int rep_card(void *ctx, int ncol, const char *const *col)
{
	struct rep *r = ctx;
	(void)ncol;
	r->n++;
	if (r->root) {
		JROW(r, "source", col[0] && atoi(col[0]) == 1 ? "kiosk" : "roster");
		return 0;
	}
	fprintf(r->out,
		"Ett kort är registrerat (%s). Kortnumret skrivs inte ut: det är en "
		"nyckel för incheckning; det står på kortet självt.\n",
		col[0] && atoi(col[0]) == 1 ? "kopplat vid en kiosk" : "från deltagarlistan");
	return 0;
}

/* A row of the participant's own data with its time (col[0], ms) shown
 * local in its facility's zone (col[6]) into at: counted and found. */
static struct rep *timed_row(void *ctx, const char *const *col, char at[40])
{
	struct rep *r = ctx;
	r->found = true;
	r->n++;
	local_time(col[6], col[0], at);
	return r;
}

static int rep_event(void *ctx, int ncol, const char *const *col)
{
	char at[40];
	struct rep *r = timed_row(ctx, col, at);
	(void)ncol;
	if (r->root) {
		int t = col[1] ? atoi(col[1]) : EVENT_DB_CHECKIN, m = col[2] ? atoi(col[2]) : -1;
		const char *type = event_type_wire((enum event_type)t);
		JROW(r, "at_local", at, "type", type ? type : event_type_wire(EVENT_CHECKIN),
		     "session_id", col[3], "method",
		     m >= 0 ? checkin_method_wire((enum checkin_method)m) : NULL, "facility_id",
		     col[4], "kiosk", col[5], "voided", col[7] && atoi(col[7]) ? "yes" : "no");
		return 0;
	}
	if (col[1] && atoi(col[1]) == EVENT_DB_CARD_LINK) {
		fprintf(r->out, "%s  kort kopplat vid kiosk %s (%s)\n", at, s0(col[5]), s0(col[4]));
		return 0;
	}
	fprintf(r->out, "%s  incheckning%s%s, sätt: %s, kiosk %s (%s)%s\n", at,
		col[3] ? " till pass " : " (öppen träning)", s0(col[3]), method_sv(col[2]),
		s0(col[5]), s0(col[4]), col[7] && atoi(col[7]) ? "  [makulerad]" : "");
	return 0;
}

static int rep_correction(void *ctx, int ncol, const char *const *col)
{
	char at[40];
	struct rep *r = timed_row(ctx, col, at);
	(void)ncol;
	if (r->root) {
		JROW(r, "at_local", at, "session_id", col[1], "group_id", col[2], "status",
		     col[3] && atoi(col[3]) ? "present" : "absent", "by", col[4], "reason", col[5]);
		return 0;
	}
	fprintf(r->out, "%s  pass %s i grupp %s: %s, av %s, skäl: %s\n", at, s0(col[1]), s0(col[2]),
		col[3] && atoi(col[3]) ? "närvarande" : "inte närvarande", s0(col[4]), s0(col[5]));
	return 0;
}

static int rep_audit(void *ctx, int ncol, const char *const *col)
{
	struct rep *r = ctx;
	char at[24];
	(void)ncol;
	r->n++;
	audit_time(col[0] ? strtoll(col[0], NULL, 10) : 0, at);
	if (r->root) {
		JROW(r, "at_utc", at, "actor", col[1], "action", col[2], "group_id", col[3]);
		return 0;
	}
	fprintf(r->out, "%s UTC  %s  %s%s%s\n", at, s0(col[1]), s0(col[2]),
		col[3] ? "  grupp " : "", s0(col[3]));
	return 0;
}

static void heading(struct rep *r, const char *title, const char *key)
{
	if (r->root) {
		r->sec = json_array();
		json_object_set_new(r->root, key, r->sec);
		return;
	}
	if (r->section++ > 0 && r->n == 0)
		fputs("(inget)\n", r->out);
	fprintf(r->out, "\n== %s ==\n", title);
	r->n = 0;
}

/* The sections of the register extract: heading, JSON key, the query on
 * the participant id (?1) and its row printer. */
struct rep_section {
	const char *title, *key, *sql;
	srv_sql_row_fn row;
};

static const struct rep_section report_sections[] = {
    {"Uppgifter i deltagarregistret", "participant",
     "SELECT id, given_name, family_name FROM participants WHERE id = ?1", rep_person},
    {"Gruppmedlemskap", "memberships",
     "SELECT g.id, g.name, f.id, f.name, g.period_start,"
     " g.period_end FROM members m JOIN groups g ON g.id = m.group_id"
     " LEFT JOIN facilities f ON f.id = g.facility_id"
     " WHERE m.participant_id = ?1 ORDER BY g.id",
     rep_member},
    {"Kort", "cards",
     "SELECT source FROM cards WHERE owner = 0 AND owner_id = ?1"
     " ORDER BY source",
     rep_card},
    {"Incheckningar (lokal tid)", "events",
     "SELECT e.at_ms, e.type, e.method, e.session_id, e.facility_id, e.kiosk_id,"
     " f.timezone, CASE WHEN EXISTS (SELECT 1 FROM events v WHERE v.type = " EVENT_DB_VOID_SQL
     " AND v.voids_id = e.id) THEN 1 ELSE 0 END FROM events e"
     " LEFT JOIN facilities f ON f.id = e.facility_id"
     " WHERE e.participant_id = ?1 AND e.type IN (" EVENT_DB_CHECKIN_SQL ", " EVENT_DB_CARD_LINK_SQL
     ") ORDER BY e.at_ms, e.id",
     rep_event},
    {"Rättelser gjorda av personal (lokal tid)", "corrections",
     "SELECT c.at_ms, c.session_id, c.group_id, c.present,"
     " c.user_name, c.reason, f.timezone FROM corrections c"
     " LEFT JOIN facilities f ON f.id = c.facility_id"
     " WHERE c.participant_id = ?1 ORDER BY c.at_ms, c.id",
     rep_correction},
    {"Personal som har sett eller ändrat uppgifterna (granskningsloggen)", "staff_access",
     "SELECT at_ms, actor, action, group_id FROM audit WHERE participant_id = ?1"
     " OR (action = 'view_group' AND group_id IN"
     " (SELECT group_id FROM members WHERE participant_id = ?1)) ORDER BY id",
     rep_audit},
};

static enum blippa_err report_tx(struct srv_sql *q, void *ctx)
{
	struct rep *r = ctx;
	const char *v[] = {r->pid};
	enum blippa_err rc = BLIPPA_OK;
	for (size_t i = 0;
	     rc == BLIPPA_OK && i < sizeof(report_sections) / sizeof(report_sections[0]); i++) {
		const struct rep_section *sec = &report_sections[i];
		heading(r, sec->title, sec->key);
		rc = q->ops->query(q, sec->sql, 1, v, sec->row, r);
	}
	if (rc == BLIPPA_OK && r->n == 0 && !r->root)
		fputs("(inget)\n", r->out);
	return rc;
}

enum blippa_err srv_participant_report(struct srv_store *st, const char *pid, bool json, FILE *out)
{
	char *buf = NULL, at[24];
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return BLIPPA_ERR_NOMEM;
	struct rep r = {.out = mem, .pid = pid};
	audit_time(clock_wall_ms(), at);
	if (json)
		r.root = json_pack("{s:s, s:s}", "participant_id", pid, "printed_utc", at);
	else
		fprintf(mem,
			"Registerutdrag (GDPR artikel 15) för deltagare %s\nUtskrivet %s UTC ur "
			"Blippas regiondatabas.\n",
			pid, at);
	enum blippa_err rc =
	    json && !r.root ? BLIPPA_ERR_NOMEM : srv_store_sql(st, SRV_SQL_READ, report_tx, &r);
	if (rc == BLIPPA_OK && r.root &&
	    (json_dumpf(r.root, mem, JSON_INDENT(2)) != 0 || fputc('\n', mem) == EOF))
		rc = BLIPPA_ERR_NOMEM;
	json_decref(r.root);
	if (fclose(mem) != 0 && rc == BLIPPA_OK)
		rc = BLIPPA_ERR_NOMEM;
	if (rc == BLIPPA_OK && !r.found)
		rc = BLIPPA_ERR_NOT_FOUND;
	if (rc == BLIPPA_OK && (fwrite(buf, 1, len, out) != len || fflush(out) != 0))
		rc = BLIPPA_ERR_IO;
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------- erase */

struct erase_ctx {
	const char *pid;
	struct srv_erase_stats *st;
};

static enum blippa_err erase_tx(struct srv_sql *q, void *ctx)
{
	struct erase_ctx *e = ctx;
	struct srv_erase_stats *s = e->st;
	const char *v[] = {e->pid, s->anon_id};
	long people = 0;
	char bump[128];
	enum blippa_err rc = q->ops->exec(q,
					  "UPDATE events SET participant_id = ?2, card_uid = NULL"
					  " WHERE participant_id = ?1",
					  2, v, &s->events);
	if (rc == BLIPPA_OK)
		rc = q->ops->exec(q,
				  "UPDATE corrections SET participant_id = ?2, reason = ''"
				  " WHERE participant_id = ?1",
				  2, v, &s->corrections);
	if (rc == BLIPPA_OK)
		rc = q->ops->exec(q, "DELETE FROM cards WHERE owner = 0 AND owner_id = ?1", 1, v,
				  &s->cards);
	if (rc == BLIPPA_OK)
		rc = q->ops->exec(q, "DELETE FROM members WHERE participant_id = ?1", 1, v,
				  &s->memberships);
	if (rc == BLIPPA_OK)
		rc = q->ops->exec(q, "DELETE FROM participants WHERE id = ?1", 1, v, &people);
	if (rc == BLIPPA_OK && people + s->events + s->corrections + s->cards + s->memberships == 0)
		rc = BLIPPA_ERR_NOT_FOUND;
	snprintf(bump, sizeof(bump), "UPDATE %s SET value = value + 1 WHERE key = 'roster_version'",
		 q->meta_table);
	if (rc == BLIPPA_OK)
		rc = q->ops->exec(q, bump, 0, NULL, NULL);
	return rc;
}

enum blippa_err srv_erase_participant(struct srv_store *st, const char *pid,
				      struct srv_erase_stats *out)
{
	uint8_t rnd[8];
	char hex[17];
	memset(out, 0, sizeof(*out));
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(out->anon_id, sizeof(out->anon_id), SRV_ANON_PREFIX "%s", hex);
	struct erase_ctx e = {.pid = pid, .st = out};
	enum blippa_err rc = srv_store_sql(st, SRV_SQL_ADMIN, erase_tx, &e);
	if (rc != BLIPPA_OK) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	/* the back-office's summary counts current members (as after an import) */
	rc = srv_store_att_rebuild(st);
	return rc == BLIPPA_ERR_CONFIG ? BLIPPA_OK : rc;
}
