"""Grouping letters into cases (policy §1): one case per underlying matter."""
