/* SPDX-License-Identifier: MIT */
/* faultproxy: a fault-injecting HTTP(S) proxy for the sync tests (docs/reliability.md).
 *
 * It listens on 127.0.0.1, terminates TLS with a certificate from the
 * test CA (GnuTLS; --cert/--key; without them it speaks plain HTTP), and
 * forwards each request to a plain-HTTP upstream on loopback
 * (blippa-server serve --listen 127.0.0.1:P). The kiosk still verifies a
 * real certificate chain. TLS is terminated (not passed through) because
 * the faults that matter are defined on HTTP messages: "the server
 * processed the batch but the client never heard" needs to know where the
 * server's answer ends, which opaque TLS records do not tell.
 *
 * Faults are chosen PER REQUEST from a queue (--script, or lines written to
 * the --control FIFO), then at random (--random), then the default mode.
 * A queued MODE@PATH applies to the next request for exactly PATH (e.g.
 * drop_response@/v1/events); plain MODE to the next request of any path.
 *   pass           forward request and answer
 *   drop_request   read the request, close without forwarding it
 *   drop_response  forward, read the server's whole answer, close without
 *                  sending any of it (the server did the work)
 *   delay:N        wait N ms, then pass
 *   cut            forward, send the answer's headers and half its body, close
 *   500            answer a canned 500 without forwarding
 *   429:N          answer a canned 429 with Retry-After: N, without forwarding
 *   garbage        answer random non-HTTP bytes, close
 * Control lines: a mode (queued for one request), "default MODE",
 * "random PCT" (PCT% of requests get a random fault), "clear".
 * Every request appends "N MODE METHOD PATH" to --log FILE if given.
 * --port-file FILE receives the bound port (listen on port 0 in tests). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <gnutls/gnutls.h>

#define HDR_MAX (64 * 1024)
#define BODY_MAX (64u * 1024u * 1024u)
#define QUEUE_MAX 4096

enum mode { M_PASS, M_DROP_REQ, M_DROP_RESP, M_DELAY, M_CUT, M_500, M_429, M_GARBAGE };

struct fault {
	enum mode mode;
	int arg;       /* delay ms, Retry-After s */
	char path[64]; /* queued only: applies to the next request for this path ("" any) */
};

static struct {
	pthread_mutex_t mu;
	struct fault queue[QUEUE_MAX];
	size_t head, count;
	struct fault dflt;
	int random_pct;
	uint64_t rng;
	unsigned long served;
	FILE *log;
	struct sockaddr_in upstream;
	gnutls_certificate_credentials_t cred; /* NULL: plain HTTP */
} px = {.mu = PTHREAD_MUTEX_INITIALIZER, .rng = 0x2545f4914f6cdd1dULL};

static const char *mode_name(enum mode m)
{
	static const char *const names[] = {"pass", "drop_request", "drop_response", "delay",
					    "cut",  "500",	    "429",	     "garbage"};
	return names[m];
}

static int parse_fault(const char *s, struct fault *f)
{
	const char *at = strchr(s, '@');
	f->arg = 0;
	f->path[0] = '\0';
	if (at) {
		snprintf(f->path, sizeof f->path, "%s", at + 1);
		char mode[64];
		snprintf(mode, sizeof mode, "%.*s", (int)(at - s), s);
		struct fault g;
		if (parse_fault(mode, &g))
			return -1;
		f->mode = g.mode;
		f->arg = g.arg;
		return 0;
	}
	if (strcmp(s, "pass") == 0)
		f->mode = M_PASS;
	else if (strcmp(s, "drop_request") == 0)
		f->mode = M_DROP_REQ;
	else if (strcmp(s, "drop_response") == 0)
		f->mode = M_DROP_RESP;
	else if (strncmp(s, "delay:", 6) == 0)
		f->mode = M_DELAY, f->arg = atoi(s + 6);
	else if (strcmp(s, "cut") == 0)
		f->mode = M_CUT;
	else if (strcmp(s, "500") == 0)
		f->mode = M_500;
	else if (strncmp(s, "429", 3) == 0)
		f->mode = M_429, f->arg = s[3] == ':' ? atoi(s + 4) : 1;
	else if (strcmp(s, "garbage") == 0)
		f->mode = M_GARBAGE;
	else
		return -1;
	return 0;
}

