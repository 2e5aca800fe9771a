"""Extractive, citation-grounded answers from a folder of source pages.

Importing the package is cheap: models and indexes load lazily on first use.
"""

from .schema import Answer, Chunk, Citation, Document, Hit, Span
from .settings import Settings

__all__ = ["Answer", "Chunk", "Citation", "Document", "Hit", "Settings", "Span"]
