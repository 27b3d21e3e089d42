/*
 * Copyright (c) 2026 The hcd authors. BSD-3-Clause; see LICENSE.
 *
 * The notifier process: the delivery engine's event loop.
 *
 * Why a process of its own (a role of the master's table, not a thread
 * of the alerter): the alerter's loop answers held pings, and nothing
 * that talks to the outside world may share its address space or its
 * CPU time slice decisions; a receiver that hangs, a resolver that
 * stalls or a bug in a transport costs here at most this process,
 * which the master restarts, and the deliveries it held are sent again
 * from the outbox.  It is also the only role whose sandbox lets it open
 * outbound sockets to anywhere (the alerter's and the workers' reach
 * only PostgreSQL), so what parses the answers of remote servers runs
 * where the ping data is not.
 *
 * Two threads.  This one runs libevent and libcurl's multi interface
 * (curl_multi_socket_action: every socket of every transfer is one
 * libevent event, libcurl's timer one timer event); it never blocks and
 * never touches the database.  The outbox thread (outbox.c) does all
 * the SQL and hands over claimed jobs, messages already built by the
 * kinds; finished jobs go back to it.
 *
 * Transports (notify.h): NT_HTTP with libcurl (30 s in all, at most 3
 * redirects, http and https only, User-Agent healthchecks.io, the
 * address filter of netfilter.c on every socket it opens unless
 * INTEGRATIONS_ALLOW_PRIVATE_IPS), NT_SMTP with libcurl's smtp/smtps
 * (or, with no EMAIL_HOST, the message written to the log), NT_SHELL
 * through the spawner (a helper forked before the sandbox, so that the
 * commands do not inherit it: shell.c), NT_SIGNAL as one JSON-RPC line
 * to signal-cli over a non-blocking socket, NT_GROUP by the outbox
 * thread expanding the group into its members.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include "conf.h"
#include "engine.h"
#include "hcd.h"
#include "log.h"
#include "proc.h"
#include "shm.h"

struct engine;

struct xfer {
	struct xfer		*x_next, *x_prev;
	struct engine		*x_eng;
	struct nt_job		*x_job;
	struct nt_member	*x_m;
	int			 x_transport;
	CURL			*x_easy;
	struct curl_slist	*x_hdrs;
	struct curl_slist	*x_rcpt;
	struct buf		 x_resp;
	char			 x_retry_after[64];
	int			 x_refused;
	struct buf		 x_mail;	/* SMTP: the message */
	size_t			 x_mail_off;
	struct bufferevent	*x_bev;		/* signal */
	struct event		*x_timer;	/* signal, shell */
	int64_t			 x_shell_id;
};

struct engine {
	const struct conf	*e_cf;
	struct notify_stats	*e_stats;	/* in shared memory */
	struct event_base	*e_base;
	CURLM			*e_multi;
	struct event		*e_curl_timer;
	struct event		*e_ev_jobs;
	struct event		*e_ev_term;
	struct outbox		*e_ob;
	int			 e_jobs[2];
	struct xfer		*e_xfers;
	int			 e_stopping;
	struct shell		*e_shell;
	struct curl_slist	*e_connect_to;	/* NOTIFY_CONNECT_TO */
};

static void	step_start(struct engine *, struct nt_job *, struct nt_member *);
static void	step_answer(struct engine *, struct nt_job *, struct nt_member *,
		    const struct nt_answer *);
static void	member_fail(struct engine *, struct nt_job *, struct nt_member *,
		    int outcome, const char *error);

static const char *
bstr(const struct buf *b)
{
	return b->b_data != NULL ? (const char *)b->b_data : "";
}

/* --- transfers -------------------------------------------------------- */

static struct xfer *
xfer_new(struct engine *e, struct nt_job *j, struct nt_member *m, int t)
{
	struct xfer *x = xcalloc(1, sizeof(*x));

	x->x_eng = e;
	x->x_job = j;
	x->x_m = m;
	x->x_transport = t;
	buf_init(&x->x_resp);
	buf_init(&x->x_mail);
	x->x_next = e->e_xfers;
	if (e->e_xfers != NULL)
		e->e_xfers->x_prev = x;
	e->e_xfers = x;
	return x;
}

