// The batched fixed-effects step (fit/batched_general.hpp, fixed_effects_batched): for every
// active gene at its final estimate, C = ZX' Mb [ZX | ZY_g] on the device, then FeFinish
// (flashmm/detail/fixed_effects_batch.hpp), the outputs copied back once per batch into the fit.
//   general path, every ratio >= 0:  Mb = S K0^-1 S with K0 = I + S ZZ S = L L' (batched
//     Cholesky): Y = L^-1 S [ZX | ZY_g], C = Y(:, 0:p)' Y; BLUP = S K0^-1 S (ZY_g - ZX b);
//   general path, a negative ratio (or a failed Cholesky): I + D ZZ by LU (cuBLAS getrf/getrs),
//     X1 = (I + D ZZ)^-1 D [ZX | ZY_g], C = ZX' X1; BLUP = (I + D ZZ)^-1 D (ZY_g - ZX b);
//   spectral path (one component):  Mb = V diag(c) V', c = r / (1 + r g), C = G' diag(c) [G | h_g]
//     with G = V' ZX, h = V' ZY; BLUP = V (c .* (h_g - G b)).
// The p-values (a Student t tail) and the status are set on the host from these outputs.
#include <flashmm/error.hpp>
#include <flashmm/hypothesis_tests.hpp>

#include "fit/batched_general.hpp"
#include "fit/blocked_cholesky.hpp"
#include "fit/ginv.hpp"
#include "fit/spectral_path.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace flashmm::detail {

namespace {

class FixedEffectsBatch {
 public:
  FixedEffectsBatch(BatchedOps& ops, const FitContext& ctx, const LmmOptions& options)
      : ops_(ops), ctx_(ctx), pre_(ctx.prepared()), st_(ctx.stats()), options_(options),
        chol_(ops, static_cast<int>(pre_.q)), shared_(ops), slots_mem_(ops) {
    q_ = static_cast<int>(pre_.q);
    p_ = static_cast<int>(pre_.p);
    k_ = pre_.k;
    k1_ = k_ + 1;
    G_ = pre_.genes;
    qq_ = static_cast<long long>(q_) * q_;
    spectral_ = ctx.spectral() != nullptr;
    satterthwaite_ = spectral_ && options.df == DfMethod::satterthwaite;
  }

  void run(const ScoringInput& in, const ScoringArrays& est, LmmFit& fit) {
    std::vector<int> chol, lu;  // the general path's two routes; the spectral path uses chol
    for (Index g = 0; g < G_; ++g) {
      if (!in.active[g]) continue;
      bool symmetric = true;
      for (int i = 0; i < k_; ++i) {
        const double r = est.theta[k1_ * g + i] / est.theta[k1_ * g + k_];
        symmetric = symmetric && r >= 0 && std::isfinite(r);
      }
      (spectral_ || symmetric ? chol : lu).push_back(static_cast<int>(g));
    }
    if (chol.empty() && lu.empty()) return;
    if (satterthwaite_) device_df_ = Eigen::MatrixXd::Constant(p_, G_, std::numeric_limits<double>::quiet_NaN());
    upload_shared(est);
    allocate_slots(static_cast<long long>(std::max(chol.size(), lu.size())));
    std::vector<int> failed;  // Cholesky failures, redone by LU
    for (std::size_t i0 = 0; i0 < chol.size(); i0 += static_cast<std::size_t>(slots_)) {
      const int n = static_cast<int>(std::min(chol.size() - i0, static_cast<std::size_t>(slots_)));
      if (spectral_) spectral_batch(chol.data() + i0, n);
      else general_batch(chol.data() + i0, n, /*use_lu=*/false, failed);
      store(chol.data() + i0, n, fit, failed);
    }
    lu.insert(lu.end(), failed.begin(), failed.end());
    for (std::size_t i0 = 0; i0 < lu.size(); i0 += static_cast<std::size_t>(slots_)) {
      const int n = static_cast<int>(std::min(lu.size() - i0, static_cast<std::size_t>(slots_)));
      std::vector<int> none;
      general_batch(lu.data() + i0, n, /*use_lu=*/true, none);
      store(lu.data() + i0, n, fit, none);
    }
    // The host's part: df, p-values and status (store_gene's last steps); the Satterthwaite df
    // where the device computed them, for the converged genes (NaN elsewhere, as
    // satterthwaite_df), with their p-values.
    for (Index g = 0; g < G_; ++g) {
      if (!in.active[g]) continue;
      const VarianceEstimate ve = estimate_of(est, g);
      store_t_tests(pre_, options_, g, fit);
      fit.status[static_cast<std::size_t>(g)] = gene_status(options_, ve, fit.coef.col(g).allFinite());
    }
    if (satterthwaite_) {
      fit.df.setConstant(std::numeric_limits<double>::quiet_NaN());
      for (Index g = 0; g < G_; ++g)
        if (fit.converged(g)) fit.df.col(g) = device_df_.col(g);
      fit.df_method = DfMethod::satterthwaite;
      for (Index g = 0; g < G_; ++g)
        for (Index j = 0; j < p_; ++j) fit.p(j, g) = t_test_p(fit.t(j, g), fit.df(j, g), Alternative::two_sided);
    }
  }

