"""Returned workbooks: coercion, reading one return, validating a batch."""
