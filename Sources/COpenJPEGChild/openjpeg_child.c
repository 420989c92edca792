// See openjpeg_child.h for why this exists. Everything between fork() and _exit() is C: OpenJPEG,
// libc, and the three memory-stream callbacks below.
#define _GNU_SOURCE
#include "openjpeg_child.h"

#include <errno.h>
#include <fcntl.h>
#include <openjpeg.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    const uint8_t *data;
    size_t length;
    size_t position;
} memory_source;

// OpenJPEG's end of stream is (OPJ_SIZE_T)-1.
static OPJ_SIZE_T source_read(void *buffer, OPJ_SIZE_T wanted, void *context) {
    memory_source *source = context;
    if (source->position >= source->length) return (OPJ_SIZE_T)-1;
    size_t n = source->length - source->position;
    if (n > wanted) n = wanted;
    memcpy(buffer, source->data + source->position, n);
    source->position += n;
    return n;
}

static OPJ_OFF_T source_skip(OPJ_OFF_T distance, void *context) {
    memory_source *source = context;
    OPJ_OFF_T target = (OPJ_OFF_T)source->position + distance;
    if (target < 0) target = 0;
    if (target > (OPJ_OFF_T)source->length) target = (OPJ_OFF_T)source->length;
    OPJ_OFF_T moved = target - (OPJ_OFF_T)source->position;
    source->position = (size_t)target;
    return moved;
}

static OPJ_BOOL source_seek(OPJ_OFF_T offset, void *context) {
    memory_source *source = context;
    if (offset < 0 || offset > (OPJ_OFF_T)source->length) return OPJ_FALSE;
    source->position = (size_t)offset;
    return OPJ_TRUE;
}

// Error messages go straight into shared memory, so the parent has them even when the child
// dies afterwards.
static void append_message(const char *message, void *context) {
    openjpeg_child_report *report = context;
    size_t used = strnlen(report->message, sizeof report->message);
    size_t length = strlen(message);
    while (length > 0 && (message[length - 1] == '\n' || message[length - 1] == ' ')) length--;
    if (length == 0 || used + 3 >= sizeof report->message) return;
    if (used > 0) {
        memcpy(report->message + used, "; ", 2);
        used += 2;
    }
    size_t room = sizeof report->message - used - 1;
    if (length > room) length = room;
    memcpy(report->message + used, message, length);
    report->message[used + length] = '\0';
}

static void ignore_message(const char *message, void *context) {
    (void)message;
    (void)context;
}

// Appends what the child wrote to stderr (glibc's "PROGRAM: FILE:LINE: FUNCTION: Assertion ...
// failed."), without the program name, to the report's messages.
static void append_child_stderr(int fd, openjpeg_child_report *report) {
    char text[OPENJPEG_CHILD_MESSAGE_BYTES];
    ssize_t n = read(fd, text, sizeof text - 1);
    if (n <= 0) return;
    text[n] = '\0';
    char *line = strtok(text, "\n");
    while (line != NULL) {
        size_t name = strlen(program_invocation_short_name);
        if (strncmp(line, program_invocation_short_name, name) == 0 && strncmp(line + name, ": ", 2) == 0) line += name + 2;
        append_message(line, report);
        line = strtok(NULL, "\n");
    }
}

static openjpeg_child_status decode(const uint8_t *codestream, size_t length, uint32_t width,
                                    uint32_t height, uint32_t components, int threads,
                                    openjpeg_child_report *report, int32_t *planes) {
    opj_codec_t *codec = opj_create_decompress(OPJ_CODEC_J2K);
    if (codec == NULL) {
        append_message("OpenJPEG decompressor could not be created", report);
        return OPENJPEG_CHILD_REFUSED;
    }
    opj_set_error_handler(codec, append_message, report);
    opj_set_warning_handler(codec, ignore_message, NULL);
    opj_set_info_handler(codec, ignore_message, NULL);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    if (!opj_setup_decoder(codec, &parameters)) {
        opj_destroy_codec(codec);
        return OPENJPEG_CHILD_REFUSED;
    }
    if (threads > 1 && opj_has_thread_support()) opj_codec_set_threads(codec, threads);

    memory_source source = {codestream, length, 0};
    opj_stream_t *stream = opj_stream_create(1 << 16, OPJ_TRUE);
    if (stream == NULL) {
        opj_destroy_codec(codec);
        append_message("OpenJPEG stream could not be created", report);
        return OPENJPEG_CHILD_REFUSED;
    }
    opj_stream_set_user_data(stream, &source, NULL);
    opj_stream_set_user_data_length(stream, length);
    opj_stream_set_read_function(stream, source_read);
    opj_stream_set_skip_function(stream, source_skip);
    opj_stream_set_seek_function(stream, source_seek);

    openjpeg_child_status status = OPENJPEG_CHILD_REFUSED;
    opj_image_t *image = NULL;
    if (!opj_read_header(stream, codec, &image) || image == NULL) goto done;
    report->image_width = image->x1 - image->x0;
    report->image_height = image->y1 - image->y0;
    report->component_count = image->numcomps;
    // OpenJPEG allocates what SIZ declares: nothing is decoded unless it is what the caller expects.
    if (report->image_width != width || report->image_height != height || image->numcomps != components) {
        status = OPENJPEG_CHILD_DECODED;  // the parent compares the geometry and says what differs
        goto done;
    }
    if (!opj_decode(codec, stream, image) || !opj_end_decompress(codec, stream)) goto done;
    size_t plane = (size_t)width * height;
    for (uint32_t c = 0; c < image->numcomps && c < OPENJPEG_CHILD_MAX_COMPONENTS; c++) {
        const opj_image_comp_t *comp = &image->comps[c];
        openjpeg_child_component *out = &report->components[c];
        out->width = comp->w;
        out->height = comp->h;
        out->dx = comp->dx;
        out->dy = comp->dy;
        out->precision = comp->prec;
        out->is_signed = comp->sgnd;
        out->has_samples = comp->data != NULL && (size_t)comp->w * comp->h == plane;
        if (out->has_samples) memcpy(planes + c * plane, comp->data, plane * sizeof(int32_t));
    }
    status = OPENJPEG_CHILD_DECODED;
done:
    if (image != NULL) opj_image_destroy(image);
    opj_stream_destroy(stream);
    opj_destroy_codec(codec);
    return status;
}

