"""Docker-free Lambda packaging: the project's code as one asset, third-party deps as a layer.

CDK runs `try_bundle` of an `ILocalBundling` before it would fall back to Docker; returning
True means the output directory is ready. The code asset is a copy of the package plus prompts/
beside it (so `/var/task/prompts` exists at runtime). The layer is made by pip from the pinned
lock file (lambdas/requirements.lock, transitive dependencies included) with `--platform
manylinux2014_aarch64 --only-binary=:all: --no-deps`, so that wheels match the arm64 runtime even
though synth runs on x86; the result is cached under `.layer-cache/<hash>` (hash of the lock, the
Python version, the platform and the bytecode interpreter), so repeated synths never reinstall.

Bytecode: Lambda's /var/task and /opt are read-only, so code shipped without `.pyc` is compiled
at every cold start. Both assets are compiled (`compileall`, unchecked-hash pycs, so the runtime
never stats a source to validate them) when an interpreter of the runtime's exact version is
found: context `bytecodePython`, else `python3.X` on PATH, else pyenv's, else this interpreter if
it is that version. Bytecode is specific to the interpreter version, so without one the assets
ship source only and the synth warns (docs/deploy.md, "Runtime and cold start").
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Final

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
PACKAGE_DIR: Final = REPO_ROOT / "lambdas" / "callrecap"
PROMPTS_DIR: Final = REPO_ROOT / "prompts"
LAYER_CACHE: Final = REPO_ROOT / ".layer-cache"
PLATFORM: Final = "manylinux2014_aarch64"
LOCK_FILE: Final = REPO_ROOT / "lambdas" / "requirements.lock"
LAMBDA_TASK_ROOT: Final = "/var/task"
LAMBDA_PROMPTS_DIR: Final = f"{LAMBDA_TASK_ROOT}/prompts"
LAMBDA_LAYER_PYTHON: Final = "/opt/python"

_IGNORED: Final = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")
# Docker is never used: each asset below has a local bundler that always succeeds or raises.
_NO_DOCKER: Final = cdk.DockerImage.from_registry("callrecap/no-docker-bundling")


def runtime_dependencies(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """[project].dependencies: what the Lambdas import besides the runtime's boto3."""
    with pyproject.open("rb") as handle:
        deps = tomllib.load(handle)["project"].get("dependencies", [])
    return sorted(str(dep) for dep in deps if not str(dep).lower().startswith(("boto3", "botocore")))


def locked_requirements(lock: Path = LOCK_FILE) -> list[str]:
    """The pinned lines of the lock file (comments and blanks dropped)."""
    lines = (line.split("#", 1)[0].strip() for line in lock.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def layer_cache_key(requirements: list[str], python_version: str, bytecode: str = "") -> str:
    """`bytecode`: the version of the interpreter that compiled the layer ("" for source only)."""
    parts = [PLATFORM, python_version, f"bytecode={bytecode}", *requirements]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def interpreter_version(executable: str) -> str:
    """ "3.X" of a Python interpreter, "" if it does not run."""
    try:
        done = subprocess.run(  # noqa: S603 (an interpreter path, fixed argv)
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def find_bytecode_interpreter(python_version: str, configured: str = "") -> str | None:
    """An interpreter of exactly `python_version` to compile bytecode with (None: ship source)."""
    candidates: list[str] = []
    if configured:
        candidates.append(configured)
    on_path = shutil.which(f"python{python_version}")
    if on_path:
        candidates.append(on_path)
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(p / "bin" / "python") for p in sorted(pyenv.glob(f"{python_version}.*"), reverse=True)]
    candidates.append(sys.executable)
    for candidate in candidates:
        if interpreter_version(candidate) == python_version:
            return candidate
    return None


def compile_bytecode(interpreter: str, directory: Path, runtime_dir: str) -> None:
    """`.pyc` for every module under `directory`, with tracebacks naming `runtime_dir` paths."""
    command = [
        interpreter, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
        "-s", str(directory), "-p", runtime_dir, str(directory),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv)
    if result.returncode != 0:
        raise RuntimeError(
            f"compiling bytecode failed ({' '.join(command)}):\n{result.stdout}{result.stderr}"
        )


@jsii.implements(cdk.ILocalBundling)
class CodeBundler:
    """Copies lambdas/callrecap and prompts/ into the asset directory; compiles it with `interpreter`."""

    def __init__(self, interpreter: str | None = None) -> None:
        self._interpreter = interpreter

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_: object) -> bool:
        out = Path(output_dir)
        shutil.copytree(PACKAGE_DIR, out / "callrecap", ignore=_IGNORED, dirs_exist_ok=True)
        if PROMPTS_DIR.is_dir():
            shutil.copytree(PROMPTS_DIR, out / "prompts", ignore=_IGNORED, dirs_exist_ok=True)
        if self._interpreter:
            compile_bytecode(self._interpreter, out, LAMBDA_TASK_ROOT)
        return True


