/*
 * The user-space wire over real interfaces: two namespaces (a sender and a
 * receiver) whose veths meet in a third, where the wire joins them.  UDP
 * datagrams cross it; the test checks what the wire's models promise:
 * the loss its seeded stream decides (the count drawn again here from the
 * same seed), no datagram before its send time plus the delay (plus the
 * serialisation of what went before it), FIFO order, the byte limit and
 * the buffer limit dropping, and ARP crossing (or nothing would).
 *
 * Only lower bounds on time: a loaded machine delivers late, never early.
 * Needs root and `ip netns`; without them it prints why and exits 77, the
 * test driver's "skipped".  The namespaces are made once by main(), named
 * with the pid, and deleted whatever happens (the veths go with them).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "emu/loop.h"
#include "emu/wire.h"

#define NMAX 512
#define PORT 5000
#define WARM UINT32_MAX    /* the warm-up datagram's number */
#define SEED 20240611u

static char ns_a[32], ns_b[32], ns_w[32];
static int made;

static int
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void
teardown(void)
{
	if (!made)
		return;
	made = 0;
	sh("ip netns del %s 2>/dev/null", ns_a);
	sh("ip netns del %s 2>/dev/null", ns_b);
	sh("ip netns del %s 2>/dev/null", ns_w);
}

static void
on_signal(int sig)
{
	teardown();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Sender 10.99.0.1 (e0 in a), receiver 10.99.0.2 (e0 in b), and the wire
 * between wa and wb in w.  0, or why not. */
static const char *
setup(void)
{
	if (geteuid() != 0)
		return "needs root (network namespaces)";
	snprintf(ns_a, sizeof(ns_a), "sbwire%da", (int)getpid());
	snprintf(ns_b, sizeof(ns_b), "sbwire%db", (int)getpid());
	snprintf(ns_w, sizeof(ns_w), "sbwire%dw", (int)getpid());
	if (sh("ip netns add %s 2>/dev/null", ns_w) != 0)
		return "`ip netns add` failed (no iproute2, or no namespaces)";
	made = 1;
	if (sh("ip netns add %s && ip netns add %s", ns_a, ns_b) != 0 ||
	    sh("ip link add e0 netns %s type veth peer name wa netns %s",
	    ns_a, ns_w) != 0 ||
	    sh("ip link add e0 netns %s type veth peer name wb netns %s",
	    ns_b, ns_w) != 0 ||
	    sh("ip -n %s addr add 10.99.0.1/24 dev e0 && "
	    "ip -n %s link set e0 up", ns_a, ns_a) != 0 ||
	    sh("ip -n %s addr add 10.99.0.2/24 dev e0 && "
	    "ip -n %s link set e0 up", ns_b, ns_b) != 0 ||
	    sh("ip -n %s link set wa up && ip -n %s link set wb up",
	    ns_w, ns_w) != 0)
		return "could not build the namespaces and veths";
	return NULL;
}

static void
enter(const char *ns)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setns(fd, CLONE_NEWNET), 0);
	close(fd);
}

struct run {
	struct eloop *l;
	struct wire *w;
	int tx, rx;
	int n;              /* datagrams to send */
	size_t size;        /* payload bytes */
	sb_time gap;        /* between sends; 0: one burst */
	int warm;           /* a warm-up datagram first (lossless runs) */
	sb_time delay, ser; /* the wire's delay; a frame's serialisation */
	sb_time sent_at[NMAX];
	sb_time base;       /* when the first datagram of the run left */
	int nsent, nrecv, lastseq;
	int early, disorder;
	int done;
};

static void
send_one(struct run *r, uint32_t seq)
{
	uint8_t buf[1500];

	memset(buf, 0, r->size);
	memcpy(buf, &seq, sizeof(seq));
	if (seq != WARM)
		r->sent_at[seq] = eloop_now(r->l);
	ck_assert_int_eq(send(r->tx, buf, r->size, 0), (ssize_t)r->size);
}

static void
send_next(void *arg)
{
	struct run *r = arg;

	if (r->nsent == 0)
		r->base = eloop_now(r->l);
	do
		send_one(r, (uint32_t)r->nsent++);
	while (r->gap == 0 && r->nsent < r->n);
	if (r->nsent < r->n)
		eloop_timer_arm(r->l, eloop_now(r->l) + r->gap, send_next, r);
}

/* Every datagram has crossed or been dropped, and all that crossed are in. */
static void
check_done(void *arg)
{
	struct run *r = arg;
	const struct wire_stats *st = wire_stats(r->w, 0);

	if (r->nsent == r->n && st->sent + st->drops_loss + st->drops_queue +
	    st->drops_error == (uint64_t)r->n + (r->warm ? 1 : 0) &&
	    (uint64_t)r->nrecv + (r->warm ? 1 : 0) == st->sent) {
		r->done = 1;
		eloop_stop(r->l);
		return;
	}
	eloop_timer_arm(r->l, eloop_now(r->l) + 10 * SB_MS, check_done, r);
}

