/*
 * Capture files and key logs, read back: through libpcap itself (link
 * type, nanosecond magic, lengths, timestamps to the nanosecond, MACs,
 * IPv4 and UDP checksums checked by wan/inet.c, payloads), byte for byte
 * the same on a second run, every refusal with a message naming the file,
 * write errors reported on a full disk; the key log line against one
 * written by hand, its file flushed line by line and private to its owner;
 * and, where tshark is installed, tshark reading the capture.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap.h>

#include "pcap/capture.h"
#include "pcap/keylog.h"
#include "wan/inet.h"
#include "wan/packet.h"
#include "tests/unit/check_main.h"

#define ETH_HDR	14
#define HDRS	(ETH_HDR + INET_IPV4_HDR + INET_UDP_HDR)

/* 2026-03-10T12:30:00.123456789Z, odd nanoseconds on purpose */
#define EPOCH	INT64_C(1773145800123456789)

struct tmp {
	char dir[256];
	char a[300], b[300], keys[300];
};

static void
tmp_make(struct tmp *t)
{
	const char *base = getenv("TMPDIR");

	snprintf(t->dir, sizeof(t->dir), "%s/sasebed-cap-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->a, sizeof(t->a), "%s/a.pcap", t->dir);
	snprintf(t->b, sizeof(t->b), "%s/b.pcap", t->dir);
	snprintf(t->keys, sizeof(t->keys), "%s/keys.log", t->dir);
}

static void
tmp_remove(struct tmp *t)
{
	unlink(t->a);
	unlink(t->b);
	unlink(t->keys);
	rmdir(t->dir);
}

/* The packets every capture test writes: times at the edges of a second,
 * payloads from empty to a full packet buffer, odd lengths among them. */
struct pkt {
	int64_t t;
	uint32_t src, dst;
	uint16_t sport, dport;
	size_t len;
};

static const struct pkt PKTS[] = {
	{ 0, 0x0a000001, 0xc6336401, 50000, 4433, 61 },
	{ 1, 0xc6336401, 0x0a000001, 4433, 50000, 0 },
	{ 999999999, 0x0a000001, 0xc6336401, 50000, 4433, 1 },
	{ 876543211, 0xc0a80101, 0xcb007101, 1, 65535, 1400 },
	{ 3600 * INT64_C(1000000000) + 7, 0xffffffff, 0, 65535, 1, 1473 },
	{ 5 * 3600 * INT64_C(1000000000), 0x64400001, 0x64400002, 4433, 4433,
	    SB_PACKET_BUF },
};
#define NPKTS	(sizeof(PKTS) / sizeof(*PKTS))

static uint8_t payload[SB_PACKET_BUF];

static void
fill_payload(void)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
}

