# FLASHMM (the R package) on a 10x directory written by `flashmm simulate`, the route its users
# take for large data: summary statistics with sslmm(), then lmm(), then the t tests of lmmtest().
# Prints the seconds of each stage (user, system, elapsed) and writes the coefficients and
# p-values for a side-by-side check against flashmm.
#
#   Rscript benchmarks/flashmm_r/de_flashmm.R DIR OUT_PREFIX [RANDOM...]
#
# DIR holds matrix.mtx.gz, features.tsv.gz, barcodes.tsv.gz and metadata.csv; RANDOM are the
# metadata columns of the random components (default: sam). FLASHMM must be installed in a
# library on R_LIBS. The fixed effects are ~ 0 + log(libsize) + cls + cls:trt.
args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) >= 2)
dir <- args[1]
out <- args[2]
random <- if (length(args) > 2) args[-(1:2)] else "sam"
Sys.setlocale("LC_COLLATE", "C")  # factor levels in byte order, as flashmm sorts a CSV's values
suppressPackageStartupMessages({
  library(Matrix)
  library(FLASHMM)
})

stage <- function(name, expr) {
  t <- system.time(value <- expr, gcFirst = FALSE)
  cat(sprintf("stage %-10s user %8.2f  system %6.2f  elapsed %8.2f\n", name, t[["user.self"]], t[["sys.self"]],
              t[["elapsed"]]))
  value
}

data <- stage("read", {
  counts <- as(readMM(gzfile(file.path(dir, "matrix.mtx.gz"))), "CsparseMatrix")  # genes x cells
  rownames(counts) <- read.delim(gzfile(file.path(dir, "features.tsv.gz")), header = FALSE)[, 1]
  barcodes <- gzfile(file.path(dir, "barcodes.tsv.gz"))
  colnames(counts) <- readLines(barcodes)
  close(barcodes)
  meta <- read.csv(file.path(dir, "metadata.csv"), check.names = FALSE)
  rownames(meta) <- meta[, 1]
  meta <- meta[colnames(counts), ]
  for (v in c("cls", "trt", random)) meta[[v]] <- factor(as.character(meta[[v]]))
  list(counts = counts, meta = meta)
})
cat(sprintf("genes %d, cells %d, nonzeros %d\n", nrow(data$counts), ncol(data$counts), length(data$counts@x)))

design <- stage("design", {
  Y <- data$counts
  Y@x <- log2(1 + Y@x)
  X <- model.matrix(~ 0 + log(libsize) + cls + cls:trt, data = data$meta)
  Zs <- lapply(random, function(v) model.matrix(as.formula(paste("~ 0 +", v)), data = data$meta))
  list(Y = Y, X = X, Z = do.call(cbind, Zs), d = vapply(Zs, ncol, integer(1)))
})

ss <- stage("sslmm", sslmm(design$X, design$Y, design$Z))
fit <- stage("lmm", lmm(ss$XX, ss$XY, ss$ZX, ss$ZY, ss$ZZ, Ynorm = ss$Ynorm, n = ss$n, d = design$d))
cat(sprintf("p %d, q %d, genes not converged (|dlogL| > epsilon) %d\n", nrow(fit$coef), ncol(ss$ZZ),
            sum(colSums(abs(fit$dlogL) > fit$epsilon) > 0)))
write.csv(t(fit$coef), paste0(out, "_coef.csv"))
write.csv(t(fit$p), paste0(out, "_p.csv"))
write.csv(t(fit$theta), paste0(out, "_theta.csv"))
