"""carecomplex."""