static uint64_t rng_next(void)
{
	uint64_t x = px.rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return px.rng = x;
}

/* Takes the fault for the next request to path: the first queued entry
 * for any path or for this one, else random or the default. */
static struct fault next_fault(const char *path, unsigned long *n)
{
	struct fault f;
	size_t i;
	pthread_mutex_lock(&px.mu);
	*n = ++px.served;
	for (i = 0; i < px.count; i++) {
		const struct fault *q = &px.queue[(px.head + i) % QUEUE_MAX];
		if (!q->path[0] || strcmp(q->path, path) == 0)
			break;
	}
	if (i < px.count) {
		f = px.queue[(px.head + i) % QUEUE_MAX];
		for (; i > 0; i--) /* close the gap: keep the others in order */
			px.queue[(px.head + i) % QUEUE_MAX] =
			    px.queue[(px.head + i - 1) % QUEUE_MAX];
		px.head = (px.head + 1) % QUEUE_MAX;
		px.count--;
	} else if (px.random_pct > 0 && (int)(rng_next() % 100) < px.random_pct) {
		static const struct fault faults[] = {
		    {.mode = M_DROP_REQ},
		    {.mode = M_DROP_RESP},
		    {.mode = M_CUT},
		    {.mode = M_500},
		    {.mode = M_429},
		    {.mode = M_GARBAGE},
		    {.mode = M_DELAY, .arg = 20},
		};
		f = faults[rng_next() % (sizeof faults / sizeof faults[0])];
	} else {
		f = px.dflt;
	}
	pthread_mutex_unlock(&px.mu);
	return f;
}

static int control_line(char *line)
{
	struct fault f;
	line[strcspn(line, "\r\n")] = '\0';
	if (!line[0])
		return 0;
	pthread_mutex_lock(&px.mu);
	int rc = 0;
	if (strncmp(line, "default ", 8) == 0) {
		rc = parse_fault(line + 8, &f);
		if (rc == 0)
			px.dflt = f;
	} else if (strncmp(line, "random ", 7) == 0) {
		px.random_pct = atoi(line + 7);
	} else if (strcmp(line, "clear") == 0) {
		px.count = 0;
	} else if ((rc = parse_fault(line, &f)) == 0 && px.count < QUEUE_MAX) {
		px.queue[(px.head + px.count) % QUEUE_MAX] = f;
		px.count++;
	}
	pthread_mutex_unlock(&px.mu);
	if (rc)
		fprintf(stderr, "faultproxy: bad control line '%s'\n", line);
	return rc;
}

static void *control_thread(void *arg)
{
	const char *path = arg;
	char line[256];
	/* O_RDWR keeps the FIFO open when writers come and go (no EOF) */
	int fd = open(path, O_RDWR);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		fprintf(stderr, "faultproxy: cannot open control %s\n", path);
		return NULL;
	}
	while (fgets(line, sizeof line, f))
		control_line(line);
	fclose(f);
	return NULL;
}

/* ------------------------------------------------------------ I/O */

struct conn {
	int fd;
	gnutls_session_t tls; /* NULL for plain */
	char buf[HDR_MAX];    /* read-ahead */
	size_t have;
};

static ssize_t conn_read(struct conn *c, void *p, size_t n)
{
	if (c->have) {
		size_t k = c->have < n ? c->have : n;
		memcpy(p, c->buf, k);
		memmove(c->buf, c->buf + k, c->have - k);
		c->have -= k;
		return (ssize_t)k;
	}
	if (c->tls) {
		ssize_t r;
		do
			r = gnutls_record_recv(c->tls, p, n);
		while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
		return r < 0 ? -1 : r;
	}
	ssize_t r;
	do
		r = recv(c->fd, p, n, 0);
	while (r < 0 && errno == EINTR);
	return r;
}

