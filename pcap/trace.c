/*
 * Reading a capture for replay.  libpcap does the file format (pcap at
 * either precision, pcapng) and the filter; this file finds the IPv4
 * header behind each record's link header and keeps three numbers per
 * packet, in parallel arrays: time, size, flow.  Flows are found through
 * an open-addressing table of flow numbers, so a capture of many
 * conversations costs a hash per packet, not a search.
 *
 * Invariants: times[0] is 0; flow numbers follow first appearance, so the
 * same file and filter give the same trace; a trace is either whole or not
 * returned at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap.h>

#include "pcap/trace.h"
#include "wan/byteorder.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif

#define ETHERTYPE_IPV4	0x0800
#define FLOW_EMPTY	UINT32_MAX

struct trace {
	int64_t *times;
	uint32_t *sizes;
	uint32_t *pflow;        /* each packet's flow */
	size_t n, cap;
	uint64_t bytes;
	uint64_t skipped;
	struct trace_flow *flows;
	size_t nflows, capflows;
	uint32_t *slots;        /* flow numbers by hash; FLOW_EMPTY */
	size_t nslots;          /* a power of two, over twice nflows */
};

/* Where a record's IPv4 header starts, as an offset into its bytes, or -1
 * when it holds something else.  What each link header says is IPv4:
 * an EtherType, a raw IP version nibble, or an address family. */
static long
ipv4_offset(int dlt, const uint8_t *d, uint32_t caplen)
{
	uint32_t off, type, fam;

	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return -1;
		off = 12;
		type = get16(d + off);
		/* 802.1Q, and 802.1ad or the older QinQ outer tag */
		for (int tags = 0; tags < 2 && (type == 0x8100 ||
		    type == 0x88a8 || type == 0x9100); tags++) {
			off += 4;
			if (caplen < off + 2)
				return -1;
			type = get16(d + off);
		}
		return type == ETHERTYPE_IPV4 ? (long)off + 2 : -1;
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return -1;
		type = get16(d + 14);
		return type == ETHERTYPE_IPV4 ? 16 : -1;
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			return -1;
		type = get16(d);
		return type == ETHERTYPE_IPV4 ? 20 : -1;
	case DLT_RAW:
	case DLT_IPV4:
		return caplen >= 1 && d[0] >> 4 == 4 ? 0 : -1;
	case DLT_NULL:
	case DLT_LOOP:
		/* the family is 2 (AF_INET) on every system; DLT_NULL holds it
		 * in the capturing host's byte order, DLT_LOOP big-endian */
		if (caplen < 4)
			return -1;
		fam = get32(d);
		if (fam == 2 || (dlt == DLT_NULL && fam == UINT32_C(0x02000000)))
			return 4;
		return -1;
	default:
		return -1;
	}
}

static int
link_supported(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL ||
	    dlt == DLT_LINUX_SLL2 || dlt == DLT_RAW || dlt == DLT_IPV4 ||
	    dlt == DLT_NULL || dlt == DLT_LOOP;
}

