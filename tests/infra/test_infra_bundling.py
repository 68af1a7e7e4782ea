"""Docker-free packaging: what goes into the code asset and how the layer cache is keyed."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk

from infra.bundling import CodeBundler, LayerBundler, layer_cache_key, runtime_dependencies
from infra.functions import RUNTIME


def test_code_asset_holds_the_package_and_prompts_beside_it(tmp_path: Path) -> None:
    assert CodeBundler().try_bundle(str(tmp_path), image=cdk.DockerImage.from_registry("unused"))
    assert (tmp_path / "callrecap" / "contracts.py").is_file()
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


def test_skipped_layer_is_an_empty_python_dir_and_runs_no_pip(tmp_path: Path) -> None:
    bundler = LayerBundler(["definitely-not-installed==0"], "3.14", skip_install=True)
    assert bundler.try_bundle(str(tmp_path), image=cdk.DockerImage.from_registry("unused"))
    assert [p.name for p in (tmp_path / "python").iterdir()] == ["SKIPPED_LAYER_BUILD.txt"]


def test_runtime_is_the_newest_python_the_cdk_offers() -> None:
    from aws_cdk import aws_lambda as lambda_

    offered = [name for name in dir(lambda_.Runtime) if name.startswith("PYTHON_3_")]
    newest = max(offered, key=lambda name: int(name.rsplit("_", 1)[1]))
    assert RUNTIME.name == getattr(lambda_.Runtime, newest).name
