"""Cases: complaints the director handles, from the alert email to resolved; the weekly digest."""