static int conn_write(struct conn *c, const void *p, size_t n)
{
	const char *s = p;
	while (n) {
		ssize_t w;
		if (c->tls) {
			do
				w = gnutls_record_send(c->tls, s, n);
			while (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED);
		} else {
			do
				w = send(c->fd, s, n, MSG_NOSIGNAL);
			while (w < 0 && errno == EINTR);
		}
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd < 0)
		return;
	if (c->tls) {
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	shutdown(c->fd, SHUT_RDWR);
	close(c->fd);
	c->fd = -1;
	c->have = 0;
}

/* A whole HTTP message: raw bytes (head + body), and where the body starts. */
struct msg {
	char *data;
	size_t len, cap, body_off;
	char method[16], path[256];
	bool close;
	int status;
};

static int msg_add(struct msg *m, const char *p, size_t n)
{
	if (m->len + n > BODY_MAX + HDR_MAX)
		return -1;
	if (m->len + n + 1 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8192;
		while (cap < m->len + n + 1)
			cap *= 2;
		char *d = realloc(m->data, cap);
		if (!d)
			return -1;
		m->data = d;
		m->cap = cap;
	}
	memcpy(m->data + m->len, p, n);
	m->len += n;
	m->data[m->len] = '\0';
	return 0;
}

static const char *find_header(const char *head, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':')
			return p + 3 + n;
	return NULL;
}

/* Reads exactly n more bytes into m. */
static int read_n(struct conn *c, struct msg *m, size_t n)
{
	char tmp[16384];
	while (n) {
		ssize_t r = conn_read(c, tmp, n < sizeof tmp ? n : sizeof tmp);
		if (r <= 0 || msg_add(m, tmp, (size_t)r))
			return -1;
		n -= (size_t)r;
	}
	return 0;
}

/* Reads one line (to CRLF) into m; returns its start offset or -1. */
static long read_line(struct conn *c, struct msg *m)
{
	size_t start = m->len;
	char ch;
	while (m->len - start < 4096) {
		if (conn_read(c, &ch, 1) != 1 || msg_add(m, &ch, 1))
			return -1;
		if (ch == '\n')
			return (long)start;
	}
	return -1;
}

/* Reads one HTTP message (request if is_request). 0 ok, -1 error/EOF. */
static int read_msg(struct conn *c, struct msg *m, bool is_request)
{
	char tmp[4096];
	char *end;
	m->len = 0;
	m->close = false;
	for (;;) {
		if (m->data && (end = strstr(m->data, "\r\n\r\n")))
			break;
		if (m->len > HDR_MAX)
			return -1;
		ssize_t r = conn_read(c, tmp, sizeof tmp);
		if (r <= 0 || msg_add(m, tmp, (size_t)r))
			return -1;
	}
	size_t head_len = (size_t)(end - m->data) + 4;
	/* bytes past the head belong to the body (or the next message) */
	size_t extra = m->len - head_len;
	if (extra > sizeof c->buf - c->have)
		return -1;
	memmove(c->buf + extra, c->buf, c->have);
	memcpy(c->buf, m->data + head_len, extra);
	c->have += extra;
	m->len = head_len;
	m->data[m->len] = '\0';
	m->body_off = head_len;
	if (is_request) {
		sscanf(m->data, "%15s %255s", m->method, m->path);
	} else {
		m->status = atoi(m->data + 9);
	}
	const char *v = find_header(m->data, "Connection");
	if (v && strncasecmp(v + strspn(v, " "), "close", 5) == 0)
		m->close = true;
	const char *cl = find_header(m->data, "Content-Length");
	const char *te = find_header(m->data, "Transfer-Encoding");
	if (!is_request && (m->status == 204 || m->status == 304 || m->status / 100 == 1))
		return 0;
	if (cl)
		return read_n(c, m, (size_t)strtoull(cl, NULL, 10));
	if (te && strstr(te, "chunked") && strstr(te, "chunked") < strstr(te, "\r\n")) {
		for (;;) {
			long off = read_line(c, m);
			if (off < 0)
				return -1;
			size_t sz = (size_t)strtoul(m->data + off, NULL, 16);
			if (sz == 0) {
				/* trailers until an empty line */
				for (;;) {
					long t = read_line(c, m);
					if (t < 0)
						return -1;
					if (m->len - (size_t)t <= 2)
						return 0;
				}
			}
			if (read_n(c, m, sz + 2))
				return -1;
		}
	}
	if (is_request)
		return 0;
	/* no length: body runs to EOF */
	m->close = true;
	for (;;) {
		ssize_t r = conn_read(c, tmp, sizeof tmp);
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		if (msg_add(m, tmp, (size_t)r))
			return -1;
	}
}