static void
write_pkts(const char *path)
{
	char err[512];
	struct capture *c = capture_new(path, EPOCH, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	for (size_t i = 0; i < NPKTS; i++) {
		const struct pkt *p = &PKTS[i];
		ck_assert_int_eq(capture_udp(c, p->t, p->src, p->sport,
		    p->dst, p->dport, payload, p->len), 0);
	}
	ck_assert_uint_eq(capture_count(c), NPKTS);
	ck_assert_int_eq(capture_flush(c), 0);
	ck_assert_str_eq(capture_error(c), "");
	capture_free(c);
}

static void
check_mac(const uint8_t *m, uint32_t a)
{
	uint8_t want[6] = { 0x02, 0x00, (uint8_t)(a >> 24),
	    (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a };

	ck_assert_mem_eq(m, want, 6);
}

START_TEST(test_read_back)
{
	struct tmp t;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc;
	FILE *f;
	uint32_t magic;
	size_t i;

	tmp_make(&t);
	fill_payload();
	write_pkts(t.a);

	/* the nanosecond magic, in the writer's byte order */
	f = fopen(t.a, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(&magic, sizeof(magic), 1, f), 1);
	fclose(f);
	ck_assert_uint_eq(magic, 0xa1b23c4d);

	pc = pcap_open_offline_with_tstamp_precision(t.a,
	    PCAP_TSTAMP_PRECISION_NANO, errbuf);
	ck_assert_msg(pc != NULL, "%s", errbuf);
	ck_assert_int_eq(pcap_datalink(pc), DLT_EN10MB);
	ck_assert_int_eq(pcap_snapshot(pc), 65535);
	ck_assert_int_eq(pcap_get_tstamp_precision(pc),
	    PCAP_TSTAMP_PRECISION_NANO);
	for (i = 0; pcap_next_ex(pc, &h, &d) == 1; i++) {
		const struct pkt *p = &PKTS[i];
		int64_t ts;
		struct inet_udp u;

		ck_assert_uint_lt(i, NPKTS);
		ck_assert_uint_eq(h->caplen, HDRS + p->len);
		ck_assert_uint_eq(h->len, HDRS + p->len);
		ts = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
		ck_assert_int_eq(ts, EPOCH + p->t);

		check_mac(d, p->dst);
		check_mac(d + 6, p->src);
		ck_assert_uint_eq(d[12], 0x08);
		ck_assert_uint_eq(d[13], 0x00);

		/* parse checks both checksums; a UDP checksum must be there */
		ck_assert_int_eq(inet_udp_parse(d + ETH_HDR, h->caplen - ETH_HDR,
		    &u), 0);
		ck_assert(d[ETH_HDR + 26] != 0 || d[ETH_HDR + 27] != 0);
		ck_assert_uint_eq(u.src, p->src);
		ck_assert_uint_eq(u.dst, p->dst);
		ck_assert_uint_eq(u.sport, p->sport);
		ck_assert_uint_eq(u.dport, p->dport);
		ck_assert_uint_eq(u.id, i);
		ck_assert_uint_eq(u.ttl, 64);
		ck_assert_uint_eq(u.len, p->len);
		if (p->len > 0)
			ck_assert_mem_eq(u.payload, payload, p->len);
	}
	ck_assert_uint_eq(i, NPKTS);
	pcap_close(pc);

	/* a microsecond reader gets the same instants, cut to the us */
	pc = pcap_open_offline_with_tstamp_precision(t.a,
	    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	ck_assert_msg(pc != NULL, "%s", errbuf);
	for (i = 0; pcap_next_ex(pc, &h, &d) == 1; i++) {
		int64_t ns = EPOCH + PKTS[i].t;
		ck_assert_int_eq(h->ts.tv_sec, ns / 1000000000);
		ck_assert_int_eq(h->ts.tv_usec, ns % 1000000000 / 1000);
	}
	ck_assert_uint_eq(i, NPKTS);
	pcap_close(pc);
	tmp_remove(&t);
}
END_TEST

static int
same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb, same = fa != NULL && fb != NULL;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF)
			break;
	}
	if (fa != NULL)
		fclose(fa);
	if (fb != NULL)
		fclose(fb);
	return same;
}

START_TEST(test_deterministic)
{
	struct tmp t;
	struct stat st;

	tmp_make(&t);
	fill_payload();
	write_pkts(t.a);
	write_pkts(t.b);
	ck_assert(same_file(t.a, t.b));
	/* a new capture replaces an old file, it does not append */
	write_pkts(t.a);
	ck_assert_int_eq(stat(t.a, &st), 0);
	ck_assert(same_file(t.a, t.b));
	tmp_remove(&t);
}
END_TEST

