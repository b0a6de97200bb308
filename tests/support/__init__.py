"""Helpers the tests share: stubs, captured messages, sample records."""