static void
xfer_free(struct xfer *x)
{
	struct engine *e = x->x_eng;

	if (x->x_prev != NULL)
		x->x_prev->x_next = x->x_next;
	else
		e->e_xfers = x->x_next;
	if (x->x_next != NULL)
		x->x_next->x_prev = x->x_prev;
	if (x->x_easy != NULL) {
		curl_multi_remove_handle(e->e_multi, x->x_easy);
		curl_easy_cleanup(x->x_easy);
	}
	curl_slist_free_all(x->x_hdrs);
	curl_slist_free_all(x->x_rcpt);
	buf_clear(&x->x_resp);
	buf_clear(&x->x_mail);
	if (x->x_bev != NULL)
		bufferevent_free(x->x_bev);
	if (x->x_timer != NULL)
		event_free(x->x_timer);
	free(x);
}

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 len = size * n;

	if (x->x_resp.b_len < NT_BODY_MAX)
		buf_add(&x->x_resp, p, len < NT_BODY_MAX - x->x_resp.b_len ?
		    len : NT_BODY_MAX - x->x_resp.b_len);
	return len;
}

static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 len = size * n, k = strlen("Retry-After:");

	if (len > k && strncasecmp(p, "Retry-After:", k) == 0) {
		size_t v = len - k;

		if (v >= sizeof(x->x_retry_after))
			v = sizeof(x->x_retry_after) - 1;
		memcpy(x->x_retry_after, p + k, v);
		x->x_retry_after[v] = '\0';
		x->x_retry_after[strcspn(x->x_retry_after, "\r\n")] = '\0';
	}
	return len;
}

/* Every socket libcurl opens for a transfer: the address filter. */
static curl_socket_t
opensocket_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct xfer *x = arg;

	if (purpose == CURLSOCKTYPE_IPCXN &&
	    !x->x_eng->e_cf->integrations_allow_private_ips &&
	    nt_addr_refused(&a->addr, a->addrlen)) {
		x->x_refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static int
has_header(const char *hdrs, const char *name)
{
	size_t		 n = strlen(name);
	const char	*p = hdrs;

	while (*p) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			return 1;
		if ((p = strstr(p, "\r\n")) == NULL)
			break;
		p += 2;
	}
	return 0;
}

static struct curl_slist *
header_list(struct curl_slist *l, const char *hdrs)
{
	const char	*p = hdrs, *e;
	char		*line;

	while (*p) {
		if ((e = strstr(p, "\r\n")) == NULL)
			e = p + strlen(p);
		if (e > p) {
			line = xstrndup(p, (size_t)(e - p));
			l = curl_slist_append(l, line);
			free(line);
		}
		p = *e ? e + 2 : e;
	}
	return l;
}

static CURL *
easy_new(struct xfer *x)
{
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)NT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	return c;
}

static void
http_start(struct engine *e, struct nt_job *j, struct nt_member *m,
    struct nt_msg *msg)
{
	struct xfer	*x;
	CURL		*c;
	const char	*hdrs = bstr(&msg->m_headers);
	char		*h;

	x = xfer_new(e, j, m, NT_HTTP);
	if ((c = x->x_easy = easy_new(x)) == NULL) {
		xfer_free(x);
		member_fail(e, j, m, NR_TRANSIENT, "HTTP request failed");
		return;
	}
	curl_easy_setopt(c, CURLOPT_URL, bstr(&msg->m_url));
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)NT_MAX_REDIRS);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, x);
	/*
	 * NOTIFY_CONNECT_TO sends a host's requests elsewhere (an egress
	 * gateway, a split-horizon name, a test receiver) with their URL,
	 * Host and TLS name unchanged; the address filter still judges the
	 * address connected to.  NOTIFY_CA_FILE: the CAs https trusts.
	 */
	if (e->e_connect_to != NULL)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, e->e_connect_to);
	if (e->e_cf->notify_ca_file != NULL && e->e_cf->notify_ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, e->e_cf->notify_ca_file);
	if (!has_header(hdrs, "User-Agent"))
		curl_easy_setopt(c, CURLOPT_USERAGENT, NT_USER_AGENT);
	x->x_hdrs = header_list(NULL, hdrs);
	if (m->nm_kind != NULL && strcmp(m->nm_kind->k_name, "webhook") == 0 &&
	    !has_header(hdrs, NT_CODE_HEADER)) {
		h = xasprintf("%s: %s", NT_CODE_HEADER, j->j_code);
		x->x_hdrs = curl_slist_append(x->x_hdrs, h);
		free(h);
	}
	x->x_hdrs = curl_slist_append(x->x_hdrs, "Expect:");
	if (strcmp(msg->m_method, "GET") == 0 || msg->m_method[0] == '\0')
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else {
		/* No implicit Content-Type (spec 5.4), unless a form. */
		if (!msg->m_form && !has_header(hdrs, "Content-Type"))
			x->x_hdrs = curl_slist_append(x->x_hdrs,
			    "Content-Type:");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)msg->m_body.b_len);
		curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, bstr(&msg->m_body));
		if (strcmp(msg->m_method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST,
			    msg->m_method);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->x_hdrs);
	if (msg->m_userpwd != NULL)
		curl_easy_setopt(c, CURLOPT_USERPWD, msg->m_userpwd);
	if (curl_multi_add_handle(e->e_multi, c) != CURLM_OK) {
		xfer_free(x);
		member_fail(e, j, m, NR_TRANSIENT, "HTTP request failed");
	}
}

