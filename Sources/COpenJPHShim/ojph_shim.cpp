#include "ojph_shim.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <exception>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#include <openjph/ojph_arch.h>
#include <openjph/ojph_file.h>
#include <openjph/ojph_mem.h>
#include <openjph/ojph_params.h>
#include <openjph/ojph_codestream.h>
#include <openjph/ojph_message.h>
#include <openjph/ojph_version.h>

namespace {

// OpenJPH's own error handler prints to stderr and throws a bare "ojph error"; this one throws
// the formatted message instead, so the caller can report it, and prints nothing.
class ThrowingError : public ojph::message_error {
public:
    void operator()(int code, const char *file, int line, const char *fmt, ...) override {
        char text[512];
        va_list args;
        va_start(args, fmt);
        std::vsnprintf(text, sizeof text, fmt, args);
        va_end(args);
        char full[640];
        std::snprintf(full, sizeof full, "%s (OpenJPH 0x%08X at %s:%d)", text, code, file ? file : "?", line);
        throw std::runtime_error(full);
    }
};

// Warnings and progress messages are not errors; a library must not write to the tool's stdout.
class SilentWarning : public ojph::message_warning {
public:
    void operator()(int, const char *, int, const char *, ...) override {}
};

class SilentInfo : public ojph::message_info {
public:
    void operator()(int, const char *, int, const char *, ...) override {}
};

// The handlers are process-wide in OpenJPH; they hold no state, so one set serves every thread.
void install_handlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        static ThrowingError error;
        static SilentWarning warning;
        static SilentInfo info;
        ojph::configure_error(&error);
        ojph::configure_warning(&warning);
        ojph::configure_info(&info);
    });
}

// OpenJPH 0.9.0 (Debian 12) reads past a subband line's width when it finds a code-block's largest
// magnitude (its 8-lane tx_to_cb), and those padding samples come from malloc without being
// written: whether an all-zero code-block is coded then depends on what the heap held before, so
// the same pixels gave codestreams of different lengths in one process (2,232 to 2,270 bytes for
// a 100x100 image; all decode to the same pixels). Memory allocated while an encode runs is
// zero-filled (glibc's M_PERTURB with 0xFF fills allocations with 0x00), which gives the
// codestream a heap in a clean state gives. M_PERTURB is process-wide: a count keeps it on while
// any thread encodes.
class ZeroFilledAllocations {
public:
    ZeroFilledAllocations() {
        std::lock_guard<std::mutex> guard(mutex());
        if (count()++ == 0) mallopt(M_PERTURB, 0xFF);
    }
    ~ZeroFilledAllocations() {
        std::lock_guard<std::mutex> guard(mutex());
        if (--count() == 0) mallopt(M_PERTURB, 0);
    }
    ZeroFilledAllocations(const ZeroFilledAllocations &) = delete;
    ZeroFilledAllocations &operator=(const ZeroFilledAllocations &) = delete;

private:
    static std::mutex &mutex() {
        static std::mutex m;
        return m;
    }
    static int &count() {
        static int n = 0;
        return n;
    }
};

void set_error(char *err, size_t err_len, const char *message) {
    if (err == nullptr || err_len == 0) return;
    std::snprintf(err, err_len, "%s", message);
}

}  // namespace

extern "C" int ojph_shim_encode(const int32_t *samples, int width, int height, int components,
                                int bit_depth, int is_signed, int reversible, float quantization_step,
                                int color_transform, int progression_rpcl, int decompositions,
                                uint8_t **out, size_t *out_len, char *err, size_t err_len) {
    if (out == nullptr || out_len == nullptr || samples == nullptr) {
        set_error(err, err_len, "null argument");
        return -1;
    }
    *out = nullptr;
    *out_len = 0;
    if (width <= 0 || height <= 0 || components <= 0 || components > 4 || bit_depth <= 0 || bit_depth > 32
        || decompositions < 0 || decompositions > 32) {
        set_error(err, err_len, "image geometry out of range");
        return -1;
    }
    if (!reversible && !(quantization_step > 0.0f && quantization_step < 1.0f)) {
        set_error(err, err_len, "quantization step must be in (0, 1)");
        return -1;
    }
    try {
        install_handlers();
        ZeroFilledAllocations zero_filled;  // before the codestream: its buffers are allocated as it is built
        const ojph::ui32 w = static_cast<ojph::ui32>(width), h = static_cast<ojph::ui32>(height);
        const ojph::ui32 n = static_cast<ojph::ui32>(components);
        ojph::codestream codestream;
        ojph::param_siz siz = codestream.access_siz();
        siz.set_image_extent(ojph::point(w, h));
        siz.set_num_components(n);
        for (ojph::ui32 c = 0; c < n; ++c)
            siz.set_component(c, ojph::point(1, 1), static_cast<ojph::ui32>(bit_depth), is_signed != 0);
        siz.set_image_offset(ojph::point(0, 0));
        siz.set_tile_size(ojph::size(w, h));
        siz.set_tile_offset(ojph::point(0, 0));

        ojph::param_cod cod = codestream.access_cod();
        cod.set_num_decomposition(static_cast<ojph::ui32>(decompositions));
        cod.set_block_dims(64, 64);
        cod.set_progression_order(progression_rpcl ? "RPCL" : "LRCP");
        const bool transform = color_transform != 0 && n == 3;
        cod.set_color_transform(transform);
        cod.set_reversible(reversible != 0);
        if (!reversible) codestream.access_qcd().set_irrev_quant(quantization_step);
        // Line exchange walks the components of one row before the next row (the colour
        // transform needs all three lines of a row together).
        codestream.set_planar(false);

        ojph::mem_outfile file;
        file.open();
        codestream.write_headers(&file);
        ojph::ui32 component = 0;
        ojph::line_buf *line = codestream.exchange(nullptr, component);
        const size_t row_stride = static_cast<size_t>(w) * n;
        for (ojph::ui32 y = 0; y < h; ++y) {
            for (ojph::ui32 k = 0; k < n; ++k) {
                if (line == nullptr || component >= n) throw std::runtime_error("OpenJPH asked for no line");
                const int32_t *src = samples + y * row_stride + component;
                ojph::si32 *dst = line->i32;
                for (ojph::ui32 x = 0; x < w; ++x) dst[x] = src[static_cast<size_t>(x) * n];
                line = codestream.exchange(line, component);
            }
        }
        codestream.flush();
        const ojph::si64 length = file.tell();
        if (length <= 0) throw std::runtime_error("OpenJPH wrote an empty codestream");
        uint8_t *bytes = static_cast<uint8_t *>(std::malloc(static_cast<size_t>(length)));
        if (bytes == nullptr) throw std::bad_alloc();
        std::memcpy(bytes, file.get_data(), static_cast<size_t>(length));
        codestream.close();
        *out = bytes;
        *out_len = static_cast<size_t>(length);
        return 0;
    } catch (const std::exception &e) {
        set_error(err, err_len, e.what());
        return -1;
    } catch (...) {
        set_error(err, err_len, "unknown C++ exception from OpenJPH");
        return -1;
    }
}

extern "C" void ojph_shim_free(uint8_t *codestream) { std::free(codestream); }

#define OJPH_SHIM_STR2(x) #x
#define OJPH_SHIM_STR(x) OJPH_SHIM_STR2(x)

extern "C" const char *ojph_shim_version(void) {
    return OJPH_SHIM_STR(OPENJPH_VERSION_MAJOR) "." OJPH_SHIM_STR(OPENJPH_VERSION_MINOR) "."
        OJPH_SHIM_STR(OPENJPH_VERSION_PATCH);
}
