#!/usr/bin/python3
"""Reference side of the ANN comparison (Debian's python3-hnswlib and python3-numpy).

  gen     writes the clustered synthetic set (base/query .fvecs, brute-force top-100 .ivecs)
  run     builds hnswlib on .fvecs data, sweeps ef, writes JSON in the schema of `agentmem bench ann`
  compare prints ours, native hnswlib (hnswlib_native.cpp) and python hnswlib side by side, with our
          QPS / their QPS at equal recall
"""
import argparse
import json
import resource
import sys
import time

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent / "common"))
from vecs import read_vecs, write_vecs  # noqa: E402  (shared .fvecs/.ivecs format)

K = 10
MIN_TIMED = 0.2  # seconds per timed window, repeating the query set, as the C# side does
WINDOWS = 5  # timed windows per ef; the fastest counts (filters out other load), as the C# side does


def gen(args):
    """1000 Gaussian clusters on the unit sphere; queries drawn from the same clusters, not in the base."""
    rng = np.random.default_rng(args.seed)
    centres = rng.standard_normal((args.clusters, args.dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)

    def sample(count):
        x = centres[rng.integers(0, args.clusters, count)]
        x += args.spread * rng.standard_normal((count, args.dim), dtype=np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        return x.astype(np.float32)

    base = sample(args.n)
    queries = sample(args.queries)
    truth = np.empty((args.queries, 100), dtype=np.int32)
    for start in range(0, args.queries, 100):
        scores = queries[start:start + 100] @ base.T  # inner product: larger is closer
        top = np.argpartition(-scores, 100, axis=1)[:, :100]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        truth[start:start + 100] = np.take_along_axis(top, order, axis=1)
    write_vecs(f"{args.out}/base.fvecs", base)
    write_vecs(f"{args.out}/query.fvecs", queries)
    write_vecs(f"{args.out}/groundtruth.ivecs", truth)


def run(args):
    import hnswlib

    base = read_vecs(args.base, np.float32)
    queries = read_vecs(args.query, np.float32)
    truth = read_vecs(args.gt, np.int32)[:, :K]
    space = {"l2": "l2", "ip": "ip", "cosine": "cosine"}[args.metric]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    index = hnswlib.Index(space=space, dim=base.shape[1])
    index.init_index(max_elements=base.shape[0], ef_construction=args.efc, M=args.M, random_seed=100)
    index.set_num_threads(1)
    started = time.perf_counter()
    index.add_items(base, np.arange(base.shape[0]), num_threads=1)
    build = time.perf_counter() - started
    rss_delta = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
    rows = []
    for ef in [int(e) for e in args.ef.split(",")]:
        index.set_ef(ef)
        labels, _ = index.knn_query(queries, k=K, num_threads=1)
        hits = sum(len(set(labels[i]) & set(truth[i])) for i in range(len(queries)))
        qps = 0.0
        for _ in range(WINDOWS):
            searched, started = 0, time.perf_counter()
            while True:
                index.knn_query(queries, k=K, num_threads=1)
                searched += len(queries)
                elapsed = time.perf_counter() - started
                if elapsed >= MIN_TIMED:
                    break
            qps = max(qps, searched / elapsed)
        rows.append({"ef": ef, "recall_at_10": round(hits / (K * len(queries)), 4), "qps": round(qps, 1)})
    result = {
        "index": "hnswlib", "metric": args.metric, "vectors": int(base.shape[0]), "dimension": int(base.shape[1]),
        "queries": int(len(queries)), "m": args.M, "ef_construction": args.efc, "build_seconds": round(build, 3),
        # hnswlib's own layout: level 0 holds, per element, the vector, 2M+1 link ints and an 8-byte label.
        "index_bytes_level0_estimate": int(base.shape[0]) * (base.shape[1] * 4 + (2 * args.M + 1) * 4 + 8),
        # Peak-RSS growth: undercounts when loading the data already set the peak.
        "max_rss_delta_bytes": int(rss_delta), "results": rows,
    }
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)


def frontier(curve):
    """Best QPS per recall value: where several ef reach the same recall, only the fastest counts."""
    best = {}
    for r in curve:
        best[r["recall_at_10"]] = max(best.get(r["recall_at_10"], 0), r["qps"])
    return sorted(best.items())


def qps_at(curve, recall):
    """hnswlib's QPS at a recall, linear between its measured points; None outside its range (±0.005)."""
    points = frontier(curve)
    for (r0, q0), (r1, q1) in zip(points, points[1:]):
        if r0 <= recall <= r1:
            return q0 if r1 == r0 else q0 + (q1 - q0) * (recall - r0) / (r1 - r0)
    for r, q in points:
        if abs(r - recall) <= 0.005:
            return q
    return None


def ratio_at_equal_recall(row, curve, best_so_far):
    """Our QPS / the other side's QPS at our recall; blank where a smaller ef of ours already got there."""
    if row["recall_at_10"] <= best_so_far:
        return "(smaller ef reached it)"
    matched = qps_at(curve, row["recall_at_10"])
    return f"{row['qps'] / matched:.2f}" if matched else "n/a (outside its range)"


def compare(args):
    ours = json.load(open(args.ours))
    ref = json.load(open(args.ref))
    native = json.load(open(args.native)) if args.native else None
    print(f"\n### {args.title}: {ours['vectors']} x {ours['dimension']}, {ours['queries']} queries, "
          f"metric {ours['metric']}, M={ours['m']}, efConstruction={ours['ef_construction']}, single thread\n")
    build = f"build: AgentMem {ours['build_seconds']:.2f} s"
    if native:
        build += (f", native hnswlib {native['build_seconds']:.2f} s (AgentMem / native time "
                  f"{ours['build_seconds'] / native['build_seconds']:.2f})")
    build += (f", python hnswlib {ref['build_seconds']:.2f} s (AgentMem / python time "
              f"{ours['build_seconds'] / ref['build_seconds']:.2f}); AgentMem index {ours['index_bytes'] / 2**20:.1f} MiB\n")
    print(build)
    sides = ([("native", native)] if native else []) + [("python", ref)]
    head = "| ef | AgentMem R@10 | AgentMem QPS |"
    for name, _ in sides:
        head += f" {name} R@10 | {name} QPS |"
    for name, _ in sides:
        head += f" ours/{name} QPS, same ef | ours/{name} QPS, equal recall |"
    print(head)
    print("|" + "---:|" * (3 + 4 * len(sides)))
    by_ef = [{r["ef"]: r for r in side["results"]} for _, side in sides]
    best_so_far = -1.0
    for row in ours["results"]:
        line = f"| {row['ef']} | {row['recall_at_10']:.4f} | {row['qps']:.0f} |"
        others = [table.get(row["ef"]) for table in by_ef]
        for other in others:
            line += f" {other['recall_at_10']:.4f} | {other['qps']:.0f} |" if other else " - | - |"
        for other, (_, side) in zip(others, sides):
            same = f"{row['qps'] / other['qps']:.2f}" if other else "-"
            line += f" {same} | {ratio_at_equal_recall(row, side['results'], best_so_far)} |"
        best_so_far = max(best_so_far, row["recall_at_10"])
        print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--out", required=True)
    g.add_argument("--n", type=int, default=200_000)
    g.add_argument("--dim", type=int, default=384)
    g.add_argument("--clusters", type=int, default=1000)
    g.add_argument("--spread", type=float, default=0.05)
    g.add_argument("--queries", type=int, default=1000)
    g.add_argument("--seed", type=int, default=20240601)
    r = sub.add_parser("run")
    for name in ("--base", "--query", "--gt", "--json"):
        r.add_argument(name, required=True)
    r.add_argument("--metric", default="l2")
    r.add_argument("--M", type=int, default=16)
    r.add_argument("--efc", type=int, default=200)
    r.add_argument("--ef", default="16,32,64,128")
    c = sub.add_parser("compare")
    c.add_argument("--ours", required=True)
    c.add_argument("--ref", required=True, help="python hnswlib's JSON")
    c.add_argument("--native", help="native hnswlib's JSON (hnswlib_native.cpp)")
    c.add_argument("--title", required=True)
    args = parser.parse_args()
    {"gen": gen, "run": run, "compare": compare}[args.command](args)


if __name__ == "__main__":
    main()