static void
readable(void *arg, int fd, uint32_t events)
{
	struct run *r = arg;
	uint8_t buf[1500];
	uint32_t seq;
	ssize_t n;

	(void)events;
	while ((n = recv(fd, buf, sizeof(buf), 0)) >= (ssize_t)sizeof(seq)) {
		sb_time now = eloop_now(r->l), low;

		memcpy(&seq, buf, sizeof(seq));
		if (seq == WARM) {
			eloop_timer_arm(r->l, now, send_next, r);
			continue;
		}
		ck_assert_uint_lt(seq, (unsigned)r->n);
		/* after its own send and its own serialisation; after the
		 * first of the run and all that were serialised before it */
		low = r->sent_at[seq] + r->delay + r->ser;
		if (now < low ||
		    now < r->base + r->delay + (r->nrecv + 1) * r->ser)
			r->early++;
		if ((int)seq <= r->lastseq)
			r->disorder++;
		r->lastseq = (int)seq;
		r->nrecv++;
	}
}

static int
udp(const char *addr, int port, int nonblock)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0);

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* The wire with ab on the way there (nothing on the way back), sockets at
 * both ends, and the loop run until every datagram is accounted for. */
static void
run(struct run *r, const struct wire_imp *ab, int offload_off)
{
	struct wire_imp none;
	struct sockaddr_in to;
	char err[256];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(orig, 0);
	gsl_rng_set(rng, SEED);
	memset(&none, 0, sizeof(none));
	r->l = eloop_new(0);
	ck_assert_ptr_nonnull(r->l);
	r->lastseq = -1;

	enter(ns_w);
	r->w = wire_new(r->l, "test", "wa", "wb", ab, &none, rng, err,
	    sizeof(err));
	ck_assert_msg(r->w != NULL, "%s", err);
	enter(ns_a);
	if (offload_off)
		ck_assert_msg(wire_offload_off("e0", err, sizeof(err)) == 0,
		    "%s", err);
	r->tx = udp("10.99.0.1", 0, 0);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(PORT);
	inet_pton(AF_INET, "10.99.0.2", &to.sin_addr);
	ck_assert_int_eq(connect(r->tx, (struct sockaddr *)&to, sizeof(to)),
	    0);
	enter(ns_b);
	r->rx = udp("10.99.0.2", PORT, 1);
	ck_assert_int_eq(setns(orig, CLONE_NEWNET), 0);
	close(orig);

	ck_assert_int_eq(eloop_watch(r->l, r->rx, 0, readable, r), 0);
	if (r->warm)
		send_one(r, WARM);
	else
		eloop_timer_arm(r->l, 0, send_next, r);
	eloop_timer_arm(r->l, 0, check_done, r);
	/* the end is a guard against a hang, not a time to pass by */
	ck_assert_int_eq(eloop_run(r->l, eloop_now(r->l) + 20 * SB_S, NULL),
	    0);
	ck_assert_msg(r->done, "not every datagram accounted for: %d of %d "
	    "sent, %d received", r->nsent, r->n, r->nrecv);
}

static void
finish(struct run *r)
{
	eloop_unwatch(r->l, r->rx);
	close(r->rx);
	close(r->tx);
	wire_free(r->w);
	eloop_free(r->l);
}

/* Paced datagrams through 10 % loss and 30 ms: exactly the losses the
 * seeded stream decides, none early, in order; ARP got them across. */
START_TEST(test_loss_delay)
{
	static struct run r;
	struct wire_imp ab;
	struct loss *ref;
	gsl_rng *rng;
	int lost = 0;

	memset(&ab, 0, sizeof(ab));
	ab.delay = 30 * SB_MS;
	ab.loss.kind = LOSS_BERNOULLI;
	ab.loss.rate = 0.1;
	memset(&r, 0, sizeof(r));
	r.n = 200;
	r.size = 64;
	r.gap = 2 * SB_MS;
	r.delay = ab.delay;
	/* offloads left on: the checksum the veth leaves undone must be
	 * carried across (PACKET_VNET_HDR) or the receiver drops all */
	run(&r, &ab, 0);

	ref = loss_new(&ab.loss);
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, SEED);
	for (int i = 0; i < r.n; i++)
		lost += loss_drop(ref, rng, 1.0);
	loss_free(ref);
	gsl_rng_free(rng);

	ck_assert_int_gt(lost, 0);
	ck_assert_uint_eq(wire_stats(r.w, 0)->drops_loss, (uint64_t)lost);
	ck_assert_int_eq(r.nrecv, r.n - lost);
	ck_assert_int_eq(r.early, 0);
	ck_assert_int_eq(r.disorder, 0);
	/* ARP both ways, unimpaired */
	ck_assert_uint_ge(wire_stats(r.w, 0)->passed, 1);
	ck_assert_uint_ge(wire_stats(r.w, 1)->passed, 1);
	ck_assert_uint_eq(wire_stats(r.w, 0)->bytes,
	    (uint64_t)r.n * (20 + 8 + r.size));
	finish(&r);
}
END_TEST