static int connect_upstream(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&px.upstream, sizeof px.upstream) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void canned(struct conn *c, int status, int retry_after)
{
	char out[512];
	const char *body = status == 429 ? "{\"error\":\"busy (faultproxy)\"}"
					 : "{\"error\":\"internal error (faultproxy)\"}";
	int n = snprintf(out, sizeof out,
			 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n",
			 status, status == 429 ? "Too Many Requests" : "Internal Server Error",
			 strlen(body));
	if (status == 429)
		n += snprintf(out + n, sizeof out - (size_t)n, "Retry-After: %d\r\n", retry_after);
	snprintf(out + n, sizeof out - (size_t)n, "\r\n%s", body);
	conn_write(c, out, strlen(out));
}

struct client_arg {
	int fd;
};

static void *client_thread(void *arg)
{
	struct conn *cl = calloc(1, sizeof *cl), *up = calloc(1, sizeof *up);
	struct msg req = {0}, resp = {0};
	int one = 1;

	cl->fd = ((struct client_arg *)arg)->fd;
	free(arg);
	up->fd = -1;
	setsockopt(cl->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (px.cred) {
		int r;
		if (gnutls_init(&cl->tls, GNUTLS_SERVER) < 0)
			goto out;
		gnutls_priority_set_direct(cl->tls, "NORMAL", NULL);
		gnutls_credentials_set(cl->tls, GNUTLS_CRD_CERTIFICATE, px.cred);
		gnutls_transport_set_int(cl->tls, cl->fd);
		gnutls_handshake_set_timeout(cl->tls, 10000);
		do
			r = gnutls_handshake(cl->tls);
		while (r < 0 && !gnutls_error_is_fatal(r));
		if (r < 0)
			goto out;
	}
	for (;;) {
		unsigned long n;
		if (read_msg(cl, &req, true))
			break;
		struct fault f = next_fault(req.path, &n);
		if (px.log) {
			pthread_mutex_lock(&px.mu);
			fprintf(px.log, "%lu %s %s %s\n", n, mode_name(f.mode), req.method,
				req.path);
			fflush(px.log);
			pthread_mutex_unlock(&px.mu);
		}
		if (f.mode == M_DROP_REQ)
			break;
		if (f.mode == M_500 || f.mode == M_429) {
			canned(cl, f.mode == M_500 ? 500 : 429, f.arg);
			break;
		}
		if (f.mode == M_GARBAGE) {
			char junk[300];
			uint64_t x = n * 0x9e3779b97f4a7c15ULL + 1;
			for (size_t i = 0; i < sizeof junk; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				junk[i] = (char)(x & 0xff);
			}
			memcpy(junk, "\x16\x03garbage", 9);
			conn_write(cl, junk, sizeof junk);
			break;
		}
		if (f.mode == M_DELAY)
			sleep_ms(f.arg);
		if (up->fd < 0 && (up->fd = connect_upstream()) < 0)
			break;
		if (conn_write(up, req.data, req.len) || read_msg(up, &resp, false)) {
			/* the upstream keep-alive connection went away: retry once fresh */
			conn_close(up);
			if ((up->fd = connect_upstream()) < 0 ||
			    conn_write(up, req.data, req.len) || read_msg(up, &resp, false))
				break;
		}
		if (f.mode == M_DROP_RESP)
			break;
		if (f.mode == M_CUT) {
			size_t body = resp.len - resp.body_off;
			conn_write(cl, resp.data, resp.body_off + body / 2);
			break;
		}
		if (conn_write(cl, resp.data, resp.len) || resp.close || req.close)
			break;
	}
out:
	if (cl->tls)
		gnutls_bye(cl->tls, GNUTLS_SHUT_WR);
	conn_close(cl);
	conn_close(up);
	free(req.data);
	free(resp.data);
	free(cl);
	free(up);
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: faultproxy --listen 127.0.0.1:PORT --upstream 127.0.0.1:PORT\n"
		   "                  [--cert FILE --key FILE] [--port-file FILE]\n"
		   "                  [--script M1,M2,...] [--default MODE] [--random PCT]\n"
		   "                  [--seed N] [--control FIFO] [--log FILE]\n"
		   "Modes: pass drop_request drop_response delay:MS cut 500 429:SECS garbage\n"
		   "Queued modes may be MODE@PATH: only for the next request to PATH.\n");
}

