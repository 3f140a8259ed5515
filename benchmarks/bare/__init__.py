"""A bare Channels app: the stack's own limit for the same streaming load."""
