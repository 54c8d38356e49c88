// The batched drivers (fit/batched_general.hpp): the sequence of factorizations, GEMMs and
// per-gene operations of FLASHMM's Fisher scoring on the general path, for every still-active
// gene at once, in batches sized from the device's free memory.
#include <flashmm/error.hpp>

#include "fit/batched_general.hpp"
#include "fit/blocked_cholesky.hpp"
#include "fit/ginv.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace flashmm::detail {

namespace {

constexpr long long kMaxInt = std::numeric_limits<int>::max();
constexpr long long kMaxGridY = 65535;

class GeneralScoring {
 public:
  GeneralScoring(BatchedOps& ops, const FitContext& ctx, const LmmOptions& options)
      : ops_(ops), pre_(ctx.prepared()), st_(ctx.stats()), options_(options), chol_(ops, static_cast<int>(pre_.q)),
        shared_(ops), slots_mem_(ops) {
    q_ = static_cast<int>(pre_.q);
    k_ = pre_.k;
    k1_ = k_ + 1;
    G_ = pre_.genes;
    qq_ = static_cast<long long>(q_) * q_;
    ml_ = pre_.method == Method::ml;
  }

  void run(const ScoringInput& in, const ScoringArrays& out) {
    std::vector<int> genes;
    for (Index g = 0; g < G_; ++g)
      if (in.active[g]) genes.push_back(static_cast<int>(g));
    if (genes.empty()) return;
    allocate_shared(in);
    allocate_slots(static_cast<long long>(genes.size()));

    // Fisher scoring: every round evaluates each still-active gene once and takes its step.
    std::vector<int> todo = genes;
    std::vector<unsigned char> done(static_cast<std::size_t>(G_));
    while (!todo.empty()) {
      for_chunks(todo, GeneralMode::iterate);
      ops_.download(done.data(), d_done_, done.size());
      todo.erase(std::remove_if(todo.begin(), todo.end(), [&](int g) { return done[static_cast<std::size_t>(g)] != 0; }),
                 todo.end());
    }
    // FLASHMM's last step: the residual variance re-estimated, then one more evaluation.
    for_chunks(genes, GeneralMode::reestimate);
    std::vector<unsigned char> finite(static_cast<std::size_t>(G_));
    ops_.download(finite.data(), d_finite_, finite.size());
    std::vector<int> finite_genes;
    for (int g : genes)
      if (finite[static_cast<std::size_t>(g)]) finite_genes.push_back(g);
    for_chunks(finite_genes, GeneralMode::final);

    // Back to the host, the active genes only (the others keep what out holds).
    std::vector<double> theta(static_cast<std::size_t>(k1_ * G_)), dl(theta.size()),
        F(static_cast<std::size_t>(k1_ * k1_ * G_)), logdet(static_cast<std::size_t>(G_)), loglik(logdet.size());
    std::vector<int> niter(static_cast<std::size_t>(G_));
    ops_.download(theta.data(), d_theta_, theta.size() * sizeof(double));
    ops_.download(dl.data(), d_dl_, dl.size() * sizeof(double));
    ops_.download(F.data(), d_F_, F.size() * sizeof(double));
    ops_.download(logdet.data(), d_logdet_, logdet.size() * sizeof(double));
    ops_.download(loglik.data(), d_loglik_, loglik.size() * sizeof(double));
    ops_.download(niter.data(), d_niter_, niter.size() * sizeof(int));
    ops_.download(finite.data(), d_finite_, finite.size());
    for (int g : genes) {
      const auto gs = static_cast<std::size_t>(g);
      std::copy_n(theta.data() + k1_ * g, k1_, out.theta + k1_ * g);
      std::copy_n(dl.data() + k1_ * g, k1_, out.dl + k1_ * g);
      std::copy_n(F.data() + k1_ * k1_ * g, k1_ * k1_, out.F + k1_ * k1_ * g);
      out.logdet[g] = logdet[gs];
      out.niter[g] = niter[gs];
      out.finite[g] = finite[gs];
      if (out.loglik != nullptr) out.loglik[g] = loglik[gs];
    }
  }

 private:
  std::size_t shared_bytes() const {
    const auto q = static_cast<std::size_t>(q_), G = static_cast<std::size_t>(G_), k1 = static_cast<std::size_t>(k1_);
    return sizeof(double) * ((ml_ ? 2 : 1) * q * q + q * G + G * (2 * k1 + k1 * k1 + 3)) +
           sizeof(int) * (q + k1 + G) + 2 * G + 16 * 256;
  }

