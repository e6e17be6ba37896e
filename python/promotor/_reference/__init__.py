"""Helpers of the pure-Python reference evaluator; the entry point is ``promotor.reference``."""
