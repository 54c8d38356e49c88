// Reading single-cell matrices (issue 13, item 2): the machine's limits and the readers' rate.
//   FLASHMM_READ_FILES=a.h5ad,b.h5ad build/bench_read --benchmark_counters_tabular=true
// benchmarks/read_throughput.sh makes the files (500,000 cells x 2,000 genes) and runs it.
//   MemoryRead/T:    summing 1 GiB of uint64 on T threads (read bandwidth, bytes_per_second);
//   MemoryCopy/T:    memcpy of 512 MiB on T threads (bytes_per_second counts read + write);
//   Inflate/F/E:     one core inflating every stored chunk of file F's X/data and X/indices,
//                    already in memory, with E = 0 libdeflate, 1 zlib (bytes_per_second of
//                    inflated bytes; nnz_per_s = that / 8, a float32 value and an int32 index);
//   ReadMatrix/F/T:  open_matrix(F) with T threads and every chunk of 20,000 cells handed out
//                    (nnz_per_s), the file in the page cache;
//   ReadHdf5/F:      the reading before direct decoding, as a baseline: H5Dread of each chunk of
//                    20,000 cells' indices (int32) and data (double), HDF5 inflating on one thread.
// On a machine shared with other work the wall-clock rates fall with the load; the *_per_cpu_s
// counters divide by the CPU time the work itself used (all its threads), which does not.
#include <flashmm/io/matrix_reader.hpp>

#include "io/hdf5_util.hpp"

#include <benchmark/benchmark.h>
#include <zlib.h>
#if FLASHMM_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include <sys/resource.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace h5 = flashmm::detail::h5;

// CPU seconds of the calling thread, and of the whole process (every thread).
double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}
double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& v) { return static_cast<double>(v.tv_sec) + 1e-6 * static_cast<double>(v.tv_usec); };
  return s(u.ru_utime) + s(u.ru_stime);
}

// Adds the threads' CPU time in microseconds.
struct CpuTotal {
  std::atomic<std::int64_t> us{0};
  void add(double seconds) { us += static_cast<std::int64_t>(seconds * 1e6); }
  double seconds() const { return 1e-6 * static_cast<double>(us.load()); }
};

std::vector<std::string> files() {
  std::vector<std::string> out;
  const char* env = std::getenv("FLASHMM_READ_FILES");
  if (env == nullptr) return out;
  std::stringstream ss(env);
  for (std::string f; std::getline(ss, f, ',');)
    if (!f.empty()) out.push_back(f);
  return out;
}

void BM_MemoryRead(benchmark::State& state) {
  const auto threads = static_cast<int>(state.range(0));
  std::vector<std::uint64_t> buf((std::size_t{1} << 30) / 8, 1);
  CpuTotal cpu;
  for (auto _ : state) {
    std::vector<std::uint64_t> sums(static_cast<std::size_t>(threads), 0);
    std::vector<std::thread> pool;
    const std::size_t part = buf.size() / static_cast<std::size_t>(threads);
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const double c0 = thread_cpu_s();
        std::uint64_t s = 0;
        const std::uint64_t* p = buf.data() + static_cast<std::size_t>(t) * part;
        for (std::size_t i = 0; i < part; ++i) s += p[i];
        sums[static_cast<std::size_t>(t)] = s;
        cpu.add(thread_cpu_s() - c0);
      });
    for (auto& th : pool) th.join();
    benchmark::DoNotOptimize(sums.data());
  }
  const double bytes = static_cast<double>(state.iterations()) * static_cast<double>(buf.size() * 8);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  // Per CPU-second of one thread: what one core reads when it runs.
  state.counters["bytes_per_cpu_s"] = bytes / cpu.seconds();
}
BENCHMARK(BM_MemoryRead)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MemoryCopy(benchmark::State& state) {
  const auto threads = static_cast<int>(state.range(0));
  const std::size_t bytes = std::size_t{1} << 29;
  std::vector<char> a(bytes, 1), b(bytes, 0);
  CpuTotal cpu;
  for (auto _ : state) {
    std::vector<std::thread> pool;
    const std::size_t part = bytes / static_cast<std::size_t>(threads);
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const double c0 = thread_cpu_s();
        std::memcpy(b.data() + t * part, a.data() + t * part, part);
        cpu.add(thread_cpu_s() - c0);
      });
    for (auto& th : pool) th.join();
    benchmark::DoNotOptimize(b.data());
  }
  const double moved = static_cast<double>(state.iterations()) * static_cast<double>(2 * bytes);
  state.SetBytesProcessed(static_cast<std::int64_t>(moved));
  state.counters["bytes_per_cpu_s"] = moved / cpu.seconds();
}
BENCHMARK(BM_MemoryCopy)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Every stored chunk of a deflate-compressed dataset, as stored, with its inflated size.
struct StoredChunks {
  std::vector<std::vector<unsigned char>> chunks;
  std::size_t chunk_bytes = 0;
  bool deflate_only = true;  // no shuffle: what the inflate benchmark measures is all there is
};

