"""The bundled prompts/ directory on disk: where it is, and its files as {name: text}.

Where the bundled prompts are found (first existing directory wins):
  1. `Settings.prompts_dir` (CALLRECAP_PROMPTS_DIR) when set;
  2. `prompts/` beside the `callrecap` package: the Lambda asset layout, where the CDK bundling
     copies prompts/ next to the package;
  3. the repository's `prompts/` (`lambdas/callrecap/../../prompts`): a checkout or editable install.
"""

from __future__ import annotations

from pathlib import Path

from callrecap.domain.summaries.prompts import (
    SECTIONS_FILE,
    TEMPLATE_SUFFIX,
    PromptError,
    PromptSet,
    prompt_set_from_files,
)


def bundled_prompts_dir(configured: str = "", *, package_dir: Path | None = None) -> Path:
    """The prompts directory per the lookup order in the module docstring."""
    if configured:
        path = Path(configured)
        if not path.is_dir():
            raise PromptError(f"prompts directory {configured!r} does not exist")
        return path
    package_dir = package_dir or Path(__file__).resolve().parent.parent
    for candidate in (package_dir.parent / "prompts", package_dir.parent.parent / "prompts"):
        if (candidate / SECTIONS_FILE).is_file():
            return candidate
    raise PromptError(f"no prompts/ directory with {SECTIONS_FILE} beside {package_dir} or its parent")


def read_prompt_files(directory: Path) -> dict[str, str]:
    """The section list and every template of a directory, as {file name: text}."""
    files = {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted(directory.iterdir())
        if path.is_file() and (path.name == SECTIONS_FILE or path.name.endswith(TEMPLATE_SUFFIX))
    }
    if SECTIONS_FILE not in files:
        raise PromptError(f"{directory} has no {SECTIONS_FILE}")
    return files


def load_prompt_set(directory: Path | str | None = None) -> PromptSet:
    """Load and validate the prompts of a directory (default: the bundled one)."""
    path = bundled_prompts_dir() if directory is None else Path(directory)
    return prompt_set_from_files(read_prompt_files(path), source=str(path))
