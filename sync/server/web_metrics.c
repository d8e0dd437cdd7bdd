/* SPDX-License-Identifier: MIT */
/* GET /metrics: fleet health and counters in the Prometheus text exposition
 * format (version 0.0.4), for the region's monitoring. Guarded by a bearer
 * token of its own (not a staff session): the server keeps only its SHA-256
 * and compares in constant time; without a configured token the path
 * answers 404, with a wrong or missing one 401. Labels carry kiosk and
 * facility ids only, never names (docs/backoffice.md lists the metrics). */
#include "web_int.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "dynbuf.h"
#include "fleet.h"
#include "log.h"

#define METRICS_MAX (8u * 1024u * 1024u)

void web_metrics_hash(const char *tok, size_t len, uint8_t hash[32])
{
	crypto_hash_sha256(hash, (const unsigned char *)tok, len);
}

struct mx {
	struct dynbuf b;
	bool failed;
	int64_t now_ms, stale_s;
	/* per kiosk lines are gathered per metric family, then appended */
	struct dynbuf fam[7];
	uint64_t active, revoked, seen, attention;
};

static void put(struct dynbuf *b, bool *failed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(struct dynbuf *b, bool *failed, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) || dynbuf_add(b, line, (size_t)n) != BLIPPA_OK)
		*failed = true;
}

/* A label value: ids are printable ASCII without spaces (import.c), but
 * escape \ " and newline as the format asks, whatever comes. */
static void label(char *out, size_t outlen, const char *v)
{
	size_t o = 0;
	for (; *v && o + 3 < outlen; v++) {
		if (*v == '\\' || *v == '"') {
			out[o++] = '\\';
			out[o++] = *v;
		} else if (*v == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *v;
		}
	}
	out[o] = '\0';
}

static int each_kiosk(void *ctx, const struct srv_kiosk *k)
{
	struct mx *m = ctx;
	if (k->revoked_ms) {
		m->revoked++;
		return 0;
	}
	m->active++;
	struct fleet_health fh = fleet_health(k, m->now_ms, m->stale_s);
	char id[2 * SRV_ID_MAX + 1], fac[2 * SRV_ID_MAX + 1], lb[4 * SRV_ID_MAX + 40];
	label(id, sizeof(id), k->id);
	label(fac, sizeof(fac), k->facility_id);
	snprintf(lb, sizeof(lb), "kiosk=\"%s\",facility=\"%s\"", id, fac);
	if (!(fh.reasons & FLEET_NOT_SEEN) && fh.seen)
		m->seen++;
	if (fh.reasons)
		m->attention++;
	/* never seen: counted from when it was added */
	int64_t since = fh.seen ? fh.since_seen_s : (m->now_ms - k->created_ms) / 1000;
	put(&m->fam[0], &m->failed, "blippa_kiosk_pending_events{%s} %lld\n", lb,
	    (long long)k->pending);
	put(&m->fam[1], &m->failed, "blippa_kiosk_oldest_pending_seconds{%s} %lld\n", lb,
	    (long long)(k->pending ? k->oldest_pending_age_s : 0));
	put(&m->fam[2], &m->failed, "blippa_kiosk_seconds_since_seen{%s} %lld\n", lb,
	    (long long)since);
	if (fh.has_skew)
		put(&m->fam[3], &m->failed, "blippa_kiosk_clock_skew_seconds{%s} %lld\n", lb,
		    (long long)fh.skew_s);
	put(&m->fam[4], &m->failed, "blippa_kiosk_needs_attention{%s} %d\n", lb,
	    fh.reasons ? 1 : 0);
	for (unsigned b = 0; b < FLEET_REASONS; b++)
		put(&m->fam[5], &m->failed, "blippa_kiosk_attention{%s,reason=\"%s\"} %d\n", lb,
		    fleet_reason_key((enum fleet_reason)(1u << b)), fh.reasons & (1u << b) ? 1 : 0);
	put(&m->fam[6], &m->failed, "blippa_kiosk_reader_ok{%s} %d\n", lb,
	    fh.reasons & FLEET_READER ? 0 : 1);
	return m->failed ? 1 : 0;
}

static const struct {
	const char *name, *type, *help;
} families[7] = {
    {"blippa_kiosk_pending_events", "gauge", "Events waiting on the kiosk (last heartbeat)."},
    {"blippa_kiosk_oldest_pending_seconds", "gauge",
     "Age of the kiosk's oldest pending event at its last heartbeat."},
    {"blippa_kiosk_seconds_since_seen", "gauge",
     "Seconds since the kiosk's last request (since it was added if never)."},
    {"blippa_kiosk_clock_skew_seconds", "gauge",
     "Server time minus kiosk time at the last heartbeat."},
    {"blippa_kiosk_needs_attention", "gauge", "1 if the kiosk needs attention (any reason)."},
    {"blippa_kiosk_attention", "gauge",
     "1 per reason the kiosk needs attention: not_seen, backlog, reader, clock."},
    {"blippa_kiosk_reader_ok", "gauge", "0 if the kiosk reports its card reader failed."},
};

