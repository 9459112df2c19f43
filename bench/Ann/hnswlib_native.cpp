// Native side of the ANN comparison: hnswlib's headers (Debian's libhnswlib-dev) compiled here with
// -O3 -march=native, so it gets the AVX-512/AVX2 kernels the baseline-x86-64 Python wheel lacks.
// Same protocol and JSON schema as `hnswlib_ref.py run`: single thread, build with M/efConstruction,
// sweep ef; the first pass over the queries counts recall@10 (and warms up), then 5 windows of at
// least 0.2 s repeat the query set and the fastest window gives QPS.
//   hnswlib_native --base F --query F --gt F --metric l2|ip|cosine --M 16 --efc 200 --ef 16,32 --json OUT
#include <hnswlib/hnswlib.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

constexpr int K = 10;
constexpr double MinTimed = 0.2;
constexpr int Windows = 5;

struct Rows {
    size_t count = 0;
    size_t dim = 0;
    std::vector<int32_t> data;  // the raw 4-byte values; floats are read through a cast
};

// .fvecs/.ivecs: each row is an int32 dimension followed by that many 4-byte values.
Rows ReadVecs(const std::string &path) {
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) { std::fprintf(stderr, "%s: cannot open\n", path.c_str()); std::exit(2); }
    Rows rows;
    int32_t dim;
    std::vector<int32_t> row;
    while (std::fread(&dim, sizeof dim, 1, f) == 1) {
        if (dim < 1 || (rows.dim != 0 && size_t(dim) != rows.dim)) {
            std::fprintf(stderr, "%s: bad row dimension %d\n", path.c_str(), dim); std::exit(2);
        }
        rows.dim = size_t(dim);
        row.resize(rows.dim);
        if (std::fread(row.data(), sizeof(int32_t), rows.dim, f) != rows.dim) {
            std::fprintf(stderr, "%s: truncated\n", path.c_str()); std::exit(2);
        }
        rows.data.insert(rows.data.end(), row.begin(), row.end());
        rows.count++;
    }
    std::fclose(f);
    return rows;
}

const float *FloatRow(const Rows &rows, size_t i) {
    return reinterpret_cast<const float *>(rows.data.data() + i * rows.dim);
}

void Normalise(Rows &rows) {
    float *all = reinterpret_cast<float *>(rows.data.data());
    for (size_t i = 0; i < rows.count; i++) {
        float *v = all + i * rows.dim;
        double norm = 0;
        for (size_t d = 0; d < rows.dim; d++) norm += double(v[d]) * v[d];
        if (norm > 0) {
            float inv = float(1 / std::sqrt(norm));
            for (size_t d = 0; d < rows.dim; d++) v[d] *= inv;
        }
    }
}

double Seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char **argv) {
    std::map<std::string, std::string> args{{"--metric", "l2"}, {"--M", "16"}, {"--efc", "200"}, {"--ef", "16,32,64,128"}};
    for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
    for (const char *required : {"--base", "--query", "--gt", "--json"}) {
        if (!args.count(required)) { std::fprintf(stderr, "missing %s\n", required); return 2; }
    }
    const std::string metric = args["--metric"];
    const size_t m = std::stoul(args["--M"]);
    const size_t efc = std::stoul(args["--efc"]);
    std::vector<size_t> efs;
    for (size_t at = 0; at < args["--ef"].size();) {
        size_t comma = args["--ef"].find(',', at);
        if (comma == std::string::npos) comma = args["--ef"].size();
        efs.push_back(std::stoul(args["--ef"].substr(at, comma - at)));
        at = comma + 1;
    }

    Rows base = ReadVecs(args["--base"]);
    Rows queries = ReadVecs(args["--query"]);
    Rows truth = ReadVecs(args["--gt"]);
    if (queries.dim != base.dim || truth.count < queries.count || truth.dim < size_t(K)) {
        std::fprintf(stderr, "query/ground-truth shapes do not match the base\n"); return 2;
    }

    // Cosine as the Python binding does it: normalise, then inner product.
    hnswlib::SpaceInterface<float> *space;
    if (metric == "l2") {
        space = new hnswlib::L2Space(base.dim);
    } else if (metric == "ip" || metric == "cosine") {
        if (metric == "cosine") { Normalise(base); Normalise(queries); }
        space = new hnswlib::InnerProductSpace(base.dim);
    } else {
        std::fprintf(stderr, "--metric must be l2, ip or cosine\n"); return 2;
    }

    auto *index = new hnswlib::HierarchicalNSW<float>(space, base.count, m, efc, 100);
    auto started = std::chrono::steady_clock::now();
    for (size_t i = 0; i < base.count; i++) index->addPoint(FloatRow(base, i), hnswlib::labeltype(i));
    const double build = Seconds(started);

    std::string rows;
    for (size_t ef : efs) {
        index->setEf(ef);
        size_t hits = 0;
        for (size_t q = 0; q < queries.count; q++) {
            auto found = index->searchKnn(FloatRow(queries, q), K);
            std::unordered_set<int32_t> expected(truth.data.begin() + q * truth.dim, truth.data.begin() + q * truth.dim + K);
            for (; !found.empty(); found.pop()) hits += expected.count(int32_t(found.top().second));
        }
        double qps = 0;
        size_t sink = 0;  // keeps the timed searches observable
        for (int window = 0; window < Windows; window++) {
            size_t searched = 0;
            auto from = std::chrono::steady_clock::now();
            double elapsed;
            do {
                for (size_t q = 0; q < queries.count; q++) sink += index->searchKnn(FloatRow(queries, q), K).size();
                searched += queries.count;
                elapsed = Seconds(from);
            } while (elapsed < MinTimed);
            qps = std::max(qps, searched / elapsed);
        }
        double recall = double(hits) / double(K * queries.count);
        std::fprintf(stderr, "native hnswlib ef=%zu recall@10=%.4f qps=%.1f (%zu)\n", ef, recall, qps, sink);
        char row[160];
        std::snprintf(row, sizeof row, "%s\n    {\"ef\": %zu, \"recall_at_10\": %.4f, \"qps\": %.1f}",
                      rows.empty() ? "" : ",", ef, std::round(recall * 1e4) / 1e4, std::round(qps * 10) / 10);
        rows += row;
    }

    FILE *out = std::fopen(args["--json"].c_str(), "w");
    if (!out) { std::fprintf(stderr, "cannot write %s\n", args["--json"].c_str()); return 2; }
    std::fprintf(out,
                 "{\n  \"index\": \"hnswlib-native\", \"metric\": \"%s\", \"vectors\": %zu, \"dimension\": %zu,\n"
                 "  \"queries\": %zu, \"m\": %zu, \"ef_construction\": %zu, \"build_seconds\": %.3f,\n"
                 "  \"index_bytes_level0_estimate\": %zu,\n  \"results\": [%s\n  ]\n}\n",
                 metric.c_str(), base.count, base.dim, queries.count, m, efc, build,
                 base.count * (base.dim * 4 + (2 * m + 1) * 4 + 8), rows.c_str());
    std::fclose(out);
    std::fprintf(stderr, "native hnswlib build %.2f s\n", build);
    delete index;
    delete space;
    return 0;
}