@jsii.implements(cdk.ILocalBundling)
class LayerBundler:
    """Installs the locked dependencies for arm64 into `<output>/python` (cached by hash)."""

    def __init__(
        self,
        requirements: list[str],
        python_version: str,
        *,
        skip_install: bool,
        interpreter: str | None = None,
    ) -> None:
        self._requirements = requirements
        self._python_version = python_version
        self._skip_install = skip_install
        self._interpreter = interpreter

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_: object) -> bool:
        target = Path(output_dir) / "python"
        if self._skip_install:
            target.mkdir(parents=True, exist_ok=True)
            (target / "SKIPPED_LAYER_BUILD.txt").write_text(
                "skipLayerBuild was set: this layer is empty and the functions cannot run.\n"
            )
            return True
        if self._interpreter:
            cached = build_layer(self._requirements, self._python_version, interpreter=self._interpreter)
        else:
            cached = build_layer(self._requirements, self._python_version)
        shutil.copytree(cached, target, dirs_exist_ok=True)
        return True


def build_layer(requirements: list[str], python_version: str, *, interpreter: str | None = None) -> Path:
    """Return `.layer-cache/<key>/python`, running pip only when that directory is missing."""
    key = layer_cache_key(requirements, python_version, python_version if interpreter else "")
    final = LAYER_CACHE / key / "python"
    if final.is_dir():
        return final
    staging = LAYER_CACHE / f"{key}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", PLATFORM, "--only-binary=:all:", "--implementation", "cp",
        "--python-version", python_version, "--no-deps", "--target", str(staging / "python"), *requirements,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv)
    if result.returncode != 0:
        raise RuntimeError(f"building the Lambda layer failed ({' '.join(command)}):\n{result.stderr}")
    if interpreter:
        compile_bytecode(interpreter, staging / "python", LAMBDA_LAYER_PYTHON)
    (staging / "requirements.txt").write_text("\n".join(requirements) + "\n")
    final.parent.parent.mkdir(parents=True, exist_ok=True)
    if (LAYER_CACHE / key).exists():  # another synth finished first
        shutil.rmtree(staging, ignore_errors=True)
    else:
        staging.rename(LAYER_CACHE / key)
    return final


def code_asset(interpreter: str | None = None) -> lambda_.Code:
    """The whole project package as one asset shared by every function (one upload)."""
    return lambda_.Code.from_asset(
        str(PACKAGE_DIR),
        asset_hash_type=cdk.AssetHashType.OUTPUT,
        bundling=cdk.BundlingOptions(image=_NO_DOCKER, local=CodeBundler(interpreter)),
    )


def dependency_layer_code(
    runtime: lambda_.Runtime, *, skip_install: bool, interpreter: str | None = None
) -> lambda_.Code:
    """Layer contents; the asset hash is the layer cache key so CDK can reuse staged output."""
    python_version = runtime.name.removeprefix("python")
    requirements = locked_requirements()
    bytecode = python_version if interpreter else ""
    key = layer_cache_key(requirements, python_version, bytecode) + ("-empty" if skip_install else "")
    return lambda_.Code.from_asset(
        str(REPO_ROOT / "infra"),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=key,
        bundling=cdk.BundlingOptions(
            image=_NO_DOCKER,
            local=LayerBundler(
                requirements, python_version, skip_install=skip_install, interpreter=interpreter
            ),
        ),
    )
