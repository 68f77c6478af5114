"""Fast in-process tests of feature modules (see conftest.py)."""
