/*
 * The recorder: a run's results in SQLite, one file per run by default.
 *
 * WAL mode; rows are written inside a transaction that recorder_commit()
 * closes at every sampling tick, so a run killed at any moment leaves a file
 * holding every batch committed before.  The run's row is written and
 * committed first, with status 'running', and updated at the end to
 * 'completed', 'interrupted' or 'failed'.  docs/schema.md documents the
 * tables.
 */
#ifndef SASEBED_REPORTS_RECORDER_H
#define SASEBED_REPORTS_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "wan/platform.h"

struct recorder;

struct rec_run {
	const char *scenario;     /* the scenario's name */
	const char *path;         /* its file */
	uint64_t seed;
	const char *version;
	sb_time duration;         /* planned simulated time */
	sb_time sample_interval;
	int64_t start_utc_s;      /* scenario clock at t = 0 */
	int start_offset_min;
};

struct rec_node {
	int id;
	const char *name;
	const char *kind;         /* "site", "pop" */
	const char *city;
	double lat, lon;
	const char *pop;          /* a site's PoP, or NULL */
};

struct rec_link {
	int id;
	const char *name;         /* "mumbai-branch/wan1:up" */
	const char *kind;         /* "access", "backbone", "internet" */
	const char *src, *dst;    /* node names, or city names for internet */
	uint64_t bandwidth_bps;
	uint64_t queue_bytes;
	sb_time delay;
	double loss_expected;     /* the loss model's long-run rate */
	const char *profile;      /* or NULL */
};

struct rec_flow {
	int id;
	const char *name;
	const char *kind;         /* "udp-cbr", ... */
	const char *src, *dst;
	const char *via;          /* "backbone", "internet" */
	uint64_t rate_bps;
	uint32_t packet_bytes;
};

struct rec_flow_sample {
	int flow;
	sb_time t;                /* end of the interval */
	uint64_t sent, delivered, dropped, bytes;
	double loss, latency_mean, jitter, throughput_bps;
	int64_t latency_p50, latency_p95, latency_p99; /* -1: no packet */
};

struct rec_link_sample {
	int link;
	sb_time t;
	uint64_t packets, bytes, drops_queue, drops_loss, drops_down;
	double loss, delay_mean, throughput_bps, utilisation;
	uint64_t queue_bytes, queue_max;
	int up;
};

/* One evaluation of a Socket link's last-mile health. */
struct rec_link_health {
	sb_time t;
	const char *site, *link, *pop;
	int64_t probes, answered;
	double loss, loss_up, loss_down;  /* NaN: not known */
	sb_time latency, jitter;          /* -1: not known */
	const char *verdict;              /* "ok", "loss+jitter", ... */
	const char *state;                /* the link's state after it */
};

struct rec_expect {
	int idx;
	unsigned line, col;
	const char *text;
	const char *subject;
	const char *metric;
	const char *op;
	double bound;
	double measured;          /* NaN: no data */
	const char *status;       /* "pass", "fail", "no-data" */
	const char *message;
};

/* Create a fresh results file at path (an existing one is replaced) with
 * the schema and the run's row, committed.  NULL with a message on error. */
struct recorder *recorder_open(const char *path, const struct rec_run *run,
    char *err, size_t errlen);

int recorder_node(struct recorder *r, const struct rec_node *n);
int recorder_link(struct recorder *r, const struct rec_link *l);
int recorder_flow(struct recorder *r, const struct rec_flow *f);
int recorder_flow_sample(struct recorder *r, const struct rec_flow_sample *s);
int recorder_link_sample(struct recorder *r, const struct rec_link_sample *s);
int recorder_link_health(struct recorder *r,
    const struct rec_link_health *h);
int recorder_event(struct recorder *r, sb_time t, const struct sb_event *ev);
/* A final metric: scope "flow", "link", "site"; unit "ns", "fraction",... */
int recorder_metric(struct recorder *r, const char *scope,
    const char *subject, const char *metric, double value, const char *unit);
int recorder_expect(struct recorder *r, const struct rec_expect *e);
/* One point of a flow's one-way latency distribution over the run: the
 * q-quantile (0 the least, 1 the most). */
int recorder_flow_cdf(struct recorder *r, int flow_id, double q,
    sb_time latency);

/* Close the batch: commit what was written since the last call. */
int recorder_commit(struct recorder *r);

/* Mark the run finished ("completed", "interrupted", "failed") and commit. */
int recorder_finish(struct recorder *r, const char *status, sb_time reached,
    uint64_t events, double wall_s);

/* The last error's text (SQLite's message with what was being done). */
const char *recorder_error(const struct recorder *r);

/* Close; an unfinished run stays 'running' (it was killed). */
void recorder_close(struct recorder *r);

/*
 * A results file left by a killed run (status 'running', and no process
 * writing it) is marked 'interrupted', with reached_ns the last sampling
 * tick it holds.  Returns 1 if it marked the run so, 0 if there was
 * nothing to do (a finished run, a run still being written, a file it
 * cannot open: the caller's own open will say why), -1 with err on a
 * failed update.
 */
int recorder_recover(const char *path, char *err, size_t errlen);

#endif