StoredChunks read_stored(const std::string& path, const char* dataset) {
  StoredChunks out;
  h5::Handle f = h5::open_file(path);
  h5::Handle d = h5::open_dataset(f, dataset);
  h5::Handle dcpl(H5Dget_create_plist(d), H5Pclose);
  if (H5Pget_layout(dcpl) != H5D_CHUNKED) return out;
  hsize_t cdim[1];
  H5Pget_chunk(dcpl, 1, cdim);
  for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
    unsigned flags = 0, config = 0;
    std::size_t n = 0;
    if (H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &n, nullptr, 0, nullptr, &config) != H5Z_FILTER_DEFLATE)
      out.deflate_only = false;
  }
  h5::Handle type(H5Dget_type(d), H5Tclose);
  out.chunk_bytes = cdim[0] * H5Tget_size(type);
  const auto length = static_cast<hsize_t>(h5::length(d));
  for (hsize_t off = 0; off < length; off += cdim[0]) {
    hsize_t size = 0;
    const hsize_t coord[1] = {off};
    H5Dget_chunk_storage_size(d, coord, &size);
    std::vector<unsigned char> buf(size);
    std::uint32_t mask = 0;
    H5Dread_chunk(d, H5P_DEFAULT, coord, &mask, buf.data());
    out.chunks.push_back(std::move(buf));
  }
  return out;
}

void BM_Inflate(benchmark::State& state, std::string path) {
  const bool zlib = state.range(1) == 1;
  StoredChunks parts[2] = {read_stored(path, "X/data"), read_stored(path, "X/indices")};
  if (parts[0].chunks.empty() || !parts[0].deflate_only || !parts[1].deflate_only) {
    state.SkipWithError("not deflate-only chunked storage");
    return;
  }
  std::vector<unsigned char> out(std::max(parts[0].chunk_bytes, parts[1].chunk_bytes));
  std::size_t total = 0;
#if FLASHMM_HAVE_LIBDEFLATE
  libdeflate_decompressor* dec = libdeflate_alloc_decompressor();
#else
  if (!zlib) {
    state.SkipWithError("built without libdeflate");
    return;
  }
#endif
  const double c0 = thread_cpu_s();
  for (auto _ : state) {
    total = 0;
    for (const auto& p : parts)
      for (const auto& c : p.chunks) {
        std::size_t got = 0;
        if (zlib) {
          uLongf len = static_cast<uLongf>(p.chunk_bytes);
          ::uncompress(out.data(), &len, c.data(), static_cast<uLong>(c.size()));
          got = len;
        } else {
#if FLASHMM_HAVE_LIBDEFLATE
          libdeflate_zlib_decompress(dec, c.data(), c.size(), out.data(), p.chunk_bytes, &got);
#endif
        }
        total += got;
      }
    benchmark::DoNotOptimize(out.data());
  }
#if FLASHMM_HAVE_LIBDEFLATE
  libdeflate_free_decompressor(dec);
#endif
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(total));
  state.counters["nnz_per_s"] = benchmark::Counter(static_cast<double>(total) / 8.0, benchmark::Counter::kIsIterationInvariantRate);
  const double cpu = thread_cpu_s() - c0;
  state.counters["bytes_per_cpu_s"] = static_cast<double>(total) * static_cast<double>(state.iterations()) / cpu;
  state.counters["nnz_per_cpu_s"] = static_cast<double>(total) * static_cast<double>(state.iterations()) / 8.0 / cpu;
}

