"""Patients beyond the visit: the register (with erase), reactivation calls, campaign letters, hand-offs."""