static int parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1 || ntohl(a->sin_addr.s_addr) >> 24 != 127)
		return -1; /* loopback only */
	return 0;
}

int main(int argc, char **argv)
{
	const char *listen_s = NULL, *up_s = NULL, *cert = NULL, *key = NULL, *port_file = NULL;
	const char *control = NULL, *script = NULL;
	struct sockaddr_in la;
	socklen_t alen = sizeof la;
	int lfd, one = 1;

	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		i++;
		if (strcmp(a, "--listen") == 0)
			listen_s = v;
		else if (strcmp(a, "--upstream") == 0)
			up_s = v;
		else if (strcmp(a, "--cert") == 0)
			cert = v;
		else if (strcmp(a, "--key") == 0)
			key = v;
		else if (strcmp(a, "--port-file") == 0)
			port_file = v;
		else if (strcmp(a, "--control") == 0)
			control = v;
		else if (strcmp(a, "--script") == 0)
			script = v;
		else if (strcmp(a, "--default") == 0) {
			if (parse_fault(v, &px.dflt)) {
				fprintf(stderr, "faultproxy: bad mode '%s'\n", v);
				return 2;
			}
		} else if (strcmp(a, "--random") == 0)
			px.random_pct = atoi(v);
		else if (strcmp(a, "--seed") == 0)
			px.rng = strtoull(v, NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
		else if (strcmp(a, "--log") == 0)
			px.log = fopen(v, "a");
		else {
			usage(stderr);
			return 2;
		}
	}
	if (!listen_s || !up_s || parse_addr(up_s, &px.upstream) || parse_addr(listen_s, &la) ||
	    (!cert) != (!key)) {
		fprintf(stderr, "faultproxy: need --listen and --upstream on 127.x.x.x "
				"(and --cert with --key)\n");
		return 2;
	}
	if (script) {
		char *s = strdup(script), *save = NULL;
		for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
			if (control_line(t)) {
				free(s);
				return 2;
			}
		free(s);
	}
	if (cert) {
		gnutls_global_init();
		if (gnutls_certificate_allocate_credentials(&px.cred) < 0 ||
		    gnutls_certificate_set_x509_key_file(px.cred, cert, key, GNUTLS_X509_FMT_PEM) <
			0) {
			fprintf(stderr, "faultproxy: cannot load %s / %s\n", cert, key);
			return 1;
		}
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&la, sizeof la) != 0 || listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&la, &alen) != 0) {
		fprintf(stderr, "faultproxy: cannot listen on %s: %s\n", listen_s, strerror(errno));
		return 1;
	}
	if (control) {
		pthread_t t;
		mkfifo(control, 0600); /* may exist already */
		pthread_create(&t, NULL, control_thread, (void *)control);
		pthread_detach(t);
	}
	if (port_file) {
		char tmp[4200];
		snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%u\n", ntohs(la.sin_port)) < 0 || fclose(f) != 0 ||
		    rename(tmp, port_file) != 0) {
			fprintf(stderr, "faultproxy: cannot write %s\n", port_file);
			return 1;
		}
	}
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			break;
		}
		struct client_arg *ca = malloc(sizeof *ca);
		pthread_t t;
		if (!ca) {
			close(fd);
			continue;
		}
		ca->fd = fd;
		if (pthread_create(&t, NULL, client_thread, ca) != 0) {
			close(fd);
			free(ca);
			continue;
		}
		pthread_detach(t);
	}
	return 1;
}
