"""Docker-free Lambda packaging: the project's code as one asset, third-party deps as a layer.

CDK runs `try_bundle` of an `ILocalBundling` before it would fall back to Docker; returning
True means the output directory is ready. The code asset is a plain copy (the package plus
prompts/ beside it, so `/var/task/prompts` exists at runtime). The layer is made by pip with
`--platform manylinux2014_aarch64 --only-binary=:all:` so that wheels match the arm64 runtime
even though synth runs on x86; the result is cached under `.layer-cache/<hash>` (hash of the
requirements, the Python version and the platform), so repeated synths never reinstall.
"""

from __future__ import annotations

import hashlib
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
LAMBDA_TASK_ROOT: Final = "/var/task"
LAMBDA_PROMPTS_DIR: Final = f"{LAMBDA_TASK_ROOT}/prompts"

_IGNORED: Final = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")
# Docker is never used: each asset below has a local bundler that always succeeds or raises.
_NO_DOCKER: Final = cdk.DockerImage.from_registry("callrecap/no-docker-bundling")


def runtime_dependencies(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """[project].dependencies: what the Lambdas import besides the runtime's boto3."""
    with pyproject.open("rb") as handle:
        deps = tomllib.load(handle)["project"].get("dependencies", [])
    return sorted(str(dep) for dep in deps if not str(dep).lower().startswith(("boto3", "botocore")))


def layer_cache_key(requirements: list[str], python_version: str) -> str:
    digest = hashlib.sha256("\n".join([PLATFORM, python_version, *requirements]).encode()).hexdigest()
    return digest[:16]


@jsii.implements(cdk.ILocalBundling)
class CodeBundler:
    """Copies lambdas/callrecap and prompts/ into the asset directory."""

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_: object) -> bool:
        out = Path(output_dir)
        shutil.copytree(PACKAGE_DIR, out / "callrecap", ignore=_IGNORED, dirs_exist_ok=True)
        if PROMPTS_DIR.is_dir():
            shutil.copytree(PROMPTS_DIR, out / "prompts", ignore=_IGNORED, dirs_exist_ok=True)
        return True


@jsii.implements(cdk.ILocalBundling)
class LayerBundler:
    """Installs the runtime dependencies for arm64 into `<output>/python` (cached by hash)."""

    def __init__(self, requirements: list[str], python_version: str, *, skip_install: bool) -> None:
        self._requirements = requirements
        self._python_version = python_version
        self._skip_install = skip_install

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_: object) -> bool:
        target = Path(output_dir) / "python"
        if self._skip_install:
            target.mkdir(parents=True, exist_ok=True)
            (target / "SKIPPED_LAYER_BUILD.txt").write_text(
                "skipLayerBuild was set: this layer is empty and the functions cannot run.\n"
            )
            return True
        cached = build_layer(self._requirements, self._python_version)
        shutil.copytree(cached, target, dirs_exist_ok=True)
        return True


def build_layer(requirements: list[str], python_version: str) -> Path:
    """Return `.layer-cache/<key>/python`, running pip only when that directory is missing."""
    key = layer_cache_key(requirements, python_version)
    final = LAYER_CACHE / key / "python"
    if final.is_dir():
        return final
    staging = LAYER_CACHE / f"{key}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", PLATFORM, "--only-binary=:all:", "--implementation", "cp",
        "--python-version", python_version, "--target", str(staging / "python"), *requirements,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv)
    if result.returncode != 0:
        raise RuntimeError(f"building the Lambda layer failed ({' '.join(command)}):\n{result.stderr}")
    (staging / "requirements.txt").write_text("\n".join(requirements) + "\n")
    final.parent.parent.mkdir(parents=True, exist_ok=True)
    if (LAYER_CACHE / key).exists():  # another synth finished first
        shutil.rmtree(staging, ignore_errors=True)
    else:
        staging.rename(LAYER_CACHE / key)
    return final


def code_asset() -> lambda_.Code:
    """The whole project package as one asset shared by every function (one upload)."""
    return lambda_.Code.from_asset(
        str(PACKAGE_DIR),
        asset_hash_type=cdk.AssetHashType.OUTPUT,
        bundling=cdk.BundlingOptions(image=_NO_DOCKER, local=CodeBundler()),
    )


def dependency_layer_code(runtime: lambda_.Runtime, *, skip_install: bool) -> lambda_.Code:
    """Layer contents; the asset hash is the requirements hash so CDK can reuse staged output."""
    python_version = runtime.name.removeprefix("python")
    requirements = runtime_dependencies()
    key = layer_cache_key(requirements, python_version) + ("-empty" if skip_install else "")
    return lambda_.Code.from_asset(
        str(REPO_ROOT / "infra"),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=key,
        bundling=cdk.BundlingOptions(
            image=_NO_DOCKER,
            local=LayerBundler(requirements, python_version, skip_install=skip_install),
        ),
    )