 private:
  void upload_shared(const ScoringArrays& est) {
    const auto q = static_cast<std::size_t>(q_), p = static_cast<std::size_t>(p_), G = static_cast<std::size_t>(G_),
               k1 = static_cast<std::size_t>(k1_);
    const std::string what = "the fixed-effects step's shared arrays (" + std::to_string(G_) + " genes)";
    d_XX_ = shared_.upload(st_.XX.data(), p * p, what);
    d_XY_ = shared_.upload(st_.XY.data(), p * G, what);
    d_theta_ = shared_.upload(est.theta, k1 * G, what);
    d_F_ = shared_.upload(est.F, k1 * k1 * G, what);
    d_logdet_ = shared_.upload(est.logdet, G, what);
    if (spectral_) {
      const SpectralBasis& sb = ctx_.spectral()->basis();
      d_X_ = shared_.upload(sb.gx_of(st_).data(), q * p, what);
      d_h_ = shared_.upload((sb.identity_v ? st_.ZY : sb.h).data(), q * G, what);
      d_g_ = shared_.upload(sb.g.data(), q, what);
      if (!sb.identity_v) d_V_ = shared_.upload(sb.V.data(), q * q, what);
      if (satterthwaite_) {  // the projections w = U' zry of every gene, for the observed information
        const SpectralPath& sp = *ctx_.spectral();
        const double* U = shared_.upload(sb.U.data(), q * q, what);
        const double* zry = shared_.upload(pre_.zry.data(), q * G, what);
        d_w_ = shared_.take<double>(q * G, what);
        ops_.gemm_strided(Trans::t, Trans::n, q_, static_cast<int>(G_), q_, 1.0, U, q_, 0, zry, q_, 0, 0.0, d_w_, q_,
                          0, 1);
        d_l_ = shared_.upload(sb.l.data(), q, what);
        d_e_ = shared_.upload(sp.score_eigenvalues().data(), q, what);
        d_yry_ = shared_.upload(pre_.yry.data(), G, what);
      }
    } else {
      d_X_ = shared_.upload(st_.ZX.data(), q * p, what);
      d_h_ = shared_.upload(st_.ZY.data(), q * G, what);
      d_ZZ_ = shared_.upload(st_.ZZ.data(), q * q, what);
      d_comp_ = shared_.upload(pre_.component.data(), q, what);
    }
  }

  std::size_t slot_bytes() const {
    const auto q = static_cast<std::size_t>(q_), p = static_cast<std::size_t>(p_), k1 = static_cast<std::size_t>(k1_);
    const std::size_t doubles = (spectral_ ? 0 : q * q) + q * (p + 1) + p * (p + 1) + 5 * q +
                                (satterthwaite_ ? q * p + 4 + p : 0) +
                                static_cast<std::size_t>(FeFinish::work_per_slot(p_, k1_)) + 3 * p + 2 * p * p + k1 + 1;
    return doubles * sizeof(double) + (q + 4) * sizeof(int) + 2 + 3 * sizeof(double*);
  }

