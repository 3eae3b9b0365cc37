"""Mutation testing of the rule modules: `make mutation` runs `python -m tests.mutation`."""