/* --- email ------------------------------------------------------------ */

/* The address of "Name <addr>" or of a bare address. */
static char *
mail_addr(const char *from)
{
	const char *lt = strrchr(from, '<'), *gt;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		return xstrndup(lt + 1, (size_t)(gt - lt - 1));
	return xstrdup(from);
}

static int
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s == '\r' || *s == '\n')
			return 0;
	return 1;
}

static void
add_base64(struct buf *b, const void *p, size_t n, int wrap)
{
	const unsigned char	*s = p;
	unsigned char		 out[80];
	size_t			 chunk = 57;	/* 76 characters a line */
	int			 k;

	while (n > 0) {
		size_t c = n < chunk ? n : chunk;

		k = EVP_EncodeBlock(out, s, (int)c);
		buf_add(b, out, (size_t)k);
		if (wrap)
			buf_addstr(b, "\r\n");
		s += c;
		n -= c;
	}
}

/* A header value: RFC 2047 when it is not plain ASCII. */
static void
add_hvalue(struct buf *b, const char *v)
{
	size_t n = strlen(v), off = 0;

	if (is_ascii(v)) {
		buf_addstr(b, v);
		return;
	}
	/* Encoded words of at most 45 bytes each (never splitting UTF-8). */
	while (off < n) {
		size_t c = n - off < 45 ? n - off : 45;

		while (off + c < n && c > 1 &&
		    ((unsigned char)v[off + c] & 0xc0) == 0x80)
			c--;
		if (off > 0)
			buf_addstr(b, "\r\n ");
		buf_addstr(b, "=?utf-8?b?");
		add_base64(b, v + off, c, 0);
		buf_addstr(b, "?=");
		off += c;
	}
}