  void allocate_slots(long long genes) {
    const std::size_t free_bytes = ops_.free_bytes(), per_slot = slot_bytes();
    slots_ = static_cast<int>(std::min<long long>({genes, static_cast<long long>(free_bytes / per_slot), 65535}));
    if (slots_ < 1)
      throw DeviceError("out of GPU memory: the fixed-effects step needs " + std::to_string(per_slot) +
                        " bytes of device memory per gene of a batch and " + std::to_string(free_bytes) +
                        " bytes are free; use the CPU (--device cpu)");
    const auto ns = static_cast<std::size_t>(slots_), q = static_cast<std::size_t>(q_), p = static_cast<std::size_t>(p_),
               k1 = static_cast<std::size_t>(k1_);
    const std::string what = "a batch of " + std::to_string(slots_) + " genes of the fixed-effects step";
    if (!spectral_) d_K_ = slots_mem_.take<double>(ns * q * q, what);
    d_rhs_ = slots_mem_.take<double>(ns * q * (p + 1), what);
    d_C_ = slots_mem_.take<double>(ns * p * (p + 1), what);
    d_r_ = slots_mem_.take<double>(ns * q, what);
    d_s_ = slots_mem_.take<double>(ns * q, what);
    d_z_ = slots_mem_.take<double>(ns * q, what);
    d_u_ = slots_mem_.take<double>(ns * q, what);
    d_blup_ = slots_mem_.take<double>(ns * q, what);
    d_work_ = slots_mem_.take<double>(ns * static_cast<std::size_t>(FeFinish::work_per_slot(p_, k1_)), what);
    out_.coef = slots_mem_.take<double>(ns * p, what);
    out_.se = slots_mem_.take<double>(ns * p, what);
    out_.t = slots_mem_.take<double>(ns * p, what);
    out_.cov = slots_mem_.take<double>(ns * p * p, what);
    out_.fim_beta = slots_mem_.take<double>(ns * p * p, what);
    out_.se_theta = slots_mem_.take<double>(ns * k1, what);
    out_.loglik = slots_mem_.take<double>(ns, what);
    if (satterthwaite_) {
      d_hv_ = slots_mem_.take<double>(ns * q * p, what);
      d_A_ = slots_mem_.take<double>(ns * 4, what);
      d_df_ = slots_mem_.take<double>(ns * p, what);
    }
    d_idx_ = slots_mem_.take<int>(ns, what);
    d_info_ = slots_mem_.take<int>(ns, what);
    d_list_ = slots_mem_.take<int>(ns, what);
    d_pivots_ = slots_mem_.take<int>(ns * q, what);
    d_lu_ = slots_mem_.take<unsigned char>(ns, what);
    d_Kp_ = slots_mem_.take<double*>(ns, what);
    d_rhsp_ = slots_mem_.take<double*>(ns, what);
    d_zp_ = slots_mem_.take<double*>(ns, what);
  }

  FeFinish::Args finish_args(int ns) const {
    return FeFinish::Args{d_XX_, d_XY_, d_C_, d_theta_, d_F_, d_logdet_, d_idx_, p_, k1_,
                          static_cast<double>(pre_.n - pre_.pres), kGinvTolerance, d_work_, out_, ns};
  }

  // z := z - X b for every slot (X shared, b = the slot's coefficients): ZY_g - ZX b, h_g - G b.
  void subtract_fitted(int ns) {
    ops_.gemm_strided(Trans::n, Trans::n, q_, 1, p_, -1.0, d_X_, q_, 0, out_.coef, p_, p_, 1.0, d_z_, q_, q_, ns);
  }