  std::size_t slot_bytes() const {
    const auto q = static_cast<std::size_t>(q_), k = static_cast<std::size_t>(k_), k1 = static_cast<std::size_t>(k1_);
    return sizeof(double) * (3 * q * q + 6 * q + (k + 2) * q + 3 * k1 * k1) + sizeof(int) * (q + 4) + 1 +
           6 * sizeof(double*);
  }

  void allocate_shared(const ScoringInput& in) {
    const auto q = static_cast<std::size_t>(q_), G = static_cast<std::size_t>(G_), k1 = static_cast<std::size_t>(k1_);
    const std::string what = "the general fit's shared arrays (q = " + std::to_string(q_) + ", " + std::to_string(G_) + " genes)";
    d_zrz_ = shared_.take<double>(q * q, what);
    ops_.upload(d_zrz_, pre_.zrz.data(), q * q * sizeof(double));
    if (ml_) {
      d_zz_ = shared_.take<double>(q * q, what);
      ops_.upload(d_zz_, st_.ZZ.data(), q * q * sizeof(double));
    }
    d_zry_ = shared_.take<double>(q * G, what);
    ops_.upload(d_zry_, pre_.zry.data(), q * G * sizeof(double));
    d_comp_ = shared_.take<int>(q, what);
    ops_.upload(d_comp_, pre_.component.data(), q * sizeof(int));
    std::vector<int> offsets(k1, 0);
    for (int i = 0; i < k_; ++i) offsets[static_cast<std::size_t>(i) + 1] = offsets[static_cast<std::size_t>(i)] + st_.d[static_cast<std::size_t>(i)];
    d_offsets_ = shared_.take<int>(k1, what);
    ops_.upload(d_offsets_, offsets.data(), k1 * sizeof(int));
    d_yry_ = shared_.take<double>(G, what);
    ops_.upload(d_yry_, pre_.yry.data(), G * sizeof(double));

    d_theta_ = shared_.take<double>(k1 * G, what);
    ops_.upload(d_theta_, in.s_start, k1 * G * sizeof(double));
    d_dl_ = shared_.take<double>(k1 * G, what);
    d_F_ = shared_.take<double>(k1 * k1 * G, what);
    d_logdet_ = shared_.take<double>(G, what);
    d_loglik_ = shared_.take<double>(G, what);
    d_niter_ = shared_.take<int>(G, what);
    d_finite_ = shared_.take<unsigned char>(G, what);
    d_done_ = shared_.take<unsigned char>(G, what);
    const std::vector<double> nan(k1 * k1 * G, std::numeric_limits<double>::quiet_NaN());
    ops_.upload(d_dl_, nan.data(), k1 * G * sizeof(double));
    ops_.upload(d_F_, nan.data(), k1 * k1 * G * sizeof(double));
    ops_.upload(d_logdet_, nan.data(), G * sizeof(double));
    ops_.upload(d_loglik_, nan.data(), G * sizeof(double));
    const std::vector<int> zeros(G, 0);
    ops_.upload(d_niter_, zeros.data(), G * sizeof(int));
    const std::vector<unsigned char> ones(G, 1), none(G, 0);
    ops_.upload(d_finite_, ones.data(), G);
    ops_.upload(d_done_, none.data(), G);
  }

