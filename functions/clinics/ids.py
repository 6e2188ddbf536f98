"""The shape of the ids a clinic document uses (the clinic's own, its platforms'), and of an email address."""

from __future__ import annotations

import re

# Lowercase, so it is safe in URLs, S3 keys and DynamoDB keys alike.
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# An address a mail server will take: no spaces, no brackets, a dotted domain.
EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
