"""Helpers shared by tests: `from tests.helpers.kinesis import kinesis_event`."""
