"""Invites out: when a visit is due, its link and SMS text, dispatch exactly once, reminders, fan-out per
clinic, and what SMS providers report back."""