static void answer_text(struct web_response *resp, unsigned status, const char *text)
{
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
	resp->body = strdup(text);
	resp->body_len = resp->body ? strlen(resp->body) : 0;
}

void web_metrics(struct web *w, const struct web_request *req, struct web_response *resp)
{
	struct mx m = {.now_ms = clock_wall_ms(), .stale_s = w->stale_after_s};
	uint8_t got[32];
	size_t tl = 0;
	if (!w->metrics) {
		answer_text(resp, 404, "not found\n");
		return;
	}
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		answer_text(resp, 405, "method not allowed\n");
		return;
	}
	const char *tok = auth_bearer(req->authorization, &tl);
	if (tok)
		web_metrics_hash(tok, tl, got);
	if (!tok || sodium_memcmp(got, w->metrics_hash, sizeof(got)) != 0) {
		log_warn("web", "GET /metrics without the metrics token: 401");
		answer_text(resp, 401, "a bearer token is needed\n");
		resp->bearer_challenge = true;
		return;
	}
	dynbuf_init(&m.b, METRICS_MAX);
	for (size_t i = 0; i < 7; i++)
		dynbuf_init(&m.fam[i], METRICS_MAX);
	enum blippa_err rc = srv_store_list_kiosks(w->store, each_kiosk, &m);
	if (rc != BLIPPA_OK || m.failed) {
		log_error("web", "metrics: %s", m.failed ? "too large" : blippa_strerror(rc));
		answer_text(resp, 503, "store unavailable\n");
		goto out;
	}
	put(&m.b, &m.failed,
	    "# HELP blippa_kiosks Registered kiosks by state.\n# TYPE blippa_kiosks gauge\n"
	    "blippa_kiosks{state=\"active\"} %llu\nblippa_kiosks{state=\"revoked\"} %llu\n",
	    (unsigned long long)m.active, (unsigned long long)m.revoked);
	put(&m.b, &m.failed,
	    "# HELP blippa_kiosks_seen Active kiosks seen within the stale-after time.\n"
	    "# TYPE blippa_kiosks_seen gauge\nblippa_kiosks_seen %llu\n"
	    "# HELP blippa_kiosks_needing_attention Active kiosks that need attention.\n"
	    "# TYPE blippa_kiosks_needing_attention gauge\nblippa_kiosks_needing_attention %llu\n",
	    (unsigned long long)m.seen, (unsigned long long)m.attention);
	for (size_t i = 0; i < 7; i++) {
		put(&m.b, &m.failed, "# HELP %s %s\n# TYPE %s %s\n", families[i].name,
		    families[i].help, families[i].name, families[i].type);
		if (dynbuf_len(&m.fam[i]) &&
		    dynbuf_add(&m.b, dynbuf_ptr(&m.fam[i]), dynbuf_len(&m.fam[i])) != BLIPPA_OK)
			m.failed = true;
	}
	struct srv_ingest_counters ic;
	srv_store_ingest_counters(w->store, &ic);
	put(&m.b, &m.failed,
	    "# HELP blippa_ingest_batches_total Event batches stored since the server started.\n"
	    "# TYPE blippa_ingest_batches_total counter\nblippa_ingest_batches_total %llu\n"
	    "# HELP blippa_ingest_events_total Events by answer since the server started.\n"
	    "# TYPE blippa_ingest_events_total counter\n"
	    "blippa_ingest_events_total{result=\"accepted\"} %llu\n"
	    "blippa_ingest_events_total{result=\"duplicate\"} %llu\n",
	    (unsigned long long)ic.batches, (unsigned long long)ic.accepted,
	    (unsigned long long)ic.duplicate);
	put(&m.b, &m.failed,
	    "# HELP blippa_ingest_rejected_total Rejected events by reason since the server "
	    "started.\n# TYPE blippa_ingest_rejected_total counter\n");
	for (int r = 0; r < SRV_R_COUNT; r++) {
		const char *t = srv_reason_text((enum srv_reason)r);
		put(&m.b, &m.failed, "blippa_ingest_rejected_total{reason=\"%s\"} %llu\n",
		    t ? t : "other", (unsigned long long)ic.rejected[r]);
	}
	pthread_mutex_lock(&w->mu);
	uint64_t fails = w->failed_logins;
	pthread_mutex_unlock(&w->mu);
	put(&m.b, &m.failed,
	    "# HELP blippa_web_failed_logins_total Failed back-office logins since the server "
	    "started.\n# TYPE blippa_web_failed_logins_total counter\n"
	    "blippa_web_failed_logins_total %llu\n",
	    (unsigned long long)fails);
	if (m.failed) {
		answer_text(resp, 503, "metrics too large\n");
		goto out;
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	resp->body = dynbuf_take(&m.b, &resp->body_len);
	if (!resp->body)
		answer_text(resp, 500, "out of memory\n");
out:
	dynbuf_free(&m.b);
	for (size_t i = 0; i < 7; i++)
		dynbuf_free(&m.fam[i]);
}
