"""The dashboard's logic: sign-in links, settings edits, the funnel's counters and the numbers read from them."""
