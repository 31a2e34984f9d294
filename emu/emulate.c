/*
 * `sasebed emulate` (emu/emulate.h): the run.
 *
 * Order of things: load the scenario; clear namespaces a killed run left;
 * build the topology; open the traffic's sockets in the sites' LANs; pick
 * time 0 a moment ahead and start the daemons with it, so that they and
 * the runner share the scenario's clock (CLOCK_MONOTONIC less t0); play
 * the applications and the timeline on the loop until the end; stop the
 * daemons; take everything down; then write the results.
 *
 * Traffic: each site-to-site UDP application (udp-cbr, udp-poisson) is a
 * real UDP socket in the source site's namespace, bound to its LAN host,
 * sending to the destination's LAN host; its datagrams cross the TUN, the
 * Socket, the tunnels, the PoPs and come out of the far site's TUN into a
 * socket the runner reads in that namespace.  Each carries its sequence
 * number, so a datagram's one-way delay is measured on one clock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>

#include "config.h"
#include "emu/emulate.h"
#include "emu/hostile.h"
#include "emu/loop.h"
#include "emu/netns.h"
#include "emu/plan.h"
#include "emu/topo.h"
#include "reports/expect.h"
#include "reports/meter.h"
#include "reports/recorder.h"
#include "sim/rng.h"
#include "sim/scenario.h"
#include "sim/units.h"
#include "wan/byteorder.h"
#include "wan/socket.h"

#define MAGIC 0x53424546u      /* "SBEF" */
#define PAYLOAD_MIN 16         /* magic, app, sequence number */
#define CUT_MIN 3              /* lost in a row: an outage, not loss */
#define DAEMON_START (700 * SB_MS) /* from exec to ready, with room */
#define DATAGRAM_MAX 1472      /* a datagram's payload: an Ethernet MTU */

/* An application's datagrams: when each was sent and when it arrived. */
struct eflow {
	struct emu *e;
	size_t app;
	const struct sc_app *a;
	int tx, rx;               /* sockets in the two sites' namespaces */
	uint32_t dst;
	uint16_t dport;
	size_t payload;
	sb_time gap;              /* between datagrams (the mean, Poisson) */
	gsl_rng *rng;
	sb_time *sent, *got;      /* by sequence number; got -1: not yet */
	size_t n, cap;
	uint64_t send_fail;
	sb_time due;              /* the next datagram's planned time */
	sb_timer timer;
};

struct proc {
	pid_t pid;
	char ns[PLAN_NAME];
	char log[4200], events[4200], keylog[4200];
	char *argv[16];
	const char *name;
	int is_pop;
};

struct tlev {                   /* an event of the runner's own */
	sb_time t;
	char kind[32], node[128], subject[256], detail[256];
	double value;
};

struct emu {
	const struct emulate_opts *o;
	FILE *out, *errf;
	struct scenario *sc;
	char tag[PLAN_NAME];
	char dir[4096];           /* logs and events */
	char exe_dir[4096];
	struct eloop *loop;
	struct topo *topo;
	struct hostile *hostile;
	struct eflow *flows;
	size_t nflows;
	struct proc *procs;
	size_t nprocs;
	pid_t *caps;
	size_t ncaps;
	struct tlev *ev;
	size_t nev, capev;
	size_t tl_next;
	sb_time end;
	int failed;
	char err[8192];
};

/* ---- the runner's own events ---- */

/* The event noted, to set its time by, or NULL when out of memory. */
static struct tlev *
note(struct emu *e, const char *kind, const char *node, const char *subject,
    const char *detail, double value)
{
	struct tlev *x;

	if (e->nev == e->capev) {
		size_t cap = e->capev ? 2 * e->capev : 64;
		struct tlev *v = realloc(e->ev, cap * sizeof(*v));

		if (v == NULL) {
			e->failed = 1;
			return NULL;
		}
		e->ev = v;
		e->capev = cap;
	}
	x = &e->ev[e->nev++];
	x->t = eloop_now(e->loop);
	snprintf(x->kind, sizeof(x->kind), "%s", kind);
	snprintf(x->node, sizeof(x->node), "%s", node ? node : "");
	snprintf(x->subject, sizeof(x->subject), "%s", subject ? subject : "");
	snprintf(x->detail, sizeof(x->detail), "%s", detail ? detail : "");
	x->value = value;
	return x;
}

/* ---- traffic ---- */

static int
flow_grow(struct eflow *f)
{
	size_t cap = f->cap ? 2 * f->cap : 1024;
	sb_time *s = realloc(f->sent, cap * sizeof(*s)), *g;

	if (s == NULL)
		return -1;
	f->sent = s;
	if ((g = realloc(f->got, cap * sizeof(*g))) == NULL)
		return -1;
	f->got = g;
	f->cap = cap;
	return 0;
}

