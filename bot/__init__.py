"""Extractive, citation-grounded answers about who runs the Metropolitan Police.

Importing the package is cheap: models and indexes load lazily on first use.
"""

from .schema import Answer, Chunk, Citation, Document, Hit, Span
from .settings import Settings

__all__ = ["Answer", "Chunk", "Citation", "Document", "Hit", "Settings", "Span"]
