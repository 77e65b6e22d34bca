"""Validity bitmap and offsets buffer of an Arrow-style Utf8 (string) column of 1000 strings,
37 of them null, built with numpy the way the Arrow Columnar Format lays them out: one
validity bit per slot, least-significant bit first (np.packbits, bitorder="little"), and
length + 1 int32 offsets; each buffer padded to a multiple of 64 bytes.

Prints one JSON line; value = bytes of the two padded buffers together.
"""

import json

import numpy as np

N, NULLS, ALIGN = 1000, 37, 64


def padded(nbytes: int) -> int:
    return -(-nbytes // ALIGN) * ALIGN


rng = np.random.default_rng(0)
valid = np.ones(N, dtype=bool)
valid[rng.choice(N, NULLS, replace=False)] = False
lengths = np.where(valid, rng.integers(1, 20, N), 0)        # a null slot is an empty range

bitmap = np.packbits(valid, bitorder="little")               # 1 bit per slot, LSB first
bitmap_buf = np.zeros(padded(bitmap.nbytes), dtype=np.uint8)  # padding zero-initialised
bitmap_buf[:bitmap.nbytes] = bitmap

offsets = np.zeros(N + 1, dtype=np.int32)
np.cumsum(lengths, out=offsets[1:])
offsets_buf = np.zeros(padded(offsets.nbytes), dtype=np.uint8)
offsets_buf[:offsets.nbytes] = offsets.view(np.uint8)

assert N - int(np.unpackbits(bitmap, bitorder="little")[:N].sum()) == NULLS
assert np.all(np.diff(offsets) >= 0)
print(json.dumps({
    "value": bitmap_buf.nbytes + offsets_buf.nbytes,
    "unit": "bytes",
    "method": "numpy",
    "detail": {
        "length": N, "null_count": NULLS, "alignment_bytes": ALIGN,
        "bitmap_bytes_unpadded": bitmap.nbytes, "bitmap_bytes_padded": bitmap_buf.nbytes,
        "offsets_bytes_unpadded": offsets.nbytes, "offsets_bytes_padded": offsets_buf.nbytes,
        "offsets_bytes_padded_if_8_byte_alignment": -(-offsets.nbytes // 8) * 8,
        "large_utf8_offsets_bytes_padded": padded((N + 1) * 8),
        "data_bytes_this_sample": int(offsets[-1]),
        "numpy_version": np.__version__,
    },
}))