static uint64_t
flow_hash(const struct trace_flow *f)
{
	uint64_t h = (uint64_t)f->src << 32 | f->dst;

	h ^= ((uint64_t)f->sport << 24 | (uint64_t)f->dport << 8 | f->proto) *
	    UINT64_C(0x9e3779b97f4a7c15);
	/* splitmix64's finaliser: every input bit reaches the low bits the
	 * table uses */
	h = (h ^ (h >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	h = (h ^ (h >> 27)) * UINT64_C(0x94d049bb133111eb);
	return h ^ (h >> 31);
}

static int
flow_same(const struct trace_flow *a, const struct trace_flow *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
	    a->dport == b->dport && a->proto == b->proto;
}

static int
slots_grow(struct trace *t)
{
	size_t n = t->nslots == 0 ? 64 : t->nslots * 2;
	uint32_t *s;

	if (n > SIZE_MAX / sizeof(*s))
		return -1;
	s = malloc(n * sizeof(*s));
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		s[i] = FLOW_EMPTY;
	for (size_t f = 0; f < t->nflows; f++) {
		size_t j = (size_t)flow_hash(&t->flows[f]) & (n - 1);
		while (s[j] != FLOW_EMPTY)
			j = (j + 1) & (n - 1);
		s[j] = (uint32_t)f;
	}
	free(t->slots);
	t->slots = s;
	t->nslots = n;
	return 0;
}

/* The number of key's flow, added if new; -1 when memory runs out. */
static long
flow_find(struct trace *t, const struct trace_flow *key)
{
	size_t j;

	if ((t->nflows + 1) * 2 > t->nslots && slots_grow(t) < 0)
		return -1;
	j = (size_t)flow_hash(key) & (t->nslots - 1);
	while (t->slots[j] != FLOW_EMPTY) {
		if (flow_same(&t->flows[t->slots[j]], key))
			return (long)t->slots[j];
		j = (j + 1) & (t->nslots - 1);
	}
	if (t->nflows == FLOW_EMPTY)
		return -1;
	if (t->nflows == t->capflows) {
		size_t c = t->capflows == 0 ? 16 : t->capflows * 2;
		struct trace_flow *fl;
		if (c > SIZE_MAX / sizeof(*fl))
			return -1;
		fl = realloc(t->flows, c * sizeof(*fl));
		if (fl == NULL)
			return -1;
		t->flows = fl;
		t->capflows = c;
	}
	t->flows[t->nflows] = *key;
	t->flows[t->nflows].packets = 0;
	t->flows[t->nflows].bytes = 0;
	t->slots[j] = (uint32_t)t->nflows;
	return (long)t->nflows++;
}

static int
packets_grow(struct trace *t)
{
	size_t c = t->cap == 0 ? 1024 : t->cap * 2;
	void *p;

	if (c > SIZE_MAX / sizeof(int64_t))
		return -1;
	/* each array is replaced as soon as it has moved, so a failure
	 * part way leaves every one valid for trace_free() */
	if ((p = realloc(t->times, c * sizeof(*t->times))) == NULL)
		return -1;
	t->times = p;
	if ((p = realloc(t->sizes, c * sizeof(*t->sizes))) == NULL)
		return -1;
	t->sizes = p;
	if ((p = realloc(t->pflow, c * sizeof(*t->pflow))) == NULL)
		return -1;
	t->pflow = p;
	t->cap = c;
	return 0;
}

/*
 * Keep the IPv4 packet at ip (avail bytes captured, wire bytes on the
 * wire from there), seen at time ns.  0 kept, 1 skipped as malformed, -1
 * out of memory.
 */
static int
keep_ipv4(struct trace *t, const uint8_t *ip, uint32_t avail, uint32_t wire,
    int64_t ns, int64_t *t0)
{
	struct trace_flow key = { 0 };
	uint32_t ihl, size;
	long f;

	if (avail < 20 || ip[0] >> 4 != 4)
		return 1;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20)
		return 1;
	size = get16(ip + 2);
	/* a total length of 0 is a segment captured before the NIC cut it
	 * up (TCP segmentation offload): the wire length is what was sent */
	if (size == 0)
		size = wire;
	if (size < ihl)
		return 1;
	key.proto = ip[9];
	key.src = get32(ip + 12);
	key.dst = get32(ip + 16);
	/* ports are in the first fragment only; a snap length that cut them
	 * off leaves them 0, and the packet still replays at its size */
	if ((key.proto == 6 || key.proto == 17) &&
	    (get16(ip + 6) & 0x1fff) == 0 &&
	    avail >= ihl + 4) {
		key.sport = get16(ip + ihl);
		key.dport = get16(ip + ihl + 2);
	}
	if (t->n == t->cap && packets_grow(t) < 0)
		return -1;
	if ((f = flow_find(t, &key)) < 0)
		return -1;
	if (t->n == 0)
		*t0 = ns;
	t->times[t->n] = ns - *t0;
	t->sizes[t->n] = size;
	t->pflow[t->n] = (uint32_t)f;
	t->flows[f].packets++;
	t->flows[f].bytes += size;
	t->bytes += size;
	t->n++;
	return 0;
}

/* err gets "path: what"; libpcap's own messages sometimes name the path
 * already, and then it is not said twice. */
static void
fail(char *err, size_t errlen, const char *path, const char *what)
{
	if (err == NULL || errlen == 0)
		return;
	if (strncmp(what, path, strlen(path)) == 0 &&
	    what[strlen(path)] == ':')
		snprintf(err, errlen, "%s", what);
	else
		snprintf(err, errlen, "%s: %s", path, what);
}

struct trace *
trace_open(const char *path, const char *filter, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	char msg[PCAP_ERRBUF_SIZE + 256];
	struct bpf_program prog;
	int have_prog = 0, dlt, rc;
	struct pcap_pkthdr *h;
	const u_char *d;
	struct trace *t;
	uint64_t record = 0;
	int64_t t0 = 0;
	pcap_t *pc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		fail(err, errlen, path, "out of memory");
		return NULL;
	}
	pc = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (pc == NULL) {
		fail(err, errlen, path, ebuf[0] != '\0' ? ebuf :
		    "cannot open the capture");
		goto err_trace;
	}
	dlt = pcap_datalink(pc);
	if (!link_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		snprintf(msg, sizeof(msg), "link type %s (%d) is not supported: "
		    "captures must be Ethernet, raw IP, Linux cooked or BSD "
		    "loopback", name != NULL ? name : "unknown", dlt);
		fail(err, errlen, path, msg);
		goto err_pcap;
	}
	if (filter != NULL) {
		if (pcap_compile(pc, &prog, filter, 1,
		    PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(msg, sizeof(msg), "filter '%s': %s", filter,
			    pcap_geterr(pc));
			fail(err, errlen, path, msg);
			goto err_pcap;
		}
		have_prog = 1;
	}
	while ((rc = pcap_next_ex(pc, &h, &d)) == 1) {
		int64_t ns;
		long off;
		int kept;
		uint32_t caplen;
		record++;
		if (have_prog && pcap_offline_filter(&prog, h, d) == 0)
			continue;
		caplen = h->caplen;
		/* the precision asked for above makes tv_usec nanoseconds,
		 * scaled from microseconds when the file holds those */
		ns = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec;
		off = ipv4_offset(dlt, d, caplen);
		if (off < 0) {
			t->skipped++;
			continue;
		}
		kept = keep_ipv4(t, d + off, caplen - (uint32_t)off,
		    h->len > (uint32_t)off ? h->len - (uint32_t)off : 0, ns,
		    &t0);
		if (kept < 0) {
			snprintf(msg, sizeof(msg), "packet %llu: out of memory",
			    (unsigned long long)record);
			fail(err, errlen, path, msg);
			goto err_prog;
		}
		if (kept > 0)
			t->skipped++;
	}
	if (rc != PCAP_ERROR_BREAK) {
		/* a record that could not be read is the one after the last
		 * good one */
		snprintf(msg, sizeof(msg), "packet %llu: %s",
		    (unsigned long long)record + 1, pcap_geterr(pc));
		fail(err, errlen, path, msg);
		goto err_prog;
	}
	if (have_prog)
		pcap_freecode(&prog);
	pcap_close(pc);
	return t;

err_prog:
	if (have_prog)
		pcap_freecode(&prog);
err_pcap:
	pcap_close(pc);
err_trace:
	trace_free(t);
	return NULL;
}

void
trace_free(struct trace *t)
{
	if (t == NULL)
		return;
	free(t->times);
	free(t->sizes);
	free(t->pflow);
	free(t->flows);
	free(t->slots);
	free(t);
}

size_t
trace_count(const struct trace *t)
{
	return t->n;
}

uint64_t
trace_bytes(const struct trace *t)
{
	return t->bytes;
}

int64_t
trace_time(const struct trace *t, size_t i)
{
	return t->times[i];
}

uint32_t
trace_size(const struct trace *t, size_t i)
{
	return t->sizes[i];
}

const int64_t *
trace_times(const struct trace *t)
{
	return t->times;
}

const uint32_t *
trace_sizes(const struct trace *t)
{
	return t->sizes;
}

uint64_t
trace_skipped(const struct trace *t)
{
	return t->skipped;
}

size_t
trace_flows(const struct trace *t)
{
	return t->nflows;
}

const struct trace_flow *
trace_flow_get(const struct trace *t, size_t i)
{
	return &t->flows[i];
}

size_t
trace_packet_flow(const struct trace *t, size_t i)
{
	return t->pflow[i];
}
