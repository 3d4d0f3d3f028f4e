"""Sitroom: structured YAML briefings rendered into a searchable site and PDF situation reports."""

__version__ = "0.1.0"
