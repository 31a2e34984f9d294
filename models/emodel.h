/*
 * The E-model of ITU-T G.107, simplified to what a packet network changes:
 * it turns a voice call's mouth-to-ear delay and packet loss into a
 * transmission rating R (0..100) and a mean opinion score (1..4.5).
 *
 *   R = (Ro - Is) - Id - Ie,eff + A
 *
 * Everything that is not the network is held at G.107's default values
 * (send and receive loudness, room noise, sidetone, echo loss), which makes
 * Ro - Is = 93.2 with A = 0: the rating of a G.711 call with no delay and
 * no loss.  Id is the Cole-Rosenbluth approximation of G.107's delay
 * impairment at those defaults (see emodel_id); Ie,eff is G.107's own
 * formula with the codec figures of ITU-T G.113 Appendix I (for Opus,
 * which G.113 lacks, published figures; emodel.c says which).
 *
 * It is the narrowband model: a wideband codec is rated no better than
 * G.711 here, whatever its bandwidth, and R above 93.2 cannot happen.  It
 * is not a listening-quality model of any one call either: the E-model is
 * a planning tool whose figures are averages over listeners and talkers,
 * valid for loss up to about 20% and delay up to about 500 ms.  Nor does
 * it model echo, noise or codec tandems.
 *
 * Pure functions of their arguments, no state.  models/voicecall.h feeds it
 * from the packets of a call.
 */
#ifndef SASEBED_MODELS_EMODEL_H
#define SASEBED_MODELS_EMODEL_H

#include "wan/platform.h"

/* The codecs rated here.  The scenario has its own enum; the world maps it
 * to this one so that models/ does not depend on the scenario. */
enum emodel_codec {
	EMODEL_G711 = 0,  /* with G.711 Appendix I packet-loss concealment */
	EMODEL_G729,      /* G.729 and G.729A: the G.729A + VAD figures */
	EMODEL_OPUS,      /* no G.113 figures; see the table in emodel.c */
	EMODEL__COUNT
};

/* R at G.107's default values with no delay and no loss: Ro - Is, A = 0. */
#define EMODEL_R_DEFAULT 93.2

struct emodel_codec_info {
	const char *name;    /* "G.711" */
	double ie;           /* equipment impairment factor, R points */
	double bpl;          /* packet-loss robustness factor */
	sb_time lookahead;   /* coding delay beyond one frame, ns (G.729's
	                        5 ms, Opus's 6.5 ms): part of mouth-to-ear */
};

/* The table entry of a codec, or NULL for a value outside the enum. */
const struct emodel_codec_info *emodel_codec_info(enum emodel_codec c);

/* The delay impairment Id for a mouth-to-ear delay of ta_ms milliseconds
 * (Cole-Rosenbluth): 0.024 ta + 0.11 (ta - 177.3) for ta > 177.3, else
 * 0.024 ta.  A negative delay counts as 0. */
double emodel_id(double ta_ms);

/* The effective equipment impairment of G.107 for ppl_percent of packets
 * lost (0..100) with burst ratio burst_r:
 *   Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl).
 * burst_r is 1 for random loss and above 1 for bursty loss; a value below 1
 * or not a number counts as 1.  Ppl outside 0..100 is clamped.  NaN for an
 * unknown codec. */
double emodel_ie_eff(enum emodel_codec c, double ppl_percent, double burst_r);

/* R = 93.2 - Id(ta_ms) - Ie,eff(c, ppl_percent, burst_r).  Not clamped:
 * it can go below 0 (emodel_mos takes care of that).  NaN for an unknown
 * codec. */
double emodel_r(enum emodel_codec c, double ta_ms, double ppl_percent,
    double burst_r);

/* G.107 Annex B: MOS = 1 for R < 0, 4.5 for R > 100, else
 * 1 + 0.035 R + R (R - 60) (100 - R) 7e-6, held at 1 where that cubic
 * dips below it (0 < R < 6.5).  NaN stays NaN. */
double emodel_mos(double r);

/*
 * G.107's burst ratio of a two-state Markov loss process whose bad state
 * loses every packet and whose good state loses none (models/loss.h's
 * Gilbert-Elliott with bad_loss 1 and good_loss 0):
 *   BurstR = 1 / (p + r)
 * with p the per-packet probability of moving good -> bad and r that of
 * moving bad -> good.  Its loss rate is p / (p + r) and its mean burst
 * 1 / r; with p + r = 1 the process is random loss and BurstR is 1.  NaN
 * unless both are in [0, 1] and p + r > 0.
 */
double emodel_burst_r(double p, double r);

#endif
