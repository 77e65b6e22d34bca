"""Bytes each rank really sends in torch.distributed.all_reduce over gloo: 4 local processes,
a 4 MiB float32 tensor, TCP over loopback only.

The parent imports torch once and forks the 4 ranks (re-importing torch in each would cost
~1 s apiece). They meet through a FileStore in a temp dir; gloo binds to `lo` only. Each rank
reads `wchar` from /proc/self/io (bytes passed to write()/writev(), all threads of the
process; gloo's TCP transport sends with writev) just before and after one all_reduce. A
known-size dist.send calibrates the counter: it should show the tensor's bytes plus a small
gloo header. Prints one JSON line; value = MiB written per rank in one all_reduce (median).
"""

import os

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["GLOO_SOCKET_IFNAME"] = "lo"  # loopback only, whatever the hostname resolves to
os.environ.pop("LOCAL_WORLD_SIZE", None)  # some gloo builds switch to a shared-memory allreduce under torchrun

import datetime
import json
import multiprocessing as mp
import statistics
import tempfile
import time

T0 = time.perf_counter()
import torch
import torch.distributed as dist

IMPORT_S = time.perf_counter() - T0
P = 4
S = 4 << 20                 # bytes all-reduced: 1,048,576 float32 values
REPS = 3                    # timed all_reduces per rank; bytes should not vary
MIB = 1 << 20


def wchar() -> int:
    with open("/proc/self/io") as f:  # reading it is a read(), so it does not move wchar
        return int(next(line for line in f if line.startswith("wchar:")).split()[1])


def rank_main(rank: int, store_path: str, conn) -> None:
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    dist.init_process_group("gloo", store=dist.FileStore(store_path, P), rank=rank, world_size=P,
                            timeout=datetime.timedelta(seconds=10))  # a lost peer raises, not hangs
    init_s = time.perf_counter() - t0
    x = torch.full((S // 4,), float(rank + 1))
    dist.all_reduce(x)  # warm-up: first use of the buffers
    sent, times = [], []
    for _ in range(REPS):
        x.fill_(rank + 1)
        dist.barrier()  # others' traffic of the barrier stays outside the window
        w0, t = wchar(), time.perf_counter()
        dist.all_reduce(x)
        times.append(time.perf_counter() - t)
        sent.append(wchar() - w0)
        assert torch.all(x == P * (P + 1) / 2), "all_reduce gave a wrong sum"
    # calibration: a point-to-point send of a known size from rank 0 to rank 1
    calib = torch.zeros(MIB // 4)
    dist.barrier()
    w0 = wchar()
    if rank == 0:
        dist.send(calib, 1)
    elif rank == 1:
        dist.recv(calib, 0)
    calib_sent = wchar() - w0
    dist.barrier()
    dist.destroy_process_group()
    conn.send({"rank": rank, "sent": sent, "times": times, "init_s": init_s, "calib": calib_sent})
    conn.close()


def main() -> None:
    ctx = mp.get_context("fork")  # children inherit the imported torch
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        pipes = [ctx.Pipe(duplex=False) for _ in range(P)]
        procs = [ctx.Process(target=rank_main, args=(r, os.path.join(tmp, "store"), pipes[r][1]), daemon=True)
                 for r in range(P)]
        for p in procs:
            p.start()
        for _, send in pipes:
            send.close()  # the parent keeps no write end: once the ranks are gone, recv sees EOF
        results = []
        try:
            deadline = time.monotonic() + 30  # one budget for all ranks: stays inside recall's 60 s limit
            for r, (recv, _) in enumerate(pipes):
                if not recv.poll(max(0.0, deadline - time.monotonic())):
                    raise SystemExit(f"rank {r} sent no result within 30 s")
                try:
                    results.append(recv.recv())
                except EOFError:  # the ranks are gone; one of them printed its error
                    raise SystemExit(f"rank {r} died before reporting") from None
            for p in procs:
                p.join(10)
        finally:
            for p in procs:
                if p.is_alive():
                    p.kill()
                    p.join()
    bad = [p.exitcode for p in procs if p.exitcode != 0]
    if bad:
        raise SystemExit(f"a rank failed (exit codes {bad})")
    per_rank = [statistics.median(r["sent"]) for r in results]
    all_sent = [s for r in results for s in r["sent"]]
    value = statistics.median(per_rank) / MIB
    if results[0]["calib"] < MIB or value < 1:
        raise SystemExit("gloo wrote almost nothing to its sockets: not the TCP ring (shared memory?)")
    print(json.dumps({
        "value": round(value, 4),
        "unit": "MiB",
        "method": "counted: wchar delta in /proc/self/io around dist.all_reduce, per rank",
        "detail": {
            "ranks": P,
            "tensor_bytes": S,
            "sent_bytes_per_rank": per_rank,
            "sent_over_tensor": round(statistics.median(per_rank) / S, 5),
            "ring_formula_bytes": 2 * (P - 1) * S // P,
            "extra_bytes_per_rank": statistics.median(per_rank) - 2 * (P - 1) * S // P,
            "min_max_bytes_all_ranks_reps": [min(all_sent), max(all_sent)],
            "calibration_send_bytes": MIB,  # wchar of sender (rank 0) and receiver (rank 1):
            "calibration_wchar_rank0_rank1": [results[0]["calib"], results[1]["calib"]],
            "allreduce_ms_median": round(1e3 * statistics.median(t for r in results for t in r["times"]), 2),
            "import_torch_s": round(IMPORT_S, 3),
            "init_process_group_s": round(max(r["init_s"] for r in results), 3),
            "ranks_start_to_done_s": round(time.perf_counter() - t0, 3),
            "torch": torch.__version__,
        },
    }))


if __name__ == "__main__":
    main()