START_TEST(test_refusals)
{
	struct tmp t;
	char err[512], path[512];
	struct capture *c;

	tmp_make(&t);
	fill_payload();

	/* a folder that is not there: the message names the path */
	snprintf(path, sizeof(path), "%s/no/such/dir.pcap", t.dir);
	ck_assert_ptr_null(capture_new(path, EPOCH, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "message: %s", err);
	ck_assert_ptr_null(keylog_new(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "message: %s", err);
	/* start clocks pcap cannot hold */
	ck_assert_ptr_null(capture_new(t.a, -1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, t.a));
	ck_assert_ptr_null(capture_new(t.a, (INT64_C(1) << 31) *
	    1000000000, err, sizeof(err)));
	/* and no room for a message is no crash */
	ck_assert_ptr_null(capture_new(t.a, -1, NULL, 0));

	c = capture_new(t.a, EPOCH, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_lt(capture_udp(c, 0, 1, 2, 3, 4, payload,
	    SB_PACKET_BUF + 1), 0);
	ck_assert_ptr_nonnull(strstr(capture_error(c), t.a));
	ck_assert_ptr_nonnull(strstr(capture_error(c), "2049"));
	ck_assert_int_lt(capture_udp(c, -1, 1, 2, 3, 4, payload, 10), 0);
	ck_assert_int_lt(capture_udp(c, INT64_MAX, 1, 2, 3, 4, payload, 10),
	    0);
	ck_assert_int_lt(capture_udp(c, (INT64_C(1) << 31) * 1000000000 -
	    EPOCH, 1, 2, 3, 4, payload, 10), 0);
	/* the last nanosecond pcap can say is still fine */
	ck_assert_int_eq(capture_udp(c, (INT64_C(1) << 31) * 1000000000 -
	    1 - EPOCH, 1, 2, 3, 4, payload, 10), 0);
	/* refusals are not sticky; only write errors are */
	ck_assert_int_eq(capture_udp(c, 0, 1, 2, 3, 4, payload, 10), 0);
	ck_assert_uint_eq(capture_count(c), 2);
	ck_assert_int_eq(capture_flush(c), 0);
	capture_free(c);
	capture_free(NULL);
	tmp_remove(&t);
}
END_TEST

START_TEST(test_full_disk)
{
	char err[512];
	struct capture *c;
	struct keylog *k;
	uint8_t cr[KEYLOG_RANDOM] = { 0 }, ms[KEYLOG_MASTER] = { 0 };
	int rc = 0, i;

	if (access("/dev/full", W_OK) != 0) {
		printf("capture: no /dev/full here, write errors not tested\n");
		return;
	}
	fill_payload();
	/* the file header fits in stdio's buffer, so opening succeeds;
	 * the error shows when the buffer is written out */
	c = capture_new("/dev/full", EPOCH, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	for (i = 0; i < 100 && rc == 0; i++)
		rc = capture_udp(c, i, 1, 2, 3, 4, payload, 1400);
	ck_assert_int_lt(rc, 0);
	ck_assert_msg(strstr(capture_error(c), "/dev/full: write error") !=
	    NULL, "message: %s", capture_error(c));
	ck_assert_ptr_nonnull(strstr(capture_error(c), strerror(ENOSPC)));
	/* sticky */
	ck_assert_int_lt(capture_udp(c, 1000, 1, 2, 3, 4, payload, 1), 0);
	ck_assert_int_lt(capture_flush(c), 0);
	capture_free(c);

	/* a small record stays in the buffer: the flush reports it */
	c = capture_new("/dev/full", EPOCH, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(capture_udp(c, 0, 1, 2, 3, 4, payload, 10), 0);
	ck_assert_int_lt(capture_flush(c), 0);
	ck_assert_ptr_nonnull(strstr(capture_error(c), strerror(ENOSPC)));
	capture_free(c);

	/* the key log flushes every line, so the first one fails */
	k = keylog_new("/dev/full", err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_int_lt(keylog_client_random(k, cr, ms, sizeof(ms)), 0);
	ck_assert_ptr_nonnull(strstr(keylog_error(k), "/dev/full"));
	ck_assert_ptr_nonnull(strstr(keylog_error(k), strerror(ENOSPC)));
	ck_assert_int_lt(keylog_line(k, "CLIENT_RANDOM 00 00"), 0);
	keylog_free(k);
}
END_TEST

/* 00 01 .. 1f and a0 a1 .. cf, written out by hand below */
static void
fill_keys(uint8_t cr[KEYLOG_RANDOM], uint8_t ms[KEYLOG_MASTER])
{
	for (int i = 0; i < KEYLOG_RANDOM; i++)
		cr[i] = (uint8_t)i;
	for (int i = 0; i < KEYLOG_MASTER; i++)
		ms[i] = (uint8_t)(0xa0 + i);
}

static const char WANT_LINE[] =
    "CLIENT_RANDOM "
    "000102030405060708090a0b0c0d0e0f"
    "101112131415161718191a1b1c1d1e1f "
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf";

START_TEST(test_keylog_format)
{
	uint8_t cr[KEYLOG_RANDOM], ms[KEYLOG_MASTER];
	char buf[KEYLOG_LINE + 8];

	fill_keys(cr, ms);
	ck_assert_uint_eq(sizeof(WANT_LINE), KEYLOG_LINE);
	ck_assert_int_eq(keylog_format(buf, sizeof(buf), cr, ms, sizeof(ms)),
	    (int)sizeof(WANT_LINE) - 1);
	ck_assert_str_eq(buf, WANT_LINE);
	ck_assert_int_eq(keylog_format(buf, KEYLOG_LINE, cr, ms, sizeof(ms)),
	    KEYLOG_LINE - 1);
	/* one byte short, or a secret that is not TLS 1.2's */
	ck_assert_int_lt(keylog_format(buf, KEYLOG_LINE - 1, cr, ms,
	    sizeof(ms)), 0);
	ck_assert_int_lt(keylog_format(buf, sizeof(buf), cr, ms, 47), 0);
	ck_assert_int_lt(keylog_format(buf, sizeof(buf), cr, ms, 0), 0);
}
END_TEST

static size_t
slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

START_TEST(test_keylog_file)
{
	struct tmp t;
	uint8_t cr[KEYLOG_RANDOM], ms[KEYLOG_MASTER];
	char err[512], got[1024], want[1024];
	struct keylog *k;
	struct stat st;

	tmp_make(&t);
	fill_keys(cr, ms);
	k = keylog_new(t.keys, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_int_eq(stat(t.keys, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_uint_eq(st.st_size, 0);

	ck_assert_int_eq(keylog_client_random(k, cr, ms, sizeof(ms)), 0);
	/* on disk before the file is closed: a crash would keep it */
	snprintf(want, sizeof(want), "%s\n", WANT_LINE);
	slurp(t.keys, got, sizeof(got));
	ck_assert_str_eq(got, want);

	ck_assert_int_lt(keylog_client_random(k, cr, ms, 32), 0);
	ck_assert_ptr_nonnull(strstr(keylog_error(k), "32 bytes"));
	ck_assert_int_lt(keylog_line(k, "two\nlines"), 0);
	ck_assert_int_eq(keylog_line(k, "CLIENT_RANDOM ab cd"), 0);
	ck_assert_int_eq(keylog_client_random(k, cr, ms, sizeof(ms)), 0);
	keylog_free(k);
	keylog_free(NULL);
	snprintf(want, sizeof(want), "%s\nCLIENT_RANDOM ab cd\n%s\n",
	    WANT_LINE, WANT_LINE);
	slurp(t.keys, got, sizeof(got));
	ck_assert_str_eq(got, want);

	/* a new key log starts empty */
	k = keylog_new(t.keys, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	keylog_free(k);
	ck_assert_int_eq(stat(t.keys, &st), 0);
	ck_assert_uint_eq(st.st_size, 0);
	tmp_remove(&t);
}
END_TEST

/* tshark from $TSHARK, else from the PATH; NULL when there is none. */
static const char *
find_tshark(char *buf, size_t len)
{
	const char *env = getenv("TSHARK"), *path = getenv("PATH");

	if (env != NULL && *env != '\0')
		return access(env, X_OK) == 0 ? env : NULL;
	while (path != NULL && *path != '\0') {
		size_t n = strcspn(path, ":");
		snprintf(buf, len, "%.*s/tshark", (int)n,
		    n > 0 ? path : ".");
		if (access(buf, X_OK) == 0)
			return buf;
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

START_TEST(test_tshark)
{
	struct tmp t;
	char tshark[512], cmd[1536], line[256], want[256], a[16], b[16];
	const char *ts;
	FILE *p;
	size_t i = 0;

	if ((ts = find_tshark(tshark, sizeof(tshark))) == NULL) {
		printf("capture: tshark not found, its reading of captures "
		    "is not tested\n");
		return;
	}
	tmp_make(&t);
	fill_payload();
	write_pkts(t.a);
	/* checksum validation is off in tshark by default: turn it on, and
	 * 1 is "good" */
	snprintf(cmd, sizeof(cmd), "'%s' -r '%s' -n "
	    "-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE "
	    "-T fields -e frame.time_epoch -e ip.src "
	    "-e ip.dst -e udp.dstport -e ip.checksum.status "
	    "-e udp.checksum.status 2>/dev/null", ts, t.a);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		const struct pkt *k = &PKTS[i];
		int64_t ns = EPOCH + k->t;

		ck_assert_uint_lt(i, NPKTS);
		snprintf(want, sizeof(want), "%lld.%09lld\t%s\t%s\t%u\t1\t1\n",
		    (long long)(ns / 1000000000),
		    (long long)(ns % 1000000000), inet_addr_fmt(k->src, a),
		    inet_addr_fmt(k->dst, b), k->dport);
		ck_assert_str_eq(line, want);
		i++;
	}
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_uint_eq(i, NPKTS);
	printf("capture: %s read %zu frames, nanosecond times and "
	    "checksums as written\n", ts, i);
	tmp_remove(&t);
}
END_TEST

static Suite *
make_suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_read_back);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_full_disk);
	tcase_add_test(tc, test_keylog_format);
	tcase_add_test(tc, test_keylog_file);
	tcase_add_test(tc, test_tshark);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