static void
mail_build(struct buf *b, const struct conf *cf, const char *code,
    const struct nt_msg *msg)
{
	char		 date[64], bound[64];
	time_t		 t = time(NULL);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(bound, sizeof(bound), "=_hcd_%s", code);
	buf_addstr(b, "From: ");
	add_hvalue(b, cf->default_from_email);
	buf_printf(b, "\r\nTo: %s\r\nSubject: ", bstr(&msg->m_rcpt));
	add_hvalue(b, bstr(&msg->m_subject));
	buf_printf(b, "\r\nDate: %s\r\nMessage-ID: <%s@hcd>\r\n"
	    "MIME-Version: 1.0\r\n", date, code);
	buf_addstr(b, bstr(&msg->m_headers));
	if (msg->m_headers.b_len > 0 && (msg->m_headers.b_len < 2 ||
	    memcmp(msg->m_headers.b_data + msg->m_headers.b_len - 2, "\r\n",
	    2) != 0))
		buf_addstr(b, "\r\n");
	buf_printf(b, "Content-Type: multipart/alternative; "
	    "boundary=\"%s\"\r\n\r\n", bound);
	buf_printf(b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", bound);
	add_base64(b, msg->m_text.b_data, msg->m_text.b_len, 1);
	if (msg->m_html.b_len > 0) {
		buf_printf(b, "--%s\r\nContent-Type: text/html; "
		    "charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		    bound);
		add_base64(b, msg->m_html.b_data, msg->m_html.b_len, 1);
	}
	buf_printf(b, "--%s--\r\n", bound);
}

static size_t
mail_read_cb(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 left = x->x_mail.b_len - x->x_mail_off, len = size * n;

	if (len > left)
		len = left;
	memcpy(p, x->x_mail.b_data + x->x_mail_off, len);
	x->x_mail_off += len;
	return len;
}

static void
smtp_start(struct engine *e, struct nt_job *j, struct nt_member *m,
    struct nt_msg *msg)
{
	const struct conf	*cf = e->e_cf;
	struct xfer		*x;
	CURL			*c;
	char			*url, *from;

	if (*cf->email_host == '\0') {
		/* No mail server (make run): the log gets the message. */
		log_info("email to %s (notification %s, no EMAIL_HOST): "
		    "subject: %s\n%s", bstr(&msg->m_rcpt), j->j_code,
		    bstr(&msg->m_subject), bstr(&msg->m_text));
		m->nm_done = 1;
		m->nm_outcome = NR_OK;
		step_answer(e, j, m, NULL);
		return;
	}
	x = xfer_new(e, j, m, NT_SMTP);
	if ((c = x->x_easy = easy_new(x)) == NULL) {
		xfer_free(x);
		member_fail(e, j, m, NR_TRANSIENT, "Connection failed");
		return;
	}
	mail_build(&x->x_mail, cf, j->j_code, msg);
	url = xasprintf("%s://%s:%lld", cf->email_use_ssl ? "smtps" : "smtp",
	    cf->email_host, (long long)cf->email_port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (cf->email_use_tls && !cf->email_use_ssl)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (*cf->email_host_user != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, cf->email_host_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cf->email_host_password);
	}
	from = mail_addr(cf->default_from_email);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	free(from);
	x->x_rcpt = curl_slist_append(NULL, bstr(&msg->m_rcpt));
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, x->x_rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, mail_read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, x);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)x->x_mail.b_len);
	if (curl_multi_add_handle(e->e_multi, c) != CURLM_OK) {
		xfer_free(x);
		member_fail(e, j, m, NR_TRANSIENT, "Connection failed");
	}
}

/* --- signal ----------------------------------------------------------- */

static void
signal_done(struct xfer *x, int outcome, const char *error,
    const char *line)
{
	struct engine		*e = x->x_eng;
	struct nt_job		*j = x->x_job;
	struct nt_member	*m = x->x_m;
	struct nt_answer	 a;

	xfer_free(x);
	if (line == NULL) {
		member_fail(e, j, m, outcome, error);
		return;
	}
	memset(&a, 0, sizeof(a));
	a.a_status = 200;
	a.a_body = line;
	a.a_len = strlen(line);
	step_answer(e, j, m, &a);
}

static void
signal_read_cb(struct bufferevent *bev, void *arg)
{
	struct xfer	*x = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line, id[64];
	size_t		 n;

	snprintf(id, sizeof(id), "\"%s\"", x->x_m->nm_msgs[x->x_m->nm_step].
	    m_rpc_id);
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
		if (strstr(line, id) != NULL) {
			signal_done(x, NR_OK, NULL, line);
			free(line);
			return;
		}
		free(line);
	}
	if (evbuffer_get_length(in) > NT_BODY_MAX)
		signal_done(x, NR_TRANSIENT, "signal-cli: answer too long",
		    NULL);
}

static void
signal_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF))
		signal_done(arg, NR_TRANSIENT, "Connection failed", NULL);
}

static void
signal_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	signal_done(arg, NR_TRANSIENT, "Connection timed out", NULL);
}

static void
signal_start(struct engine *e, struct nt_job *j, struct nt_member *m,
    struct nt_msg *msg)
{
	const char		*sock = e->e_cf->signal_cli_socket;
	struct sockaddr_storage	 ss;
	struct sockaddr_un	*un = (struct sockaddr_un *)&ss;
	struct addrinfo		 hints, *ai = NULL;
	struct timeval		 tv = { NT_SIGNAL_TIMEOUT_MS / 1000, 0 };
	socklen_t		 len;
	struct xfer		*x;
	char			*host, *port;