  void general_batch(const int* idx, int ns, bool use_lu, std::vector<int>& failed) {
    const long long q = q_, rhs_stride = q * (p_ + 1);
    ops_.upload(d_idx_, idx, static_cast<std::size_t>(ns) * sizeof(int));
    // r, s = sqrt(r) and z = ZY_g for every slot (GeneralPrepare with ZY in place of zry).
    ops_.run(GeneralPrepare::Args{d_theta_, d_h_, d_comp_, d_idx_, q_, k_, d_r_, d_s_, d_z_, d_u_, d_lu_, d_info_, ns});
    if (!use_lu) {
      ops_.run(FormScaled::Args{d_ZZ_, d_s_, d_K_, nullptr, q_, ns});
      chol_.factorize(d_K_, d_info_, ns);
      ops_.run(FeRhs::Args{d_X_, d_z_, d_s_, d_rhs_, q_, p_, ns});
      chol_.solve(d_K_, d_rhs_, q_, rhs_stride, p_ + 1, false, ns);  // Y = L^-1 S [ZX | ZY_g]
      ops_.gemm_strided(Trans::t, Trans::n, p_, p_ + 1, q_, 1.0, d_rhs_, q_, rhs_stride, d_rhs_, q_, rhs_stride, 0.0,
                        d_C_, p_, static_cast<long long>(p_) * (p_ + 1), ns);
      ops_.run(finish_args(ns));
      subtract_fitted(ns);
      ops_.run(ScaleVectors::Args{d_z_, d_s_, q_, ns});
      chol_.solve(d_K_, d_z_, q_, q, 1, false, ns);
      chol_.solve(d_K_, d_z_, q_, q, 1, true, ns);
      ops_.run(ScaleVectors::Args{d_z_, d_s_, q_, ns});
      std::vector<int> info(static_cast<std::size_t>(ns));
      ops_.download(info.data(), d_info_, info.size() * sizeof(int));
      for (int i = 0; i < ns; ++i)
        if (info[static_cast<std::size_t>(i)] != 0) failed.push_back(idx[i]);
    } else {
      std::vector<int> all(static_cast<std::size_t>(ns));
      std::iota(all.begin(), all.end(), 0);
      ops_.upload(d_list_, all.data(), all.size() * sizeof(int));
      std::vector<double*> Kp(all.size()), rhsp(all.size()), zp(all.size());
      for (int i = 0; i < ns; ++i) {
        Kp[static_cast<std::size_t>(i)] = d_K_ + i * qq_;
        rhsp[static_cast<std::size_t>(i)] = d_rhs_ + i * rhs_stride;
        zp[static_cast<std::size_t>(i)] = d_z_ + i * q;
      }
      ops_.upload(d_Kp_, Kp.data(), Kp.size() * sizeof(double*));
      ops_.upload(d_rhsp_, rhsp.data(), rhsp.size() * sizeof(double*));
      ops_.upload(d_zp_, zp.data(), zp.size() * sizeof(double*));
      ops_.run(FormGeneral::Args{d_ZZ_, d_r_, d_list_, ns, d_K_, nullptr, d_z_, nullptr, nullptr, q_});
      ops_.getrf_batched(q_, d_Kp_, q_, d_pivots_, d_info_, ns);
      ops_.run(FeRhs::Args{d_X_, d_z_, d_r_, d_rhs_, q_, p_, ns});
      ops_.getrs_batched(Trans::n, q_, p_ + 1, d_Kp_, q_, d_pivots_, d_rhsp_, q_, ns);  // Mb [ZX | ZY_g]
      ops_.gemm_strided(Trans::t, Trans::n, p_, p_ + 1, q_, 1.0, d_X_, q_, 0, d_rhs_, q_, rhs_stride, 0.0, d_C_, p_,
                        static_cast<long long>(p_) * (p_ + 1), ns);
      ops_.run(finish_args(ns));
      subtract_fitted(ns);
      ops_.run(ScaleVectors::Args{d_z_, d_r_, q_, ns});
      ops_.getrs_batched(Trans::n, q_, 1, d_Kp_, q_, d_pivots_, d_zp_, q_, ns);
    }
    blup_ = d_z_;
  }

  void spectral_batch(const int* idx, int ns) {
    const long long q = q_, rhs_stride = q * (p_ + 1);
    ops_.upload(d_idx_, idx, static_cast<std::size_t>(ns) * sizeof(int));
    ops_.run(SpectralFePrepare::Args{d_theta_, d_g_, d_h_, d_idx_, d_r_, d_z_, q_, ns});  // c in r
    ops_.run(FeRhs::Args{d_X_, d_z_, d_r_, d_rhs_, q_, p_, ns});
    ops_.gemm_strided(Trans::t, Trans::n, p_, p_ + 1, q_, 1.0, d_X_, q_, 0, d_rhs_, q_, rhs_stride, 0.0, d_C_, p_,
                      static_cast<long long>(p_) * (p_ + 1), ns);
    ops_.run(finish_args(ns));
    if (satterthwaite_) {  // hv = G cov, then the df of every coefficient
      const long long pp = static_cast<long long>(p_) * p_;
      ops_.gemm_strided(Trans::n, Trans::n, q_, p_, p_, 1.0, d_X_, q_, 0, out_.cov, p_, pp, 0.0, d_hv_, q_, q * p_, ns);
      ops_.run(SpectralSatterthwaite::Args{out_.cov, d_hv_, d_XX_, d_theta_, d_w_, d_l_, d_g_, d_e_, d_yry_, d_idx_, q_,
                                           p_, static_cast<double>(pre_.n - pre_.pres),
                                           static_cast<double>(pre_.n - pre_.pres - pre_.q), kGinvTolerance, d_A_,
                                           d_df_, ns});
    }
    subtract_fitted(ns);
    ops_.run(ScaleVectors::Args{d_z_, d_r_, q_, ns});
    blup_ = d_z_;
    if (d_V_ != nullptr) {  // back from the eigenbasis of ZZ
      ops_.gemm_strided(Trans::n, Trans::n, q_, ns, q_, 1.0, d_V_, q_, 0, d_z_, q_, 0, 0.0, d_blup_, q_, 0, 1);
      blup_ = d_blup_;
    }
  }

