"""The HTTP edge: one blueprint per concern; views validate and map errors to JSON 4xx."""