	if (*sock == '\0') {
		member_fail(e, j, m, NR_FAILED,
		    "Signal notifications are not enabled (SIGNAL_CLI_SOCKET)");
		return;
	}
	memset(&ss, 0, sizeof(ss));
	if (sock[0] == '/') {
		un->sun_family = AF_UNIX;
		if (hc_strlcpy(un->sun_path, sock, sizeof(un->sun_path)) >=
		    sizeof(un->sun_path)) {
			member_fail(e, j, m, NR_FAILED,
			    "SIGNAL_CLI_SOCKET: path too long");
			return;
		}
		len = sizeof(*un);
	} else {
		/* host:port, numeric (the operator's own signal-cli). */
		host = xstrdup(sock);
		if ((port = strrchr(host, ':')) == NULL) {
			free(host);
			member_fail(e, j, m, NR_FAILED,
			    "SIGNAL_CLI_SOCKET: expected a path or host:port");
			return;
		}
		*port++ = '\0';
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
		if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL) {
			free(host);
			member_fail(e, j, m, NR_FAILED,
			    "SIGNAL_CLI_SOCKET: not a numeric host:port");
			return;
		}
		free(host);
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		len = ai->ai_addrlen;
		freeaddrinfo(ai);
	}
	x = xfer_new(e, j, m, NT_SIGNAL);
	x->x_bev = bufferevent_socket_new(e->e_base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(x->x_bev, signal_read_cb, NULL, signal_event_cb, x);
	bufferevent_enable(x->x_bev, EV_READ | EV_WRITE);
	x->x_timer = evtimer_new(e->e_base, signal_timeout_cb, x);
	evtimer_add(x->x_timer, &tv);
	if (bufferevent_socket_connect(x->x_bev, (struct sockaddr *)&ss,
	    (int)len) == -1) {
		signal_done(x, NR_TRANSIENT, "Connection failed", NULL);
		return;
	}
	bufferevent_write(x->x_bev, msg->m_rpc.b_data, msg->m_rpc.b_len);
}

/* --- shell ------------------------------------------------------------ */

static void
shell_result(void *arg, int64_t id, int status)
{
	struct engine	*e = arg;
	struct xfer	*x;
	char		 err[64];

	for (x = e->e_xfers; x != NULL; x = x->x_next)
		if (x->x_transport == NT_SHELL && x->x_shell_id == id)
			break;
	if (x == NULL)
		return;
	{
		struct nt_job		*j = x->x_job;
		struct nt_member	*m = x->x_m;

		xfer_free(x);
		if (status == 0) {
			m->nm_outcome = NR_OK;
			m->nm_done = 1;
			step_answer(e, j, m, NULL);
			return;
		}
		if (status == -1)
			hc_strlcpy(err, "Command timed out", sizeof(err));
		else
			snprintf(err, sizeof(err), "Command returned exit code "
			    "%d", status);
		member_fail(e, j, m, NR_FAILED, err);
	}
}

static void
shell_start(struct engine *e, struct nt_job *j, struct nt_member *m,
    struct nt_msg *msg)
{
	static int64_t	 next_id;
	struct xfer	*x;

	if (!e->e_cf->shell_enabled || e->e_shell == NULL) {
		member_fail(e, j, m, NR_FAILED,
		    "Shell commands are not enabled");
		return;
	}
	x = xfer_new(e, j, m, NT_SHELL);
	x->x_shell_id = ++next_id;
	if (shell_run(e->e_shell, x->x_shell_id, bstr(&msg->m_cmd)) == -1) {
		xfer_free(x);
		member_fail(e, j, m, NR_TRANSIENT, "Command could not be run");
	}
}

/* --- steps, members, jobs --------------------------------------------- */

