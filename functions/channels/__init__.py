"""The patient's own channel and the directors' fast path: WhatsApp for patients who prefer it (SMS otherwise,
and SMS once when WhatsApp fails for good), and a Telegram bot that brings a complaint to a director's phone
with buttons that act on the case."""
