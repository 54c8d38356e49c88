"""Builds flashmm's Python package with the project's CMake (the module flashmm._flashmm, target
flashmm_python) and installs it with the pure-Python files of python/flashmm.

    pip install --no-build-isolation --no-index --no-deps ./python

Environment: FLASHMM_CMAKE_ARGS (extra configure arguments, e.g. "-DFLASHMM_CUDA=OFF"),
FLASHMM_BUILD_JOBS (parallel jobs; default all cores).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(flashmm VERSION ([0-9.]+)", text).group(1)


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        target = Path(self.get_ext_fullpath(ext.name)).resolve()
        build = Path(self.build_temp).resolve() / "cmake"
        args = [f"-S{ROOT}", f"-B{build}", "-DCMAKE_BUILD_TYPE=Release", "-DFLASHMM_PYTHON=ON",
                f"-DFLASHMM_PYTHON_EXECUTABLE={sys.executable}", "-DFLASHMM_BUILD_TESTS=OFF",
                "-DFLASHMM_BUILD_BENCHMARKS=OFF"]
        if shutil.which("ccache"):
            args += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_CUDA_COMPILER_LAUNCHER=ccache"]
        args += os.environ.get("FLASHMM_CMAKE_ARGS", "").split()
        subprocess.check_call(["cmake", *args])
        jobs = os.environ.get("FLASHMM_BUILD_JOBS", str(os.cpu_count() or 1))
        subprocess.check_call(["cmake", "--build", str(build), "--target", "flashmm_python", "-j", jobs])
        built = sorted((build / "python" / "flashmm").glob("_flashmm*.so"))
        if not built:
            raise RuntimeError(f"the build left no module in {build / 'python' / 'flashmm'}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built[0], target)
        # The module links libflashmm.so (found beside it: RUNPATH $ORIGIN), which loads the CUDA
        # plugin libflashmm_cuda.so from beside itself on first GPU use.
        for lib in ("libflashmm.so", "libflashmm_cuda.so"):
            if (build / lib).exists():
                shutil.copy2(build / lib, target.parent / lib)


setup(
    name="flashmm",
    version=version(),
    description="Single-cell differential expression with linear mixed models (the FLASHMM method)",
    packages=["flashmm"],
    package_dir={"flashmm": "flashmm"},
    ext_modules=[CMakeExtension("flashmm._flashmm")],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy", "scipy", "pandas", "anndata", "matplotlib"],
    zip_safe=False,
)
