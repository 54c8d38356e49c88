"""Bad input becomes a Python exception with the program's message (flags named as keywords)."""

import re

import pytest

import flashmm
from conftest import DATA, MAIN, run_cli


def cli_error(*args):
    r = run_cli(*args, check=False)
    assert r.returncode == 1, r.stderr
    assert "error: " in r.stderr, r.stderr
    return r.stderr[r.stderr.index("error: ") + len("error: "):].rstrip("\n")


def test_unknown_column_is_an_input_error_with_the_programs_message(s1_adata, tmp_path):
    model = dict(MAIN, fixed="~ 0 + log(libsize) + nosuchcol")
    with pytest.raises(flashmm.InputError) as e:
        flashmm.de(s1_adata, progress=False, **model)
    assert isinstance(e.value, ValueError)
    message = cli_error("de", DATA / "s1.h5ad", "--fixed", model["fixed"], "--random", "~ 0 + sam", "--quiet",
                        "--out", tmp_path / "o")
    assert str(e.value) == message
    assert "nosuchcol" in message


def test_formula_syntax_is_a_parse_error_with_a_caret(s1_adata, tmp_path):
    with pytest.raises(flashmm.ParseError) as e:
        flashmm.de(s1_adata, "~ 0 + log(libsize + cls", "~ 0 + sam", progress=False)
    assert isinstance(e.value, ValueError)
    assert "^" in str(e.value)
    message = cli_error("de", DATA / "s1.h5ad", "--fixed", "~ 0 + log(libsize + cls", "--random", "~ 0 + sam",
                        "--quiet", "--out", tmp_path / "o")
    assert str(e.value) == message


def test_bad_contrast_fails_before_reading_the_cells(s1_adata):
    calls = []
    with pytest.raises(flashmm.ParseError) as e:
        flashmm.de(s1_adata, **MAIN, contrasts=["cls1:trtB - nosuch"], progress=lambda *a: calls.append(a))
    assert "nosuch" in str(e.value)
    assert not [c for c in calls if c[0] == "reading"]


def test_missing_file_is_file_not_found_with_the_programs_message(tmp_path):
    path = tmp_path / "no_such.h5ad"
    with pytest.raises(FileNotFoundError) as e:
        flashmm.de(path, **MAIN, progress=False)
    assert isinstance(e.value, flashmm.IoError) and e.value.filename == str(path)
    assert str(e.value) == cli_error("de", path, "--fixed", MAIN["fixed"], "--random", "~ 0 + sam", "--quiet",
                                     "--out", tmp_path / "o")
    with pytest.raises(FileNotFoundError):
        flashmm.de(DATA / "s1_10x", **MAIN, metadata=tmp_path / "none.csv", progress=False)
    with pytest.raises(FileNotFoundError):
        flashmm.read_fit(tmp_path / "nothing")
    with pytest.raises(FileNotFoundError):
        flashmm.fit(tmp_path / "stats.h5", progress=False)


def test_malformed_file_is_an_io_error(tmp_path):
    bad = tmp_path / "cut.h5ad"
    bad.write_bytes((DATA / "s1.h5ad").read_bytes()[:2000])
    with pytest.raises(flashmm.IoError) as e:
        flashmm.de(bad, **MAIN, progress=False)
    assert isinstance(e.value, OSError) and not isinstance(e.value, FileNotFoundError)
    assert str(bad) in str(e.value)


def test_option_errors_name_the_keyword(s1_adata):
    with pytest.raises(flashmm.OptionError) as e:
        flashmm.de(s1_adata, **dict(MAIN, max_iter=0), progress=False)
    assert e.value.option == "max_iter" and "max_iter=" in str(e.value)
    with pytest.raises(flashmm.OptionError) as e:
        flashmm.de(s1_adata, **MAIN, method="lme4", progress=False)
    assert e.value.option == "method"
    with pytest.raises(flashmm.OptionError) as e:  # the library's own check (LmmOptions::theta0)
        flashmm.de(s1_adata, **MAIN, theta0=[1.0], progress=False)
    assert e.value.option == "theta0" and "(argument theta0=)" in str(e.value)
    with pytest.raises(flashmm.OptionError) as e:
        flashmm.simulate(genes=10, cells=100, de_genes=20, progress=False)
    assert e.value.option == "de_genes"
    assert not re.search(r"--[a-z]", str(e.value))


def test_bad_data_names_the_matrix(s1_adata):
    adata = s1_adata.copy()
    adata.X = adata.X.copy()
    adata.X.data[5] = -1
    with pytest.raises(flashmm.InputError) as e:
        flashmm.de(adata, **MAIN, progress=False)
    assert "negative" in str(e.value)
    adata.X = s1_adata.X.astype("complex64")
    with pytest.raises(flashmm.InputError, match="adata.X holds values of dtype complex64"):
        flashmm.de(adata, **MAIN, progress=False)
    with pytest.raises(flashmm.InputError, match="no layer 'counts'"):
        flashmm.de(s1_adata, **MAIN, layer="counts", progress=False)
    with pytest.raises(flashmm.InputError, match="no raw data"):
        flashmm.de(s1_adata, **MAIN, use_raw=True, progress=False)


def test_results_are_not_overwritten_unasked(s1_adata, tmp_path):
    result = flashmm.de(s1_adata, **MAIN, progress=False)
    result.to_dir(tmp_path / "out")
    with pytest.raises(flashmm.IoError) as e:
        result.to_dir(tmp_path / "out")
    assert "force=True" in str(e.value) and "--" not in str(e.value)
    result.to_dir(tmp_path / "out", force=True)


def test_device_gpu_without_a_usable_gpu_is_a_device_error(s1_adata):
    from flashmm import _flashmm

    usable, why = _flashmm.gpu_available()
    if usable:
        result = flashmm.de(s1_adata, **MAIN, device="gpu", progress=False)
        cpu = flashmm.de(s1_adata, **MAIN, device="cpu", progress=False)
        import numpy as np
        np.testing.assert_allclose(result.coef.to_numpy(), cpu.coef.to_numpy(), rtol=1e-8)
        return
    with pytest.raises(flashmm.DeviceError) as e:
        flashmm.de(s1_adata, **MAIN, device="gpu", progress=False)
    assert isinstance(e.value, RuntimeError) and why and str(e.value)