  // As many slots (genes of a batch) as the free memory holds, at most the genes to fit.
  void allocate_slots(long long genes) {
    const std::size_t free_bytes = ops_.free_bytes();
    const std::size_t per_slot = slot_bytes();
    const auto fit = static_cast<long long>(free_bytes / per_slot);
    slots_ = static_cast<int>(std::min({genes, fit, kMaxGridY}));
    if (slots_ < 1)
      throw DeviceError("out of GPU memory: the general fit needs " + std::to_string(per_slot) +
                        " bytes of device memory per gene of a batch (three q x q matrices, q = " + std::to_string(q_) +
                        ") besides its shared arrays, and " + std::to_string(free_bytes) +
                        " bytes are free; use the CPU (--device cpu)");
    const auto ns = static_cast<std::size_t>(slots_), q = static_cast<std::size_t>(q_);
    const std::string what = "a batch of " + std::to_string(slots_) + " genes of the general fit (q = " + std::to_string(q_) + ")";
    d_K_ = slots_mem_.take<double>(ns * q * q, what);
    d_W_ = slots_mem_.take<double>(ns * q * q, what);
    d_B_ = slots_mem_.take<double>(ns * q * q, what);
    d_r_ = slots_mem_.take<double>(ns * q, what);
    d_s_ = slots_mem_.take<double>(ns * q, what);
    d_z_ = slots_mem_.take<double>(ns * q, what);
    d_u_ = slots_mem_.take<double>(ns * q, what);
    d_a_ = slots_mem_.take<double>(ns * q, what);
    d_right_ = slots_mem_.take<double>(ns * q, what);
    d_rows_ = slots_mem_.take<double>(ns * q * static_cast<std::size_t>(k_ + 2), what);
    d_work_ = slots_mem_.take<double>(ns * 3 * static_cast<std::size_t>(k1_ * k1_), what);
    d_idx_ = slots_mem_.take<int>(ns, what);
    d_info_ = slots_mem_.take<int>(ns, what);
    d_lu_info_ = slots_mem_.take<int>(ns, what);
    d_list_ = slots_mem_.take<int>(ns, what);
    d_pivots_ = slots_mem_.take<int>(ns * q, what);
    d_lu_ = slots_mem_.take<unsigned char>(ns, what);
    for (double*** p : {&d_Kp_, &d_Wp_, &d_Bp_, &d_ap_, &d_rp_, &d_Ap_}) *p = slots_mem_.take<double*>(ns, what);
  }

  void for_chunks(const std::vector<int>& genes, GeneralMode mode) {
    for (std::size_t i0 = 0; i0 < genes.size(); i0 += static_cast<std::size_t>(slots_)) {
      const std::size_t n = std::min(genes.size() - i0, static_cast<std::size_t>(slots_));
      evaluate(genes.data() + i0, static_cast<int>(n), mode);
    }
  }

  double* slot_matrix(double* base, int slot) const { return base + slot * qq_; }

  // One evaluation (and the mode's update) of the genes idx[0..ns).
  void evaluate(const int* idx, int ns, GeneralMode mode) {
    const long long q = q_;
    ops_.upload(d_idx_, idx, static_cast<std::size_t>(ns) * sizeof(int));
    ops_.run(GeneralPrepare::Args{d_theta_, d_zry_, d_comp_, d_idx_, q_, k_, d_r_, d_s_, d_z_, d_u_, d_lu_, d_info_, ns});

    // The symmetric form for every slot; slots with a negative ratio or a failed factorization
    // are redone below by LU (their results here are discarded).
    ops_.run(FormScaled::Args{d_zrz_, d_s_, d_K_, ml_ ? nullptr : d_W_, q_, ns});
    chol_.factorize(d_K_, d_info_, ns);
    chol_.solve(d_K_, d_u_, q_, q, 1, false, ns);
    chol_.solve(d_K_, d_u_, q_, q, 1, true, ns);
    ops_.run(VectorFinish::Args{d_s_, d_u_, d_z_, d_right_, d_a_, q_, ns});
    // a = zry - zrz (S u): all slots in one GEMM.
    ops_.gemm_strided(Trans::n, Trans::n, q_, ns, q_, -1.0, d_zrz_, q_, 0, d_right_, q_, 0, 1.0, d_a_, q_, 0, 1);
    const double* A = d_zrz_;
    if (ml_) {
      A = d_zz_;
      ops_.run(FormScaled::Args{d_zz_, d_s_, d_K_, d_W_, q_, ns});
      chol_.factorize(d_K_, d_info_, ns);
    }
    chol_.solve(d_K_, d_W_, q_, qq_, q_, false, ns);  // Y = L^-1 S A
    ops_.run(Broadcast::Args{A, qq_, d_B_, qq_, ns});
    ops_.gemm_strided(Trans::t, Trans::n, q_, q_, q_, -1.0, d_W_, q_, qq_, d_W_, q_, qq_, 1.0, d_B_, q_, qq_, ns);
    chol_.solve(d_K_, d_W_, q_, qq_, q_, true, ns);  // W2 = L^-T Y
    ops_.run(M0FromW2::Args{d_W_, d_s_, q_, ns});

    // The LU route where the symmetric form does not hold.
    std::vector<int> info(static_cast<std::size_t>(ns));
    std::vector<unsigned char> lu(static_cast<std::size_t>(ns));
    ops_.download(info.data(), d_info_, info.size() * sizeof(int));
    ops_.download(lu.data(), d_lu_, lu.size());
    std::vector<int> list;
    for (int i = 0; i < ns; ++i)
      if (lu[static_cast<std::size_t>(i)] != 0 || info[static_cast<std::size_t>(i)] != 0) {
        list.push_back(i);
        lu[static_cast<std::size_t>(i)] = 1;
      }
    if (!list.empty()) {
      ops_.upload(d_lu_, lu.data(), lu.size());
      lu_route(list);
    }

    ops_.run(ReduceUpdate::Args{d_B_, d_W_, d_K_, qq_, d_a_, d_right_, d_z_, d_lu_, d_idx_, d_offsets_, q_, k_, d_rows_,
                                d_work_,
                                GeneralGeneState{d_theta_, d_dl_, d_F_, d_logdet_, d_loglik_, d_niter_, d_finite_, d_done_},
                                d_yry_, static_cast<double>(pre_.n - pre_.pres - pre_.q),
                                static_cast<double>(pre_.n - pre_.pres), options_.max_iter, options_.epsilon,
                                kGinvTolerance, mode, ns});
  }

