"""Shared-memory passes for one warp reading a column of a 32 x 32 float tile, without and
with one word of padding per row. Analytic: bank = (byte address / 4) mod 32, 32 banks of
4-byte words (CUDA Programming Guide, Shared Memory Access Patterns; Best Practices Guide,
Shared Memory and Memory Banks); an access needs as many passes as the most-used bank has
distinct words. No GPU is used.

Prints one JSON line; value = passes without padding / passes with +1 padding.
"""

import json

BANKS, WORD, WARP = 32, 4, 32


def passes(addresses: list[int]) -> int:
    words_per_bank: dict[int, set[int]] = {}
    for a in addresses:
        words_per_bank.setdefault((a // WORD) % BANKS, set()).add(a // WORD)
    return max(len(w) for w in words_per_bank.values())


def column_read(row_words: int, col: int = 0) -> list[int]:
    # lane x reads tile[x][col] of float tile[32][row_words]
    return [(x * row_words + col) * WORD for x in range(WARP)]


plain, padded = passes(column_read(32)), passes(column_read(33))
print(json.dumps({
    "value": plain // padded,
    "unit": "×",
    "method": "analytic: bank = word index mod 32, passes = most distinct words in one bank",
    "detail": {
        "passes_tile_32x32": plain,
        "passes_tile_32x33": padded,
        "banks_hit_unpadded": sorted({(a // WORD) % BANKS for a in column_read(32)}),
        "passes_tile_32x34": passes(column_read(34)),
        "passes_row_read_32x32": passes([x * WORD for x in range(WARP)]),
        "passes_same_word_broadcast": passes([0] * WARP),
    },
}))
