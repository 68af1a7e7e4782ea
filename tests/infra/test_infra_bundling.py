"""Docker-free packaging: what goes into the code asset and how the layer cache is keyed."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk

from infra.bundling import (
    CodeBundler,
    LayerBundler,
    layer_cache_key,
    locked_requirements,
    runtime_dependencies,
)
from infra.config import DeployConfig
from infra.functions import RUNTIMES


def test_code_asset_holds_the_package_and_prompts_beside_it(tmp_path: Path) -> None:
    assert CodeBundler().try_bundle(str(tmp_path), image=cdk.DockerImage.from_registry("unused"))
    assert (tmp_path / "callrecap" / "contracts" / "table.py").is_file()
    assert (tmp_path / "callrecap" / "handlers" / "__init__.py").is_file()
    assert (tmp_path / "prompts").is_dir() and any((tmp_path / "prompts").iterdir())
    assert not list(tmp_path.rglob("__pycache__"))
    assert not (tmp_path / "callrecap_local").exists(), "the local stack is never bundled"


def test_layer_requirements_are_the_project_dependencies_without_boto3() -> None:
    deps = runtime_dependencies()
    assert deps and all(not d.lower().startswith(("boto3", "botocore")) for d in deps)
    assert any(d.startswith("aws-lambda-powertools==") for d in deps)


def test_layer_cache_key_changes_with_requirements_and_python_version() -> None:
    base = layer_cache_key(["a==1"], "3.14")
    assert base == layer_cache_key(["a==1"], "3.14")
    assert base != layer_cache_key(["a==2"], "3.14")
    assert base != layer_cache_key(["a==1"], "3.13")
    assert base != layer_cache_key(["a==1"], "3.14", bytecode="3.14")


def test_the_lock_pins_every_dependency_as_the_project_does() -> None:
    """The layer is built from the lock (transitive pins included); its direct pins are pyproject's."""
    locked = {line.split("==")[0].lower(): line for line in locked_requirements()}
    assert all("==" in line for line in locked.values())
    for dependency in runtime_dependencies():
        name = dependency.split("==")[0].lower()
        assert locked.get(name) == dependency.lower(), f"{dependency} is not locked at that version"
    assert {"jmespath", "markupsafe", "typing-extensions"} <= set(locked)  # transitive ones too


def test_code_asset_is_compiled_when_an_interpreter_of_the_runtime_is_given(tmp_path: Path) -> None:
    import sys

    assert CodeBundler(sys.executable).try_bundle(
        str(tmp_path), image=cdk.DockerImage.from_registry("unused")
    )
    tag = sys.implementation.cache_tag
    assert (tmp_path / "callrecap" / "handlers" / "__pycache__" / f"ingest.{tag}.pyc").is_file()
    assert (tmp_path / "callrecap" / "contracts" / "table.py").is_file()  # sources stay for tracebacks


def test_skipped_layer_is_an_empty_python_dir_and_runs_no_pip(tmp_path: Path) -> None:
    bundler = LayerBundler(["definitely-not-installed==0"], "3.14", skip_install=True)
    assert bundler.try_bundle(str(tmp_path), image=cdk.DockerImage.from_registry("unused"))
    assert [p.name for p in (tmp_path / "python").iterdir()] == ["SKIPPED_LAYER_BUILD.txt"]


def test_runtime_is_the_newest_python_the_cdk_offers() -> None:
    from aws_cdk import aws_lambda as lambda_

    offered = [name for name in dir(lambda_.Runtime) if name.startswith("PYTHON_3_")]
    newest = max(offered, key=lambda name: int(name.rsplit("_", 1)[1]))
    assert RUNTIMES[DeployConfig().python_runtime].name == getattr(lambda_.Runtime, newest).name


def test_real_layer_comes_from_the_pip_cache(tmp_path: Path, monkeypatch) -> None:
    """Without skipLayerBuild (the default, and what `make synth` uses) the layer is pip's output."""
    import infra.bundling as bundling

    cached = tmp_path / "cache" / "python"
    (cached / "jinja2").mkdir(parents=True)
    (cached / "jinja2" / "__init__.py").write_text("")
    calls: list[tuple[list[str], str]] = []

    def fake_build_layer(requirements: list[str], python_version: str) -> Path:
        calls.append((requirements, python_version))
        return cached

    monkeypatch.setattr(bundling, "build_layer", fake_build_layer)
    out = tmp_path / "out"
    out.mkdir()
    assert LayerBundler(["jinja2==3.1.6"], "3.14", skip_install=False).try_bundle(
        str(out), image=cdk.DockerImage.from_registry("unused")
    )
    assert calls == [(["jinja2==3.1.6"], "3.14")]
    assert (out / "python" / "jinja2" / "__init__.py").is_file()


def test_pip_targets_arm64_wheels_for_the_lambda_python(monkeypatch, tmp_path: Path) -> None:
    import subprocess

    import infra.bundling as bundling

    monkeypatch.setattr(bundling, "LAYER_CACHE", tmp_path)
    seen: list[list[str]] = []

    def fake_run(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        seen.append(command)
        target = Path(command[command.index("--target") + 1])
        target.mkdir(parents=True)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(bundling.subprocess, "run", fake_run)
    layer = bundling.build_layer(["jinja2==3.1.6"], "3.14")
    (command,) = seen
    assert command[command.index("--platform") + 1] == "manylinux2014_aarch64"
    assert "--only-binary=:all:" in command
    assert command[command.index("--python-version") + 1] == "3.14"
    assert layer.is_dir() and layer.parent.name == bundling.layer_cache_key(["jinja2==3.1.6"], "3.14")
    assert bundling.build_layer(["jinja2==3.1.6"], "3.14") == layer
    assert len(seen) == 1, "a cached layer is not rebuilt"