void BM_ReadMatrix(benchmark::State& state, std::string path) {
  flashmm::io::ReaderOptions o;
  o.threads = static_cast<int>(state.range(1));
  std::int64_t nnz = 0;
  const double c0 = process_cpu_s();
  for (auto _ : state) {
    auto r = flashmm::io::open_matrix(path, o);
    flashmm::io::CellChunk c;
    nnz = 0;
    while (r->next_chunk(c, 20000)) nnz += c.nnz();
    benchmark::DoNotOptimize(c.values.data());
  }
  const double cpu = process_cpu_s() - c0;
  state.counters["nnz"] = static_cast<double>(nnz);
  state.counters["nnz_per_s"] = benchmark::Counter(static_cast<double>(nnz), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["cpu_s"] = cpu / static_cast<double>(state.iterations());
  state.counters["nnz_per_cpu_s"] = static_cast<double>(nnz) * static_cast<double>(state.iterations()) / cpu;
}

void BM_ReadHdf5(benchmark::State& state, std::string path) {
  std::int64_t nnz = 0;
  const double c0 = process_cpu_s();
  for (auto _ : state) {
    h5::Handle f = h5::open_file(path);
    h5::Handle data = h5::open_dataset(f, "X/data"), indices = h5::open_dataset(f, "X/indices");
    const auto indptr = h5::read_all<std::int64_t>(h5::open_dataset(f, "X/indptr"));
    std::vector<std::int32_t> idx;
    std::vector<double> val;
    nnz = 0;
    for (std::size_t a = 0; a + 1 < indptr.size(); a += 20000) {
      const std::size_t b = std::min(indptr.size() - 1, a + 20000);
      const std::int64_t start = indptr[a], count = indptr[b] - indptr[a];
      idx.resize(static_cast<std::size_t>(count));
      val.resize(static_cast<std::size_t>(count));
      h5::read_slice(indices, H5T_NATIVE_INT32, start, count, idx.data());
      h5::read_slice(data, H5T_NATIVE_DOUBLE, start, count, val.data());
      nnz += count;
    }
    benchmark::DoNotOptimize(val.data());
  }
  const double cpu = process_cpu_s() - c0;
  state.counters["nnz"] = static_cast<double>(nnz);
  state.counters["nnz_per_s"] = benchmark::Counter(static_cast<double>(nnz), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["cpu_s"] = cpu / static_cast<double>(state.iterations());
  state.counters["nnz_per_cpu_s"] = static_cast<double>(nnz) * static_cast<double>(state.iterations()) / cpu;
}

}  // namespace

int main(int argc, char** argv) {
  const auto list = files();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string label = "/" + std::to_string(i);
    benchmark::RegisterBenchmark(("BM_Inflate" + label).c_str(), BM_Inflate, list[i])
        ->ArgsProduct({{static_cast<std::int64_t>(i)}, {0, 1}})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_ReadHdf5" + label).c_str(), BM_ReadHdf5, list[i])
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_ReadMatrix" + label).c_str(), BM_ReadMatrix, list[i])
        ->ArgsProduct({{static_cast<std::int64_t>(i)}, {1, 2}})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  for (std::size_t i = 0; i < list.size(); ++i) std::printf("file %zu: %s\n", i, list[i].c_str());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