  // K = I + D A by LU with partial pivoting for the slots of list: M (a, right), M0 and B as the
  // CPU's GeneralPath::evaluate forms them.
  void lu_route(const std::vector<int>& list) {
    const int n = static_cast<int>(list.size());
    const auto ns = static_cast<std::size_t>(n);
    ops_.upload(d_list_, list.data(), ns * sizeof(int));
    std::vector<double*> Kp(ns), Wp(ns), Bp(ns), ap(ns), rp(ns), Ap(ns);
    const double* A = ml_ ? d_zz_ : d_zrz_;
    for (std::size_t i = 0; i < ns; ++i) {
      const int slot = list[i];
      Kp[i] = slot_matrix(d_K_, slot);
      Wp[i] = slot_matrix(d_W_, slot);
      Bp[i] = slot_matrix(d_B_, slot);
      ap[i] = d_a_ + static_cast<long long>(slot) * q_;
      rp[i] = d_right_ + static_cast<long long>(slot) * q_;
      Ap[i] = const_cast<double*>(A);
    }
    const std::pair<double**, const std::vector<double*>*> arrays[] = {{d_Kp_, &Kp}, {d_Wp_, &Wp}, {d_Bp_, &Bp},
                                                                        {d_ap_, &ap}, {d_rp_, &rp}, {d_Ap_, &Ap}};
    for (const auto& [device, host] : arrays) ops_.upload(device, host->data(), ns * sizeof(double*));

    // M = (I + D zrz)^-1: a = M' zry, right = M (r .* zry); for REML also M0 = M.
    ops_.run(FormGeneral::Args{d_zrz_, d_r_, d_list_, n, d_K_, ml_ ? nullptr : d_W_, d_z_, d_a_, d_right_, q_});
    ops_.getrf_batched(q_, d_Kp_, q_, d_pivots_, d_lu_info_, n);
    ops_.getrs_batched(Trans::t, q_, 1, d_Kp_, q_, d_pivots_, d_ap_, q_, n);
    ops_.getrs_batched(Trans::n, q_, 1, d_Kp_, q_, d_pivots_, d_rp_, q_, n);
    if (ml_) {  // M0 = (I + D ZZ)^-1
      ops_.run(FormGeneral::Args{d_zz_, d_r_, d_list_, n, d_K_, d_W_, d_z_, nullptr, nullptr, q_});
      ops_.getrf_batched(q_, d_Kp_, q_, d_pivots_, d_lu_info_, n);
    }
    ops_.getrs_batched(Trans::n, q_, q_, d_Kp_, q_, d_pivots_, d_Wp_, q_, n);  // M0 = K^-1
    ops_.gemm_batched(Trans::n, Trans::n, q_, q_, q_, 1.0, d_Ap_, q_, d_Wp_, q_, 0.0, d_Bp_, q_, n);  // B = A M0
  }

  BatchedOps& ops_;
  const Prepared& pre_;
  const SummaryStats& st_;
  const LmmOptions& options_;
  BlockedCholesky chol_;
  int q_ = 0, k_ = 0, k1_ = 0;
  Index G_ = 0;
  long long qq_ = 0;
  bool ml_ = false;
  int slots_ = 0;