static void
flow_send(void *arg)
{
	struct eflow *f = arg;
	uint8_t buf[DATAGRAM_MAX];
	struct sockaddr_in to;
	sb_time now = eloop_now(f->e->loop), next;

	f->timer = 0;
	if (now >= f->a->stop || now >= f->e->end)
		return;
	if (f->n == f->cap && flow_grow(f) < 0) {
		f->e->failed = 1;
		return;
	}
	memset(buf, 0, f->payload);
	put32(buf, MAGIC);
	put32(buf + 4, (uint32_t)f->app);
	put32(buf + 8, (uint32_t)(f->n >> 32));
	put32(buf + 12, (uint32_t)f->n);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(f->dst);
	to.sin_port = htons(f->dport);
	f->sent[f->n] = now;
	f->got[f->n] = -1;
	f->n++;
	if (sendto(f->tx, buf, f->payload, 0, (struct sockaddr *)&to,
	    sizeof(to)) != (ssize_t)f->payload)
		f->send_fail++;
	/* the next one's time from the plan, not from now: a late timer
	 * does not slow the source down */
	next = f->a->kind == SC_APP_UDP_POISSON ?
	    (sb_time)gsl_ran_exponential(f->rng, (double)f->gap) : f->gap;
	f->due += next > 0 ? next : 1;
	f->timer = eloop_timer_arm(f->e->loop, f->due, flow_send, f);
}

static void
flow_recv(void *arg, int fd, uint32_t events)
{
	struct eflow *f = arg;
	uint8_t buf[2048];
	ssize_t n;

	(void)events;
	while ((n = recv(fd, buf, sizeof(buf), 0)) >= PAYLOAD_MIN) {
		uint64_t seq = (uint64_t)get32(buf + 8) << 32 | get32(buf + 12);

		if (get32(buf) != MAGIC || get32(buf + 4) != f->app ||
		    seq >= f->n || f->got[seq] >= 0)
			continue;
		f->got[seq] = eloop_now(f->e->loop);
	}
}

/* A UDP socket in namespace ns bound to addr:port. */
static int
ns_udp(const char *ns, uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin;
	int fd = -1;

	if (netns_enter(ns) == 0 &&
	    (fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) >= 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(addr);
		sin.sin_port = htons(port);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			close(fd);
			fd = -1;
		}
	}
	(void)netns_enter(NULL);
	return fd;
}

static int
flows_open(struct emu *e)
{
	const struct scenario *sc = e->sc;

	if ((e->flows = calloc(sc->napps + 1, sizeof(*e->flows))) == NULL)
		return -1;
	for (size_t i = 0; i < sc->napps; i++) {
		const struct sc_app *a = &sc->apps[i];
		struct eflow *f = &e->flows[e->nflows];
		char sns[PLAN_NAME], dns[PLAN_NAME], rn[300];

		if (a->src < 0 || a->dst < 0 || a->via != SC_VIA_BACKBONE ||
		    (a->kind != SC_APP_UDP_CBR &&
		    a->kind != SC_APP_UDP_POISSON) ||
		    sc->sites[a->src].ipsec != NULL ||
		    sc->sites[a->dst].ipsec != NULL ||
		    sc->sites[a->src].cloud != NULL ||
		    sc->sites[a->dst].cloud != NULL) {
			if (!e->o->quiet)
				fprintf(e->out, "emulate: application '%s' is "
				    "not generated (emulation sends site-to-"
				    "site udp-cbr and udp-poisson between "
				    "Socket sites)\n", a->name);
			continue;
		}
		f->e = e;
		f->app = i;
		f->a = a;
		f->dst = plan_lan_addr((size_t)a->dst);
		f->dport = plan_app_port(i);
		f->payload = a->packet_bytes > 28 + PAYLOAD_MIN ?
		    a->packet_bytes - 28 : PAYLOAD_MIN;
		f->gap = (sb_time)((double)a->packet_bytes * 8 * SB_S /
		    (double)a->rate_bps);
		plan_ns_site(e->tag, (size_t)a->src, sns);
		plan_ns_site(e->tag, (size_t)a->dst, dns);
		snprintf(rn, sizeof(rn), "emulate:app:%s", a->name);
		f->tx = ns_udp(sns, plan_lan_addr((size_t)a->src),
		    plan_app_sport(i));
		f->rx = ns_udp(dns, f->dst, f->dport);
		if (f->tx < 0 || f->rx < 0 || f->gap <= 0 ||
		    (f->rng = rng_new(sc->seed, rn)) == NULL ||
		    eloop_watch(e->loop, f->rx, 0, flow_recv, f) < 0) {
			snprintf(e->err, sizeof(e->err), "application '%s': "
			    "its sockets: %s", a->name, strerror(errno));
			e->nflows++;
			return -1;
		}
		e->nflows++;
	}
	return 0;
}

static void
flows_close(struct emu *e)
{
	for (size_t i = 0; i < e->nflows; i++) {
		struct eflow *f = &e->flows[i];

		if (f->rx > 0) {
			eloop_unwatch(e->loop, f->rx);
			close(f->rx);
		}
		if (f->tx > 0)
			close(f->tx);
		f->rx = f->tx = -1;
	}
}

static void
flows_free(struct emu *e)
{
	for (size_t i = 0; i < e->nflows; i++) {
		free(e->flows[i].sent);
		free(e->flows[i].got);
		if (e->flows[i].rng != NULL)
			gsl_rng_free(e->flows[i].rng);
	}
	free(e->flows);
}

static void
flow_start(void *arg)
{
	struct eflow *f = arg;

	f->due = f->a->start;
	flow_send(f);
}