  // The batch's outputs into the genes' columns of fit (skipping the genes in skip).
  void store(const int* idx, int ns, LmmFit& fit, const std::vector<int>& skip) {
    const auto n = static_cast<std::size_t>(ns), p = static_cast<std::size_t>(p_), q = static_cast<std::size_t>(q_),
               k1 = static_cast<std::size_t>(k1_);
    const bool keep_fim = fit.fim_beta.size() > 0;  // LmmOptions::fim_beta
    std::vector<double> coef(n * p), se(n * p), t(n * p), cov(n * p * p), fim(keep_fim ? n * p * p : 0), se_theta(n * k1),
        ll(n), blup(n * q);
    ops_.download(coef.data(), out_.coef, coef.size() * sizeof(double));
    ops_.download(se.data(), out_.se, se.size() * sizeof(double));
    ops_.download(t.data(), out_.t, t.size() * sizeof(double));
    ops_.download(cov.data(), out_.cov, cov.size() * sizeof(double));
    if (keep_fim) ops_.download(fim.data(), out_.fim_beta, fim.size() * sizeof(double));
    ops_.download(se_theta.data(), out_.se_theta, se_theta.size() * sizeof(double));
    ops_.download(ll.data(), out_.loglik, ll.size() * sizeof(double));
    ops_.download(blup.data(), blup_, blup.size() * sizeof(double));
    std::vector<double> df(satterthwaite_ ? n * p : 0);
    if (satterthwaite_) ops_.download(df.data(), d_df_, df.size() * sizeof(double));
    for (std::size_t i = 0; i < n; ++i) {
      const Index g = idx[i];
      if (std::find(skip.begin(), skip.end(), idx[i]) != skip.end()) continue;
      std::copy_n(coef.data() + i * p, p, fit.coef.col(g).data());
      std::copy_n(se.data() + i * p, p, fit.se.col(g).data());
      std::copy_n(t.data() + i * p, p, fit.t.col(g).data());
      std::copy_n(cov.data() + i * p * p, p * p, fit.cov.col(g).data());
      if (keep_fim) std::copy_n(fim.data() + i * p * p, p * p, fit.fim_beta.col(g).data());
      std::copy_n(se_theta.data() + i * k1, k1, fit.se_theta.col(g).data());
      std::copy_n(blup.data() + i * q, q, fit.blup.col(g).data());
      fit.logLik(g) = ll[i];
      if (satterthwaite_) std::copy_n(df.data() + i * p, p, device_df_.col(g).data());
    }
  }

  BatchedOps& ops_;
  const FitContext& ctx_;
  const Prepared& pre_;
  const SummaryStats& st_;
  const LmmOptions& options_;
  BlockedCholesky chol_;
  int q_ = 0, p_ = 0, k_ = 0, k1_ = 0;
  Index G_ = 0;
  long long qq_ = 0;
  bool spectral_ = false;
  bool satterthwaite_ = false;  // Satterthwaite df on the device (one component)
  int slots_ = 0;

  DeviceArrays shared_, slots_mem_;  // the arrays of all genes; those of a batch's slots
  double *d_XX_ = nullptr, *d_XY_ = nullptr, *d_theta_ = nullptr, *d_F_ = nullptr, *d_logdet_ = nullptr;
  double *d_X_ = nullptr, *d_h_ = nullptr, *d_g_ = nullptr, *d_V_ = nullptr, *d_ZZ_ = nullptr;
  double *d_w_ = nullptr, *d_l_ = nullptr, *d_e_ = nullptr, *d_yry_ = nullptr, *d_hv_ = nullptr, *d_A_ = nullptr,
         *d_df_ = nullptr;
  int* d_comp_ = nullptr;
  double *d_K_ = nullptr, *d_rhs_ = nullptr, *d_C_ = nullptr, *d_r_ = nullptr, *d_s_ = nullptr, *d_z_ = nullptr,
         *d_u_ = nullptr, *d_blup_ = nullptr, *d_work_ = nullptr;
  double* blup_ = nullptr;  // where the batch's BLUPs are
  Eigen::MatrixXd device_df_;  // p x G: the device's Satterthwaite df
  FeOutputs out_;
  int *d_idx_ = nullptr, *d_info_ = nullptr, *d_list_ = nullptr, *d_pivots_ = nullptr;
  unsigned char* d_lu_ = nullptr;
  double **d_Kp_ = nullptr, **d_rhsp_ = nullptr, **d_zp_ = nullptr;
};

}  // namespace

void fixed_effects_batched(BatchedOps& ops, const FitContext& ctx, const LmmOptions& options, const ScoringInput& in,
                           const ScoringArrays& est, LmmFit& fit) {
  FixedEffectsBatch(ops, ctx, options).run(in, est, fit);
}

}  // namespace flashmm::detail
