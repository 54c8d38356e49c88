#!/usr/bin/python3
"""Writes mm_formulas_derived.csv and mm22..mm27_matrix.csv: R's model.matrix for formulas with
relevel() and factor(x, levels = ...) over mm_metadata.csv, where R is not at hand.

Each matrix is written out by hand from R's rules for that one formula (not by a formula
engine): the level order (factor(levels = ) keeps the order given; relevel() moves the reference
to the front, others keep their order; text otherwise sorted in byte order, the C locale), the
treatment contrasts of a factor after the intercept or after an earlier term containing the
rest of its term (levels 2..L), indicators for the first factor without an intercept, and R's
column names (the deparsed call, double quotes, spaces after commas and around '=', then the
level). The character columns are character, as in the R session that wrote mm01..mm21.
Run: /usr/bin/python3 tests/data/mm_derived_matrices.py (from the repository root).
"""
import csv
import os

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "mm_metadata.csv"), newline="") as f:
    rows = list(csv.DictReader(f))


def levels_sorted(col):
    return sorted({r[col] for r in rows}, key=lambda s: s.encode())  # C locale: byte order


def ind(col, level):
    return lambda r: 1.0 if r[col] == level else 0.0


CASES = []

# mm22: ~ relevel(trt, ref = "B") + cls. Intercept; trt's levels B, A (reference B); cls's
# levels 1, 10, 2 (bytes), contrasts 10 and 2.
name = 'relevel(trt, ref = "B")'
CASES.append(("mm22", '~ relevel(trt, ref = "B") + cls',
              [("(Intercept)", lambda r: 1.0), (name + "A", ind("trt", "A"))] +
              [("cls" + l, ind("cls", l)) for l in levels_sorted("cls")[1:]]))

# mm23: ~ 0 + factor(cls, levels = c("2", "10", "1")) + trt. No intercept: the factor by
# indicators in the order given; trt then by contrasts (B).
name = 'factor(cls, levels = c("2", "10", "1"))'
CASES.append(("mm23", '~ 0 + factor(cls, levels = c("2", "10", "1")) + trt',
              [(name + l, ind("cls", l)) for l in ["2", "10", "1"]] + [("trtB", ind("trt", "B"))]))

# mm24: ~ cls + cls:relevel(season, "Winter"). Intercept, cls contrasts (10, 2); in cls:season'
# the term without season' is cls, an earlier term, so season' gets contrasts: levels Winter,
# Spring, Summer minus the reference Winter; cls there gets indicators (cls alone is not an
# earlier term of season'); cls varies fastest.
name = 'relevel(season, "Winter")'
cls = levels_sorted("cls")
cols = [("(Intercept)", lambda r: 1.0)] + [("cls" + l, ind("cls", l)) for l in cls[1:]]
for s in ["Spring", "Summer"]:
    for l in cls:
        cols.append(("cls" + l + ":" + name + s, (lambda l, s: lambda r: float(r["cls"] == l and r["season"] == s))(l, s)))
CASES.append(("mm24", '~ cls + cls:relevel(season, "Winter")', cols))

# mm25: ~ relevel(factor(cls, levels = c("1", "2", "10")), ref = "10") + age. Levels 10, 1, 2.
name = 'relevel(factor(cls, levels = c("1", "2", "10")), ref = "10")'
CASES.append(("mm25", '~ relevel(factor(cls, levels = c("1", "2", "10")), ref = "10") + age',
              [("(Intercept)", lambda r: 1.0)] + [(name + l, ind("cls", l)) for l in ["1", "2"]] +
              [("age", lambda r: float(r["age"]))]))

# mm26: ~ factor(sex, levels = c("M", "F")) * trt. Reference M: column F; trt B; their product.
name = 'factor(sex, levels = c("M", "F"))'
CASES.append(("mm26", '~ factor(sex, levels = c("M", "F")) * trt',
              [("(Intercept)", lambda r: 1.0), (name + "F", ind("sex", "F")), ("trtB", ind("trt", "B")),
               (name + "F:trtB", lambda r: float(r["sex"] == "F" and r["trt"] == "B"))]))

# mm27: ~ 0 + relevel(sam, ref = 2). A number as ref is a position: the second of A1, A2, B1,
# B10, B2 (bytes), A2, goes first; no intercept: indicators of all five in that order.
sam = levels_sorted("sam")
order = [sam[1]] + [l for k, l in enumerate(sam) if k != 1]
CASES.append(("mm27", "~ 0 + relevel(sam, ref = 2)", [("relevel(sam, ref = 2)" + l, ind("sam", l)) for l in order]))


def fmt(x):
    return "%.17g" % x


with open(os.path.join(HERE, "mm_formulas_derived.csv"), "w", newline="") as f:
    w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(["id", "formula"])
    for cid, formula, _ in CASES:
        w.writerow([cid, formula])

for cid, _, cols in CASES:
    with open(os.path.join(HERE, cid + "_matrix.csv"), "w", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow([c for c, _ in cols])
        for r in rows:
            w.writerow([fmt(fn(r)) for _, fn in cols])
