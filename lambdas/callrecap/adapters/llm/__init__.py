"""Summarizer providers (bedrock, lambda, openai, extractive) behind the ports of domain.ports."""