static void
job_finish(struct engine *e, struct nt_job *j)
{
	int64_t		 now = hc_now_us(), delay, ra = 0;
	const char	*kind;
	int		 i, failed = 0;

	j->j_duration = now - j->j_start;
	if (j->j_group) {
		for (i = 0; i < j->j_nmembers; i++)
			if (j->j_members[i].nm_outcome != NR_OK)
				failed++;
		j->j_outcome = failed ? NR_FAILED : NR_OK;
		if (failed)
			snprintf(j->j_error, sizeof(j->j_error),
			    "%d out of %d notifications failed", failed,
			    j->j_nmembers);
		else
			j->j_error[0] = '\0';
	} else if (j->j_nmembers > 0) {
		j->j_outcome = j->j_members[0].nm_outcome;
		hc_strlcpy(j->j_error, j->j_members[0].nm_error,
		    sizeof(j->j_error));
		ra = j->j_members[0].nm_retry_after;
	}
	j->j_final = 1;
	/* A test (hcctl channel test) is tried once, as Healthchecks does. */
	if (j->j_outcome == NR_TRANSIENT && !j->j_test) {
		delay = nt_backoff_ms(j->j_attempts, arc4random(), ra);
		if (now + delay * 1000 < j->j_created +
		    e->e_cf->notify_retry_window * 1000000) {
			j->j_final = 0;
			j->j_next_attempt = now + delay * 1000;
		}
	}
	if (j->j_mail)
		;	/* a system e-mail is not a notification */
	else if (j->j_outcome == NR_OK)
		atomic_fetch_add(&e->e_stats->ns_sent, 1);
	else if (!j->j_final)
		atomic_fetch_add(&e->e_stats->ns_retried, 1);
	else {
		atomic_fetch_add(&e->e_stats->ns_failed, 1);
		if (j->j_outcome == NR_PERMANENT)
			atomic_fetch_add(&e->e_stats->ns_disabled, 1);
	}
	atomic_fetch_sub(&e->e_stats->ns_inflight, 1);
	kind = j->j_nmembers > 0 && j->j_members[0].nm_kind_name != NULL &&
	    !j->j_group ? j->j_members[0].nm_kind_name : "group";
	if (j->j_mail && j->j_outcome == NR_OK)
		log_info("system e-mail %.8s OK in %.1fs", j->j_code,
		    (double)j->j_duration / 1e6);
	else if (j->j_mail)
		log_info("system e-mail %.8s error in %.1fs: %s%s", j->j_code,
		    (double)j->j_duration / 1e6, j->j_error,
		    j->j_final ? "" : " (will retry)");
	else if (j->j_outcome == NR_OK)
		log_info("notification %.8s (%s) OK in %.1fs", j->j_code, kind,
		    (double)j->j_duration / 1e6);
	else
		log_info("notification %.8s (%s) error in %.1fs: %s%s",
		    j->j_code, kind, (double)j->j_duration / 1e6, j->j_error,
		    j->j_final ? "" : " (will retry)");
	outbox_done(e->e_ob, j);
}

static void
member_finished(struct engine *e, struct nt_job *j)
{
	if (--j->j_pending == 0)
		job_finish(e, j);
}

static void
member_fail(struct engine *e, struct nt_job *j, struct nt_member *m,
    int outcome, const char *error)
{
	m->nm_done = 1;
	m->nm_outcome = outcome;
	hc_strlcpy(m->nm_error, error != NULL ? error : "",
	    sizeof(m->nm_error));
	member_finished(e, j);
}

/*
 * A step was answered (a == NULL: by a transport that has no answer to
 * classify and set nm_outcome itself).  Next step, resend, or done.
 */
static void
step_answer(struct engine *e, struct nt_job *j, struct nt_member *m,
    const struct nt_answer *a)
{
	struct nt_result	r;

	nt_result_init(&r);
	if (a == NULL) {
		r.r_outcome = m->nm_outcome;
	} else if (m->nm_kind->k_classify != NULL)
		m->nm_kind->k_classify(&m->nm_ctx, m->nm_step, a, &r);
	else
		nt_classify_http(&m->nm_ctx, m->nm_step, a, &r);
	if (a != NULL && a->a_retry_after != NULL)
		m->nm_retry_after = nt_retry_after(a->a_retry_after,
		    hc_now_us());
	if (r.r_outcome == NR_RESEND && m->nm_resends < 2 &&
	    r.r_value.b_len > 0) {
		free(m->nm_new_value);
		m->nm_new_value = xstrdup(bstr(&r.r_value));
		m->nm_ctx.value = m->nm_new_value;
		m->nm_resends++;
		nt_result_clear(&r);
		nt_member_build(m);
		if (m->nm_done)
			member_finished(e, j);
		else
			step_start(e, j, m);
		return;
	}
	if (r.r_outcome == NR_RESEND)
		r.r_outcome = NR_FAILED;
	if (r.r_outcome == NR_OK && m->nm_step + 1 < m->nm_nsteps) {
		m->nm_step++;
		nt_result_clear(&r);
		step_start(e, j, m);
		return;
	}
	m->nm_done = 1;
	m->nm_outcome = r.r_outcome;
	hc_strlcpy(m->nm_error, r.r_outcome == NR_OK ? "" : r.r_error,
	    sizeof(m->nm_error));
	nt_result_clear(&r);
	member_finished(e, j);
}

