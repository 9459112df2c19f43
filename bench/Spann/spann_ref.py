#!/usr/bin/python3
"""Reference side of the SPANN benchmark (Debian's python3-faiss, python3-hnswlib, python3-numpy).

  gen      writes the overlapping-cluster synthetic set (base/query .fvecs, exact L2 top-100 .ivecs)
  faiss    builds FAISS IVF-Flat, sweeps nprobe, single-thread per-query latency, RSS growth -> JSON
  hnswlib  builds hnswlib (2 threads for the build only), sweeps ef, single-thread latency -> JSON
  compare  prints ours, FAISS and hnswlib side by side from the JSON files
"""
import argparse
import json
import sys
import time

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent / "common"))
from vecs import read_vecs, write_vecs  # noqa: E402  (shared .fvecs/.ivecs format)

K = 10


def rss_bytes():
    """Current resident set size (VmRSS), not the peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def gen(args):
    """Overlapping clusters with a low intrinsic dimension, like text embeddings.

    Centres: standard normal in `dim` dimensions. A point is its centre plus `rank`-dimensional
    structured noise (a random basis per cluster, scale `lowrank`) plus isotropic noise (`noise` per
    dimension). With the defaults the typical point-to-own-centre distance is about the distance between
    neighbouring centres, so clusters overlap and the true neighbours of a query spread over several
    clusters (the IVF sweep in the run shows it).
    """
    rng = np.random.default_rng(args.seed)
    d, c, r = args.dim, args.clusters, args.rank
    centres = rng.standard_normal((c, d), dtype=np.float32)
    bases = rng.standard_normal((c, r, d), dtype=np.float32)

    def sample(count):
        labels = rng.integers(0, c, count)
        out = centres[labels].copy()
        out += args.noise * rng.standard_normal((count, d), dtype=np.float32)
        order = np.argsort(labels, kind="stable")
        sorted_labels = labels[order]
        bounds = np.searchsorted(sorted_labels, np.arange(c + 1))
        for j in range(c):
            rows = order[bounds[j]:bounds[j + 1]]
            if len(rows):
                z = rng.standard_normal((len(rows), r), dtype=np.float32)
                out[rows] += args.lowrank * (z @ bases[j])
        return out

    base = sample(args.n)
    queries = sample(args.queries)
    # Geometry report: distance to the own centre vs. to the nearest other centre (sampled).
    probe = rng.choice(c, 200, replace=False)
    cc = ((centres[probe, None, :] - centres[None, :, :]) ** 2).sum(-1)
    cc[np.arange(200), probe] = np.inf
    print(f"centre to nearest centre: median {np.sqrt(np.median(cc.min(1))):.1f}", file=sys.stderr)
    truth = np.empty((args.queries, 100), dtype=np.int32)
    norms = (base.astype(np.float32) ** 2).sum(1)
    for start in range(0, args.queries, 50):
        q = queries[start:start + 50]
        dist = norms[None, :] - 2 * (q @ base.T)
        top = np.argpartition(dist, 100, axis=1)[:, :100]
        order = np.argsort(np.take_along_axis(dist, top, axis=1), axis=1)
        truth[start:start + 50] = np.take_along_axis(top, order, axis=1)
    own = np.sqrt(((base[:2000] - centres[0]) ** 2).sum(1))  # not own centre; only a scale reference
    nn = np.sqrt(((queries[:, None, :] - base[truth[:, 0]][:, None, :]) ** 2).sum(-1)).ravel()
    print(f"query to its nearest neighbour: median {np.median(nn):.1f}; point to a random centre: median {np.median(own):.1f}",
          file=sys.stderr)
    write_vecs(f"{args.out}/base.fvecs", base)
    write_vecs(f"{args.out}/query.fvecs", queries)
    write_vecs(f"{args.out}/groundtruth.ivecs", truth)


def latency_rows(search, queries, truth, settings, apply):
    rows = []
    for s in settings:
        apply(s)
        hits = 0
        times = []
        for i in range(len(queries)):
            q = queries[i:i + 1]
            t0 = time.perf_counter()
            labels = search(q)
            times.append(time.perf_counter() - t0)
            hits += len(set(labels[0].tolist()) & set(truth[i].tolist()))
        times = np.array(times) * 1000
        rows.append({"setting": s, "recall_at_10": round(hits / (K * len(queries)), 4),
                     "p50_ms": round(float(np.percentile(times, 50)), 3), "p95_ms": round(float(np.percentile(times, 95)), 3)})
        print(f"  {s}: recall {rows[-1]['recall_at_10']:.4f} p50 {rows[-1]['p50_ms']:.3f} ms p95 {rows[-1]['p95_ms']:.3f} ms", file=sys.stderr)
    return rows


def run_faiss(args):
    import faiss

    base = read_vecs(args.base, np.float32)
    queries = read_vecs(args.query, np.float32)
    truth = read_vecs(args.gt, np.int32)[:, :K]
    n, d = base.shape
    faiss.omp_set_num_threads(args.build_threads)
    rss0 = rss_bytes()
    started = time.perf_counter()
    quantizer = faiss.IndexFlatL2(d)
    index = faiss.IndexIVFFlat(quantizer, d, args.nlist, faiss.METRIC_L2)
    rng = np.random.default_rng(1)
    train = base[rng.choice(n, min(n, args.nlist * 40), replace=False)]
    index.train(train)
    del train
    index.add(base)
    build = time.perf_counter() - started
    rss_index = rss_bytes() - rss0
    faiss.omp_set_num_threads(1)
    rows = latency_rows(lambda q: index.search(q, K)[1], queries, truth,
                        [int(p) for p in args.nprobe.split(",")], lambda p: setattr(index, "nprobe", p))
    result = {"index": f"faiss IVF-Flat nlist={args.nlist}", "vectors": n, "dimension": d, "build_seconds": round(build, 2),
              "build_threads": args.build_threads, "resident_bytes": int(rss_index),
              "resident_note": "RSS growth over train+add (the index holds every vector in RAM)",
              "raw_vector_bytes": n * d * 4, "setting_name": "nprobe", "results": rows}
    json.dump(result, open(args.json, "w"), indent=2)


def run_hnswlib(args):
    import hnswlib

    base = read_vecs(args.base, np.float32)
    queries = read_vecs(args.query, np.float32)
    truth = read_vecs(args.gt, np.int32)[:, :K]
    n, d = base.shape
    rss0 = rss_bytes()
    started = time.perf_counter()
    index = hnswlib.Index(space="l2", dim=d)
    index.init_index(max_elements=n, ef_construction=args.efc, M=args.M, random_seed=100)
    index.add_items(base, np.arange(n), num_threads=args.build_threads)
    build = time.perf_counter() - started
    rss_index = rss_bytes() - rss0
    rows = latency_rows(lambda q: index.knn_query(q, k=K, num_threads=1)[0], queries, truth,
                        [int(e) for e in args.ef.split(",")], index.set_ef)
    result = {"index": f"hnswlib M={args.M} efc={args.efc}", "vectors": n, "dimension": d, "build_seconds": round(build, 2),
              "build_threads": args.build_threads, "resident_bytes": int(rss_index),
              "resident_note": "RSS growth over the build (the graph holds every vector in RAM)",
              "raw_vector_bytes": n * d * 4, "setting_name": "ef", "results": rows}
    json.dump(result, open(args.json, "w"), indent=2)


def pq_check(args):
    """How much of the true top-10 a PQ code ranking keeps in its top R over the WHOLE base (FAISS
    IndexPQ, exhaustive ADC): an upper bound on what code ranking + exact re-rank of R candidates loses."""
    import faiss

    faiss.omp_set_num_threads(args.build_threads)
    base = read_vecs(args.base, np.float32)
    queries = read_vecs(args.query, np.float32)[:args.queries]
    truth = read_vecs(args.gt, np.int32)[:args.queries, :K]
    sample = base[np.random.default_rng(1).choice(len(base), 60000, replace=False)]
    depths = (100, 200, 500, 1000)
    print("| code bytes (m) | " + " | ".join(f"R={r}" for r in depths) + " |")
    print("|---:|" + "---:|" * len(depths))
    for m in (int(x) for x in args.m.split(",")):
        pq = faiss.IndexPQ(base.shape[1], m, 8)
        pq.train(sample)
        pq.add(base)
        _, found = pq.search(queries, max(depths))
        kept = [np.mean([len(set(truth[i]) & set(found[i, :r].tolist())) / K for i in range(len(queries))]) for r in depths]
        print(f"| {m} | " + " | ".join(f"{x:.4f}" for x in kept) + " |", flush=True)


def compare(args):
    runs = [json.load(open(p)) for p in args.json]
    first = runs[0]
    raw = first["vectors"] * first["dimension"] * 4
    print(f"\n### {first['vectors']} x {first['dimension']} (L2), raw vectors {raw / 2**20:.0f} MiB; latency single thread, k=10\n")
    print("| index | setting | recall@10 | p50 ms | p95 ms | resident MiB | resident / raw | build s (threads) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        for row in r["results"]:
            print(f"| {r['index']} | {r['setting_name']}={row['setting']} | {row['recall_at_10']:.4f} | {row['p50_ms']:.3f} | "
                  f"{row['p95_ms']:.3f} | {r['resident_bytes'] / 2**20:.0f} | {r['resident_bytes'] / raw:.3f} | "
                  f"{r['build_seconds']:.0f} ({r.get('build_threads', '?')}) |")
    ours = runs[0]
    for target in (0.90, 0.95):
        best = [row for row in ours["results"] if row["recall_at_10"] >= target]
        if not best:
            print(f"\n{ours['index']}: no setting reaches recall@10 {target}")
            continue
        b = min(best, key=lambda row: row["p50_ms"])
        line = f"\nat recall@10 >= {target}: {ours['index']} p50 {b['p50_ms']:.3f} ms ({ours['resident_bytes'] / raw:.3f} of raw)"
        for other in runs[1:]:
            ob = [row for row in other["results"] if row["recall_at_10"] >= target]
            if ob:
                o = min(ob, key=lambda row: row["p50_ms"])
                line += (f"; {other['index']} p50 {o['p50_ms']:.3f} ms (ours/theirs latency {b['p50_ms'] / o['p50_ms']:.2f}, "
                         f"memory {ours['resident_bytes'] / max(1, other['resident_bytes']):.3f})")
            else:
                line += f"; {other['index']} does not reach it"
        print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--out", required=True)
    g.add_argument("--n", type=int, default=1_000_000)
    g.add_argument("--dim", type=int, default=384)
    g.add_argument("--clusters", type=int, default=10_000)
    g.add_argument("--rank", type=int, default=16)
    g.add_argument("--lowrank", type=float, default=0.45)
    g.add_argument("--noise", type=float, default=0.6)
    g.add_argument("--queries", type=int, default=1000)
    g.add_argument("--seed", type=int, default=20251123)
    for name, fn in (("faiss", run_faiss), ("hnswlib", run_hnswlib)):
        r = sub.add_parser(name)
        for a in ("--base", "--query", "--gt", "--json"):
            r.add_argument(a, required=True)
        r.add_argument("--build-threads", type=int, default=2)
        r.set_defaults(fn=fn)
    sub.choices["faiss"].add_argument("--nlist", type=int, default=4096)
    sub.choices["faiss"].add_argument("--nprobe", default="1,4,16,32,64,128")
    sub.choices["hnswlib"].add_argument("--M", type=int, default=16)
    sub.choices["hnswlib"].add_argument("--efc", type=int, default=100)
    sub.choices["hnswlib"].add_argument("--ef", default="16,32,64,128,256")
    pc = sub.add_parser("pqcheck")
    for a in ("--base", "--query", "--gt"):
        pc.add_argument(a, required=True)
    pc.add_argument("--m", default="16,24,32,48")
    pc.add_argument("--queries", type=int, default=300)
    pc.add_argument("--build-threads", type=int, default=2)
    c = sub.add_parser("compare")
    c.add_argument("json", nargs="+")
    args = parser.parse_args()
    if args.command == "gen":
        gen(args)
    elif args.command == "compare":
        compare(args)
    elif args.command == "pqcheck":
        pq_check(args)
    else:
        args.fn(args)


if __name__ == "__main__":
    main()