  DeviceArrays shared_, slots_mem_;  // the arrays of all genes; those of a batch's slots
  double *d_zrz_ = nullptr, *d_zz_ = nullptr, *d_zry_ = nullptr, *d_yry_ = nullptr;
  int *d_comp_ = nullptr, *d_offsets_ = nullptr;
  double *d_theta_ = nullptr, *d_dl_ = nullptr, *d_F_ = nullptr, *d_logdet_ = nullptr, *d_loglik_ = nullptr;
  int* d_niter_ = nullptr;
  unsigned char *d_finite_ = nullptr, *d_done_ = nullptr;
  double *d_K_ = nullptr, *d_W_ = nullptr, *d_B_ = nullptr, *d_r_ = nullptr, *d_s_ = nullptr, *d_z_ = nullptr,
         *d_u_ = nullptr, *d_a_ = nullptr, *d_right_ = nullptr, *d_rows_ = nullptr, *d_work_ = nullptr;
  int *d_idx_ = nullptr, *d_info_ = nullptr, *d_lu_info_ = nullptr, *d_list_ = nullptr, *d_pivots_ = nullptr;
  unsigned char* d_lu_ = nullptr;
  // Pointer arrays (device memory) of the LU route's slots, for the batched cuBLAS calls.
  double **d_Kp_ = nullptr, **d_Wp_ = nullptr, **d_Bp_ = nullptr, **d_ap_ = nullptr, **d_rp_ = nullptr,
         **d_Ap_ = nullptr;
};

}  // namespace

bool batched_covers(const FitContext& ctx, std::string* why_not) {
  const Prepared& pre = ctx.prepared();
  std::string why;
  if (pre.k > kMaxBatchedComponents)
    why = "the batched GPU fit takes at most " + std::to_string(kMaxBatchedComponents) + " random components (the model has " +
          std::to_string(pre.k) + ")";
  else if (pre.q > 46340)
    why = "the batched GPU fit takes q <= 46340 random-effect columns (q^2 int32 indices); the model has q = " +
          std::to_string(pre.q);
  else if (pre.genes > kMaxInt)
    why = "the batched GPU fit takes fewer than 2^31 genes per call";
  if (why.empty()) return true;
  if (why_not != nullptr) *why_not = why;
  return false;
}

std::size_t batched_min_bytes(const FitContext& ctx) {
  const Prepared& pre = ctx.prepared();
  const auto q = static_cast<std::size_t>(pre.q), G = static_cast<std::size_t>(pre.genes),
             p = static_cast<std::size_t>(pre.p);
  if (ctx.spectral() != nullptr) return sizeof(double) * (2 * q * q + 2 * q * (p + 1) + q * G);
  return sizeof(double) * (5 * q * q + q * G + q * (p + 1));
}

void score_general_batched(BatchedOps& ops, const FitContext& ctx, const LmmOptions& options, const ScoringInput& in,
                           const ScoringArrays& out) {
  GeneralScoring(ops, ctx, options).run(in, out);
}

namespace {

class BatchedScorer final : public Scorer {
 public:
  explicit BatchedScorer(std::function<std::unique_ptr<BatchedOps>()> make_ops) : make_ops_(std::move(make_ops)) {}

  void score(const FitContext& ctx, const LmmOptions& options, const ScoringInput& in, const ScoringArrays& out,
             ProgressReport& progress) override {
    std::string why;
    if (!batched_covers(ctx, &why)) throw InputError(why);
    if (ctx.spectral() != nullptr) score_spectral_batched(ops(), ctx, options, in, out);
    else score_general_batched(ops(), ctx, options, in, out);
    progress.add(ctx.prepared().genes);
  }

  // One component: the device runs the safeguarded optimizer too; k > 1: the host pass does,
  // on the genes where plain scoring failed only.
  bool runs_safeguard(const FitContext& ctx, const LmmOptions&) const override { return ctx.spectral() != nullptr; }

  void fixed_effects(const FitContext& ctx, const LmmOptions& options, const ScoringInput& in,
                     const ScoringArrays& est, LmmFit& fit, ProgressReport& progress) override {
    fixed_effects_batched(ops(), ctx, options, in, est, fit);
    progress.add(ctx.prepared().genes);
  }

 private:
  BatchedOps& ops() {  // one device context for the whole fit
    if (!ops_) ops_ = make_ops_();
    return *ops_;
  }

  std::function<std::unique_ptr<BatchedOps>()> make_ops_;
  std::unique_ptr<BatchedOps> ops_;
};

}  // namespace

std::unique_ptr<Scorer> make_batched_scorer(std::function<std::unique_ptr<BatchedOps>()> make_ops) {
  return std::make_unique<BatchedScorer>(std::move(make_ops));
}

std::unique_ptr<Scorer> make_emulated_device_scorer(std::size_t memory_bytes) {
  return make_batched_scorer([memory_bytes] { return make_cpu_batched_ops(memory_bytes); });
}

}  // namespace flashmm::detail
