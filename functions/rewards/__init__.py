"""Rewards: the clinic's rules, one ledger row per answer, paying exactly once, the accountant's work."""
