"""Bytes a tar archive spends per member when every member is small (a WebDataset shard of
tiny samples): write 1000 members of 100 bytes with tarfile, in memory, and count.

Prints one JSON line; value = bytes from the first header to the end-of-archive marker,
divided by the number of members.
"""

import io
import json
import tarfile

MEMBERS = 1000
DATA = 100


def build(fmt: int, mtime) -> tuple[int, int]:
    buf = io.BytesIO()
    payload = b"x" * DATA
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for i in range(MEMBERS):
            info = tarfile.TarInfo(f"{i:06d}.cls")  # a WebDataset-style member: key + extension
            info.size = DATA
            info.mtime = mtime
            tar.addfile(info, io.BytesIO(payload))
        members_end = tar.offset  # before close() writes the end-of-archive blocks and pads the record
    return members_end, len(buf.getvalue())


members_end, total = build(tarfile.USTAR_FORMAT, 1_700_000_000)
pax_float_end, _ = build(tarfile.PAX_FORMAT, 1_700_000_000.5)  # a float mtime needs a pax extended header
print(json.dumps({
    "value": members_end / MEMBERS,
    "unit": "bytes",
    "method": "counted: Python tarfile, ustar",
    "detail": {
        "members": MEMBERS,
        "data_bytes_per_member": DATA,
        "header_bytes": 512,
        "data_rounded_to_512": -(-DATA // 512) * 512,
        "archive_bytes_total": total,
        "end_of_archive_and_record_padding": total - members_end,
        "overhead_factor": round(members_end / (MEMBERS * DATA), 2),
        "pax_with_fractional_mtime_bytes_per_member": pax_float_end / MEMBERS,
    },
}))
