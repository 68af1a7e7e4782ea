"""Run llama-cpp-python's OpenAI-compatible server with llama.cpp's extra buffer types off.

Runs inside the model-check virtualenv (bench/model_check/venv.py), not the project's. On the
CPUs of these machines llama.cpp's AMX kernels crash (a general protection fault in
ggml_backend_amx_mul_mat) on the first completion; the server has no option for the model
parameter `use_extra_bufts`, so the defaults it starts from are patched here. Every argument is
passed on to `python -m llama_cpp.server`.
"""

from __future__ import annotations

import llama_cpp.llama_cpp as native

_defaults = native.llama_model_default_params


def _without_extra_buffer_types():  # type: ignore[no-untyped-def]
    params = _defaults()
    params.use_extra_bufts = False
    return params


native.llama_model_default_params = _without_extra_buffer_types

if __name__ == "__main__":
    from llama_cpp.server.__main__ import main

    main()
