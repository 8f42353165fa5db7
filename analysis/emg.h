/* analysis/emg.h: surface-EMG linear envelope.
 *
 * Processing (the usual linear envelope; De Luca et al. 2010, J Biomech 43:1573 for the 20 Hz
 * high-pass against movement artefact; Winter 2009, Biomechanics and Motor Control of Human
 * Movement, ch. 10, for the rectify-and-low-pass envelope):
 *   1. band-pass 20-450 Hz: 4th-order Butterworth high-pass at 20 Hz, then 4th-order Butterworth
 *      low-pass at 450 Hz (skipped when 450 Hz >= fs/2), each run forward and backward (zero
 *      phase; the effective order doubles and the -3 dB point moves to where the single pass is
 *      -1.5 dB);
 *   2. full-wave rectification (absolute value);
 *   3. low-pass 6 Hz, 4th-order Butterworth, forward and backward; negative ringing set to 0;
 *   4. normalisation (emg_normalise_peak): divided by the peak of the mean gait-cycle curve, so
 *      envelope and model excitation are compared in shape (Pearson r), not in amplitude.
 * Butterworth sections are designed by the bilinear transform with frequency pre-warping (second-
 * order sections with Q = 1/(2 sin((2k-1) pi / 2N)), N = 4: Q = 1.3066, 0.5412). Filtering pads each
 * end with an odd reflection of the signal so that the edges do not ring. */
#ifndef D2M_ANALYSIS_EMG_H
#define D2M_ANALYSIS_EMG_H

#define EMG_HP_HZ 20.0
#define EMG_BP_HI_HZ 450.0
#define EMG_ENV_HZ 6.0

typedef struct emg_biquad {
  double b0, b1, b2, a1, a2;
} emg_biquad;

/* 2nd-order Butterworth-section design (highpass = 0: low-pass), cutoff fc at rate fs, quality q. */
emg_biquad emg_biquad_design(double fc, double fs, double q, int highpass);
/* 4th-order Butterworth (two sections) applied forward and backward in place on x[n]. */
void emg_filtfilt4(double *x, int n, double fc, double fs, int highpass);
/* The envelope of raw[n] (sampled at fs) into env[n] (steps 1-3 above). env may equal raw. */
void emg_envelope(const double *raw, int n, double fs, double *env);
/* x[n] /= max(x) when the max is > 0. */
void emg_normalise_peak(double *x, int n);

#endif