static void
step_start(struct engine *e, struct nt_job *j, struct nt_member *m)
{
	struct nt_msg *msg = &m->nm_msgs[m->nm_step];

	switch (msg->m_transport) {
	case NT_HTTP:
		http_start(e, j, m, msg);
		break;
	case NT_SMTP:
		smtp_start(e, j, m, msg);
		break;
	case NT_SHELL:
		shell_start(e, j, m, msg);
		break;
	case NT_SIGNAL:
		signal_start(e, j, m, msg);
		break;
	default:
		member_fail(e, j, m, NR_FAILED, "A group cannot hold a group");
		break;
	}
}

static void
job_start(struct engine *e, struct nt_job *j)
{
	int i;

	j->j_start = hc_now_us();
	atomic_fetch_add(&e->e_stats->ns_inflight, 1);
	/* One hold of our own, so that nothing finishes it midway. */
	j->j_pending = j->j_nmembers + 1;
	for (i = 0; i < j->j_nmembers; i++) {
		struct nt_member *m = &j->j_members[i];

		if (m->nm_done)
			member_finished(e, j);
		else
			step_start(e, j, m);
	}
	member_finished(e, j);
}

/* --- libcurl and libevent --------------------------------------------- */

static void
curl_check(struct engine *e)
{
	CURLMsg			*msg;
	struct xfer		*x;
	struct nt_answer	 a;
	struct nt_job		*j;
	struct nt_member	*m;
	long			 status = 0;
	int			 left, transient;
	char			 err[201];
	const char		*t;

	while ((msg = curl_multi_info_read(e->e_multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&x);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE,
		    &status);
		j = x->x_job;
		m = x->x_m;
		if (msg->data.result != CURLE_OK) {
			if (x->x_refused) {
				hc_strlcpy(err, "Connections to private IP "
				    "addresses are not allowed", sizeof(err));
				transient = 0;
			} else if (x->x_transport == NT_SMTP && status >= 400) {
				snprintf(err, sizeof(err), "SMTP error %ld",
				    status);
				transient = status < 500;
			} else if (x->x_transport == NT_SMTP &&
			    nt_curl_error(msg->data.result, &transient) ==
			    NULL) {
				snprintf(err, sizeof(err), "SMTP error: %s",
				    curl_easy_strerror(msg->data.result));
				transient = 1;
			} else if ((t = nt_curl_error(msg->data.result,
			    &transient)) != NULL)
				hc_strlcpy(err, t, sizeof(err));
			else
				snprintf(err, sizeof(err), "HTTP request "
				    "failed, code: %d", (int)msg->data.result);
			xfer_free(x);
			member_fail(e, j, m, transient ? NR_TRANSIENT :
			    NR_FAILED, err);
			continue;
		}
		if (x->x_transport == NT_SMTP) {
			xfer_free(x);
			m->nm_outcome = NR_OK;
			step_answer(e, j, m, NULL);
			continue;
		}
		memset(&a, 0, sizeof(a));
		buf_addc(&x->x_resp, '\0');
		x->x_resp.b_len--;
		a.a_status = status;
		a.a_body = bstr(&x->x_resp);
		a.a_len = x->x_resp.b_len;
		a.a_retry_after = x->x_retry_after[0] ? x->x_retry_after : NULL;
		step_answer(e, j, m, &a);
		xfer_free(x);
	}
}

static void
sock_ev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine	*e = arg;
	int		 running, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(e->e_multi, fd, action, &running);
	curl_check(e);
}

