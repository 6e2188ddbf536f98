"""Visits in: CSV exports, the visits API, files dropped into S3, contact preferences and API keys."""
