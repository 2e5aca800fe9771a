"""Extractive, citation-grounded answers from a folder of source pages.

Importing the package is cheap: models and indexes load lazily on first use.
"""

from bot.schema import Answer, Chunk, Citation, Document, Hit, Span
from bot.settings import Settings

__all__ = ["Answer", "Chunk", "Citation", "Document", "Hit", "Settings", "Span"]
