// Decoding a JPEG 2000 codestream with OpenJPEG in a child process.
//
// OpenJPEG 2.5.0 (Debian 12) asserts on malformed High-Throughput code-block data (ht_dec.c
// mel_init, found by fuzzing): an abort that no caller can catch. HTJ2K codestreams are therefore
// decoded in a forked child that writes the component planes into memory shared with the parent;
// a child killed by a signal becomes an error in the parent. The child runs only C code (OpenJPEG
// and this file), so no lock held by another thread of the parent at fork() time is needed in it
// except malloc's, which glibc resets in the child.
#ifndef OPENJPEG_CHILD_H
#define OPENJPEG_CHILD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    OPENJPEG_CHILD_MAX_COMPONENTS = 4,
    OPENJPEG_CHILD_MESSAGE_BYTES = 1024,
};

/// How the child ended.
typedef enum {
    OPENJPEG_CHILD_DECODED = 0,        ///< planes hold the samples of every component
    OPENJPEG_CHILD_REFUSED = 1,        ///< OpenJPEG reported an error (message says which)
    OPENJPEG_CHILD_KILLED = 2,         ///< the child died of `signal_number` (an assertion: SIGABRT),
                                       ///< or exited with status `error_number` without a result
                                       ///< (-1: unknown, SIGCHLD is ignored)
    OPENJPEG_CHILD_NOT_STARTED = 3,    ///< shared memory or fork failed (`error_number`)
} openjpeg_child_status;

typedef struct {
    uint32_t width, height, dx, dy, precision, is_signed;
    /// Whether the plane below holds this component's samples (its size is the expected one).
    uint32_t has_samples;
} openjpeg_child_component;

/// Written by the child into shared memory, read by the parent after the child has ended.
typedef struct {
    int32_t status;
    int32_t signal_number;
    int32_t error_number;
    uint32_t component_count;
    uint32_t image_width, image_height;  ///< the SIZ image area (x1 - x0, y1 - y0)
    openjpeg_child_component components[OPENJPEG_CHILD_MAX_COMPONENTS];
    char message[OPENJPEG_CHILD_MESSAGE_BYTES];  ///< NUL-terminated; OpenJPEG's errors, "; "-joined
} openjpeg_child_report;

/// A decode's outcome. `planes[c]` points at `width * height` samples of component c (valid when
/// `report->components[c].has_samples`), inside a mapping released by openjpeg_child_release.
typedef struct {
    openjpeg_child_report report;  ///< copied from shared memory once the child has ended
    const int32_t *planes[OPENJPEG_CHILD_MAX_COMPONENTS];
    void *mapping;
    size_t mapping_bytes;
} openjpeg_child_result;

/// Decodes a raw J2K codestream (SOC first) in a child process. `width`, `height` and `components`
/// are what the caller expects (DICOM's Columns, Rows, Samples per Pixel, at most 4): the shared
/// planes are sized from them, never from the codestream, and the child stops before decoding when
/// SIZ declares another size. `threads` > 1 lets OpenJPEG use that many threads in the child.
/// Always fills `result`; release it with openjpeg_child_release.
void openjpeg_child_decode(const uint8_t *codestream, size_t length, uint32_t width, uint32_t height,
                           uint32_t components, int threads, openjpeg_child_result *result);

void openjpeg_child_release(openjpeg_child_result *result);

#ifdef __cplusplus
}
#endif

#endif