static int
sock_cb(CURL *c, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct engine	*e = userp;
	struct event	*ev = socketp;
	short		 kind;

	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		curl_multi_assign(e->e_multi, s, NULL);
		return 0;
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (ev != NULL) {
		event_del(ev);
		event_assign(ev, e->e_base, s, kind, sock_ev_cb, e);
	} else {
		ev = event_new(e->e_base, s, kind, sock_ev_cb, e);
		curl_multi_assign(e->e_multi, s, ev);
	}
	event_add(ev, NULL);
	return 0;
}

static void
curl_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine	*e = arg;
	int		 running;

	curl_multi_socket_action(e->e_multi, CURL_SOCKET_TIMEOUT, 0, &running);
	curl_check(e);
}

static int
timer_cb(CURLM *multi, long ms, void *arg)
{
	struct engine	*e = arg;
	struct timeval	 tv;

	if (ms < 0) {
		evtimer_del(e->e_curl_timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(e->e_curl_timer, &tv);
	return 0;
}

static void
jobs_cb(evutil_socket_t fd, short what, void *arg)
{
	struct engine	*e = arg;
	struct nt_job	*j, *next;

	proc_drain(fd);
	if (e->e_stopping)
		return;
	for (j = outbox_take(e->e_ob); j != NULL; j = next) {
		next = j->j_next;
		j->j_next = NULL;
		job_start(e, j);
	}
}

static void
term_cb(evutil_socket_t sig, short what, void *arg)
{
	struct engine *e = arg;

	log_debug("notifier: got SIGTERM; stopping (what is in flight is "
	    "sent again at the next start)");
	e->e_stopping = 1;
	event_base_loopbreak(e->e_base);
}

void
notifier_main_loop(const struct conf *cf, struct notify_stats *stats)
{
	static struct engine	 e;

	e.e_cf = cf;
	e.e_stats = stats;
	atomic_store(&stats->ns_inflight, 0);
	/* "HOST:PORT:CONNECT-HOST:CONNECT-PORT", separated by spaces. */
	if (cf->notify_connect_to != NULL) {
		char *list = xstrdup(cf->notify_connect_to), *p = list, *w;

		while ((w = strsep(&p, " \t,")) != NULL)
			if (*w != '\0')
				e.e_connect_to = curl_slist_append(
				    e.e_connect_to, w);
		free(list);
	}
	if ((e.e_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if ((e.e_multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init");
	curl_multi_setopt(e.e_multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(e.e_multi, CURLMOPT_SOCKETDATA, &e);
	curl_multi_setopt(e.e_multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(e.e_multi, CURLMOPT_TIMERDATA, &e);
	e.e_curl_timer = evtimer_new(e.e_base, curl_timeout_cb, &e);
	if (pipe2(e.e_jobs, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe");
	e.e_ev_jobs = event_new(e.e_base, e.e_jobs[0], EV_READ | EV_PERSIST,
	    jobs_cb, &e);
	event_add(e.e_ev_jobs, NULL);
	e.e_ev_term = evsignal_new(e.e_base, SIGTERM, term_cb, &e);
	evsignal_add(e.e_ev_term, NULL);
	e.e_shell = shell_attach(e.e_base, shell_result, &e);
	e.e_ob = outbox_start(cf, e.e_jobs[1]);

	event_base_dispatch(e.e_base);

	atomic_store(&stats->ns_inflight, 0);
	while (e.e_xfers != NULL) {
		struct xfer *x = e.e_xfers;

		/* Not reported: this node's leases are released at start. */
		xfer_free(x);
	}
	outbox_stop(e.e_ob);
	shell_detach(e.e_shell);
	event_free(e.e_ev_jobs);
	event_free(e.e_ev_term);
	event_free(e.e_curl_timer);
	curl_multi_cleanup(e.e_multi);
	curl_slist_free_all(e.e_connect_to);
	event_base_free(e.e_base);
	close(e.e_jobs[0]);
	close(e.e_jobs[1]);
	curl_global_cleanup();
}

void
notifier_main(struct proc_env *pe)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/*
	 * The spawner for shell commands is forked first, before the
	 * sandbox and before any thread but the guard: the commands run
	 * with its (unprivileged) rights, not under the notifier's
	 * seccomp profile, which a fork would pass on.
	 */
	if (pe->pe_conf->shell_enabled)
		shell_fork(pe);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init");
	proc_drop(pe, "notifier");
	notifier_main_loop(pe->pe_conf, &pe->pe_shm->sh_notify);
	exit(0);
}
