"""The answer: the patient's score and words, routed to the review platforms or the director; the page."""
