/*
 * The simplified E-model: one const table of codec figures and the
 * formulas of G.107 that a network changes.  No state.
 *
 * Why Cole-Rosenbluth for Id rather than G.107's Idd + Idte + Idle: the
 * full delay impairment needs the echo path (T, Tr, TELR, WEPL) besides
 * the mouth-to-ear delay Ta; with the echo parameters at G.107's defaults
 * it is a smooth curve of Ta alone, which Cole and Rosenbluth ("Voice over
 * IP performance monitoring", ACM SIGCOMM CCR 31(2), 2001) fitted with two
 * straight lines: 0.024 R points per ms, and 0.11 more per ms past
 * 177.3 ms, where the loss of interactivity starts to bite.  It is widely
 * used in VoIP monitoring (so our figures compare with theirs), it needs
 * nothing the simulator does not know, and it can be checked by hand.
 * Cole and Rosenbluth pair it with R = 94.2 - Id - Ie; we start from
 * G.107's own default rating of 93.2 instead, so that no delay and no loss
 * give what G.107 gives (MOS 4.41).
 */
#include <math.h>
#include <stddef.h>

#include "models/emodel.h"

/*
 * Ie and Bpl from ITU-T G.113 (11/2007) Appendix I.
 * G.113 gives each Bpl for one packet size; we use it for any ptime, as
 * everyone does for lack of a better figure.
 *
 * G.711: Ie 0; Bpl 25.1 with the packet-loss concealment of G.711
 * Appendix I, 4.3 without.  We use 25.1: every VoIP stack deployed today
 * conceals loss (repeats or extrapolates the last pitch period), and
 * scoring G.711 as if each lost packet were a hole of silence would make
 * 1% loss cost 18 R points instead of 3.6.
 *
 * G.729: the figures G.113 gives with a Bpl are for G.729A with VAD,
 * Ie 11 and Bpl 19.0 (plain G.729 has Ie 10 there but no Bpl).
 * Deployed G.729 is nearly always Annex A, so one entry serves both.
 * Look-ahead 5 ms on top of the 10 ms frame (G.729's own figures).
 *
 * Opus: G.113's Appendix I has no entry for it.  The figures we use come
 * from Alahmadi, Pocta and Melvin, "An adaptive bitrate switching
 * algorithm for speech applications in context of WebRTC", ACM TOMM 17(4),
 * 2021, art. 133, who derived Ie and Bpl for Opus at 6..40 kbit/s with the
 * instrumental method of ITU-T P.834 (P.863 in place of listening tests),
 * on the narrowband scale up to 11 kbit/s and on the wideband and
 * super-wideband scales above (as tabulated in the first author's
 * published Opus_emodel.js).  Ie and Bpl belong to the scale they were
 * derived on, so only the narrowband rows fit this model, and of those we
 * take the highest rate, 11 kbit/s CBR under random loss: Ie 2.0 (down
 * from 46 at 6 kbit/s) and Bpl 16.0 (15.95).  VoIP stacks run Opus faster
 * and wider than that, which a narrowband model cannot credit anyway; the
 * Bpl is the part that matters, and under random loss every row of that
 * work puts Opus's between about 9 and 25, below G.711 with PLC, so we do
 * not assume Opus conceals loss better than its own measurements say.
 * In-band FEC is not modelled.  Look-ahead 6.5 ms (libopus's default:
 * 26.5 ms algorithmic delay with 20 ms frames).
 */
static const struct emodel_codec_info codecs[EMODEL__COUNT] = {
	[EMODEL_G711] = { .name = "G.711", .ie = 0.0, .bpl = 25.1,
		.lookahead = 0 },
	[EMODEL_G729] = { .name = "G.729", .ie = 11.0, .bpl = 19.0,
		.lookahead = 5 * SB_MS },
	[EMODEL_OPUS] = { .name = "Opus", .ie = 2.0, .bpl = 16.0,
		.lookahead = 6500 * SB_US },
};

/* Where the second slope of Cole-Rosenbluth starts, ms. */
#define CR_KNEE_MS 177.3

const struct emodel_codec_info *
emodel_codec_info(enum emodel_codec c)
{
	/* The cast catches negative values an int may carry into the enum. */
	if ((unsigned)c >= EMODEL__COUNT)
		return NULL;
	return &codecs[c];
}

double
emodel_id(double ta_ms)
{
	double id;

	if (!(ta_ms > 0.0))
		return 0.0;
	id = 0.024 * ta_ms;
	if (ta_ms > CR_KNEE_MS)
		id += 0.11 * (ta_ms - CR_KNEE_MS);
	return id;
}

double
emodel_ie_eff(enum emodel_codec c, double ppl_percent, double burst_r)
{
	const struct emodel_codec_info *ci = emodel_codec_info(c);
	double ppl = ppl_percent;

	if (ci == NULL)
		return NAN;
	if (!(ppl > 0.0))
		ppl = 0.0;      /* and NaN: no loss we can speak of */
	else if (ppl > 100.0)
		ppl = 100.0;
	/* G.107 defines BurstR >= 1; smoother than random is scored as
	 * random rather than credited for a pattern the model never saw. */
	if (!(burst_r >= 1.0))
		burst_r = 1.0;
	return ci->ie + (95.0 - ci->ie) * ppl / (ppl / burst_r + ci->bpl);
}

double
emodel_r(enum emodel_codec c, double ta_ms, double ppl_percent,
    double burst_r)
{
	return EMODEL_R_DEFAULT - emodel_id(ta_ms)
	    - emodel_ie_eff(c, ppl_percent, burst_r);
}

/*
 * The cubic dips below 1 for 0 < R < 6.5 (its least is 0.989 at R = 3.2),
 * which is off the scale and would make MOS rise as R falls there; it is
 * held at 1, which keeps MOS non-decreasing in R everywhere.
 */
double
emodel_mos(double r)
{
	double mos;

	if (isnan(r))
		return r;
	if (r < 0.0)
		return 1.0;
	if (r > 100.0)
		return 4.5;
	mos = 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6;
	return mos < 1.0 ? 1.0 : mos;
}

double
emodel_burst_r(double p, double r)
{
	if (!(p >= 0.0 && p <= 1.0 && r >= 0.0 && r <= 1.0) || p + r <= 0.0)
		return NAN;
	return 1.0 / (p + r);
}
