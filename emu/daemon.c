/*
 * The daemons' common ground (emu/daemon.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "emu/daemon.h"
#include "sim/rng.h"
#include "wan/tunnel.h"

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
usage(const char *prog, const char *want)
{
	fprintf(stderr,
	    "usage: %s SCENARIO.yaml --%s NAME [--tag TAG] [--t0 NS]\n"
	    "           [--events FILE] [--keylog FILE] [--quiet]\n",
	    prog, want);
}

int
daemon_init(struct daemon *d, int argc, char **argv, const char *want)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "pop", required_argument, NULL, 'p' },
		{ "tag", required_argument, NULL, 'T' },
		{ "t0", required_argument, NULL, 't' },
		{ "events", required_argument, NULL, 'e' },
		{ "keylog", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *node = NULL, *events = NULL, *keylog = NULL;
	sb_time t0 = 0;
	struct sigaction sa;
	char err[1024];
	int c;

	memset(d, 0, sizeof(*d));
	d->prog = argv[0];
	d->tag = "sb";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'p':
			if ((c == 's') != (strcmp(want, "site") == 0)) {
				usage(argv[0], want);
				return 2;
			}
			node = optarg;
			break;
		case 'T':
			d->tag = optarg;
			break;
		case 't':
			t0 = strtoll(optarg, NULL, 10);
			break;
		case 'e':
			events = optarg;
			break;
		case 'k':
			keylog = optarg;
			break;
		case 'q':
			d->quiet = 1;
			break;
		case 'V':
			printf("%s %s\n", argv[0], PACKAGE_VERSION);
			exit(0);
		default:
			usage(argv[0], want);
			return 2;
		}
	}
	if (optind != argc - 1 || node == NULL) {
		usage(argv[0], want);
		return 2;
	}
	if (scenario_load(argv[optind], &d->sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 2;
	}
	d->idx = -1;
	if (strcmp(want, "site") == 0) {
		for (size_t i = 0; i < d->sc->nsites; i++)
			if (strcmp(d->sc->sites[i].name, node) == 0)
				d->idx = (int)i;
	} else {
		for (size_t i = 0; i < d->sc->npops; i++)
			if (strcmp(d->sc->pops[i].name, node) == 0)
				d->idx = (int)i;
	}
	if (d->idx < 0) {
		fprintf(stderr, "%s: %s: no %s named '%s'\n", argv[0],
		    argv[optind], want, node);
		return 2;
	}
	d->name = node;
	if (events != NULL && (d->events = fopen(events, "a")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], events,
		    strerror(errno));
		return 2;
	}
	if (keylog != NULL &&
	    (d->keylog = keylog_new(keylog, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return 2;
	}
	if ((d->loop = eloop_new(t0)) == NULL ||
	    (d->pool = pool_new()) == NULL) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 3;
	}
	/* timers to the microsecond, not the default 50 us of slack */
	(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->stop = &stop_signal;
	d->env = (struct pemu_env){ d->loop, d->pool, daemon_emit, d };
	return 0;
}

void
daemon_fini(struct daemon *d)
{
	if (d->events != NULL)
		fclose(d->events);
	keylog_free(d->keylog);
	pool_free(d->pool);
	eloop_free(d->loop);
	scenario_free(d->sc);
}

int
daemon_run(struct daemon *d)
{
	int rc = eloop_run(d->loop, SB_TIME_NEVER, d->stop);

	daemon_log(d, "%s, stopping", stop_signal == SIGTERM ?
	    "SIGTERM" : stop_signal == SIGINT ? "SIGINT" : "loop error");
	return rc < 0 ? 3 : 0;
}

void
daemon_log(const struct daemon *d, const char *fmt, ...)
{
	va_list ap;
	sb_time t = eloop_now(d->loop);

	if (d->quiet)
		return;
	fprintf(stderr, "%10.6f %s: ", (double)t / SB_S, d->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Tabs and newlines would break the line format: they become spaces. */
static void
put_field(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
}

void
daemon_emit(void *ctx, sb_time t, const struct sb_event *ev)
{
	struct daemon *d = ctx;

	daemon_log(d, "%s %s%s%s", ev->kind, ev->subject ? ev->subject : "",
	    ev->detail ? ": " : "", ev->detail ? ev->detail : "");
	if (d->events == NULL)
		return;
	fprintf(d->events, "%lld\t", (long long)t);
	put_field(d->events, ev->node ? ev->node : d->name);
	fputc('\t', d->events);
	put_field(d->events, ev->kind);
	fputc('\t', d->events);
	put_field(d->events, ev->subject);
	fputc('\t', d->events);
	put_field(d->events, ev->detail);
	fprintf(d->events, "\t%.9g\n", ev->value);
	fflush(d->events);
}

void
daemon_tunnel_counters(struct daemon *d, const struct tunnel *t)
{
	const struct tunnel_stats *st = tunnel_stats(t);
	uint64_t drops = st->drop_replayed + st->drop_forged +
	    st->drop_malformed;
	char detail[256];
	struct sb_event ev = { "tunnel-counters", d->name, tunnel_name(t),
		detail, (double)drops };

	snprintf(detail, sizeof(detail), "records in %llu, out %llu; "
	    "dropped: replayed %llu, forged %llu, malformed %llu; "
	    "handshakes %llu, auth failures %llu",
	    (unsigned long long)st->rx_records,
	    (unsigned long long)st->tx_records,
	    (unsigned long long)st->drop_replayed,
	    (unsigned long long)st->drop_forged,
	    (unsigned long long)st->drop_malformed,
	    (unsigned long long)st->handshakes,
	    (unsigned long long)st->auth_failures);
	daemon_emit(d, eloop_now(d->loop), &ev);
}

void
daemon_psk(const struct scenario *sc, size_t site, uint8_t psk[32])
{
	char name[300];
	gsl_rng *r;

	snprintf(name, sizeof(name), "emulation-psk:%s", sc->sites[site].name);
	memset(psk, 0, 32);
	if ((r = rng_new(sc->seed, name)) == NULL)
		return;
	rng_bytes(r, psk, 32);
	gsl_rng_free(r);
}

int
daemon_udp(const char *ifname, uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons(port);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if ((ifname != NULL && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE,
	    ifname, (socklen_t)strlen(ifname)) < 0) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct sb_packet *
daemon_recv(struct daemon *d, int fd, uint32_t *addr, uint16_t *port,
    uint64_t *oversized)
{
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		struct sb_packet *p = pool_get_buf(d->pool);
		ssize_t n;

		if (p == NULL)
			return NULL;
		/* MSG_TRUNC: the datagram's own length, cut or not */
		n = recvfrom(fd, p->data, p->cap, MSG_TRUNC,
		    (struct sockaddr *)&from, &fl);
		if (n <= 0) {
			pool_put(d->pool, p);
			return NULL;
		}
		if (n > (ssize_t)p->cap) {
			(*oversized)++;
			pool_put(d->pool, p);
			continue;
		}
		p->len = p->size = (uint32_t)n;
		if (addr != NULL)
			*addr = ntohl(from.sin_addr.s_addr);
		if (port != NULL)
			*port = ntohs(from.sin_port);
		return p;
	}
}

int
daemon_sendto(struct daemon *d, int fd, uint32_t addr, uint16_t port,
    struct sb_packet *p)
{
	struct sockaddr_in sin;
	ssize_t n;
	uint32_t len = p->len;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons(port);
	n = sendto(fd, p->data, p->len, 0, (struct sockaddr *)&sin,
	    sizeof(sin));
	pool_put(d->pool, p);
	return n == (ssize_t)len ? 0 : -1;
}
