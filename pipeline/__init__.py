"""Lianming: the document pipeline for joint petition letters (联名信)."""

__version__ = "0.1.0"
