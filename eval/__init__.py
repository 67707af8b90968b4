"""Gold-set evaluation and the regression gate (python -m eval)."""
