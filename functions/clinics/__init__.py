"""A clinic's configuration: one validated JSON document that every stage reads."""