/* ---- the daemons ---- */

static void
proc_argv(struct emu *e, struct proc *p, const char *prog, const char *opt,
    const char *name, char *t0)
{
	char path[4400];
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", e->exe_dir, prog);
	p->argv[n++] = strdup(access(path, X_OK) == 0 ? path : prog);
	p->argv[n++] = strdup(e->sc->path);
	p->argv[n++] = strdup(opt);
	p->argv[n++] = strdup(name);
	p->argv[n++] = strdup("--tag");
	p->argv[n++] = strdup(e->tag);
	p->argv[n++] = strdup("--t0");
	p->argv[n++] = strdup(t0);
	p->argv[n++] = strdup("--events");
	p->argv[n++] = strdup(p->events);
	if (p->keylog[0] != '\0') {
		p->argv[n++] = strdup("--keylog");
		p->argv[n++] = strdup(p->keylog);
	}
	p->argv[n] = NULL;
	for (int i = 0; i < n; i++)
		if (p->argv[i] == NULL)
			e->failed = 1;
}

static int
procs_start(struct emu *e, sb_time t0)
{
	const struct scenario *sc = e->sc;
	char t0s[32];

	snprintf(t0s, sizeof(t0s), "%lld", (long long)t0);
	e->procs = calloc(sc->nsites + sc->npops, sizeof(*e->procs));
	if (e->procs == NULL)
		return -1;
	for (size_t k = 0; k < sc->npops + sc->nsites; k++) {
		struct proc *p = &e->procs[e->nprocs];
		int pop = k < sc->npops;
		size_t i = pop ? k : k - sc->npops;

		if (!pop && (sc->sites[i].ipsec != NULL ||
		    sc->sites[i].cloud != NULL)) {
			if (!e->o->quiet)
				fprintf(e->out, "emulate: site '%s' is %s: not "
				    "emulated\n", sc->sites[i].name,
				    sc->sites[i].ipsec != NULL ? "an IPsec site" :
				    "a cloud region");
			continue;
		}
		p->is_pop = pop;
		p->name = pop ? sc->pops[i].name : sc->sites[i].name;
		if (pop)
			plan_ns_pop(e->tag, i, p->ns);
		else
			plan_ns_site(e->tag, i, p->ns);
		snprintf(p->log, sizeof(p->log), "%s/%s.log", e->dir, p->name);
		snprintf(p->events, sizeof(p->events), "%s/%s.events", e->dir,
		    p->name);
		(void)unlink(p->events);
		if (!pop && e->o->pcap_dir != NULL)
			snprintf(p->keylog, sizeof(p->keylog), "%s/%s.keys",
			    e->dir, p->name);
		proc_argv(e, p, pop ? "sasebed-popd" : "sasebed-socketd",
		    pop ? "--pop" : "--site", p->name, t0s);
		e->nprocs++;
		if (e->failed || (p->pid = netns_spawn(p->ns, p->log,
		    p->argv)) < 0) {
			snprintf(e->err, sizeof(e->err), "starting %s: %s",
			    p->argv[0], strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Every 100 ms: a daemon that exits during the run fails it, with the
 * last lines it logged; the timeline's PoP failures are reaped there. */
static void
procs_watch(void *arg)
{
	struct emu *e = arg;

	for (size_t i = 0; i < e->nprocs; i++) {
		struct proc *p = &e->procs[i];
		int st;

		if (p->pid <= 0 || *e->o->stop ||
		    waitpid(p->pid, &st, WNOHANG) != p->pid)
			continue;
		p->pid = 0;
		snprintf(e->err, sizeof(e->err), "%s for '%s' %s %d (its log: "
		    "%s)", p->argv[0], p->name, WIFEXITED(st) ? "exited with "
		    "status" : "was killed by signal", WIFEXITED(st) ?
		    WEXITSTATUS(st) : WTERMSIG(st), p->log);
		e->failed = 1;
		eloop_stop(e->loop);
		return;
	}
	(void)eloop_timer_arm(e->loop, eloop_now(e->loop) + 100 * SB_MS,
	    procs_watch, e);
}

/* Stop the daemons: SIGTERM, and SIGKILL for any still there after two
 * seconds.  How many did not exit 0 of their own accord. */
static int
procs_stop(struct emu *e)
{
	sb_time until = eloop_monotonic() + 2 * SB_S;
	int bad = 0;

	for (size_t i = 0; i < e->nprocs; i++)
		if (e->procs[i].pid > 0)
			kill(e->procs[i].pid, SIGTERM);
	for (size_t i = 0; i < e->nprocs; i++) {
		struct proc *p = &e->procs[i];
		int st;

		while (p->pid > 0) {
			pid_t r = waitpid(p->pid, &st, WNOHANG);

			if (r == p->pid) {
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
					bad++;
				p->pid = 0;
			} else if (r < 0 && errno != EINTR) {
				p->pid = 0;
			} else if (eloop_monotonic() > until) {
				kill(p->pid, SIGKILL);
				(void)waitpid(p->pid, &st, 0);
				bad++;
				p->pid = 0;
			} else {
				struct timespec ts = { 0, 10 * 1000 * 1000 };
				nanosleep(&ts, NULL);
			}
		}
	}
	return bad;
}

static void
procs_free(struct emu *e)
{
	for (size_t i = 0; i < e->nprocs; i++)
		for (int k = 0; e->procs[i].argv[k] != NULL; k++)
			free(e->procs[i].argv[k]);
	free(e->procs);
}

/* ---- captures ---- */

/* A capture of each site link, on the wire's end that faces the site,
 * with the system's own capture tool; waits for each to begin. */
static int
caps_start(struct emu *e)
{
	const struct scenario *sc = e->sc;
	char wires[PLAN_NAME];
	size_t n = 0;

	plan_ns_wires(e->tag, wires);
	for (size_t i = 0; i < sc->nsites; i++)
		n += sc->sites[i].nlinks;
	if ((e->caps = calloc(n + 1, sizeof(*e->caps))) == NULL)
		return -1;
	for (size_t i = 0; i < sc->nsites; i++)
		for (size_t j = 0; j < sc->sites[i].nlinks; j++) {
			char ifn[PLAN_NAME], file[4400], log[4400];
			char *argv[] = { "dumpcap", "-q", "-i", ifn, "-f",
			    "udp", "-w", file, NULL };
			sb_time until = eloop_monotonic() + 10 * SB_S;
			struct stat st;

			snprintf(ifn, sizeof(ifn), "s%ul%ua", (unsigned)i, (unsigned)j);
			snprintf(file, sizeof(file), "%s/%s-%s.pcapng",
			    e->o->pcap_dir, sc->sites[i].name,
			    sc->sites[i].links[j].name);
			snprintf(log, sizeof(log), "%s/dumpcap-%s.log", e->dir,
			    ifn);
			(void)unlink(file);
			if ((e->caps[e->ncaps] = netns_spawn(wires, log,
			    argv)) < 0)
				return -1;
			e->ncaps++;
			/* it writes the file's header once it captures */
			while (stat(file, &st) < 0 || st.st_size == 0) {
				struct timespec ts = { 0, 20 * 1000 * 1000 };

				if (eloop_monotonic() > until) {
					snprintf(e->err, sizeof(e->err),
					    "dumpcap on %s did not start (see "
					    "%s)", ifn, log);
					return -1;
				}
				nanosleep(&ts, NULL);
			}
		}
	return 0;
}

static void
caps_stop(struct emu *e)
{
	for (size_t i = 0; i < e->ncaps; i++)
		if (e->caps[i] > 0)
			kill(e->caps[i], SIGINT);
	for (size_t i = 0; i < e->ncaps; i++)
		if (e->caps[i] > 0)
			(void)waitpid(e->caps[i], NULL, 0);
	free(e->caps);
	e->caps = NULL;
	e->ncaps = 0;
}

/* The daemons' key logs, one file for the captures. */
static void
keys_gather(struct emu *e)
{
	char path[4400], line[1024];
	FILE *out;

	snprintf(path, sizeof(path), "%s/keys.log", e->o->pcap_dir);
	if ((out = fopen(path, "w")) == NULL)
		return;
	for (size_t i = 0; i < e->nprocs; i++) {
		FILE *in;

		if (e->procs[i].keylog[0] == '\0' ||
		    (in = fopen(e->procs[i].keylog, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), in) != NULL)
			fputs(line, out);
		fclose(in);
	}
	fclose(out);
}

/* ---- the timeline ---- */

static void tl_fire(void *arg);

static void
tl_arm(struct emu *e)
{
	if (e->tl_next < e->sc->ntimeline &&
	    e->sc->timeline[e->tl_next].at < e->end)
		(void)eloop_timer_arm(e->loop, e->sc->timeline[e->tl_next].at,
		    tl_fire, e);
}

static struct proc *
pop_proc(struct emu *e, int pop)
{
	for (size_t i = 0; i < e->nprocs; i++)
		if (e->procs[i].is_pop &&
		    strcmp(e->procs[i].name, e->sc->pops[pop].name) == 0)
			return &e->procs[i];
	return NULL;
}

static void
tl_fire(void *arg)
{
	struct emu *e = arg;
	const struct sc_action *a = &e->sc->timeline[e->tl_next++];
	const struct sc_target *t = &a->target;
	char subj[256], err[512];
	static const char *const kinds[] = { "link-down", "link-up",
	    "link-set", "links-down", "links-up" };
	int rc = 0;

	sc_target_name(e->sc, t, subj, sizeof(subj));
	err[0] = '\0';
	if (a->kind == SC_ACT_SET)
		rc = topo_set(e->topo, a, err, sizeof(err));
	else if (t->kind == SC_T_SITE_LINK)
		rc = topo_link_updown(e->topo, (size_t)t->i, (size_t)t->j,
		    a->kind == SC_ACT_UP, err, sizeof(err));
	else if (t->kind == SC_T_BACKBONE)
		rc = topo_backbone_updown(e->topo, (size_t)t->i, (size_t)t->j,
		    a->kind == SC_ACT_UP, err, sizeof(err));
	else if (t->kind == SC_T_POP) {
		struct proc *p = pop_proc(e, t->i);

		/* a PoP that fails dies as a crashed host does; up again,
		 * it starts afresh */
		if (p != NULL && a->kind == SC_ACT_DOWN && p->pid > 0) {
			kill(p->pid, SIGKILL);
			(void)waitpid(p->pid, NULL, 0);
			p->pid = 0;
		} else if (p != NULL && a->kind == SC_ACT_UP && p->pid == 0)
			rc = (p->pid = netns_spawn(p->ns, p->log, p->argv)) < 0 ?
			    -1 : 0;
		note(e, a->kind == SC_ACT_DOWN ? "pop-down" : "pop-up", NULL,
		    subj, NULL, 0);
		goto next;
	} else {
		snprintf(err, sizeof(err), "not emulated: %s", subj);
		rc = 0;
	}
	note(e, kinds[a->kind], NULL, subj, err[0] ? err : NULL, 0);
next:
	if (rc < 0) {
		snprintf(e->err, sizeof(e->err), "timeline at %s: %s",
		    subj, err);
		e->failed = 1;
		eloop_stop(e->loop);
		return;
	}
	tl_arm(e);
}

/* ---- results ---- */

/* The fault times: timeline actions other than up. */
static int
is_fault(const struct sc_action *a)
{
	return a->kind != SC_ACT_UP;
}

/* The first datagram sent at or after t (f->n if none): sent[] is in
 * sending order. */
static size_t
first_sent(const struct eflow *f, sb_time t)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->sent[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A flow's failover after a fault at t: the first datagram sent at or
 * after t that arrived, when at least CUT_MIN before it were lost (the
 * fault cut the flow); the time from the fault to that datagram's
 * sending.  -1 when the fault did not cut the flow or nothing came
 * through before the end.
 */
static sb_time
failover_after(const struct eflow *f, sb_time t)
{
	size_t lost = 0;

	for (size_t k = first_sent(f, t); k < f->n; k++) {
		if (f->got[k] >= 0)
			return lost >= CUT_MIN ? f->sent[k] - t : -1;
		lost++;
	}
	return -1;
}

/* The longest failover of a flow whose fault fell in [from, to); NaN if
 * none did. */
static double
failover_max(const struct emu *e, const struct eflow *f, sb_time from,
    sb_time to)
{
	double v = NAN;

	for (size_t i = 0; i < e->sc->ntimeline; i++) {
		const struct sc_action *a = &e->sc->timeline[i];
		sb_time took;

		if (!is_fault(a) || a->at < from || a->at >= to ||
		    a->at >= e->end || (took = failover_after(f, a->at)) < 0)
			continue;
		if (!((double)took <= v))
			v = (double)took;
	}
	return v;
}

/* A meter over the datagrams sent in [from, to): they were sent in
 * order, so from the first at or after from, found by halving, to the
 * first at or after to (a run's samples read each datagram once). */
static void
flow_meter(const struct eflow *f, struct meter *m, sb_time from, sb_time to)
{
	meter_reset(m);
	for (size_t k = first_sent(f, from); k < f->n && f->sent[k] < to;
	    k++) {
		meter_sent(m);
		if (f->got[k] >= 0)
			meter_delivered(m, f->sent[k], f->got[k],
			    f->a->packet_bytes);
		else
			meter_dropped(m);
	}
}

static const struct eflow *
flow_of(const struct emu *e, int app)
{
	for (size_t i = 0; i < e->nflows; i++)
		if ((int)e->flows[i].app == app)
			return &e->flows[i];
	return NULL;
}

static double blocked(const struct emu *e, const struct eflow *f,
    struct meter *m, sb_time end);

static double
expect_side(const struct emu *e, const struct sc_expect *x, int side,
    struct meter *m)
{
	const struct sc_target *t = side ? &x->ref : &x->subject;
	const struct eflow *f;
	sb_time to = x->to < e->end ? x->to : e->end;

	if (t->kind != SC_T_FLOW || (f = flow_of(e, t->i)) == NULL ||
	    to <= x->from)
		return NAN;
	if (x->metric == SC_M_FAILOVER_TIME)
		return failover_max(e, f, x->from, to);
	if (x->metric == SC_M_BLOCKED)
		return blocked(e, f, m, to);
	flow_meter(f, m, x->from, to);
	return meter_metric(m, x->metric, to - x->from);
}

static int
tlev_cmp(const void *a, const void *b)
{
	const struct tlev *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

/* The daemons' events files into the list, then everything in order. */
static void
events_gather(struct emu *e)
{
	char line[2048];
	struct tlev *x;

	for (size_t i = 0; i < e->nprocs; i++) {
		FILE *in = fopen(e->procs[i].events, "r");

		while (in != NULL && fgets(line, sizeof(line), in) != NULL) {
			char *f[6], *save = NULL, *s = line;
			int n = 0;

			line[strcspn(line, "\n")] = '\0';
			for (char *c = s; n < 6; c++) {
				f[n++] = s;
				c = strchr(s, '\t');
				if (c == NULL)
					break;
				*c = '\0';
				s = c + 1;
			}
			(void)save;
			if (n < 6)
				continue;
			if ((x = note(e, f[2], f[1], f[3], f[4],
			    strtod(f[5], NULL))) != NULL)
				x->t = strtoll(f[0], NULL, 10);
		}
		if (in != NULL)
			fclose(in);
	}
}

/*
 * Of a flow's datagrams, the fraction the WAN firewall blocked: the
 * runner cannot see why a datagram was lost, but a PoP that blocks a
 * flow's session says so (fw-block, naming the flow) and then drops all
 * of it; so the flow's loss if some PoP blocked it, else 0.
 */
static double
blocked(const struct emu *e, const struct eflow *f, struct meter *m,
    sb_time end)
{
	for (size_t i = 0; i < e->nev; i++)
		if (strcmp(e->ev[i].kind, "fw-block") == 0 &&
		    strcmp(e->ev[i].subject, f->a->name) == 0) {
			flow_meter(f, m, 0, end);
			return meter_metric(m, SC_M_LOSS, end);
		}
	return 0;
}

static int
results(struct emu *e, struct recorder *rec, sb_time end, double wall)
{
	static const enum sc_metric flow_m[] = { SC_M_LATENCY_MEAN,
	    SC_M_LATENCY_P50, SC_M_LATENCY_P95, SC_M_LATENCY_P99, SC_M_JITTER,
	    SC_M_LOSS, SC_M_THROUGHPUT, SC_M_DELIVERED };
	const struct scenario *sc = e->sc;
	struct meter *m = meter_new();
	int failed = 0, rc = 0;
	int id = 0;

	if (m == NULL)
		return -1;
	events_gather(e);
	for (size_t i = 0; i < sc->nsites; i++) {
		struct rec_node n = { id++, sc->sites[i].name, "site",
			sc->sites[i].city->name, sc->sites[i].city->lat,
			sc->sites[i].city->lon,
			sc->pops[topo_first_pop(sc, &sc->sites[i])].name };
		rc |= recorder_node(rec, &n);
	}
	for (size_t i = 0; i < sc->npops; i++) {
		struct rec_node n = { id++, sc->pops[i].name, "pop",
			sc->pops[i].city->name, sc->pops[i].city->lat,
			sc->pops[i].city->lon, NULL };
		rc |= recorder_node(rec, &n);
	}
	for (size_t i = 0; i < e->nflows; i++) {
		const struct eflow *f = &e->flows[i];
		struct rec_flow rf = { (int)f->app, f->a->name,
			f->a->kind == SC_APP_UDP_CBR ? "udp-cbr" : "udp-poisson",
			sc->sites[f->a->src].name, sc->sites[f->a->dst].name,
			"backbone", f->a->rate_bps, f->a->packet_bytes };
		double fo;
		unsigned nfo = 0;

		rc |= recorder_flow(rec, &rf);
		for (sb_time t = sc->sample_interval; t <= end;
		    t += sc->sample_interval) {
			struct meter_summary s;
			struct rec_flow_sample fs;

			flow_meter(f, m, t - sc->sample_interval, t);
			meter_summary(m, sc->sample_interval, &s);
			fs = (struct rec_flow_sample){ (int)f->app, t, s.sent,
				s.delivered, s.dropped, s.bytes, s.loss,
				s.latency_mean, s.jitter, s.throughput_bps,
				s.delivered ? s.latency_p50 : -1,
				s.delivered ? s.latency_p95 : -1,
				s.delivered ? s.latency_p99 : -1 };
			rc |= recorder_flow_sample(rec, &fs);
		}
		flow_meter(f, m, 0, end);
		for (size_t k = 0; k < sizeof(flow_m) / sizeof(*flow_m); k++) {
			double v = meter_metric(m, flow_m[k], end);

			if (!isnan(v))
				rc |= recorder_metric(rec, "flow", f->a->name,
				    sc_metric_name(flow_m[k]), v,
				    sc_metric_unit(flow_m[k]));
		}
		for (size_t k = 0; k < sc->ntimeline; k++) {
			const struct sc_action *a = &sc->timeline[k];
			sb_time took;
			struct tlev *x;
			char d[64];

			if (!is_fault(a) || a->at >= end ||
			    (took = failover_after(f, a->at)) < 0)
				continue;
			nfo++;
			snprintf(d, sizeof(d), "outage of %.3f s",
			    (double)took / SB_S);
			if ((x = note(e, "failover",
			    sc->sites[f->a->src].name, f->a->name, d,
			    (double)took / SB_S)) != NULL)
				x->t = a->at + took;
		}
		rc |= recorder_metric(rec, "flow", f->a->name, "failovers",
		    nfo, "count");
		if (!isnan(fo = blocked(e, f, m, end)))
			rc |= recorder_metric(rec, "flow", f->a->name,
			    sc_metric_name(SC_M_BLOCKED), fo,
			    sc_metric_unit(SC_M_BLOCKED));
		if (!isnan(fo = failover_max(e, f, 0, end)))
			rc |= recorder_metric(rec, "flow", f->a->name,
			    "failover-time", fo, "ns");
	}
	qsort(e->ev, e->nev, sizeof(*e->ev), tlev_cmp);
	for (size_t i = 0; i < e->nev; i++) {
		const struct tlev *x = &e->ev[i];
		struct sb_event ev = { x->kind, x->node[0] ? x->node : NULL,
			x->subject[0] ? x->subject : NULL,
			x->detail[0] ? x->detail : NULL, x->value };

		rc |= recorder_event(rec, x->t, &ev);
	}
	for (size_t i = 0; i < sc->nexpects; i++) {
		const struct sc_expect *x = &sc->expects[i];
		double mv = expect_side(e, x, 0, m);
		double b = x->bound_is_ref ? expect_side(e, x, 1, m) : x->bound;
		int r2;

		if (expect_report(rec, sc, i, mv, b, e->o->quiet ? NULL :
		    e->out, &r2) != EXPECT_PASS)
			failed++;
		rc |= r2;
	}
	meter_free(m);
	(void)wall;
	return rc != 0 ? -1 : failed;
}

/* ---- the run ---- */

/*
 * What the address plan and the runner can hold, said before anything is
 * built: a site's links are numbered in eight /30s (as a Socket has at
 * most eight), the LANs are 10.0.1.0 to 10.0.254.0, and a datagram of the
 * traffic must fit the runner's buffer.
 */
static int
check_limits(const struct scenario *sc, char *err, size_t errlen)
{
	if (sc->nsites > 254) {
		snprintf(err, errlen, "%zu sites: emulation holds at most 254",
		    sc->nsites);
		return -1;
	}
	for (size_t i = 0; i < sc->nsites; i++)
		if (sc->sites[i].nlinks > SOCKET_MAX_LINKS) {
			snprintf(err, errlen, "site '%s' has %zu links: a "
			    "Socket has at most %d", sc->sites[i].name,
			    sc->sites[i].nlinks, SOCKET_MAX_LINKS);
			return -1;
		}
	for (size_t i = 0; i < sc->napps; i++)
		if (sc->apps[i].packet_bytes > DATAGRAM_MAX + 28) {
			snprintf(err, errlen, "application '%s': packets of "
			    "%u bytes; emulation sends at most %d",
			    sc->apps[i].name, sc->apps[i].packet_bytes,
			    DATAGRAM_MAX + 28);
			return -1;
		}
	return 0;
}

static int
mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static void
on_end(void *arg)
{
	struct emu *e = arg;

	eloop_stop(e->loop);
}

int
emulate_run(const struct emulate_opts *o, FILE *out, FILE *errf)
{
	struct emu e;
	struct recorder *rec = NULL;
	char err[1024], db[4200], t1[64];
	const char *outdir = o->out_dir ? o->out_dir : "results";
	int status = 3, reaped, bad, failed;
	sb_time t0, wall0, reached;
	double wall;
	ssize_t n;

	memset(&e, 0, sizeof(e));
	e.o = o;
	e.out = out;
	e.errf = errf;
	if (scenario_load(o->path, &e.sc, err, sizeof(err)) < 0) {
		fprintf(errf, "sasebed: %s\n", err);
		return 2;
	}
	if (check_limits(e.sc, err, sizeof(err)) < 0) {
		fprintf(errf, "sasebed emulate: %s: %s\n", o->path, err);
		status = 2;
		goto done;
	}
	if (geteuid() != 0) {
		fprintf(errf, "sasebed emulate: needs root, to make network "
		    "namespaces, veth pairs and TUN devices; run it as root "
		    "(nothing was changed)\n");
		status = 2;
		goto done;
	}
	if (netns_cmd(err, sizeof(err), "ip -V") < 0) {
		fprintf(errf, "sasebed emulate: needs iproute2's ip: %s\n", err);
		status = 2;
		goto done;
	}
	if ((reaped = topo_reap_stale(err, sizeof(err))) > 0)
		fprintf(errf, "sasebed emulate: removed %d network namespaces "
		    "left by an emulation that was killed\n", reaped);
	n = readlink("/proc/self/exe", e.exe_dir, sizeof(e.exe_dir) - 1);
	if (n > 0) {
		e.exe_dir[n] = '\0';
		*strrchr(e.exe_dir, '/') = '\0';
	}
	snprintf(e.tag, sizeof(e.tag), "sb%d", (int)getpid());
	snprintf(e.dir, sizeof(e.dir), "%s/%s-emu", outdir, e.sc->name);
	if (o->db != NULL)
		snprintf(db, sizeof(db), "%s", o->db);
	else
		snprintf(db, sizeof(db), "%s/%s-emu.db", outdir, e.sc->name);
	if (mkdirs(e.dir) < 0 || (o->pcap_dir != NULL &&
	    mkdirs(o->pcap_dir) < 0)) {
		fprintf(errf, "sasebed emulate: %s: %s\n", e.dir,
		    strerror(errno));
		status = 2;
		goto done;
	}
	e.end = o->until > 0 && o->until < e.sc->duration ? o->until :
	    e.sc->duration;
	if ((e.loop = eloop_new(0)) == NULL)
		goto done;
	if (!o->quiet)
		fprintf(out, "emulating %s for %s of real time in namespaces "
		    "%s-*\n", e.sc->path, units_fmt_time(e.end, t1,
		    sizeof(t1)), e.tag);
	(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	if ((e.topo = topo_new(e.sc, e.tag, e.loop, err, sizeof(err))) ==
	    NULL) {
		fprintf(errf, "sasebed emulate: building the network: %s\n",
		    err);
		goto done;
	}
	if (flows_open(&e) < 0 ||
	    (o->pcap_dir != NULL && caps_start(&e) < 0)) {
		fprintf(errf, "sasebed emulate: %s\n", e.err);
		goto teardown;
	}
	{
		struct rec_run rr = {
			.scenario = e.sc->name, .path = e.sc->path,
			.seed = e.sc->seed, .version = PACKAGE_VERSION
			    " (emulation)",
			.duration = e.sc->duration,
			.sample_interval = e.sc->sample_interval,
			.start_utc_s = e.sc->start_utc_s,
			.start_offset_min = e.sc->start_offset_min,
		};
		if ((rec = recorder_open(db, &rr, err, sizeof(err))) == NULL) {
			fprintf(errf, "sasebed emulate: %s\n", err);
			status = 2;
			goto teardown;
		}
		if (topo_record_links(e.topo, rec) != 0) {
			fprintf(errf, "sasebed emulate: %s: cannot write the "
			    "links\n", db);
			status = 3;
			goto teardown;
		}
	}
	/* time 0 a moment ahead, so every daemon is ready by then */
	t0 = eloop_monotonic() + DAEMON_START;
	eloop_set_origin(e.loop, t0);
	if (o->hostile > 0 && (e.hostile = hostile_new(e.loop, e.sc, e.tag,
	    o->hostile, err, sizeof(err))) == NULL) {
		fprintf(errf, "sasebed emulate: --hostile: %s\n", err);
		goto teardown;
	}
	for (size_t i = 0; i < e.nflows; i++)
		(void)eloop_timer_arm(e.loop, e.flows[i].a->start, flow_start,
		    &e.flows[i]);
	if (procs_start(&e, t0) < 0) {
		fprintf(errf, "sasebed emulate: %s\n", e.err);
		goto teardown;
	}
	tl_arm(&e);
	(void)eloop_timer_arm(e.loop, e.end, on_end, &e);
	(void)eloop_timer_arm(e.loop, 0, procs_watch, &e);
	wall0 = eloop_monotonic();
	if (eloop_run(e.loop, SB_TIME_NEVER, o->stop) < 0)
		e.failed = 1;
	reached = eloop_now(e.loop);
	if (reached > e.end)
		reached = e.end;
	wall = (double)(eloop_monotonic() - wall0) / SB_S;
	flows_close(&e);
	bad = procs_stop(&e);
	if (o->pcap_dir != NULL) {
		caps_stop(&e);
		keys_gather(&e);
	}
	if (bad > 0)
		fprintf(errf, "sasebed emulate: %d daemons did not stop "
		    "cleanly (logs in %s)\n", bad, e.dir);
	if (e.failed) {
		fprintf(errf, "sasebed emulate: %s\n", e.err[0] ? e.err :
		    "the run failed");
		recorder_finish(rec, "failed", reached, 0, wall);
		goto teardown;
	}
	if (e.hostile != NULL) {
		const struct hostile_stats *hs = hostile_stats(e.hostile);
		char d[256];

		snprintf(d, sizeof(d), "captured %llu; sent %llu replayed, "
		    "%llu forged, %llu malformed, %llu oversized, %llu from "
		    "strangers", (unsigned long long)hs->captured,
		    (unsigned long long)hs->replayed,
		    (unsigned long long)hs->forged,
		    (unsigned long long)hs->malformed,
		    (unsigned long long)hs->oversized,
		    (unsigned long long)hs->unknown);
		struct tlev *x = note(&e, "hostile", NULL, "daemons", d,
		    (double)(hs->replayed + hs->forged + hs->malformed +
		    hs->oversized + hs->unknown));

		if (x != NULL)
			x->t = o->hostile;
	}
	failed = results(&e, rec, reached, wall);
	if (failed < 0 || recorder_finish(rec, *o->stop ? "interrupted" :
	    "completed", reached, 0, wall) < 0) {
		fprintf(errf, "sasebed emulate: writing results: %s\n",
		    recorder_error(rec));
		goto teardown;
	}
	if (*o->stop) {
		fprintf(errf, "sasebed emulate: interrupted at %s; results so "
		    "far are in %s (run marked interrupted)\n",
		    units_fmt_time(reached, t1, sizeof(t1)), db);
		status = 128 + (int)*o->stop;
	} else {
		if (!o->quiet) {
			fprintf(out, "emulated %s in %.2f s of wall time\n",
			    units_fmt_time(reached, t1, sizeof(t1)), wall);
			if (e.sc->nexpects > 0)
				fprintf(out, "expectations: %zu passed, %d "
				    "failed\n", e.sc->nexpects - (size_t)failed,
				    failed);
			fprintf(out, "results: %s\nlogs: %s\n", db, e.dir);
		}
		status = failed > 0 ? 1 : 0;
	}
teardown:
	hostile_free(e.hostile);
	e.hostile = NULL;
	flows_close(&e);
	if (procs_stop(&e) > 0 && status == 0)
		status = 3;
	caps_stop(&e);
	if (topo_free(e.topo, err, sizeof(err)) < 0) {
		fprintf(errf, "sasebed emulate: taking the network down: %s\n",
		    err);
		if (status == 0 || status == 1)
			status = 3;
	}
done:
	recorder_close(rec);
	flows_free(&e);
	procs_free(&e);
	free(e.ev);
	eloop_free(e.loop);
	scenario_free(e.sc);
	return status;
}
