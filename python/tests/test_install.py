"""`cmake --install` puts an importable package under the prefix."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BUILD = os.environ.get("FLASHMM_BUILD_DIR")


@pytest.mark.skipif(not BUILD, reason="FLASHMM_BUILD_DIR (the CMake build tree) is set by ctest")
def test_cmake_install_gives_an_importable_package(tmp_path, data_dir):
    subprocess.run(["cmake", "--install", BUILD, "--prefix", str(tmp_path)], check=True, capture_output=True)
    site = tmp_path / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "dist-packages"
    if not site.exists():
        site = site.with_name("site-packages")
    assert (site / "flashmm" / "__init__.py").exists()
    code = ("import flashmm, sys; assert flashmm.__file__.startswith(sys.argv[1]), flashmm.__file__; "
            "r = flashmm.de(sys.argv[2], '~ 0 + log(libsize) + cls', '~ 0 + sam', progress=False); "
            "print(len(r.genes))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    r = subprocess.run([sys.executable, "-c", code, str(site), str(Path(data_dir) / "s1.h5ad")], env=env,
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "60"