/* A burst at 2 Mbit/s into a queue of ten frames: each datagram after the
 * serialisation of all before it, the byte limit drops the rest. */
START_TEST(test_bandwidth_queue)
{
	static struct run r;
	struct wire_imp ab;
	const uint64_t frame = 20 + 8 + 1000;
	const struct wire_stats *st;

	memset(&ab, 0, sizeof(ab));
	ab.delay = 10 * SB_MS;
	ab.bandwidth_bps = 2000000;
	ab.queue_bytes = 10 * frame;
	memset(&r, 0, sizeof(r));
	r.n = 40;
	r.size = 1000;
	r.warm = 1;
	r.delay = ab.delay;
	r.ser = (sb_time)(frame * 8 * 1000000000u / ab.bandwidth_bps);
	run(&r, &ab, 1);
	st = wire_stats(r.w, 0);
	ck_assert_int_eq(r.early, 0);
	ck_assert_int_eq(r.disorder, 0);
	ck_assert_uint_ge(st->drops_queue, 1);
	ck_assert_int_ge(r.nrecv, 10);
	ck_assert_uint_eq((uint64_t)r.nrecv + st->drops_queue, (uint64_t)r.n);
	ck_assert_uint_eq(st->drops_error, 0);
	finish(&r);
}
END_TEST

/* Four buffers and 50 ms of delay: a burst fills them and the rest is
 * dropped as a full queue, not lost or mangled. */
START_TEST(test_ring_full)
{
	static struct run r;
	struct wire_imp ab;
	const struct wire_stats *st;

	memset(&ab, 0, sizeof(ab));
	ab.delay = 50 * SB_MS;
	ab.ring = 4;
	memset(&r, 0, sizeof(r));
	r.n = 20;
	r.size = 200;
	r.warm = 1;
	r.delay = ab.delay;
	run(&r, &ab, 1);
	st = wire_stats(r.w, 0);
	ck_assert_int_eq(r.early, 0);
	ck_assert_uint_ge(st->drops_queue, 1);
	ck_assert_int_ge(r.nrecv, 4);
	ck_assert_uint_eq((uint64_t)r.nrecv + st->drops_queue, (uint64_t)r.n);
	finish(&r);
}
END_TEST

/* What wire_new and wire_set refuse: an interface that is not there, a
 * bad model, a direction that is not 0 or 1. */
START_TEST(test_refusals)
{
	struct eloop *l = eloop_new(0);
	struct wire_imp ok, bad;
	struct wire *w;
	char err[256];

	memset(&ok, 0, sizeof(ok));
	bad = ok;
	bad.loss.kind = LOSS_BERNOULLI;
	bad.loss.rate = 1.5;
	enter(ns_w);
	ck_assert_ptr_null(wire_new(l, "x", "wa", "nosuch0", &ok, &ok,
	    gsl_rng_alloc(gsl_rng_mt19937), err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "nosuch0"));
	ck_assert_ptr_null(wire_new(l, "x", "wa", "wb", &ok, &bad,
	    gsl_rng_alloc(gsl_rng_mt19937), err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "loss model"));
	ck_assert_int_eq(wire_offload_off("nosuch0", err, sizeof(err)), -1);
	/* wire_set: a bad model or direction leaves the wire as it was */
	w = wire_new(l, "x", "wa", "wb", &ok, &ok,
	    gsl_rng_alloc(gsl_rng_mt19937), err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	ck_assert_int_eq(wire_set(w, 1, &bad), -1);
	ck_assert_int_eq(wire_set(w, 2, &ok), -1);
	ck_assert_int_eq(wire_set(w, 1, &ok), 0);
	wire_free(w);
	eloop_free(l);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("netns");

	tcase_add_test(tc, test_loss_delay);
	tcase_add_test(tc, test_bandwidth_queue);
	tcase_add_test(tc, test_ring_full);
	tcase_add_test(tc, test_refusals);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	const char *why;
	SRunner *sr;
	int nf;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if ((why = setup()) != NULL) {
		teardown();
		printf("test_wire: skipped: %s\n", why);
		return 77;
	}
	sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	teardown();
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