void openjpeg_child_decode(const uint8_t *codestream, size_t length, uint32_t width, uint32_t height,
                           uint32_t components, int threads, openjpeg_child_result *result) {
    memset(result, 0, sizeof *result);
    if (components == 0 || components > OPENJPEG_CHILD_MAX_COMPONENTS) {
        result->report.status = OPENJPEG_CHILD_REFUSED;
        snprintf(result->report.message, sizeof result->report.message,
                 "%u components: at most %d are decoded", components, OPENJPEG_CHILD_MAX_COMPONENTS);
        return;
    }
    // The report, then the planes on a 64-byte boundary. width and height are 16-bit in DICOM,
    // so the size cannot overflow.
    size_t header = (sizeof(openjpeg_child_report) + 63) / 64 * 64;
    size_t plane = (size_t)width * height;
    size_t bytes = header + plane * components * sizeof(int32_t);
    void *mapping = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) {
        result->report.status = OPENJPEG_CHILD_NOT_STARTED;
        result->report.error_number = errno;
        return;
    }
    result->mapping = mapping;
    result->mapping_bytes = bytes;
    openjpeg_child_report *report = mapping;
    int32_t *planes = (int32_t *)((uint8_t *)mapping + header);
    for (uint32_t c = 0; c < components; c++) result->planes[c] = planes + c * plane;
    // What the parent finds if the child ends any other way than by returning below.
    report->status = OPENJPEG_CHILD_KILLED;

    // The child's stderr, where an assertion prints what failed, comes back through a pipe
    // into the report instead of interleaving with dicomtool's own one-line errors. Non-blocking
    // both ends: a child that writes more than the pipe holds loses the rest, never waits.
    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        report->status = OPENJPEG_CHILD_NOT_STARTED;
        report->error_number = errno;
        result->report = *report;
        return;
    }
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
        report->status = OPENJPEG_CHILD_NOT_STARTED;
        report->error_number = errno;
        result->report = *report;
        close(err_pipe[0]);
        close(err_pipe[1]);
        return;
    }
    if (child == 0) {
        // The parent's handlers (a fuzzer's crash reporter, dicomtool's SIGINT flag) are not
        // the child's business: a fault or an assertion ends the child, which is the point.
        static const int defaults[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGINT, SIGTERM, SIGPIPE};
        for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) signal(defaults[i], SIG_DFL);
        // A child outliving a killed parent would only burn CPU.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        dup2(err_pipe[1], STDERR_FILENO);
        report->status = decode(codestream, length, width, height, components, threads, report, planes);
        _exit(0);
    }
    close(err_pipe[1]);
    int wait_status = 0;
    pid_t waited;
    do {
        waited = waitpid(child, &wait_status, 0);
    } while (waited < 0 && errno == EINTR);
    int wait_error = waited < 0 ? errno : 0;  // before read() and close() may change errno
    append_child_stderr(err_pipe[0], report);
    close(err_pipe[0]);
    if (wait_error == ECHILD) {
        // SIGCHLD ignored (a disposition inherited through exec): the kernel reaped the child,
        // and waitpid returned once it had ended. Its report says how far it got: KILLED unless
        // it returned from decode(), then with no signal or status known (-1).
        if (report->status == OPENJPEG_CHILD_KILLED) report->error_number = -1;
    } else if (waited < 0) {
        report->status = OPENJPEG_CHILD_NOT_STARTED;
        report->error_number = wait_error;
    } else if (WIFSIGNALED(wait_status)) {
        report->status = OPENJPEG_CHILD_KILLED;
        report->signal_number = WTERMSIG(wait_status);
    } else if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) != 0) {
        // Not our _exit(0): a sanitizer's report, or the parent gone.
        report->status = OPENJPEG_CHILD_KILLED;
        report->signal_number = 0;
        report->error_number = WEXITSTATUS(wait_status);
    }
    result->report = *report;
}

void openjpeg_child_release(openjpeg_child_result *result) {
    if (result->mapping != NULL) munmap(result->mapping, result->mapping_bytes);
    result->mapping = NULL;
    for (int c = 0; c < OPENJPEG_CHILD_MAX_COMPONENTS; c++) result->planes[c] = NULL;
}
