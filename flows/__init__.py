"""Prefect flows: thin orchestration over the functions in ``pipeline``."""
