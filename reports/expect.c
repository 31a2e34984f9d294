/*
 * Expectation outcomes.  A bound that cannot be evaluated (a latency of a
 * flow that delivered nothing) is its own status, and the run treats it as
 * a failure: a check that silently passes on no data would hide exactly the
 * outages users write expectations for.
 */
#include <math.h>
#include <stdio.h>

#include "reports/expect.h"
#include "reports/recorder.h"
#include "sim/units.h"

enum expect_status
expect_check(enum sc_op op, double measured, double bound)
{
	int ok;

	if (isnan(measured) || isnan(bound))
		return EXPECT_NO_DATA;
	switch (op) {
	case SC_OP_BELOW:
		ok = measured < bound;
		break;
	case SC_OP_AT_MOST:
		ok = measured <= bound;
		break;
	case SC_OP_ABOVE:
		ok = measured > bound;
		break;
	case SC_OP_AT_LEAST:
	default:
		ok = measured >= bound;
		break;
	}
	return ok ? EXPECT_PASS : EXPECT_FAIL;
}

const char *
expect_status_name(enum expect_status s)
{
	switch (s) {
	case EXPECT_PASS:
		return "pass";
	case EXPECT_FAIL:
		return "fail";
	default:
		return "no-data";
	}
}

char *
expect_fmt_value(enum sc_metric m, double v, char *buf, size_t len)
{
	return expect_fmt_unit(sc_metric_unit(m), v, buf, len);
}

char *
expect_fmt_unit(const char *u, double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "no data");
	else if (u[0] == 'n')
		units_fmt_time((sb_time)llround(v), buf, len);
	else if (u[0] == 'f')
		snprintf(buf, len, "%.3g%%", v * 100.0);
	else if (u[0] == 'b' && u[1] == 'p')
		units_fmt_rate(v, buf, len);
	else if (u[0] == 'b')
		snprintf(buf, len, "%.0fB", v);
	else if (u[0] == 's')
		snprintf(buf, len, "%.2f", v);   /* a score: MOS, R */
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

char *
expect_message(const char *file, const struct sc_expect *e, double measured,
    double bound, enum expect_status st, char *buf, size_t len)
{
	char mv[64], bv[64];

	expect_fmt_value(e->metric, measured, mv, sizeof(mv));
	expect_fmt_value(e->metric, bound, bv, sizeof(bv));
	if (e->bound_is_ref)
		snprintf(buf, len, "%s:%u:%u: %s: measured %s, reference %s: %s",
		    file, e->loc.line, e->loc.col, e->text, mv, bv,
		    expect_status_name(st));
	else
		snprintf(buf, len, "%s:%u:%u: %s: measured %s: %s", file,
		    e->loc.line, e->loc.col, e->text, mv,
		    expect_status_name(st));
	return buf;
}

enum expect_status
expect_report(struct recorder *rec, const struct scenario *sc, size_t i,
    double m, double b, FILE *out, int *rec_rc)
{
	const struct sc_expect *e = &sc->expects[i];
	enum expect_status st = expect_check(e->op, m, b);
	char msg[1024], subj[256];

	expect_message(sc->path, e, m, b, st, msg, sizeof(msg));
	if (out != NULL)
		fprintf(out, "%s\n", msg);
	sc_target_name(sc, &e->subject, subj, sizeof(subj));
	*rec_rc = 0;
	if (rec != NULL) {
		struct rec_expect re = {
			.idx = (int)i, .line = e->loc.line, .col = e->loc.col,
			.text = e->text, .subject = subj,
			.metric = sc_metric_name(e->metric),
			.op = sc_op_name(e->op), .bound = b, .measured = m,
			.status = expect_status_name(st), .message = msg,
		};
		*rec_rc = recorder_expect(rec, &re);
	}
	return st;
}
