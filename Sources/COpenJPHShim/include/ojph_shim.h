// A C interface to OpenJPH's HTJ2K encoder (OpenJPH is C++ and reports errors by throwing),
// so that Swift calls plain C functions and never sees a C++ exception.
#ifndef OJPH_SHIM_H
#define OJPH_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Encodes one image as an HTJ2K codestream (ISO/IEC 15444-15), a single tile and one layer.
///
/// `samples` holds width * height * components values, colour-by-pixel, each already the sample's
/// value (sign-extended when `is_signed`). `reversible` selects the 5/3 wavelet and RCT; otherwise
/// the 9/7 wavelet and ICT with `quantization_step` (OpenJPH's base step, relative to a unit
/// sample range). `color_transform` is honoured for three components only. `progression_rpcl`
/// writes RPCL instead of LRCP. `decompositions` is the number of wavelet levels.
///
/// Returns 0 and a malloc'ed codestream in *out (release with ojph_shim_free), or -1 and a
/// NUL-terminated message in `err` (at most err_len bytes including the NUL).
int ojph_shim_encode(const int32_t *samples, int width, int height, int components,
                     int bit_depth, int is_signed, int reversible, float quantization_step,
                     int color_transform, int progression_rpcl, int decompositions,
                     uint8_t **out, size_t *out_len, char *err, size_t err_len);

/// Releases a codestream returned by ojph_shim_encode.
void ojph_shim_free(uint8_t *codestream);

/// OpenJPH's version as "major.minor.patch", for the version report.
const char *ojph_shim_version(void);

#ifdef __cplusplus
}
#endif

#endif
