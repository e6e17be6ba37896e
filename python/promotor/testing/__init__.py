"""What promotor ships for testing promotions: the pure-Python reference evaluator
(:mod:`promotor.testing.reference`), the oracle the Rust core is compared with."""
