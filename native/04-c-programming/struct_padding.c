/*
 * struct_padding.c - how big is a struct whose fields are in a bad order?
 *
 * usage: struct_padding
 *
 * The experiment: nothing is timed; the compiler decides. Every field is placed at the
 * next offset that is a multiple of its alignment (on x86-64 and 64-bit Arm Linux:
 * alignment = size for these scalar types), and the whole struct is rounded up to a
 * multiple of its largest alignment so that the next element of an array is aligned too.
 * value = sizeof(struct sample_bad); detail has the offsets, and sizeof the same fields
 * sorted largest first.
 *
 * Worked out by hand for sample_bad (offset: field, then padding):
 *    0 label (1)    1-7  pad 7
 *    8 offset (8)
 *   16 height (2)  18-23 pad 6
 *   24 mean (8)
 *   32 channels (1) 33-35 pad 3
 *   36 nbytes (4)
 *   40 flags (1)   41-47 pad 7 (round up to a multiple of 8)
 * 25 bytes of data, 23 bytes of padding: 48. Sorted: 8 + 8 + 4 + 2 + 1 + 1 + 1 = 25,
 * rounded up to 32.
 */
#include "recall_bench.h"

#include <stdalign.h>
#include <stddef.h>

/* One entry of a dataset's index: where a sample lies in the data file and what it is. */
struct sample_bad {
    uint8_t label;    /* class id                          */
    uint64_t offset;  /* where the sample starts in the file */
    uint16_t height;  /* image height in pixels            */
    double mean;      /* per-sample normalisation          */
    uint8_t channels; /* 1 or 3                            */
    uint32_t nbytes;  /* length of the encoded sample      */
    uint8_t flags;
};

/* The same fields, largest alignment first. */
struct sample_good {
    uint64_t offset;
    double mean;
    uint32_t nbytes;
    uint16_t height;
    uint8_t label;
    uint8_t channels;
    uint8_t flags;
};

int main(void)
{
    double fields = sizeof(uint8_t) + sizeof(uint64_t) + sizeof(uint16_t) + sizeof(double) + sizeof(uint8_t) +
                    sizeof(uint32_t) + sizeof(uint8_t);
    rb_detail d = {0};
    rb_detail_add(&d, "sizeof_sorted_largest_first", sizeof(struct sample_good));
    rb_detail_add(&d, "sum_of_field_sizes", fields);
    rb_detail_add(&d, "padding_bytes", sizeof(struct sample_bad) - fields);
    rb_detail_add(&d, "alignof_struct", alignof(struct sample_bad));
    rb_detail_add(&d, "offsetof_offset", offsetof(struct sample_bad, offset));
    rb_detail_add(&d, "offsetof_height", offsetof(struct sample_bad, height));
    rb_detail_add(&d, "offsetof_mean", offsetof(struct sample_bad, mean));
    rb_detail_add(&d, "offsetof_channels", offsetof(struct sample_bad, channels));
    rb_detail_add(&d, "offsetof_nbytes", offsetof(struct sample_bad, nbytes));
    rb_detail_add(&d, "offsetof_flags", offsetof(struct sample_bad, flags));
    rb_print_result((double)sizeof(struct sample_bad), "bytes", NULL, &d);
    return 0;
}
